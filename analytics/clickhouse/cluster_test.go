package clickhouse_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// The clustered layout (cluster/0001_cluster.sql) on ClickHouse 26.7, on
// the one-shard cluster of internal/chdbtest: ON CLUSTER runs on its one
// node and Replicated*MergeTree becomes *MergeTree (no Keeper here); the
// Distributed tables are real.

// clusterStatements returns the statements of the files of cluster/, in
// the order of their names (0001_cluster.sql, then each counterpart of a
// later single-server migration).
func clusterStatements(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("cluster/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cluster/*.sql (%v)", err)
	}
	sort.Strings(files)
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur []string
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			cur = append(cur, line)
			if strings.HasSuffix(strings.TrimSpace(line), ";") {
				out = append(out, strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";"))
				cur = nil
			}
		}
		if rest := strings.TrimSpace(strings.Join(cur, "\n")); rest != "" {
			t.Fatalf("%s ends without ;: %s", f, rest)
		}
	}
	return out
}

// replicated matches a Replicated*MergeTree engine's Keeper path and
// replica name (and the comma or parenthesis after them: some engines take
// more arguments, ReplicatedReplacingMergeTree its version column).
var replicated = regexp.MustCompile(`Replicated(\w*MergeTree)\('[^']*', '[^']*'(\)|, )`)

// unreplicated turns the Replicated*MergeTree engines of stmt into the
// *MergeTree engines with their other arguments.
func unreplicated(stmt string) string {
	return replicated.ReplaceAllStringFunc(stmt, func(m string) string {
		sub := replicated.FindStringSubmatch(m)
		if sub[2] == ")" {
			return sub[1]
		}
		return sub[1] + "("
	})
}

// clusterMu: the file names its database, hocvu, so one test at a time.
var clusterMu sync.Mutex

// newClusterDB makes the database hocvu from the file and returns a DB on
// it for the cluster layout.
func newClusterDB(t testing.TB, opts clickhouse.Options) *clickhouse.DB {
	t.Helper()
	s := chdbtest.Shared(t)
	if err := s.Exec("", "DROP DATABASE IF EXISTS hocvu"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Exec("", "DROP DATABASE IF EXISTS hocvu") })
	conn := s.Conn("default", chdbtest.StripOnCluster())
	for _, stmt := range clusterStatements(t) {
		if err := conn.Exec(context.Background(), unreplicated(stmt)); err != nil {
			t.Fatalf("%v\nin: %s", err, stmt)
		}
	}
	return clickhouse.OnConn(s.Conn("hocvu", chdbtest.StripOnCluster()), "hocvu", opts)
}

// Every statement of the file parses on 26.7, ON CLUSTER and Replicated
// engines included.
func TestClusterStatementsParse(t *testing.T) {
	s := chdbtest.Shared(t)
	stmts := clusterStatements(t)
	if len(stmts) < 20 {
		t.Fatalf("only %d statements in cluster/0001_cluster.sql", len(stmts))
	}
	for _, stmt := range stmts {
		if _, err := s.Query("", "EXPLAIN AST "+stmt, "TSV"); err != nil {
			t.Errorf("%v\nin: %s", err, stmt)
		}
	}
}

func TestClusterLayoutCurrent(t *testing.T) {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	ctx := context.Background()

	// The file records every single-server migration it stands for.
	db := newClusterDB(t, clickhouse.Options{Cluster: chdbtest.Cluster})
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Fatalf("hocvu on the cluster layout applied %v (%v): each single-server migration needs a cluster counterpart in cluster/ that also records it", applied, err)
	}
	// Without the cluster setting the engine refuses the layout.
	if _, err := clickhouse.NewEngine(clickhouse.OnConn(db.Conn(), "hocvu", clickhouse.Options{}), "p").Checkpoint(ctx); err == nil || !strings.Contains(err.Error(), "--clickhouse-cluster") {
		t.Fatalf("engine without --clickhouse-cluster on Distributed tables: %v", err)
	}

	// The contract on the cluster layout: named queries (the void
	// rebuilds run as the dataset voids statements), then a reset and a
	// rebuild from the log.
	t.Run("QueriesResetRebuild", func(t *testing.T) {
		e := clickhouse.NewEngine(newClusterDB(t, clickhouse.Options{Cluster: chdbtest.Cluster}), "analytics-clickhouse")
		ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
		if err != nil {
			t.Fatal(err)
		}
		d := analyticstest.NewDataset(3)
		p := analyticsfacts.NewProjection(e, ps, d)
		analyticstest.Project(t, p, d.Events, 150)
		analyticstest.CheckParams(t, e, d, someParams...)
		if err := p.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		if cp, err := e.Checkpoint(ctx); err != nil || !cp.IsStart() {
			t.Fatalf("checkpoint after the reset: %v, %v", cp, err)
		}
		if n, err := e.FactsAfter(ctx, 0); err != nil || n != 0 {
			t.Fatalf("%d facts after the reset (%v)", n, err)
		}
		analyticstest.Project(t, p, d.Events, 400)
		analyticstest.CheckParams(t, e, d, someParams...)
	})
	// A late learner directory attributes facts again: months of the
	// facts are rewritten and swapped in partition by partition, which on
	// a cluster must act on the local tables.
	t.Run("LateDirectory", func(t *testing.T) {
		analyticstest.RunLateDirectory(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine {
			return clickhouse.NewEngine(newClusterDB(t, clickhouse.Options{Cluster: chdbtest.Cluster}), "analytics-clickhouse")
		}})
	})
	t.Run("CrashWhileAttributingAgain", func(t *testing.T) {
		for _, stage := range attributionCrashStages {
			t.Run(stage, func(t *testing.T) {
				db := newClusterDB(t, clickhouse.Options{Cluster: chdbtest.Cluster})
				crashWhileAttributingAgain(t, stage, func() *clickhouse.Engine {
					return clickhouse.NewEngine(clickhouse.OnConn(db.Conn(), "hocvu", clickhouse.Options{Cluster: chdbtest.Cluster}), "analytics-clickhouse")
				})
			})
		}
	})
	t.Run("Crash", func(t *testing.T) {
		for _, stage := range crashStages {
			t.Run(stage, func(t *testing.T) {
				db := newClusterDB(t, clickhouse.Options{Cluster: chdbtest.Cluster})
				testCrash(t, stage, func() *clickhouse.Engine {
					return clickhouse.NewEngine(clickhouse.OnConn(db.Conn(), "hocvu", clickhouse.Options{Cluster: chdbtest.Cluster}), "analytics-clickhouse")
				}, someParams...)
			})
		}
	})
}
