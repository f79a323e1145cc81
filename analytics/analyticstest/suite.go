package analyticstest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/eventstore"
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
}

// Run runs every case of the suite.
func Run(t *testing.T, h Harness) {
	t.Run("NamedQueriesMatchReference", func(t *testing.T) { testQueries(t, h) })
	t.Run("ResumeFromCheckpoint", func(t *testing.T) { testResume(t, h) })
	t.Run("ResetAndRebuild", func(t *testing.T) { testReset(t, h) })
	t.Run("NoPersonalData", func(t *testing.T) { testNoPersonalData(t, h) })
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
func Project(t testing.TB, p *analytics.Projection, events []eventstore.RecordedEvent, n int) {
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
	ps := pseudonymizer(t)
	n := 0
	for _, q := range analytics.Catalog {
		for _, p := range ParamSets {
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
			n++
		}
	}
	return n
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
	Project(t, analytics.NewProjection(e, pseudonymizer(t), d), d.Events, 97)
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

// testResume writes part of the log, then resumes with a new projection
// (a restarted process) from the engine's checkpoint.
func testResume(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(2)
	half := len(d.Events) / 2
	Project(t, analytics.NewProjection(e, pseudonymizer(t), d), d.Events[:half], 50)
	cp, err := e.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if cp != d.Events[half-1].Position {
		t.Fatalf("checkpoint %s, want %s", cp, d.Events[half-1].Position)
	}
	// A restarted projection gets all events again; it must skip the
	// first half by its checkpoint.
	Project(t, analytics.NewProjection(e, pseudonymizer(t), d), d.Events, 211)
	CheckAll(t, e, d)
}

func testReset(t *testing.T, h Harness) {
	e := open(t, h)
	d := NewDataset(3)
	p := analytics.NewProjection(e, pseudonymizer(t), d)
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
	Project(t, analytics.NewProjection(e, pseudonymizer(t), d), d.Events, 500)
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
