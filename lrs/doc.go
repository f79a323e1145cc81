// Package lrs is the xAPI domain of Hocvu: it decides what a write means
// (validation, LRS-set fields, idempotency, conflicts, voiding) and turns
// accepted writes into events on the log. It knows nothing of HTTP
// (lrs/httpapi) and nothing of a particular event store (it uses the
// eventstore contract).
package lrs
