package clickhouse_test

import (
	"context"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
)

// migratedColumns reads the columns of statements, in order, as the
// migrations made them on db.
func migratedColumns(t *testing.T, db *clickhouse.DB, database string) [][2]string {
	t.Helper()
	rows, err := db.Conn().Query(context.Background(), "SELECT name, type FROM system.columns WHERE database = ? AND table = 'statements'", database) // in the table's order (18.16 has no position column)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		out = append(out, [2]string{name, typ})
	}
	return out
}

// TestFactSchemaIsTheTable: the one declaration of the fact columns (the
// insert, the re-attribution rewrite) is the table the migrations make,
// name, type and order, on 18.16 and on 26.7.
func TestFactSchemaIsTheTable(t *testing.T) {
	want := clickhouse.FactSchema()
	t.Run("18.16", func(t *testing.T) {
		srv := chtest.Shared(t)
		name := srv.NewDatabase(t)
		db, err := clickhouse.Open(context.Background(), srv.DSN(name), clickhouse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := migratedColumns(t, db, name); !reflect.DeepEqual(got, want) {
			t.Errorf("statements on 18.16:\n got %v\nwant %v (factSchema)", got, want)
		}
	})
	t.Run("26.7", func(t *testing.T) {
		name := chdbtest.Shared(t).NewDatabase(t)
		db := currentDB(t, name, clickhouse.Options{})
		if got := migratedColumns(t, db, name); !reflect.DeepEqual(got, want) {
			t.Errorf("statements on 26.7:\n got %v\nwant %v (factSchema)", got, want)
		}
	})
}

// TestFactSchemaIsDocumented: the schema table of docs/analytics.md names
// every declared column with its type, and no other.
func TestFactSchemaIsDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/analytics.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	start := strings.Index(doc, "### `statements`")
	if start < 0 {
		t.Fatal("docs/analytics.md has no section for statements")
	}
	doc = doc[start:]
	if end := strings.Index(doc[4:], "\n#"); end >= 0 {
		doc = doc[:end+4]
	}
	row := regexp.MustCompile("(?m)^\\| ((?:`[a-z_]+`(?:, )?)+) \\| ([^|]+) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		names := strings.Split(strings.ReplaceAll(m[1], "`", ""), ", ")
		types := strings.Split(strings.TrimSpace(m[2]), ", ")
		for i, n := range names {
			documented[n] = types[min(i, len(types)-1)]
		}
	}
	declared := map[string]string{}
	for _, c := range clickhouse.FactSchema() {
		declared[c[0]] = c[1]
		if typ, ok := documented[c[0]]; !ok {
			t.Errorf("column %s (%s) is not in the statements table of docs/analytics.md", c[0], c[1])
		} else if typ != c[1] {
			t.Errorf("docs/analytics.md gives %s the type %s, the table has %s", c[0], typ, c[1])
		}
	}
	for n := range documented {
		if _, ok := declared[n]; !ok {
			t.Errorf("docs/analytics.md documents a column %s that statements does not have", n)
		}
	}
}
