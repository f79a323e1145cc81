// Package reference holds the campaign's reference data: the province and
// its communes/wards (with area types), the population of each target
// group per commune (the denominators of every percentage), the yearly
// targets, the community digital-technology teams, the mentors (digital
// ambassadors) and the learner directory that gives commune, group,
// household and mentor to learners whose statements lack them.
//
// Reference data arrives as CSV files (one per kind, with a header row,
// see [ParseCSV]) or as one JSON document with every kind ([ParseJSON]).
// Both are validated completely: every problem is reported with its file,
// line, column and field ([Problems]), not only the first.
//
// Reference data is kept as events, like everything in Hocvu: [Load]
// appends one "set" per kind that changed to the stream "reference-data"
// (event types reference.<kind>.set.v1, see events.go), at the stream's
// exact revision, and [Replay] / [State.Apply] fold those events back into
// the current data, so any consumer (the analytics dimension tables, the
// dashboards) can rebuild it from the log. A set replaces the whole kind.
//
// [Default] is a realistic synthetic province (Quảng Ngãi-like: 96
// communes and wards, about 1.4 million people, 1,477 community teams with
// about 12,000 members) with the provincial plan's 2025 and 2026 targets.
// Its names are plausible and its codes GSO-like, not official: a
// province loads its own lists.
//
// Types are plain values; nothing here keeps global state. Load and
// Replay take a context and do I/O only through the event store
// interfaces.
package reference
