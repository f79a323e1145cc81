package clickhouse_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// TestCrossVersion is the differential test of the two ClickHouse
// versions. The real projector writes a simulated campaign into an 18.16
// server; its schema (as 18.16 wrote it) and every row (FORMAT Native) move
// into a 26.7 session, as an in-place server upgrade would keep them. Then
// every named query under every parameter set, and every example query of
// docs/analytics.md, must give the same answer on 18.16, on 26.7 and from
// the Go reference.
func TestCrossVersion(t *testing.T) {
	srv := chtest.Shared(t)
	if srv.HTTPPort() == 0 {
		t.Fatalf("the rows move over the 18.16 server's HTTP port, and %s names a server without one known here", chtest.EnvURL)
	}
	s := chdbtest.Shared(t)
	ctx := context.Background()

	name := srv.NewDatabase(t)
	old, err := clickhouse.Open(ctx, srv.DSN(name), clickhouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { old.Close() })
	if _, err := old.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	d := analyticstest.NewDataset(8)
	e18 := clickhouse.NewEngine(old, "analytics-clickhouse")
	analyticstest.Project(t, analyticsfacts.NewProjection(e18, ps, d), d.Events, 100)

	// The same database name on 26.7, so that 18.16's definitions, which
	// name it, replay unchanged.
	if err := s.Exec("", "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Exec("", "DROP DATABASE IF EXISTS `"+name+"`") })
	moveDatabase(t, old.Conn(), srv, s, name)
	current := clickhouse.OnConn(s.Conn(name), name, clickhouse.Options{})
	if applied, err := current.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("migrating the moved database on 26.7 applied %v, %v; want nothing", applied, err)
	}
	e26 := clickhouse.NewEngine(current, "analytics-clickhouse")
	if cp18, _ := e18.Position(ctx); true {
		if cp26, err := e26.Position(ctx); err != nil || cp26 != cp18 {
			t.Fatalf("checkpoint on 26.7 %v (%v), on 18.16 %v", cp26, err, cp18)
		}
	}

	n := 0
	for _, q := range analytics.Catalog {
		for _, p := range analyticstest.ParamSets {
			want, err := d.Reference(ps, q.Name, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []struct {
				version string
				engine  *clickhouse.Engine
			}{{"18.16", e18}, {s.Version(), e26}} {
				got, err := e.engine.Query(ctx, q.Name, p)
				if err != nil {
					t.Fatalf("%s %+v on %s: %v", q.Name, p, e.version, err)
				}
				if !reflect.DeepEqual(got.Rows, want.Rows) {
					t.Errorf("%s %+v on ClickHouse %s differs from the reference:\n got %v\nwant %v", q.Name, p, e.version, got.Rows, want.Rows)
				}
			}
			n++
		}
	}
	t.Logf("%d named-query answers equal on 18.16, %s and the reference", n, s.Version())

	examples := docExamples(t)
	if len(examples) != len(exampleReferences) {
		t.Fatalf("docs/analytics.md has %d example queries, the test has a reference for %d: add one", len(examples), len(exampleReferences))
	}
	rows, err := d.Counted(ps)
	if err != nil {
		t.Fatal(err)
	}
	for i, sql := range examples {
		a := queryCells(t, old.Conn(), sql)
		b := queryCells(t, current.Conn(), sql)
		if !slices.EqualFunc(a, b, slices.Equal) {
			t.Errorf("example %d gives different answers:\n18.16 %v\n%s %v\n%s", i+1, a, s.Version(), b, sql)
		}
		want := exampleReferences[i](rows)
		if len(want) == 0 {
			t.Errorf("example %d: the reference is empty; the dataset does not exercise it", i+1)
		}
		if !cellsMatch(a, want) {
			t.Errorf("example %d differs from the reference:\n got %v\nwant %v\n%s", i+1, a, want, sql)
		}
	}
}

// moveDatabase recreates every table of database from 18.16 on the 26.7
// session from 18.16's own definitions, moves their rows in FORMAT Native,
// and only then creates the views and materialized views (which would
// otherwise count the moved rows a second time).
func moveDatabase(t *testing.T, conn driver.Conn, srv *chtest.Server, s *chdbtest.Session, database string) {
	t.Helper()
	ctx := context.Background()
	rows, err := conn.Query(ctx, "SELECT name, engine FROM system.tables WHERE database = ? ORDER BY name", database)
	if err != nil {
		t.Fatal(err)
	}
	var tables, views []string
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(engine, "View") {
			views = append(views, name)
		} else {
			tables = append(tables, name)
		}
	}
	rows.Close()
	ddl := func(table string) string {
		var text string
		if err := conn.QueryRow(ctx, "SHOW CREATE TABLE `"+table+"`").Scan(&text); err != nil {
			t.Fatal(err)
		}
		return text
	}
	dir := filepath.Join(s.Dir(), "move-"+database)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if err := s.Exec(database, ddl(table)); err != nil {
			t.Fatalf("26.7 refuses the definition 18.16 wrote of %s: %v", table, err)
		}
		q := url.Values{"database": {database}, "query": {"SELECT * FROM `" + table + "` FORMAT Native"}}
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/?%s", srv.HTTPPort(), q.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("export %s from 18.16: %d %v %s", table, res.StatusCode, err, data)
		}
		file := filepath.Join(dir, table+".native")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(data) > 0 {
			if err := s.Exec(database, "INSERT INTO `"+table+"` SELECT * FROM file('"+file+"', Native)"); err != nil {
				t.Fatalf("import %s into 26.7: %v", table, err)
			}
		}
	}
	for _, view := range views {
		if err := s.Exec(database, ddl(view)); err != nil {
			t.Fatalf("26.7 refuses the definition 18.16 wrote of %s: %v", view, err)
		}
	}
}

var sqlBlock = regexp.MustCompile("(?s)```sql\n(.*?)```")

// docExamples returns the SQL blocks of the example section of
// docs/analytics.md.
func docExamples(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../docs/analytics.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "## Example analyst queries")
	if !ok {
		t.Fatal("docs/analytics.md has no section \"Example analyst queries\"")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	var out []string
	for _, m := range sqlBlock.FindAllStringSubmatch(section, -1) {
		out = append(out, strings.TrimSpace(m[1]))
	}
	return out
}

// queryCells runs sql and returns its cells as text: integers and strings
// as they are, floats with strconv's shortest form.
func queryCells(t *testing.T, conn driver.Conn, sql string) [][]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%v\nin: %s", err, sql)
	}
	defer rows.Close()
	types := rows.ColumnTypes()
	var out [][]string
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(dest))
		for i, v := range dest {
			row[i] = cell(reflect.ValueOf(v).Elem().Interface())
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func cell(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

// cellsMatch compares answers with the reference: text exactly, numbers
// within 1e-9 (the reference computes floats in Go).
func cellsMatch(got, want [][]string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for j := range got[i] {
			if got[i][j] == want[i][j] {
				continue
			}
			a, err1 := strconv.ParseFloat(got[i][j], 64)
			b, err2 := strconv.ParseFloat(want[i][j], 64)
			if err1 != nil || err2 != nil || math.Abs(a-b) > 1e-9 {
				return false
			}
		}
	}
	return true
}
