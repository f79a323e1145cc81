package clickhouse

import (
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hocvu/hocvu/analytics"
)

// factColumn declares one column of the table statements: its name, its
// ClickHouse type (as the migrations create it) and how its values come
// from facts. The declaration is the one place the columns are listed: the
// insert (factColumns, appendFactColumns), the rewrite of re-attributed
// months (reattributedColumns), and the tests that hold it against the
// migrated table and the schema table of docs/analytics.md use it.
type factColumn struct {
	name, typ string
	// values returns the column's values for facts, as the slice the
	// driver appends column-wise (faster than row by row).
	values func(facts []analytics.Fact) any
}

// of makes the values of a column from one field of a fact.
func of[T any](field func(*analytics.Fact) T) func([]analytics.Fact) any {
	return func(facts []analytics.Fact) any {
		out := make([]T, len(facts))
		for i := range facts {
			out[i] = field(&facts[i])
		}
		return out
	}
}

// millis is the millisecond part of a time (the DateTime column holds
// whole seconds).
func millis(t time.Time) uint16 { return uint16(t.Nanosecond() / 1e6) }

// array is an array column, never NULL (nil becomes empty).
func array(field func(*analytics.Fact) []string) func([]analytics.Fact) any {
	return of(func(f *analytics.Fact) []string {
		if v := field(f); v != nil {
			return v
		}
		return []string{}
	})
}

// factSchema is the table statements, in insert order.
var factSchema = []factColumn{
	{"event_position", "UInt64", of(func(f *analytics.Fact) uint64 { return f.Position })},
	{"event_prepare", "UInt64", of(func(f *analytics.Fact) uint64 { return f.Prepare })},
	{"statement_id", "String", of(func(f *analytics.Fact) string { return f.StatementID })},
	{"stored", "DateTime", of(func(f *analytics.Fact) time.Time { return f.Stored })},
	{"stored_ms", "UInt16", of(func(f *analytics.Fact) uint16 { return millis(f.Stored) })},
	{"timestamp", "DateTime", of(func(f *analytics.Fact) time.Time { return f.Timestamp })},
	{"timestamp_ms", "UInt16", of(func(f *analytics.Fact) uint16 { return millis(f.Timestamp) })},
	{"date", "Date", of(func(f *analytics.Fact) time.Time { return f.Date })},
	{"verb", "String", of(func(f *analytics.Fact) string { return f.Verb })},
	{"object_id", "String", of(func(f *analytics.Fact) string { return f.ObjectID })},
	{"object_type", "String", of(func(f *analytics.Fact) string { return f.ObjectType })},
	{"activity_type", "String", of(func(f *analytics.Fact) string { return f.ActivityType })},
	{"course_id", "String", of(func(f *analytics.Fact) string { return f.CourseID })},
	{"registration", "String", of(func(f *analytics.Fact) string { return f.Registration })},
	{"actor_id", "UInt64", of(func(f *analytics.Fact) uint64 { return f.ActorID })},
	{"result_success", "Int8", of(func(f *analytics.Fact) int8 { return f.Success })},
	{"result_completion", "Int8", of(func(f *analytics.Fact) int8 { return f.Completion })},
	{"has_score", "UInt8", of(func(f *analytics.Fact) uint8 { return f.HasScore })},
	{"score_scaled", "Float64", of(func(f *analytics.Fact) float64 { return f.ScoreScaled })},
	{"score_raw", "Float64", of(func(f *analytics.Fact) float64 { return f.ScoreRaw })},
	{"duration_seconds", "Float64", of(func(f *analytics.Fact) float64 { return f.DurationSeconds })},
	{"expected_seconds", "Float64", of(func(f *analytics.Fact) float64 { return f.ExpectedSeconds })},
	{"platform", "String", of(func(f *analytics.Fact) string { return f.Platform })},
	{"language", "String", of(func(f *analytics.Fact) string { return f.Language })},
	{"province", "String", of(func(f *analytics.Fact) string { return f.Province })},
	{"commune", "String", of(func(f *analytics.Fact) string { return f.Commune })},
	{"target_group", "String", of(func(f *analytics.Fact) string { return f.TargetGroup })},
	{"subgroups", "Array(String)", array(func(f *analytics.Fact) []string { return f.Subgroups })},
	{"household_id", "UInt64", of(func(f *analytics.Fact) uint64 { return f.HouseholdID })},
	{"team", "String", of(func(f *analytics.Fact) string { return f.Team })},
	{"mentor", "String", of(func(f *analytics.Fact) string { return f.Mentor })},
	{"ext_keys", "Array(String)", array(func(f *analytics.Fact) []string { return f.ExtKeys })},
}

// factColumns is the insert column list (explicit, as 18.16 needs).
var factColumns = func() string {
	names := make([]string, len(factSchema))
	for i, c := range factSchema {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}()

// appendFactColumns fills the columns of factColumns, in order.
func appendFactColumns(batch driver.Batch, facts []analytics.Fact) error {
	for i, c := range factSchema {
		if err := batch.Column(i).Append(c.values(facts)); err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	return nil
}
