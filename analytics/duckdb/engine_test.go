package duckdb_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/duckdb"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

const projection = "analytics-duckdb"

func openEngine(tb testing.TB, path string) *duckdb.Engine {
	tb.Helper()
	e, err := duckdb.Open(context.Background(), path, projection)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

func ctx(tb testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	tb.Cleanup(cancel)
	return c
}

func pseudonymizer(tb testing.TB) *analytics.Pseudonymizer {
	ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

func TestEngineContract(t *testing.T) {
	t.Run("InMemory", func(t *testing.T) {
		analyticstest.Run(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine { return openEngine(t, "") }})
	})
	t.Run("OnDisk", func(t *testing.T) {
		analyticstest.Run(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine {
			return openEngine(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
		}})
	})
}

// state is everything a sink holds, to compare sinks exactly.
type state struct {
	Checkpoint      eventstore.Position
	Facts           []string // statement_id@event_position, sorted
	Voided, Voiding []string // sorted
}

func stateOf(tb testing.TB, e *duckdb.Engine) state {
	tb.Helper()
	var s state
	var err error
	if s.Checkpoint, err = e.Checkpoint(ctx(tb)); err != nil {
		tb.Fatal(err)
	}
	rows, err := duckdb.DB(e).QueryContext(ctx(tb), `SELECT statement_id || '@' || event_position FROM statements ORDER BY 1`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			tb.Fatal(err)
		}
		s.Facts = append(s.Facts, f)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if s.Voided, s.Voiding, err = e.Voided(ctx(tb)); err != nil {
		tb.Fatal(err)
	}
	slices.Sort(s.Voided)
	slices.Sort(s.Voiding)
	return s
}

// expectedState projects the events up to and including through into a
// fresh in-memory engine and returns its state.
func expectedState(tb testing.TB, events []eventstore.RecordedEvent, through eventstore.Position) state {
	tb.Helper()
	e := openEngine(tb, "")
	defer e.Close()
	n := 0
	for n < len(events) && events[n].Position.Compare(through) <= 0 {
		n++
	}
	analyticstest.Project(tb, analyticsfacts.NewProjection(e, pseudonymizer(tb), analyticstest.Log(events)), events[:n], 100)
	return stateOf(tb, e)
}

func (s state) String() string {
	return "checkpoint " + s.Checkpoint.String() + ", " + strconv.Itoa(len(s.Facts)) + " facts, " +
		strconv.Itoa(len(s.Voided)) + " voided, " + strconv.Itoa(len(s.Voiding)) + " voiding"
}

// TestReopen closes a file engine half-way and reopens it: data,
// checkpoint and schema record survive, and the projection finishes from
// the checkpoint.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "analytics.duckdb")
	d := analyticstest.NewDataset(6)
	half := len(d.Events) / 2
	e := openEngine(t, path)
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events[:half], 50)
	before := stateOf(t, e)
	sum, err := e.Query(ctx(t), "summary", analytics.Params{})
	if err != nil {
		t.Fatal(err)
	}
	migrations, err := e.Migrations(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e = openEngine(t, path)
	defer e.Close()
	if e.Path() != path {
		t.Errorf("Path() = %q, want %q", e.Path(), path)
	}
	after := stateOf(t, e)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("after reopening: %s, before: %s", after, before)
	}
	if after.Checkpoint != d.Events[half-1].Position {
		t.Fatalf("checkpoint %s, want %s", after.Checkpoint, d.Events[half-1].Position)
	}
	sum2, err := e.Query(ctx(t), "summary", analytics.Params{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sum, sum2) {
		t.Fatalf("summary %v after reopening, %v before", sum2.Rows, sum.Rows)
	}
	migrations2, err := e.Migrations(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(migrations) == 0 || !reflect.DeepEqual(migrations, migrations2) {
		t.Fatalf("migrations %v after reopening, %v before", migrations2, migrations)
	}
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 300)
	analyticstest.CheckAll(t, e, d)
}

// TestFailedWrite makes Write fail after each stage, before COMMIT: the
// engine must hold exactly what it held before, and a restarted
// projection must then end where an undisturbed one does.
func TestFailedWrite(t *testing.T) {
	d := analyticstest.NewDataset(7)
	// A batch that holds facts and voids, and voids facts written before.
	last := len(d.Events) - 1
	for _, stage := range []string{"facts", "voids", "checkpoint"} {
		t.Run(stage, func(t *testing.T) {
			e := openEngine(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
			defer e.Close()
			analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events[:last-20], 100)
			before := stateOf(t, e)
			p := analyticsfacts.NewProjection(e, pseudonymizer(t), d)
			if _, err := p.Checkpoint(ctx(t)); err != nil {
				t.Fatal(err)
			}
			e.FailAfter(stage)
			if err := p.Apply(ctx(t), d.Events[last-20:], d.Events[last].Position); !errors.Is(err, duckdb.ErrInjected) {
				t.Fatalf("Write: %v, want the injected failure", err)
			}
			if after := stateOf(t, e); !reflect.DeepEqual(before, after) {
				t.Fatalf("after a failed write: %s, before: %s", after, before)
			}
			e.FailAfter("")
			analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 100)
			if got, want := stateOf(t, e), expectedState(t, d.Events, d.Events[last].Position); !reflect.DeepEqual(got, want) {
				t.Fatalf("after resuming: %s, want %s", got, want)
			}
		})
	}
}

