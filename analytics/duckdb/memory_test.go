package duckdb_test

import (
	"path/filepath"
	"testing"

	"github.com/hocvu/hocvu/analytics/duckdb"
)

// TestMemoryLimit checks that Options.MemoryLimit becomes DuckDB's
// memory_limit, on a file and in memory, and that 0 leaves DuckDB's
// default.
func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		limit      int64
		want       string
	}{
		{"file", filepath.Join(t.TempDir(), "a.duckdb"), 96 << 20, "96.0 MiB"},
		{"memory", "", 1 << 30, "1.0 GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := duckdb.OpenWith(ctx(t), tc.path, projection, duckdb.Options{MemoryLimit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if got := memoryLimit(t, e); got != tc.want {
				t.Fatalf("memory_limit = %q, want %q", got, tc.want)
			}
		})
	}
	e := openEngine(t, "")
	defer e.Close()
	if got := memoryLimit(t, e); got == "96.0 MiB" || got == "1.0 GiB" || got == "" {
		t.Fatalf("memory_limit without the option = %q, want DuckDB's default", got)
	}
}

func memoryLimit(t *testing.T, e *duckdb.Engine) string {
	t.Helper()
	var v string
	if err := duckdb.DB(e).QueryRowContext(ctx(t), "SELECT current_setting('memory_limit')").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
