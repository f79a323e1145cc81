// Package forwarding delivers stored statements to other systems: another
// xAPI LRS (forwarding/xapitarget) or a webhook (forwarding/webhook). A
// forward is a catch-up subscription to the event log with its own
// checkpoint, a filter and a target.
//
// Everything about a forward is an event, so its whole history stays in the
// log:
//
//   - its configuration (created, changed, paused, resumed, deleted, and
//     operators' requests to re-drive dead letters) in the stream "forwards"
//     (Registry, Service);
//   - its progress in "forward-progress-<id>": every batch is recorded as
//     started before its first attempt, then as delivered or dead-lettered,
//     and every failed attempt in between; each of these events carries the
//     forward's whole progress (checkpoint, the batch in flight, counters,
//     last error), so the last event of the stream is the state;
//   - its dead letters in "forward-deadletters-<id>".
//
// Delivery is at least once, in log order per forward. A batch is recorded
// before it is sent, so after a crash exactly that batch (the same
// statements under the same delivery id) is sent again and nothing else.
// Progress events are appended at the exact revision the forwarder last
// wrote, so a forwarder that lost its lease to another process cannot
// record anything: one process delivers each forward (Supervisor, run under
// the projections/lease lease "forwarding" on a shared store).
//
// Failures are classified (Classify): a transient failure (no answer, 408,
// 425, 429, 5xx, and 401, 403, 404 and 407, which mean the target or its
// credentials are misconfigured rather than the batch wrong) is retried with
// exponential backoff and jitter, honouring Retry-After, for as long as it
// lasts; a rejection (any other 4xx) is retried up to the forward's
// MaxAttempts and then the batch goes to the dead letters, after which the
// forward continues (OnReject "continue", the default) or pauses itself
// (OnReject "pause"). Dead letters are re-driven on request with their
// original delivery id.
//
// An event a forward cannot handle (a statement that does not decode or
// cannot be prepared for the target, a reference-data event that does not
// apply) follows the projections' poison-event policy: it is recorded in
// the quarantine (Env.Quarantine, under QuarantineName), counted, logged
// with the same alert, and skipped; the forward delivers the rest.
//
// Secrets (a Basic password, an OAuth2 client secret, a webhook signing
// key) are never stored in clear: either the event holds a reference
// ("env:NAME" or "file:PATH", resolved by the delivering process), or the
// secret sealed with AES-256-GCM under the forward-secrets key (SecretBox).
// Secrets never appear in logs, errors or API answers.
package forwarding
