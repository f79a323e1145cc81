package chdbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

func TestMain(m *testing.M) { Main(m) }

func TestSessionVersion(t *testing.T) {
	s := Shared(t)
	if !strings.HasPrefix(s.Version(), "26.") {
		t.Errorf("version %q, want 26.x", s.Version())
	}
	if s2 := Shared(t); s2 != s {
		t.Error("Shared started a second session")
	}
	out, err := s.Query("", "SELECT timezone()", "TSV")
	if err != nil || strings.TrimSpace(string(out)) != "UTC" {
		t.Errorf("timezone %q, %v; want UTC", out, err)
	}
	// A refused statement comes back as an error with the server's text.
	_, err = s.Query("", "CREATE TABLE t (projection String, x UInt8) ENGINE = Memory", "TSV")
	var e *ch.Exception
	if !errors.As(err, &e) || e.Code != 62 || !strings.Contains(e.Error(), "Syntax error") {
		t.Errorf("a column named projection: %#v, want the server's syntax error (code 62) as a *clickhouse.Exception", err)
	}
}

// Each test's database is its own; several tests use the session at once.
func TestDatabasesInParallel(t *testing.T) {
	s := Shared(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 4 {
		name := s.NewDatabase(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.Conn(name)
			ctx := context.Background()
			if err := c.Exec(ctx, "CREATE TABLE x (n UInt64) ENGINE = MergeTree ORDER BY n"); err != nil {
				errs <- err
				return
			}
			b, err := c.PrepareBatch(ctx, "INSERT INTO x (n)")
			if err != nil {
				errs <- err
				return
			}
			for j := range i + 1 {
				if err := b.Append(uint64(j)); err != nil {
					errs <- err
					return
				}
			}
			if err := b.Send(); err != nil {
				errs <- err
				return
			}
			var n uint64
			if err := c.QueryRow(ctx, "SELECT count() FROM x").Scan(&n); err != nil || n != uint64(i+1) {
				errs <- fmt.Errorf("database %s: %d rows, %v; want %d", name, n, err, i+1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestConnRoundTrip(t *testing.T) {
	s := Shared(t)
	c := s.Conn(s.NewDatabase(t))
	ctx := context.Background()
	if err := c.Exec(ctx, "CREATE TABLE r (d Date, ts DateTime, s String, a Array(String), f Float64, i Int8, u UInt32) ENGINE = MergeTree ORDER BY d"); err != nil {
		t.Fatal(err)
	}
	b, err := c.PrepareBatch(ctx, "INSERT INTO r (d, ts, s, a, f, i, u)")
	if err != nil {
		t.Fatal(err)
	}
	ict := time.FixedZone("ICT", 7*3600)
	// 2026-03-01 01:30 in UTC+7 is still February 28 in UTC: a Date takes
	// the date in the value's own location, as clickhouse-go does.
	local := time.Date(2026, 3, 1, 1, 30, 0, 0, ict)
	for i, col := range []any{[]time.Time{local}, []time.Time{local}, []string{"it's \\ ?"}, [][]string{{"a", "b'c"}}, []float64{-1.5}, []int8{-1}, []uint32{202603}} {
		if err := b.Column(i).Append(col); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	var (
		d, ts time.Time
		str   string
		arr   []string
		f     float64
		i     int8
		u     uint32
	)
	if err := c.QueryRow(ctx, "SELECT d, ts, s, a, f, i, u FROM r WHERE s = ? AND has(?, 'a') AND u IN ?", "it's \\ ?", []string{"a"}, ch.GroupSet{Value: []any{uint32(202603), uint32(1)}}).Scan(&d, &ts, &str, &arr, &f, &i, &u); err != nil {
		t.Fatal(err)
	}
	if d.Format("2006-01-02") != "2026-03-01" || !ts.Equal(local) || str != "it's \\ ?" || len(arr) != 2 || arr[1] != "b'c" || f != -1.5 || i != -1 || u != 202603 {
		t.Errorf("read back %v %v %q %q %v %v %v", d, ts, str, arr, f, i, u)
	}
	// Scans are as strict as the driver's.
	var wrong uint32
	if err := c.QueryRow(ctx, "SELECT count() FROM r").Scan(&wrong); err == nil || !strings.Contains(err.Error(), "UInt64") {
		t.Errorf("scanning a UInt64 into *uint32: %v, want an error", err)
	}
	if err := c.QueryRow(ctx, "SELECT 1 FROM r WHERE 0").Scan(&wrong); !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("no row: %v, want sql.ErrNoRows", err)
	}
	rows, err := c.Query(ctx, "SELECT s, u FROM r")
	if err != nil {
		t.Fatal(err)
	}
	types := rows.ColumnTypes()
	if types[0].ScanType().Kind().String() != "string" || types[1].DatabaseTypeName() != "UInt32" {
		t.Errorf("column types %v %v", types[0].ScanType(), types[1].DatabaseTypeName())
	}
}

func TestBind(t *testing.T) {
	for _, tc := range []struct {
		q    string
		args []any
		want string
	}{
		{"SELECT ?", []any{"a'b"}, `SELECT 'a\'b'`},
		{"SELECT '?', `?`, ? -- ?\n, ?", []any{uint64(1), int8(-2)}, "SELECT '?', `?`, 1 -- ?\n, -2"},
		{"x IN ?", []any{ch.GroupSet{Value: []any{"a", "b"}}}, "x IN ('a', 'b')"},
		{"has(?, x)", []any{[]string{"a"}}, "has(['a'], x)"},
		{"t > ?", []any{time.Unix(60, 0)}, "t > toDateTime(60)"},
	} {
		got, err := Bind(tc.q, tc.args...)
		if err != nil || got != tc.want {
			t.Errorf("Bind(%q) = %q, %v; want %q", tc.q, got, err, tc.want)
		}
	}
	if _, err := Bind("SELECT ?, ?", 1); err == nil {
		t.Error("too few arguments accepted")
	}
}

func TestStripOnCluster(t *testing.T) {
	s := Shared(t)
	name := s.NewDatabase(t)
	ctx := context.Background()
	stmt := "CREATE TABLE x ON CLUSTER " + Cluster + " (n UInt8) ENGINE = MergeTree ORDER BY n"
	if err := s.Conn(name).Exec(ctx, stmt); err == nil {
		t.Error("ON CLUSTER ran without Keeper; the test of StripOnCluster proves nothing")
	}
	if err := s.Conn(name, StripOnCluster()).Exec(ctx, stmt); err != nil {
		t.Fatal(err)
	}
	// The cluster of the configuration works for Distributed tables.
	c := s.Conn(name)
	if err := c.Exec(ctx, fmt.Sprintf("CREATE TABLE d AS x ENGINE = Distributed(%s, %s, x, rand())", Cluster, name)); err != nil {
		t.Fatal(err)
	}
	if err := c.Exec(ctx, "INSERT INTO d SELECT 7"); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := c.QueryRow(ctx, "SELECT count() FROM x").Scan(&n); err != nil || n != 1 {
		t.Errorf("row through the Distributed table: %d, %v", n, err)
	}
}

// fakeTB records how fail ends a test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// Without the library, tests skip outside CI and fail under CI=true.
func TestMissingLibrary(t *testing.T) {
	t.Setenv(EnvLib, t.TempDir()+"/nope.so")
	_, err := LibPath()
	if err == nil {
		t.Fatal("LibPath found a file that does not exist")
	}
	for _, tc := range []struct {
		ci                 string
		missing            bool
		wantSkip, wantFail bool
	}{
		{"", true, true, false},
		{"true", true, false, true},
		{"1", true, false, true},
		{"", false, false, true},
	} {
		t.Setenv("CI", tc.ci)
		f := &fakeTB{}
		done := make(chan struct{})
		go func() { defer close(done); fail(f, tc.missing, err) }()
		<-done
		if f.skipped != tc.wantSkip || f.failed != tc.wantFail {
			t.Errorf("CI=%q missing=%v: skipped=%v failed=%v", tc.ci, tc.missing, f.skipped, f.failed)
		}
		if tc.wantSkip && !strings.Contains(f.msg, "scripts/ensure-chdb") {
			t.Errorf("skip message %q does not say how to install", f.msg)
		}
	}
}
