// Package xapi holds the statement rules of the xAPI data model, for xAPI
// 1.0.3 and xAPI 2.0.0 (IEEE 9274.1.1), as pure functions over statement
// JSON decoded with json.Decoder.UseNumber into any (map[string]any, []any,
// json.Number, string, bool and nil; see [Decode]).
//
//   - [ValidateStatement], [ValidateStatements], [ValidateAgent],
//     [ValidateActor] and [ValidateActivity] report every broken rule as a
//     [Problem] with a JSON pointer, a stable rule id and a message meant for
//     the content vendor who sent the data. They combine the embedded JSON
//     Schemas of package schemas with the rules a schema cannot express
//     (score relations, distinct interaction component ids, distinct ids in
//     a batch). Numbers the LRS cannot represent ([NumberProblem]) are
//     refused before anything else reads them.
//   - [CheckJSON] checks raw JSON before it is decoded: the nesting depth
//     ([MaxDepth], in constant memory), then repeated properties
//     ([DuplicateKeys]), which decoding into a map would hide.
//   - [Equivalent] compares two statements by the Statement Comparison
//     Requirements (Data 2.3.1), for idempotent re-POST and conflicts.
//   - [Format] produces the exact, ids and canonical representations of
//     GET /statements, with every contextActivities value an array;
//     [ContextActivitiesAsArrays] and [ContextActivitiesAsArraysJSON] do
//     that last part alone, on a decoded statement or on its JSON text.
//   - [VoidingTarget] tells a voiding statement and the statement it voids.
//
// Nothing here does I/O or keeps state; all functions are safe for
// concurrent use and never modify their arguments.
package xapi

import "github.com/hocvu/hocvu/schemas"

// Version selects the rule set; see [schemas.ParseVersion] to map the
// X-Experience-API-Version header.
type Version = schemas.Version

// The supported rule sets.
const (
	V103 = schemas.V103
	V200 = schemas.V200
)

// Problem is one broken rule: a JSON pointer to the value, a stable rule id
// and a readable message.
type Problem = schemas.Problem
