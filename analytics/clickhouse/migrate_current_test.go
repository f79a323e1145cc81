package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// Migrations on ClickHouse 26.7 (chDB), and upgrades of the databases that
// earlier versions of Hocvu made, on 26.7 and on 18.16.

// releasedSets are the migration folders earlier versions shipped
// (testdata/released/README.md), oldest first.
var releasedSets = []string{"r1", "r2", "r3", "r4"}

func releasedSet(set string) string { return "testdata/released/" + set }

// currentDB returns a DB on a fresh database of the 26.7 session.
func currentDB(t *testing.T) *DB {
	t.Helper()
	s := chdbtest.Shared(t)
	name := s.NewDatabase(t)
	return &DB{conn: s.Conn(name), database: name, log: slog.New(slog.DiscardHandler), opts: Options{LockStaleAfter: time.Minute}}
}

// schema returns SHOW CREATE TABLE of every table and view of the
// database, by name, with the database's name replaced by DB.
func schema(t *testing.T, conn driver.Conn, database string) map[string]string {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT name FROM system.tables WHERE database = ? AND name != ?", database, lockTable)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, n := range names {
		var ddl string
		if err := conn.QueryRow(ctx, "SHOW CREATE TABLE "+quoteIdent(n)).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		out[n] = strings.ReplaceAll(ddl, database, "DB")
	}
	return out
}

