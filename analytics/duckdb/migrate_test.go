package duckdb

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hocvu/hocvu/analytics"
)

func TestReadMigrationsRejects(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":  {"0001_Bad-Name.sql": {Data: []byte("SELECT 1")}},
		"version 0": {"0000_zero.sql": {Data: []byte("SELECT 1")}},
		"duplicate": {"0001_a.sql": {Data: []byte("SELECT 1")}, "00001_b.sql": {Data: []byte("SELECT 1")}},
	} {
		if _, err := readMigrations(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// A migration that fails half-way leaves neither its first statement nor
// its record; fixed, it applies once.
func TestMigrationIsAtomic(t *testing.T) {
	e, err := Open(context.Background(), "", "p")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	broken := fstest.MapFS{"0100_extra.sql": {Data: []byte("CREATE TABLE extra (a INTEGER);\nINSERT INTO nowhere VALUES (1);")}}
	if _, err := migrate(ctx, e.db, broken); err == nil {
		t.Fatal("broken migration applied")
	}
	var n int
	if err := e.db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name = 'extra'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table of the failed migration: %d (%v)", n, err)
	}
	fixed := fstest.MapFS{"0100_extra.sql": {Data: []byte("CREATE TABLE extra (a INTEGER);\nINSERT INTO extra VALUES (1);")}}
	for round := range 2 {
		applied, err := migrate(ctx, e.db, fixed)
		if err != nil {
			t.Fatal(err)
		}
		if want := 1 - round; len(applied) != want {
			t.Fatalf("round %d applied %v, want %d", round, applied, want)
		}
	}
	ms, err := e.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := ms[len(ms)-1]
	if len(ms) < 2 || last.Version != 100 || last.Name != "0100_extra" {
		t.Fatalf("recorded %+v", ms)
	}
}

// Every named query of the catalogue has its SQL text, and no text is
// left without a query.
func TestQueryFiles(t *testing.T) {
	entries, err := queryFS.ReadDir("queries")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, e := range entries {
		files[strings.TrimSuffix(e.Name(), ".sql")] = true
	}
	for _, q := range analytics.Catalog {
		if analytics.IsComposite(q.Name) {
			continue // computed by analytics.Composite from Dims and LearnerCounts
		}
		if !files[q.Name] {
			t.Errorf("no queries/%s.sql", q.Name)
		}
		delete(files, q.Name)
	}
	for name := range files {
		t.Errorf("queries/%s.sql is no named query", name)
	}
}
