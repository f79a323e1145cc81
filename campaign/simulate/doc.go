// Package simulate generates a realistic "Bình dân học vụ số" campaign,
// deterministically from a seed: learners spread over the communes and
// target groups of the reference data in proportion to their populations,
// a catalogue of courses with lessons and a quiz, and each learner's
// journey as xAPI statements that follow the campaign profile's templates
// (schemas/profiledoc): launch, progress and complete lessons, pass or fail
// the quiz (with retries), complete the course, earn the certificate,
// with plausible drop-off, durations and pass rates. Participation over
// the campaign window rises with the campaign's pushes (the provincial
// launch, 10 October, quarterly drives). Mentors (digital ambassadors)
// with their mentees, households, and a small share of box-ticking
// accounts (implausibly fast completions, bursts of completions within an
// hour) are part of it; some learners send no commune or group, so the
// learner directory of the generated reference data matters.
//
// [Generate] plans the whole campaign in memory as compact records
// (about 40 bytes per statement) sorted by timestamp; [Campaign.Append]
// renders any statement as JSON, either as a client sends it or as the
// LRS stores it (with stored, authority and version). Rendering does not
// allocate per statement and is safe for concurrent use.
//
// [Campaign.WriteBulk] appends the statements straight to the event store
// the way the LRS does (event type, stream, data and metadata), and
// [Campaign.Post] sends them through the xAPI HTTP API.
package simulate
