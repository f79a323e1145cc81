// Package analyticsfacts is the projection of the event log into an
// analytics engine (an analytics.Sink): it flattens each stored statement
// event into an analytics.Fact, pseudonymizing learners and households,
// applies voiding, learns course names from statements stored with the
// define scope, attributes statements from the learner directory (and
// attributes the facts already written again when the directory changes),
// and turns the campaign's reference data into the dimension rows. Each
// batch goes to the sink with its checkpoint, so the sink holds every fact
// exactly once whatever crashes.
//
// Extraction has no I/O: an event that cannot be turned into a fact (or
// whose extraction panics) fails the same way every time and is returned
// as its poison (projections.Poison), which the runner quarantines.
//
// The rules it applies are written in docs/analytics.md; the engines'
// contract, which this package writes to, is package analytics.
package analyticsfacts
