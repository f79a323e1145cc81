package analyticstest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// timeRangeStored is when the LRS stored the statements of
// TimeRangeDataset (one a minute from then): within one local hour, in
// March 2026.
var timeRangeStored = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

// timeRangeCases are valid xAPI timestamps at and beyond the range of
// fact times (analytics.MinFactTime..MaxFactTime), and whether the fact
// keeps them (else it takes the statement's stored time).
var timeRangeCases = []struct {
	timestamp string
	kept      bool
}{
	{"1970-01-01T00:00:00.000Z", true},
	{"2106-02-07T06:28:15.999Z", true},
	{"1969-12-31T23:59:59.999Z", false}, // ClickHouse: 2106-02-07 06:28:15
	{"1900-01-01T00:00:00Z", false},     // ClickHouse's Date: 2079-06-07
	{"0001-01-01T00:00:00Z", false},
	{"2106-02-07T06:28:16Z", false},      // ClickHouse: 1970-01-01 00:00:00
	{"2106-02-07T13:28:16+07:00", false}, // the same instant
	{"2149-06-07T00:00:00Z", false},      // past ClickHouse's Date too
	{"9999-12-31T23:59:59.999Z", false},
}

// TimeRangeDataset is one learner's lesson completions whose timestamps
// are those of timeRangeCases, stored in March 2026 within one local
// hour, after a reference-data load that lists their commune.
func TimeRangeDataset() *Dataset {
	d := &Dataset{}
	evs, err := reference.Events(&reference.Data{Communes: []reference.Commune{
		{Code: "21172", Name: "Phường Cẩm Thành", Kind: reference.UnitWard, Areas: []reference.AreaType{reference.AreaUrban}},
	}})
	if err != nil {
		panic(err)
	}
	for i := range evs {
		d.entries = append(d.entries, entry{statement: -1, ref: &evs[i]})
	}
	for i, c := range timeRangeCases {
		st := stmt("hv-time", vocab.VerbCompleted, activity(lessonID(courses[0], i), vocab.TypeLesson, "PT15M"),
			map[string]any{"completion": true, "duration": "PT10M"}, contextFor("21172", vocab.GroupCitizen, courses[0]))
		st["id"] = fmt.Sprintf("7a1e0000-0000-4000-8000-%012d", i)
		st["timestamp"] = c.timestamp
		st["stored"] = timeRangeStored.Add(time.Duration(i) * time.Minute).Format("2006-01-02T15:04:05.000Z07:00")
		d.entries = append(d.entries, entry{statement: len(d.Statements)})
		d.Statements = append(d.Statements, st)
	}
	d.seal()
	return d
}

// testTimestampsOutOfRange: a valid timestamp that an engine could not
// hold exactly (ClickHouse wraps DateTime and Date silently) gives way to
// the statement's stored time, on every engine alike, and is counted;
// timestamps at the very ends of the range are kept.
func testTimestampsOutOfRange(t *testing.T, h Harness) {
	e := open(t, h)
	d := TimeRangeDataset()
	p := analyticsfacts.NewProjection(e, pseudonymizer(t), d)
	Project(t, p, d.Events, 4)
	if n := CheckParams(t, e, d, append([]analytics.Params{{Threshold: 3}, {From: "1970-01", To: "1970-01"}, {From: "2106-02"}}, ParamSets...)...); n == 0 {
		t.Fatal("no comparison made")
	}
	// By hand: the months of the statements, and the burst of those that
	// took their stored time (within one local hour).
	fallbacks := 0
	for _, c := range timeRangeCases {
		if !c.kept {
			fallbacks++
		}
	}
	i := func(n int) int64 { return int64(n) }
	trend, err := e.Query(ctx(t), "trend", analytics.Params{})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{
		{"1970-01", i(1), i(1), i(1), i(0), i(0), i(0), i(0)},
		{"2026-03", i(fallbacks), i(1), i(fallbacks), i(0), i(0), i(0), i(0)},
		{"2106-02", i(1), i(1), i(1), i(0), i(0), i(0), i(0)},
	}
	if !reflect.DeepEqual(trend.Rows, want) {
		t.Errorf("trend on %s:\n got %v\nwant %v", e.Engine(), fmtRows(trend.Rows), fmtRows(want))
	}
	bursts, err := e.Query(ctx(t), "bursts", analytics.Params{Threshold: fallbacks})
	if err != nil {
		t.Fatal(err)
	}
	hour := analytics.HourLabel(timeRangeStored)
	if len(bursts.Rows) != 1 || bursts.Rows[0][1] != hour || bursts.Rows[0][3] != i(fallbacks) {
		t.Errorf("bursts on %s: %v, want one of %d completions at %s", e.Engine(), fmtRows(bursts.Rows), fallbacks, hour)
	}
	if got := p.TimestampFallbacks(); got != uint64(fallbacks) {
		t.Errorf("the projection counts %d timestamp fallbacks, want %d", got, fallbacks)
	}
}

// FactTime is what a statement's fact must hold as times: stored and
// timestamp (UTC, to the millisecond), and the local date.
type FactTime struct {
	StatementID       string
	Stored, Timestamp time.Time
	Date              string // 2006-01-02
}

// FactTimes returns the times of the facts of d's statements, by
// statement id, for the engines' tests to compare with what they store
// (the queries only show months and hours).
func (d *Dataset) FactTimes() map[string]FactTime {
	out := make(map[string]FactTime, len(d.Statements))
	for _, st := range d.Statements {
		stored, err := time.Parse(time.RFC3339Nano, st["stored"].(string))
		if err != nil {
			panic(err)
		}
		ts := factTimestamp(st)
		id := strings.ToLower(st["id"].(string))
		out[id] = FactTime{StatementID: id, Stored: stored.UTC(), Timestamp: ts, Date: ts.In(analytics.Local).Format(time.DateOnly)}
	}
	return out
}
