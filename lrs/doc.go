// Package lrs is the xAPI domain of Hocvu: it decides what a write means
// and turns accepted writes into events on the log. StatementService
// applies the xAPI rules of a statement write (refused JSON, validation,
// attachments, the LRS-set id, authority and version, read-your-writes)
// and StatementWriter decides idempotency, conflicts and voiding and
// appends. It also declares the query contract of the statement read
// model (StatementQuerier, Query, Cursor, StoredStatement), which a
// projection implements. It knows nothing of HTTP (lrs/httpapi), of a
// particular event store (it uses the eventstore contract) or of a
// projection.
package lrs
