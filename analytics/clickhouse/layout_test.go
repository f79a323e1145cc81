package clickhouse

import (
	"strings"
	"testing"

	"github.com/hocvu/hocvu/internal/chdbtest"
)

// The engine's statements for the cluster layout act on the local tables
// ON CLUSTER, and parse on 26.7; on one server they act on the tables.
func TestLayoutStatements(t *testing.T) {
	s := chdbtest.Shared(t)
	cluster := layout{cluster: "hocvu"}
	for _, table := range []string{"statements", "voided_statements"} {
		stmt := cluster.deletePast(table)
		if !strings.Contains(stmt, table+"_local ON CLUSTER `hocvu` DELETE") {
			t.Errorf("cluster delete: %s", stmt)
		}
		if got := (layout{}).deletePast(table); got != "ALTER TABLE "+table+" DELETE WHERE event_position > ?" {
			t.Errorf("single-server delete: %s", got)
		}
		bound, err := chdbtest.Bind(stmt, uint64(7))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Query("", "EXPLAIN AST "+bound, "TSV"); err != nil {
			t.Errorf("%s: %v", bound, err)
		}
	}
	for _, a := range aggregates {
		for _, stmt := range []string{cluster.dropPartition(a.table, 202510), cluster.truncate(a.table)} {
			if !strings.Contains(stmt, a.table+"_local ON CLUSTER `hocvu`") {
				t.Errorf("cluster statement %s", stmt)
			}
			if _, err := s.Query("", "EXPLAIN AST "+stmt, "TSV"); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	}
	// Replicated (not sharded) tables are acted on directly.
	for _, table := range []string{"dim_communes", "learner_attributions", "course_names"} {
		if got := cluster.truncate(table); got != "TRUNCATE TABLE "+table {
			t.Errorf("truncate of a replicated table: %s", got)
		}
	}
	if got := cluster.deletePast("course_names"); got != "ALTER TABLE course_names DELETE WHERE event_position > ?" {
		t.Errorf("delete from a replicated table: %s", got)
	}
}
