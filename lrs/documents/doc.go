// Package documents is the xAPI document store of Hocvu: the State,
// Activity Profile and Agent Profile resources (xAPI 1.0.3 Communication
// 2.2–2.7 and 3.1; IEEE 9274.1.1 "xAPI 2.0" 4.1.4 and 4.1.6.2–4.1.6.6), kept
// as events.
//
// # Model
//
// A document is addressed by a [Key]: the resource, the Activity id and/or
// the Agent (by its inverse functional identifier, see [AgentKey]), the
// registration (State only, optional) and the document id (stateId or
// profileId). Every document has its own stream, [Key.Stream]; each change
// is one event on it: [EventDocumentSet] when the document gets new
// content (PUT, or POST which stores or merges), [EventDocumentDeleted]
// when it is deleted. The content itself is not in the event: it is kept
// in a content-addressed blob store by SHA-256 (written and fsynced before
// the event is appended), and the event carries its hashes, size and
// Content-Type. The current document is the last event of its stream.
//
// # Concurrency
//
// The ETag of a document is the quoted lower-case hex SHA-1 of its content
// (1.0.3 3.1.s4.b2 requires exactly this; the conformance suites of both
// versions check for 40 hex digits). A write reads the last event of the
// document's stream, evaluates If-Match / If-None-Match against it, and
// appends at exactly the revision it read (or NoStream). Two writers that
// evaluated their conditions against the same state cannot both append:
// the store rejects the second with a wrong-expected-revision error. What
// the loser gets:
//
//   - a conditional request (If-Match or If-None-Match) gets 412: the
//     state its condition held for no longer exists;
//   - an unconditional request is decided again against the new state, as
//     if it had arrived after the winner: a POST merges into the winner's
//     document, a DELETE deletes it, a PUT of a State document overwrites it
//     under 1.0.3 and gets 409 under 2.0 (see below).
//
// This works on any store that implements the eventstore contract, the
// embedded one and KurrentDB alike, across any number of API replicas.
//
// # Rules (both versions unless marked)
//
//   - PUT with If-Match: 412 unless the document exists and its ETag
//     matches (strong comparison; "*" matches any existing document).
//   - PUT/POST with If-None-Match: 412 when it is "*" and the document
//     exists, or when it lists the current ETag.
//   - PUT with neither header to an existing document: 409 Conflict
//     (1.0.3 3.1.s4.b13, 2.0 4.1.4) — except a State document under 1.0.3,
//     whose Client Requirements say "The State Resource will permit PUT,
//     POST and DELETE requests without concurrency headers": it is
//     overwritten. xAPI 2.0 lists the State Resource with the profile
//     resources without that exception.
//   - PUT with neither header to a profile document that does not exist:
//     400 Bad Request (a client MUST send one of them, 1.0.3 3.1.s3.b1; the
//     ADL conformance suites of both versions expect 400).
//   - POST and DELETE without headers are accepted (clients SHOULD* send
//     If-Match, the suites send none).
//   - POST with Content-Type application/json must carry a JSON object,
//     whether or not the document exists (2.2.s8.b1: 400, nothing is
//     written, not even the blob).
//   - POST to an absent document stores it as sent, whatever its type.
//     POST to an existing document merges: both must be application/json
//     JSON objects (400 otherwise, nothing changes); each top-level property
//     of the posted object replaces the existing one (2.2.s7).
//   - DELETE of an absent document is a 204 no-op; with If-Match it is 412.
//   - A State DELETE without stateId deletes every State document of the
//     Activity and Agent (and registration when given): one deleted event
//     per document, each at the revision it read.
//
// Documents are never lost by a crash after the write was acknowledged:
// the blob is fsynced before the append and the append returns only once
// durable. A blob whose append failed is left behind unreferenced (blobs
// are never deleted: several documents may share one).
package documents
