package analyticstest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// Harness adapts one engine to the suite.
type Harness struct {
	// New returns a fresh, empty engine; the suite closes it.
	New func(t testing.TB) analytics.Engine
}

// TestKey is the pseudonym key the suite uses.
var TestKey = []byte("analyticstest pseudonym key 0123456789")

// ParamSets are the filters every named query is checked with.
var ParamSets = []analytics.Params{
	{},
	{From: "2025-07", To: "2025-12"},
	{From: "2026-01"},
	{Commune: "21175", Lang: "en"},
	{Group: "citizen", From: "2025-06", To: "2026-03"},
	{Course: "https://hoctap.example/khoa/ky-nang-so", Lang: "en-US"},
	{Commune: "21172", Group: "public-staff"},
	{Threshold: 5},
	{Threshold: 25, Commune: "21181"},
	{From: "2030-01", Lang: "fr"},
	{To: "2025-12", Lang: "vi"},
	{To: "2026-06", AreaType: "mountainous"},
	{AreaType: "island", Group: "citizen", Lang: "en-GB"},
	{Commune: "21184"},
	{Threshold: 2, Limit: 3},
	{Group: "worker", To: "2025-09"},
}

// Run runs every case of the suite.
func Run(t *testing.T, h Harness) {
	t.Run("NamedQueriesMatchReference", func(t *testing.T) { testQueries(t, h) })
	t.Run("HandComputedFixture", func(t *testing.T) { testFixture(t, h) })
	t.Run("LateDirectoryLive", func(t *testing.T) { testLateDirectory(t, h, false) })
	t.Run("LateDirectoryAfterRestart", func(t *testing.T) { testLateDirectory(t, h, true) })
	t.Run("ResumeFromCheckpoint", func(t *testing.T) { testResume(t, h) })
	t.Run("ResetAndRebuild", func(t *testing.T) { testReset(t, h) })
	t.Run("NoPersonalData", func(t *testing.T) { testNoPersonalData(t, h) })
	t.Run("SealedStatements", func(t *testing.T) { testSealed(t, h) })
	t.Run("SealedDirectory", func(t *testing.T) { testSealedDirectory(t, h) })
	t.Run("PoisonEvents", func(t *testing.T) { testPoisonEvents(t, h) })
	t.Run("TimestampsOutOfRange", func(t *testing.T) { testTimestampsOutOfRange(t, h) })
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

func pseudonymizer(t testing.TB) *analytics.Pseudonymizer {
	ps, err := analytics.NewPseudonymizer(TestKey)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// Project applies events to a projection in batches of size n, as the
// runner would: Checkpoint first, then Apply from there on.
func Project(t testing.TB, p *analyticsfacts.Projection, events []eventstore.RecordedEvent, n int) {
	t.Helper()
	cp, err := p.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var rest []eventstore.RecordedEvent
	for _, ev := range events {
		if ev.Position.Compare(cp) > 0 {
			rest = append(rest, ev)
		}
	}
	for i := 0; i < len(rest); i += n {
		end := min(i+n, len(rest))
		if err := p.Apply(ctx(t), rest[i:end], rest[end-1].Position); err != nil {
			t.Fatalf("apply events %d..%d: %v", i, end, err)
		}
	}
}

func open(t *testing.T, h Harness) analytics.Engine {
	e := h.New(t)
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// CheckAll compares every named query under every parameter set with the
// reference and returns how many comparisons it made.
func CheckAll(t *testing.T, e analytics.Engine, d *Dataset) int {
	t.Helper()
	return CheckParams(t, e, d, ParamSets...)
}

// CheckParams is CheckAll under the given parameter sets only.
func CheckParams(t *testing.T, e analytics.Engine, d *Dataset, params ...analytics.Params) int {
	t.Helper()
	return checkWith(t, e, d, pseudonymizer(t), params...)
}

// checkWith is CheckParams with the reference computed under ps.
func checkWith(t *testing.T, e analytics.Engine, d *Dataset, ps *analytics.Pseudonymizer, params ...analytics.Params) int {
	t.Helper()
	n := 0
	for _, q := range analytics.Catalog {
		for _, p := range params {
			got, err := e.Query(ctx(t), q.Name, p)
			if err != nil {
				t.Fatalf("%s %+v: %v", q.Name, p, err)
			}
			want, err := d.Reference(ps, q.Name, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Rows, want.Rows) || !reflect.DeepEqual(got.Columns, want.Columns) {
				t.Errorf("%s %+v on %s differs from the reference:\n got %v\nwant %v", q.Name, p, e.Engine(), fmtRows(got.Rows), fmtRows(want.Rows))
			}
			if got.Limit != want.Limit || !reflect.DeepEqual(got.Total, want.Total) {
				t.Errorf("%s %+v on %s: limit %d, total %v; the reference says %d, %v", q.Name, p, e.Engine(), got.Limit, deref(got.Total), want.Limit, deref(want.Total))
			}
			n++
		}
	}
	return n
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func fmtRows(rows [][]any) string {
	s := ""
	for i, r := range rows {
		if i == 12 {
			return s + fmt.Sprintf("… (%d rows)", len(rows))
		}
		s += fmt.Sprintf("%v ", r)
	}
	return s
}

func testQueries(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(1)
	Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 97)
	if n := CheckAll(t, e, d); n == 0 {
		t.Fatal("no comparison made")
	}
	// The dataset exercises what it claims to.
	sum, _ := e.Query(ctx(t), "summary", analytics.Params{})
	if sum.Rows[0][0].(int64) < 500 || sum.Rows[0][5].(int64) == 0 {
		t.Fatalf("dataset too thin: %v", sum.Rows)
	}
	bursts, _ := e.Query(ctx(t), "bursts", analytics.Params{})
	if len(bursts.Rows) == 0 {
		t.Fatal("the dataset's burst is not found")
	}
	// Courses with a learned name and courses shown by their IRI.
	named, unnamed := 0, 0
	for _, lang := range []string{"", "en"} {
		cs, _ := e.Query(ctx(t), "courses", analytics.Params{Lang: lang})
		for _, r := range cs.Rows {
			if r[1] == r[0] {
				unnamed++
			} else {
				named++
			}
		}
	}
	if named == 0 || unnamed == 0 {
		t.Fatalf("the dataset's courses do not exercise names: %d named, %d shown by IRI", named, unnamed)
	}
}

// testFixture checks the engine, and the reference, against the answers
// worked out by hand for the fixture (fixture.go).
func testFixture(t *testing.T, h Harness) {
	e := open(t, h)
	d := Fixture()
	ps := pseudonymizer(t)
	Project(t, analyticsfacts.NewProjection(e, ps, d), d.Events, 7)
	checkExpectations(t, e, d, ps)
}

func checkExpectations(t *testing.T, e analytics.Engine, d *Dataset, ps *analytics.Pseudonymizer) {
	t.Helper()
	learner := func(name string) string { return FixtureLearner(ps, name) }
	for _, x := range Expectations(learner) {
		got, err := e.Query(ctx(t), x.Query, x.Params)
		if err != nil {
			t.Fatalf("%s %+v: %v", x.Query, x.Params, err)
		}
		ref, err := d.Reference(ps, x.Query, x.Params)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			who string
			res *analytics.Result
		}{{e.Engine(), got}, {"the reference", ref}} {
			if !reflect.DeepEqual(r.res.Rows, x.Rows) {
				t.Errorf("%s %+v on %s (%s):\n got %v\nwant %v", x.Query, x.Params, r.who, x.Why, fmtRows(r.res.Rows), fmtRows(x.Rows))
			}
			if r.res.Limit != x.Limit || !reflect.DeepEqual(r.res.Total, x.Total) {
				t.Errorf("%s %+v on %s: limit %d, total %v; want %d, %v", x.Query, x.Params, r.who, r.res.Limit, deref(r.res.Total), x.Limit, deref(x.Total))
			}
		}
	}
}

// RunLateDirectory runs only the late-directory cases of the suite (for a
// layout, such as a cluster's, that needs them but not the whole suite).
func RunLateDirectory(t *testing.T, h Harness) {
	t.Run("LateDirectoryLive", func(t *testing.T) { testLateDirectory(t, h, false) })
	t.Run("LateDirectoryAfterRestart", func(t *testing.T) { testLateDirectory(t, h, true) })
}

// testLateDirectory projects the fixture as it happens: the learner
// directory is loaded after the statements of the learner it names. Live,
// the load attributes the facts already written again; after a restart
// (restart), the projection finds the load it had not applied and does
// the same when it starts. Either way the answers are the hand-computed
// ones. Then the directory moves the learner to another commune and
// group, and finally drops them: their facts follow, field by field, and
// fall back to no commune.
func testLateDirectory(t *testing.T, h Harness, restart bool) {
	e := open(t, h)
	d := Fixture()
	ps := pseudonymizer(t)
	k := slices.IndexFunc(d.Events, func(ev eventstore.RecordedEvent) bool { return ev.Type == reference.EventLearnersSet })
	if k < 0 {
		t.Fatal("the fixture has no learner directory")
	}
	// Up to the load, with a log that does not hold it yet.
	p := analyticsfacts.NewProjection(e, ps, Log(d.Events[:k]))
	Project(t, p, d.Events[:k], 5)
	if restart { // the load is in the log when the projection starts again
		p = analyticsfacts.NewProjection(e, ps, Log(d.Events))
	}
	Project(t, p, d.Events, 4)
	checkExpectations(t, e, d, ps)

	byCommune := func(want [][]any) {
		t.Helper()
		got, err := e.Query(ctx(t), "by_commune", analytics.Params{From: "2026-01", To: "2026-12"})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Rows, want) {
			t.Errorf("by_commune on %s:\n got %v\nwant %v", e.Engine(), fmtRows(got.Rows), fmtRows(want))
		}
	}
	i := func(n int64) int64 { return n }
	// late moves to Cẩm Thành: their 3 statements (2 lessons) follow.
	d.Load(&reference.Data{Learners: []reference.Learner{{HomePage: fxHome, Name: "late", Commune: "21172", Group: "student"}}})
	if restart {
		p = analyticsfacts.NewProjection(e, ps, Log(d.Events))
	}
	Project(t, p, d.Events, 4)
	byCommune([][]any{
		{"", i(1), i(1), i(0), i(0), i(0), i(0), i(0)},
		{"21172", i(18), i(3), i(12), i(0), i(0), i(2), i(2)},
		{"21175", i(8), i(2), i(7), i(0), i(0), i(0), i(0)},
		{"21178", i(1), i(1), i(0), i(0), i(0), i(1), i(1)},
		{analytics.UnknownCommune, i(2), i(2), i(0), i(0), i(0), i(0), i(0)},
	})
	// The directory no longer names late: no commune.
	d.Load(&reference.Data{Learners: []reference.Learner{{HomePage: fxHome, Name: "someone-else", Commune: "21178", Group: "citizen"}}})
	if restart {
		p = analyticsfacts.NewProjection(e, ps, Log(d.Events))
	}
	Project(t, p, d.Events, 4)
	byCommune([][]any{
		{"", i(4), i(2), i(2), i(0), i(0), i(0), i(0)},
		{"21172", i(15), i(2), i(10), i(0), i(0), i(2), i(2)},
		{"21175", i(8), i(2), i(7), i(0), i(0), i(0), i(0)},
		{"21178", i(1), i(1), i(0), i(0), i(0), i(1), i(1)},
		{analytics.UnknownCommune, i(2), i(2), i(0), i(0), i(0), i(0), i(0)},
	})
	if got, _ := d.Reference(ps, "by_commune", analytics.Params{From: "2026-01", To: "2026-12"}); got.Rows[0][1] != i(4) {
		t.Errorf("the reference disagrees: %v", fmtRows(got.Rows))
	}
}

// testResume writes part of the log, then resumes with a new projection
// (a restarted process) from the engine's checkpoint.
func testResume(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(2)
	half := len(d.Events) / 2
	Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events[:half], 50)
	cp, err := e.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if cp != d.Events[half-1].Position {
		t.Fatalf("checkpoint %s, want %s", cp, d.Events[half-1].Position)
	}
	// A restarted projection gets all events again; it must skip the
	// first half by its checkpoint.
	Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 211)
	CheckAll(t, e, d)
}

func testReset(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(3)
	p := analyticsfacts.NewProjection(e, pseudonymizer(t), d)
	Project(t, p, d.Events, 1000)
	if err := p.Reset(ctx(t)); err != nil {
		t.Fatal(err)
	}
	sum, err := e.Query(ctx(t), "summary", analytics.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows[0][0].(int64) != 0 {
		t.Fatalf("after reset: %v", sum.Rows)
	}
	if cp, _ := e.Checkpoint(ctx(t)); !cp.IsStart() {
		t.Fatalf("checkpoint after reset: %s", cp)
	}
	Project(t, p, d.Events, 333)
	CheckAll(t, e, d)
}

// testNoPersonalData looks for names, account names, emails and the
// personal extension value in every answer.
func testNoPersonalData(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(4)
	Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 500)
	for _, q := range analytics.Catalog {
		res, err := e.Query(ctx(t), q.Name, analytics.Params{Threshold: 1})
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprint(res.Rows)
		for _, personal := range []string{"hv-0", "Người học", "@example.com", "001234567890", "ho-2117"} {
			if strings.Contains(s, personal) {
				t.Fatalf("%s answer contains personal data %q", q.Name, personal)
			}
		}
	}
}