const crashChildEnv = "HOCVU_DUCKDB_CRASH_CHILD"

// twoDatasets concatenates two datasets, so that voids come in the middle
// of the log too.
func twoDatasets(seed1, seed2 uint64) *analyticstest.Dataset {
	return analyticstest.Concat(analyticstest.NewDataset(seed1), analyticstest.NewDataset(seed2))
}

// TestCrashSafety projects two datasets into a file in a child process
// (this test binary, re-executed) that is killed with SIGKILL while it
// writes, three times in a row. After each kill the file, reopened, must
// hold exactly the facts and voids of the events through its checkpoint;
// finally the projection finishes and every named query matches the
// reference.
func TestCrashSafety(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(t, dir)
		return
	}
	dir := t.TempDir()
	d := twoDatasets(8, 9)
	data, err := json.Marshal(d.Events)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "events.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "analytics.duckdb")
	var prev eventstore.Position
	// In batches of 7 the child covers the 3000 events in 430 batches;
	// the second kill comes after the first dataset's voids.
	for round, killAfter := range []int{100, 120, 150} {
		committed := runAndKill(t, dir, killAfter)
		e := openEngine(t, path)
		got := stateOf(t, e)
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if got.Checkpoint.Compare(committed) < 0 || got.Checkpoint.Compare(prev) <= 0 || got.Checkpoint == d.Events[len(d.Events)-1].Position {
			t.Fatalf("round %d: checkpoint %s; the child had committed through %s, the previous round through %s", round, got.Checkpoint, committed, prev)
		}
		if want := expectedState(t, d.Events, got.Checkpoint); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: the file holds %s; the events through its checkpoint give %s", round, got, want)
		}
		t.Logf("round %d: killed after %d batches; the file holds %s", round, killAfter, got)
		prev = got.Checkpoint
	}
	e := openEngine(t, path)
	defer e.Close()
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 100)
	analyticstest.CheckAll(t, e, d)
}

// runAndKill starts the child, kills it with SIGKILL as soon as it
// reports its killAfter-th commit (it is then writing the next batch) and
// returns the last position it reported committed.
func runAndKill(t *testing.T, dir string, killAfter int) eventstore.Position {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var committed eventstore.Position
	n := 0
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		c, ok := strings.CutPrefix(sc.Text(), "committed ")
		if !ok {
			continue
		}
		if committed, err = parsePosition(c); err != nil {
			t.Fatal(err)
		}
		if n++; n == killAfter {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if n < killAfter || !errors.As(err, &exit) || exit.ExitCode() != -1 {
		t.Fatalf("the child was not killed after %d commits (saw %d): %v", killAfter, n, err)
	}
	return committed
}

// parsePosition parses "commit/prepare".
func parsePosition(s string) (eventstore.Position, error) {
	commit, prepare, _ := strings.Cut(s, "/")
	var p eventstore.Position
	var err error
	if p.Commit, err = strconv.ParseUint(commit, 10, 64); err == nil {
		p.Prepare, err = strconv.ParseUint(prepare, 10, 64)
	}
	return p, err
}

// crashChild projects the events of dir/events.json into
// dir/analytics.duckdb from its checkpoint on, in small batches, printing
// each committed position; the parent kills it.
func crashChild(t *testing.T, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "events.json"))
	if err != nil {
		t.Fatal(err)
	}
	var events []eventstore.RecordedEvent
	if err := json.Unmarshal(data, &events); err != nil {
		t.Fatal(err)
	}
	e := openEngine(t, filepath.Join(dir, "analytics.duckdb"))
	p := analyticsfacts.NewProjection(e, pseudonymizer(t), analyticstest.Log(events))
	cp, err := p.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for len(events) > 0 && events[0].Position.Compare(cp) <= 0 {
		events = events[1:]
	}
	for i := 0; i < len(events); i += 7 {
		batch := events[i:min(i+7, len(events))]
		through := batch[len(batch)-1].Position
		if err := p.Apply(ctx(t), batch, through); err != nil {
			t.Fatal(err)
		}
		os.Stdout.WriteString("committed " + strconv.FormatUint(through.Commit, 10) + "/" + strconv.FormatUint(through.Prepare, 10) + "\n")
	}
	_ = e.Close()
}

// TestQueriesDuringWrites reads while the projection writes: named
// queries never fail, a snapshot never holds a fact past its checkpoint
// (no batch is seen in part), and the end state is the reference's.
func TestQueriesDuringWrites(t *testing.T) {
	e := openEngine(t, filepath.Join(t.TempDir(), "analytics.duckdb"))
	defer e.Close()
	d := analyticstest.NewDataset(10)
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := checkSnapshot(e); err != nil {
				errs <- err
				return
			}
			for _, q := range analytics.Catalog {
				if _, err := e.Query(context.Background(), q.Name, analytics.Params{}); err != nil {
					errs <- err
					return
				}
			}
		}
	}()
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 40)
	close(done)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	analyticstest.CheckAll(t, e, d)
}