// Every migration applies to an empty 26.7 database; a second run applies
// nothing; and every statement of every migration can run again (as after
// a run that died before recording its migration) without changing the
// schema.
func TestMigrateEmbeddedCurrent(t *testing.T) {
	db := currentDB(t)
	ctx := context.Background()
	files, err := readMigrations(Migrations())
	if err != nil {
		t.Fatal(err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) != len(files) {
		t.Fatalf("applied %v of %d migrations", applied, len(files))
	}
	again, err := db.Migrate(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run: applied %v, err %v; want nothing", again, err)
	}
	var want []uint32
	for _, f := range files {
		want = append(want, f.version)
	}
	if _, versions := recorded(t, db); !slices.Equal(versions, want) {
		t.Errorf("recorded versions %v, want %v", versions, want)
	}
	before := schema(t, db.conn, db.database)
	for _, f := range files {
		for i, stmt := range f.statements {
			if err := db.conn.Exec(ctx, stmt); err != nil {
				t.Errorf("%s statement %d again: %v", f.name, i+1, err)
			}
		}
	}
	if after := schema(t, db.conn, db.database); !mapsEqual(before, after) {
		t.Errorf("running every statement again changed the schema:\nbefore %v\nafter  %v", before, after)
	}
	if _, ok := before["projection_checkpoints"]; ok {
		t.Error("projection_checkpoints still exists after migration 8")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Migration 3 was edited after release (its column name quoted). A
// database migrated by the released text equals one migrated by the new
// text, the recorded versions match, and the released database then takes
// the later migrations like any other.
func TestMigration3EditedTextEqualsReleased(t *testing.T) {
	srv := chtest.Shared(t)
	ctx := context.Background()
	released := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	if _, err := released.MigrateFS(ctx, os.DirFS(releasedSet("r4"))); err != nil {
		t.Fatal(err)
	}
	edited := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
	upTo7 := upTo(t, 7)
	if _, err := edited.MigrateFS(ctx, upTo7); err != nil {
		t.Fatal(err)
	}
	a, b := schema(t, released.conn, released.database), schema(t, edited.conn, edited.database)
	if a["projection_checkpoints"] == "" || !mapsEqual(a, b) {
		t.Fatalf("released and edited texts made different databases:\nreleased %v\nedited   %v", a, b)
	}
	_, va := recorded(t, released)
	_, vb := recorded(t, edited)
	if !slices.Equal(va, vb) {
		t.Fatalf("recorded versions %v (released) and %v (edited)", va, vb)
	}
	// With the edited text in place nothing before 8 runs again.
	if again, err := released.MigrateFS(ctx, upTo7); err != nil || len(again) != 0 {
		t.Fatalf("the edited set on the released database applied %v, %v; want nothing", again, err)
	}
	if _, err := released.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := edited.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if a, b := schema(t, released.conn, released.database), schema(t, edited.conn, edited.database); !mapsEqual(a, b) {
		t.Fatalf("after the upgrade:\nreleased %v\nedited   %v", a, b)
	}
}

// upTo returns the embedded migrations up to version last.
func upTo(t *testing.T, last uint32) fstest.MapFS {
	t.Helper()
	files, err := readMigrations(Migrations())
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, f := range files {
		if f.version <= last {
			data, err := fs.ReadFile(Migrations(), f.name+".sql")
			if err != nil {
				t.Fatal(err)
			}
			out[f.name+".sql"] = &fstest.MapFile{Data: data}
		}
	}
	return out
}

// A database that an earlier version made on current ClickHouse stopped at
// migration 3 (the syntax error of the issue); the current migrations
// finish it, and the engine then answers every named query exactly.
func TestUpgradeReleasedSetsCurrent(t *testing.T) {
	for _, set := range releasedSets {
		t.Run(set, func(t *testing.T) {
			db := currentDB(t)
			ctx := context.Background()
			applied, err := db.MigrateFS(ctx, os.DirFS(releasedSet(set)))
			var me *MigrationError
			if !errors.As(err, &me) || me.File != "0003_checkpoints.sql" || exceptionCode(err) != 62 {
				t.Fatalf("the released set on 26.7: %v; want the syntax error of 0003_checkpoints.sql", err)
			}
			if !slices.Equal(applied, []string{"0001_statements", "0002_voided"}) {
				t.Fatalf("the released set applied %v", applied)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if set == releasedSets[0] || set == releasedSets[len(releasedSets)-1] {
				projectAndCheck(t, db)
			}
		})
	}
}

// A database that an earlier version made on 18.16 upgrades there, keeps
// its checkpoint, and afterwards holds no definition that current
// ClickHouse cannot read: every table and view, as 18.16 writes it
// (SHOW CREATE TABLE, what a server upgraded in place reads at start-up),
// is accepted by 26.7. Before the upgrade the checkpoint table's is not:
// the test can fail.
func TestUpgradeReleasedSets1816(t *testing.T) {
	srv := chtest.Shared(t)
	s := chdbtest.Shared(t)
	for _, set := range releasedSets {
		t.Run(set, func(t *testing.T) {
			ctx := context.Background()
			db := open(t, srv.DSN(srv.NewDatabase(t)), Options{})
			if _, err := db.MigrateFS(ctx, os.DirFS(releasedSet(set))); err != nil {
				t.Fatal(err)
			}
			// The checkpoint an earlier version wrote.
			if err := db.conn.Exec(ctx, "INSERT INTO projection_checkpoints (projection, commit_position, prepare_position, written_at) SELECT 'old-projection', 4200 + number, 4100 + number, now() FROM system.numbers LIMIT 3"); err != nil {
				t.Fatal(err)
			}
			replay := func(ddl map[string]string) error {
				name := s.NewDatabase(t)
				var errs []error
				for _, table := range sortedTables(ddl) {
					if err := s.Exec(name, strings.ReplaceAll(ddl[table], "DB.", "`"+name+"`.")); err != nil {
						errs = append(errs, fmt.Errorf("%s: %w", table, err))
					}
				}
				return errors.Join(errs...)
			}
			if err := replay(schema(t, db.conn, db.database)); err == nil || !strings.Contains(err.Error(), "projection_checkpoints") {
				t.Fatalf("the released schema replayed on 26.7: %v; want projection_checkpoints refused", err)
			}
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := replay(schema(t, db.conn, db.database)); err != nil {
				t.Fatalf("after the upgrade, 26.7 refuses what 18.16 wrote: %v", err)
			}
			cp, err := NewEngine(db, "old-projection").Position(ctx)
			if err != nil || cp.Commit != 4202 || cp.Prepare != 4102 {
				t.Fatalf("checkpoint after the upgrade: %v, %v; want 4202/4102", cp, err)
			}
			if set == releasedSets[0] || set == releasedSets[len(releasedSets)-1] {
				projectAndCheck(t, db)
			}
		})
	}
}

// sortedTables orders tables before the views and materialized views that
// read them.
func sortedTables(ddl map[string]string) []string {
	var tables, views []string
	for name, text := range ddl {
		if strings.HasPrefix(text, "CREATE VIEW") || strings.HasPrefix(text, "CREATE MATERIALIZED VIEW") {
			views = append(views, name)
		} else {
			tables = append(tables, name)
		}
	}
	slices.Sort(tables)
	slices.Sort(views)
	return append(tables, views...)
}

// projectAndCheck projects a dataset with the engine and compares every
// named query with the reference, unfiltered and under one filter of each
// kind (the contract suite runs them all).
func projectAndCheck(t *testing.T, db *DB) {
	t.Helper()
	e := NewEngine(db, "analytics-clickhouse")
	ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	d := analyticstest.NewDataset(21)
	analyticstest.Project(t, analyticsfacts.NewProjection(e, ps, d), d.Events, 400)
	analyticstest.CheckParams(t, e, d, analytics.Params{}, analytics.Params{From: "2025-07", To: "2025-12", Commune: "21175", Group: "citizen"})
}
