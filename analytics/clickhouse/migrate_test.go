package clickhouse

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hocvu/hocvu/internal/chtest"
)

func testMigrations(t *testing.T) fs.FS {
	t.Helper()
	return os.DirFS("testdata/migrations")
}

// withFile returns fsys plus one more file.
func withFile(t *testing.T, fsys fs.FS, name, content string) fs.FS {
	t.Helper()
	m := fstest.MapFS{name: {Data: []byte(content)}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func recorded(t *testing.T, db *DB) (rows uint64, versions []uint32) {
	t.Helper()
	if err := db.conn.QueryRow(context.Background(), "SELECT count() FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	applied, err := db.Applied(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range applied {
		versions = append(versions, m.Version)
	}
	return rows, versions
}

func TestMigrateAppliesOnceAndRerunIsNoop(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	ctx := context.Background()

	if got, err := db.Applied(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Applied before any migration = %v, %v; want none", got, err)
	}
	before := time.Now().UTC().Truncate(time.Second)
	applied, err := db.MigrateFS(ctx, testMigrations(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0001_events", "0002_daily"}; !slices.Equal(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
	for _, table := range []string{"schema_migrations", "events", "daily", "daily_mv"} {
		if !tableExists(t, db, table) {
			t.Errorf("table %s missing", table)
		}
	}
	if tableExists(t, db, lockTable) {
		t.Errorf("lock table left behind")
	}
	list, err := db.Applied(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Version != 1 || list[0].Name != "0001_events" || list[1].Version != 2 || list[1].Name != "0002_daily" {
		t.Errorf("Applied = %+v", list)
	}
	for _, m := range list {
		if m.AppliedAt.Before(before) || m.AppliedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("%s applied_at %s, want about now", m.Name, m.AppliedAt)
		}
	}

	for range 2 {
		again, err := db.MigrateFS(ctx, testMigrations(t))
		if err != nil || len(again) != 0 {
			t.Fatalf("second run: applied %v, err %v; want nothing", again, err)
		}
	}
	// A new process (a new pool) sees the same.
	again, err := open(t, srv.DSN(db.Database()), Options{}).MigrateFS(ctx, testMigrations(t))
	if err != nil || len(again) != 0 {
		t.Fatalf("run from a new DB: applied %v, err %v; want nothing", again, err)
	}
	if rows, versions := recorded(t, db); rows != 2 || !slices.Equal(versions, []uint32{1, 2}) {
		t.Errorf("schema_migrations: %d rows, versions %v", rows, versions)
	}

	// A migration added later is the only one applied.
	more := withFile(t, testMigrations(t), "0003_more.sql", "CREATE TABLE IF NOT EXISTS more (x UInt8) ENGINE = MergeTree ORDER BY x\n")
	applied, err = db.MigrateFS(ctx, more)
	if err != nil || !slices.Equal(applied, []string{"0003_more"}) {
		t.Fatalf("third run: applied %v, err %v; want [0003_more]", applied, err)
	}
	if rows, versions := recorded(t, db); rows != 3 || !slices.Equal(versions, []uint32{1, 2, 3}) {
		t.Errorf("schema_migrations: %d rows, versions %v", rows, versions)
	}
}

// The embedded migrations apply to a real 18.16 server, and a second run
// does nothing.
func TestMigrateEmbedded(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	files, err := readMigrations(Migrations())
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(files) {
		t.Errorf("applied %d of %d embedded migrations: %v", len(applied), len(files), applied)
	}
	again, err := db.Migrate(context.Background())
	if err != nil || len(again) != 0 {
		t.Errorf("second run: applied %v, err %v; want nothing", again, err)
	}
}

// Two processes that migrate the same database at once apply each migration
// exactly once, and neither fails.
func TestMigrateConcurrent(t *testing.T) {
	srv := chtest.Shared(t)
	ctx := context.Background()
	for round := range 5 {
		name := srv.NewDatabase(t)
		a := open(t, srv.DSN(name), Options{})
		b := open(t, srv.DSN(name), Options{})
		var (
			wg      sync.WaitGroup
			applied [2][]string
			errs    [2]error
		)
		for i, db := range []*DB{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				applied[i], errs[i] = db.MigrateFS(ctx, testMigrations(t))
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatalf("round %d: errors %v, %v", round, errs[0], errs[1])
		}
		all := append(slices.Clone(applied[0]), applied[1]...)
		slices.Sort(all)
		if !slices.Equal(all, []string{"0001_events", "0002_daily"}) {
			t.Errorf("round %d: applied %v and %v; want each migration once in all", round, applied[0], applied[1])
		}
		if rows, versions := recorded(t, a); rows != 2 || !slices.Equal(versions, []uint32{1, 2}) {
			t.Errorf("round %d: schema_migrations: %d rows, versions %v", round, rows, versions)
		}
		if tableExists(t, a, lockTable) {
			t.Errorf("round %d: lock table left behind", round)
		}
	}
}

func createLock(t *testing.T, db *DB, owner string) {
	t.Helper()
	ctx := context.Background()
	if err := db.conn.Exec(ctx, `CREATE TABLE `+lockTable+` (owner String, beat UInt64, at DateTime) ENGINE = Log`); err != nil {
		t.Fatal(err)
	}
	if owner == "" {
		return
	}
	batch, err := db.conn.PrepareBatch(ctx, `INSERT INTO `+lockTable+` (owner, beat, at)`)
	if err != nil {
		t.Fatal(err)
	}
	if err := batch.Append(owner, uint64(7), time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := batch.Send(); err != nil {
		t.Fatal(err)
	}
}

// A lock left by a crashed process is broken once its heartbeat has been
// silent for LockStaleAfter.
func TestMigrateBreaksStaleLock(t *testing.T) {
	srv := chtest.Shared(t)
	for _, owner := range []string{"crashed-host:42:beef", ""} {
		db := open(t, srv.DSN(srv.NewDatabase(t)), Options{LockStaleAfter: 300 * time.Millisecond})
		createLock(t, db, owner)
		began := time.Now()
		applied, err := db.MigrateFS(context.Background(), testMigrations(t))
		if err != nil || len(applied) != 2 {
			t.Fatalf("owner %q: applied %v, err %v", owner, applied, err)
		}
		if waited := time.Since(began); waited < 300*time.Millisecond {
			t.Errorf("owner %q: broke the lock after %s, before LockStaleAfter", owner, waited)
		}
		if tableExists(t, db, lockTable) {
			t.Errorf("owner %q: lock table left behind", owner)
		}
	}
}

// A live lock is waited for, within the context's deadline.
func TestMigrateWaitsForLock(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	createLock(t, db, "busy-host:1:cafe")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	_, err := db.MigrateFS(ctx, testMigrations(t))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "busy-host:1:cafe") {
		t.Fatalf("err = %v, want a deadline error naming the holder", err)
	}

	// Once the holder releases the lock, a waiting run goes ahead.
	done := make(chan error, 1)
	go func() {
		_, err := db.MigrateFS(context.Background(), testMigrations(t))
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // let it wait a little; the result does not depend on it
	if err := db.conn.Exec(context.Background(), "DROP TABLE "+lockTable); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Migrate still waiting after the lock was released")
	}
}

// A failing statement stops the run: the migration is not recorded, the
// ones before it are, and the lock is released.
func TestMigrateFailure(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	bad := withFile(t, testMigrations(t), "0003_bad.sql", "CREATE TABLE IF NOT EXISTS ok3 (x UInt8) ENGINE = MergeTree ORDER BY x\n;\nCREATE TABLE nope (x UInt8) ENGINE = NoSuchEngine\n")
	applied, err := db.MigrateFS(context.Background(), bad)
	// The message names the file, the statement and the server's error.
	for _, want := range []string{"0003_bad.sql, statement 2", "CREATE TABLE nope (x UInt8) ENGINE = NoSuchEngine", "NoSuchEngine"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v, want one containing %q", err, want)
		}
	}
	var me *MigrationError
	if !errors.As(err, &me) || me.File != "0003_bad.sql" || me.Statement != 2 || exceptionCode(err) == 0 {
		t.Fatalf("err = %#v, want a *MigrationError that wraps the server's exception", err)
	}
	if !slices.Equal(applied, []string{"0001_events", "0002_daily"}) {
		t.Errorf("applied %v", applied)
	}
	if _, versions := recorded(t, db); !slices.Equal(versions, []uint32{1, 2}) {
		t.Errorf("recorded versions %v, want [1 2]", versions)
	}
	if tableExists(t, db, lockTable) {
		t.Error("lock table left behind after a failure")
	}
	// Fixed, it runs again from statement 1, which is idempotent.
	fixed := withFile(t, testMigrations(t), "0003_bad.sql", "CREATE TABLE IF NOT EXISTS ok3 (x UInt8) ENGINE = MergeTree ORDER BY x\n;\nCREATE TABLE IF NOT EXISTS nope (x UInt8) ENGINE = MergeTree ORDER BY x\n")
	if applied, err := db.MigrateFS(context.Background(), fixed); err != nil || !slices.Equal(applied, []string{"0003_bad"}) {
		t.Errorf("after the fix: applied %v, err %v", applied, err)
	}
}

func TestReadMigrations(t *testing.T) {
	ok := fstest.MapFS{
		"0010_b.sql": {Data: []byte("SELECT 10")},
		"0002_a.sql": {Data: []byte("SELECT 2;\n")},
		"README.md":  {Data: []byte("not a migration")},
		"notes.txt":  {Data: []byte("ignored")},
	}
	files, err := readMigrations(ok)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].name != "0002_a" || files[0].version != 2 || files[1].name != "0010_b" || files[1].version != 10 {
		t.Errorf("files = %+v", files)
	}
	if files[0].statements[0] != "SELECT 2" {
		t.Errorf("statement %q, want the final ; removed", files[0].statements[0])
	}

	for name, fsys := range map[string]fstest.MapFS{
		"bad name":      {"1_a.sql": {Data: []byte("SELECT 1")}},
		"upper case":    {"0001_A.sql": {Data: []byte("SELECT 1")}},
		"version zero":  {"0000_a.sql": {Data: []byte("SELECT 1")}},
		"too big":       {"99999999999_a.sql": {Data: []byte("SELECT 1")}},
		"duplicate":     {"0001_a.sql": {Data: []byte("SELECT 1")}, "00001_b.sql": {Data: []byte("SELECT 1")}},
		"only comments": {"0001_a.sql": {Data: []byte("-- nothing\n\n;\n-- here\n")}},
		"empty":         {"0001_a.sql": {Data: []byte("")}},
	} {
		if _, err := readMigrations(fsys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitStatements(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1;\n", []string{"SELECT 1"}},
		{"-- c\nSELECT 1\n;\nSELECT 2\n;\n", []string{"-- c\nSELECT 1", "SELECT 2"}},
		{"SELECT ';'\n  ;  \r\nSELECT 2", []string{"SELECT ';'", "SELECT 2"}},
		{"SELECT 1; SELECT 2", []string{"SELECT 1; SELECT 2"}}, // not split: the server rejects it
		{"\n;\n;\n", nil},
	} {
		if got := splitStatements(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("splitStatements(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The lock excludes a second holder for as long as the first one beats, even
// past LockStaleAfter, and passes to it on release.
func TestLockExcludesWhileHeartbeating(t *testing.T) {
	srv := chtest.Shared(t)
	name := srv.NewDatabase(t)
	opts := Options{LockStaleAfter: time.Second}
	first := open(t, srv.DSN(name), opts)
	second := open(t, srv.DSN(name), opts)
	ctx := context.Background()

	l1, err := first.acquireLock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *migrationLock, 1)
	go func() {
		l2, err := second.acquireLock(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- l2
	}()
	select {
	case <-got:
		t.Fatal("a second holder took the lock while the first one beat")
	case <-time.After(5 * opts.LockStaleAfter / 2):
	}
	if err := l1.check(); err != nil {
		t.Fatalf("first holder: %v", err)
	}
	if err := l1.release(); err != nil {
		t.Fatal(err)
	}
	select {
	case l2 := <-got:
		if l2 == nil {
			t.FailNow()
		}
		if err := l2.release(); err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the lock did not pass to the waiter")
	}
}

// A holder whose lock was broken stops with ErrLockLost.
func TestLockLost(t *testing.T) {
	srv := chtest.Shared(t)
	db := open(t, srv.DSN(srv.NewDatabase(t)), Options{LockStaleAfter: 200 * time.Millisecond})
	l, err := db.acquireLock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.conn.Exec(context.Background(), "DROP TABLE "+lockTable); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for l.check() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := l.release(); !errors.Is(err, ErrLockLost) {
		t.Fatalf("release = %v, want ErrLockLost", err)
	}
}
