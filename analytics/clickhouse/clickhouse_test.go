package clickhouse

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
)

// TestMain runs the tests with an 18.16 server (internal/chtest) and a
// ClickHouse 26.7 session (internal/chdbtest), both stopped afterwards.
func TestMain(m *testing.M) {
	os.Exit(chtest.Run(func() int { return chdbtest.Run(m.Run) }))
}

func open(t *testing.T, dsn string, opts Options) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func databaseExists(t *testing.T, db *DB, name string) bool {
	t.Helper()
	var n uint64
	if err := db.conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name = ?", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// dropDatabase removes a database a test created, as internal/chtest does
// for its own: a database left behind on the shared server is an error.
func dropDatabase(t *testing.T, db *DB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := db.conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}

func tableExists(t *testing.T, db *DB, table string) bool {
	t.Helper()
	var n uint64
	if err := db.conn.QueryRow(context.Background(),
		"SELECT count() FROM system.tables WHERE database = ? AND name = ?", db.Database(), table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestOpenCreatesDatabase(t *testing.T) {
	srv := chtest.Shared(t)
	admin := open(t, srv.DSN("default"), Options{})
	name := "t_open_" + randomHex(4)
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	if databaseExists(t, admin, name) {
		t.Fatalf("database %s exists before Open", name)
	}

	db := open(t, srv.DSN(name), Options{})
	if db.Database() != name {
		t.Errorf("Database() = %q, want %q", db.Database(), name)
	}
	if !databaseExists(t, admin, name) {
		t.Fatalf("Open did not create database %s", name)
	}
	var current string
	if err := db.conn.QueryRow(context.Background(), "SELECT currentDatabase()").Scan(&current); err != nil {
		t.Fatal(err)
	}
	if current != name {
		t.Errorf("currentDatabase() = %q, want %q", current, name)
	}
	if err := db.Ping(context.Background()); err != nil {
		t.Error(err)
	}
	// Opening an existing database works as well.
	open(t, srv.DSN(name), Options{})
}

// Several processes that start at once all open (and so create) the same
// database.
func TestOpenConcurrentCreate(t *testing.T) {
	srv := chtest.Shared(t)
	admin := open(t, srv.DSN("default"), Options{})
	name := "t_open_concurrent_" + randomHex(4)
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := Open(context.Background(), srv.DSN(name), Options{})
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestOpenDefaultDatabase(t *testing.T) {
	srv := chtest.Shared(t)
	dsn := strings.TrimSuffix(srv.DSN(""), "/")
	db := open(t, dsn, Options{})
	if db.Database() != "default" {
		t.Errorf("Database() = %q, want default", db.Database())
	}
}

func TestOpenRejects(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"http://127.0.0.1:8123/db", "native protocol"},
		{"https://127.0.0.1:8443/db?secure=true", "native protocol"},
		{"clickhouse://127.0.0.1:1/db?join_default_strictness=ANY", "integers or booleans"},
		{"clickhouse:///db", "bad DSN"},
	} {
		_, err := Open(context.Background(), tc.dsn, Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", tc.dsn, err, tc.want)
		}
	}
}

func TestOpenAcceptsIntAndBoolSettings(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t))+"?max_execution_time=60&extremes=false&dial_timeout=5s", Options{})
	var v uint64
	if err := db.conn.QueryRow(context.Background(), "SELECT toUInt64(value) FROM system.settings WHERE name = 'max_execution_time'").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != 60 {
		t.Errorf("max_execution_time = %d, want 60", v)
	}
}

func TestRedact(t *testing.T) {
	for _, dsn := range []string{
		"clickhouse://u:secret@h:9000/db",
		"clickhouse://h:9000/db?username=u&password=secret",
	} {
		if got := redact(dsn); strings.Contains(got, "secret") {
			t.Errorf("redact(%q) = %q", dsn, got)
		}
	}
}

// A batch insert with PrepareBatch and an explicit column list, read back
// with SELECT: the only way to insert that works on 18.16 and later.
func TestBatchInsertRoundTrip(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	ctx := context.Background()
	if _, err := db.MigrateFS(ctx, testMigrations(t)); err != nil {
		t.Fatal(err)
	}

	const rows, actors = 20000, 137
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	batch, err := db.conn.PrepareBatch(ctx, "INSERT INTO events (event_id, actor, verb, ts, ms)")
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		verb := "completed"
		if i%4 == 0 {
			verb = "attempted"
		}
		ts := day.Add(time.Duration(i%3) * 24 * time.Hour).Add(time.Duration(i) * time.Second)
		if err := batch.Append(fmt.Sprintf("e%06d", i), fmt.Sprintf("actor-%d", i%actors), verb, ts, uint16(i%1000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}

	var total, completed, distinct uint64
	err = db.conn.QueryRow(ctx, `SELECT count(), countIf(verb = 'completed'), uniqExact(actor) FROM events WHERE ts >= ?`,
		day).Scan(&total, &completed, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if total != rows || completed != rows-rows/4 || distinct != actors {
		t.Errorf("count, completed, actors = %d, %d, %d; want %d, %d, %d", total, completed, distinct, rows, rows-rows/4, actors)
	}

	// The materialized view of 0002 saw the insert.
	var days, perDay uint64
	err = db.conn.QueryRow(ctx, `SELECT count(), max(a) FROM (SELECT day, uniqMerge(actors) AS a FROM daily GROUP BY day)`).Scan(&days, &perDay)
	if err != nil {
		t.Fatal(err)
	}
	if days != 3 || perDay != actors {
		t.Errorf("daily rollup: %d days, at most %d actors a day; want 3 and %d", days, perDay, actors)
	}
}
