package analytics

import (
	"math"
	"time"
)

// Local is the campaign's time zone (Vietnam, UTC+7, no daylight saving):
// days, months and quarters of the analytics are local ones.
var Local = time.FixedZone("ICT", 7*60*60)

// Fact is one statement flattened for analytics. It holds no personal data.
type Fact struct {
	Position    uint64 // global log position (commit) of the statement's event
	Prepare     uint64
	StatementID string
	Stored      time.Time // UTC
	Timestamp   time.Time // UTC
	Date        time.Time // local date of Timestamp, at 00:00 UTC
	Verb        string
	ObjectID    string // activity id; "agent:<pseudonym>" for an Agent or Group object
	ObjectType  string // Activity, Agent, Group, SubStatement, StatementRef
	// ActivityType is the object's definition.type ("" when not sent).
	ActivityType string
	// CourseID is the course the statement belongs to: the object itself
	// when it is a course, else the first parent or grouping activity
	// typed as a course.
	CourseID     string
	Registration string
	ActorID      uint64 // pseudonym of the actor; 0 for an anonymous group
	Success      int8   // -1 unknown, 0 false, 1 true
	Completion   int8
	HasScore     uint8
	ScoreScaled  float64
	ScoreRaw     float64
	// DurationSeconds is result.duration in seconds, -1 when absent.
	DurationSeconds float64
	// ExpectedSeconds is the object's nominal duration, -1 when unknown.
	ExpectedSeconds float64
	Platform        string
	Language        string
	Province        string
	Commune         string
	TargetGroup     string
	Subgroups       []string
	HouseholdID     uint64
	Team            string
	Mentor          string
	// TimestampFallback is true when the statement's timestamp is outside
	// the range of fact times (MinFactTime..MaxFactTime): Timestamp and
	// Date are then those of Stored. The engines do not store it; the
	// projection counts it (projections/analyticsfacts,
	// Projection.TimestampFallbacks).
	TimestampFallback bool
	// ExtKeys are all context extension keys, sorted. Values are kept only
	// for the campaign's own extensions, in the columns above; other
	// extensions' values are not projected (they may hold personal data and
	// stay available through the Statement API).
	ExtKeys []string
	// CourseNames are the names the statement gives its course (the
	// object's, or its parent or grouping course activity's,
	// definition.name), kept only when the statement was stored with the
	// define scope. They feed the course dimension, not the facts.
	CourseNames []CourseName
}

// The times a fact holds (Stored, Timestamp and the local Date derived
// from Timestamp) lie between MinFactTime and MaxFactTime, the times every
// engine represents exactly: ClickHouse keeps them as DateTime (unsigned
// 32-bit seconds since 1970, plus the milliseconds apart) and Date
// (unsigned 16-bit days, up to 2149-06-06), which its driver wraps without
// an error beyond; DuckDB's TIMESTAMP reaches much further. A statement
// whose timestamp is outside takes its stored time instead
// (Fact.TimestampFallback); one whose stored time is outside (never set so
// by the LRS) is its event's poison.
var (
	MinFactTime = time.Unix(0, 0).UTC()                        // 1970-01-01T00:00:00Z
	MaxFactTime = time.Unix(math.MaxUint32, 999_999_999).UTC() // 2106-02-07T06:28:15.999999999Z
)

// Void says that a voiding statement targets another statement.
type Void struct {
	Target   string // id of the voided statement (lower case)
	By       string // id of the voiding statement
	Position uint64
}