func checkSnapshot(e *duckdb.Engine) error {
	tx, err := duckdb.DB(e).Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var cp uint64
	if err := tx.QueryRow(`SELECT coalesce(max(commit_position), 0) FROM projection_checkpoints`).Scan(&cp); err != nil {
		return err
	}
	var past int64
	if err := tx.QueryRow(`SELECT count(*) FROM statements WHERE event_position > ?`, cp).Scan(&past); err != nil {
		return err
	}
	if past > 0 {
		return fmt.Errorf("a snapshot holds %d facts past its checkpoint %d", past, cp)
	}
	return nil
}

const txChildEnv = "HOCVU_DUCKDB_TX_CHILD"

// TestKillInsideTransaction kills a writer (a child process) whose
// transaction holds everything of a batch but the COMMIT: more facts than
// a DuckDB row group (122,880 rows), voids, deletions of committed facts
// and the moved checkpoint. Reopened, the file holds exactly what was
// committed before, and takes new batches.
func TestKillInsideTransaction(t *testing.T) {
	if dir := os.Getenv(txChildEnv); dir != "" {
		txChild(t, dir)
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "analytics.duckdb")
	e := openEngine(t, path)
	s := newSynthetic(2)
	for range 4 {
		if err := e.Write(ctx(t), s.next(5000)); err != nil {
			t.Fatal(err)
		}
	}
	before := stateOf(t, e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillInsideTransaction$", "-test.count=1")
	cmd.Env = append(os.Environ(), txChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	paused := false
	for !paused && sc.Scan() {
		paused = sc.Text() == "paused before commit"
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !paused {
		t.Fatal("the child did not reach its commit")
	}

	e = openEngine(t, path)
	defer e.Close()
	if after := stateOf(t, e); !reflect.DeepEqual(before, after) {
		t.Fatalf("after the kill: %s, before: %s", after, before)
	}
	s.pos = before.Checkpoint.Commit
	b := s.next(5000)
	if err := e.Write(ctx(t), b); err != nil {
		t.Fatal(err)
	}
	if after := stateOf(t, e); len(after.Facts) != len(before.Facts)+len(b.Facts)-len(b.Voids) || after.Checkpoint != b.Through {
		t.Fatalf("after a new batch: %s, before: %s, batch of %d facts and %d voids", after, before, len(b.Facts), len(b.Voids))
	}
}

// txChild writes a batch of 130,000 facts that also voids 100 committed
// ones, and stops before COMMIT until it is killed.
func txChild(t *testing.T, dir string) {
	e := openEngine(t, filepath.Join(dir, "analytics.duckdb"))
	cp, err := e.Checkpoint(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := duckdb.DB(e).Query(`SELECT statement_id FROM statements WHERE verb <> ? LIMIT 100`, analytics.VerbVoided)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, id)
	}
	rows.Close()
	s := newSynthetic(3)
	s.pos = cp.Commit
	b := s.next(130_000)
	for _, id := range targets {
		b.Voids = append(b.Voids, analytics.Void{Target: id, By: "00000000-0000-0000-0000-000000000000", Position: b.Through.Commit})
	}
	e.AfterStage(func(stage string) error {
		if stage == "checkpoint" {
			os.Stdout.WriteString("paused before commit\n")
			select {} // until killed
		}
		return nil
	})
	_ = e.Write(ctx(t), b)
}

func TestOpenTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "analytics.duckdb")
	e := openEngine(t, path)
	if _, err := duckdb.Open(ctx(t), path, projection); !errors.Is(err, duckdb.ErrInUse) {
		t.Fatalf("second Open: %v, want ErrInUse", err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	openEngine(t, path).Close()
}

func TestQueryErrors(t *testing.T) {
	e := openEngine(t, "")
	defer e.Close()
	for _, c := range []struct {
		name string
		p    analytics.Params
	}{
		{"nope", analytics.Params{}},
		{"summary", analytics.Params{From: "2025-13"}},
		{"summary", analytics.Params{From: "2026-02", To: "2026-01"}},
		{"bursts", analytics.Params{Threshold: -1}},
	} {
		if _, err := e.Query(ctx(t), c.name, c.p); !errors.Is(err, analytics.ErrBadParams) {
			t.Errorf("%s %+v: %v, want ErrBadParams", c.name, c.p, err)
		}
	}
	// Every named query answers on an empty engine, with the catalogue's
	// columns.
	for _, q := range analytics.Catalog {
		res, err := e.Query(ctx(t), q.Name, analytics.Params{})
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		if !reflect.DeepEqual(res.Columns, q.Columns) || res.Query != q.Name {
			t.Errorf("%s: result %+v", q.Name, res)
		}
	}
}
