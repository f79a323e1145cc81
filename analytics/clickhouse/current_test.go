package clickhouse_test

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
)

// The engine on ClickHouse 26.7 (chDB through internal/chdbtest): the same
// engine code, the same SQL, the same answers as on 18.16.

// currentDB returns a migrated DB on database name of the 26.7 session.
func currentDB(t testing.TB, name string, opts clickhouse.Options, connOpts ...chdbtest.ConnOption) *clickhouse.DB {
	t.Helper()
	s := chdbtest.Shared(t)
	db := clickhouse.OnConn(s.Conn(name, connOpts...), name, opts)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// The contract suite on 26.7: every named query under every parameter set
// equals the Go reference, on data the real projector wrote; resume from a
// checkpoint; reset (the engine's TRUNCATE and checkpoint DELETE) and a
// rebuild; void rebuilds (the dataset voids statements in every form).
func TestEngineContractCurrent(t *testing.T) {
	analyticstest.Run(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine {
		s := chdbtest.Shared(t)
		return clickhouse.NewEngine(currentDB(t, s.NewDatabase(t), clickhouse.Options{}), "analytics-clickhouse")
	}})
}

// someParams are the parameter sets of the tests that repeat what the
// contract suite already compares under every set: no filter, and every
// filter at once.
var someParams = []analytics.Params{{}, {From: "2025-07", To: "2025-12", Commune: "21175", Group: "citizen"}}

// The crash repair on 26.7: the mutation that deletes a half-written batch,
// the wait for it, the partition rebuilds.
func TestCrashBetweenWriteAndCheckpointCurrent(t *testing.T) {
	for _, stage := range crashStages {
		t.Run(stage, func(t *testing.T) {
			name := chdbtest.Shared(t).NewDatabase(t)
			testCrash(t, stage, func() *clickhouse.Engine {
				return clickhouse.NewEngine(currentDB(t, name, clickhouse.Options{}), "analytics-clickhouse")
			}, someParams...)
		})
	}
}

// The re-attribution of a late learner directory, crashed, on 26.7.
func TestCrashWhileAttributingAgainCurrent(t *testing.T) {
	for _, stage := range attributionCrashStages {
		t.Run(stage, func(t *testing.T) {
			name := chdbtest.Shared(t).NewDatabase(t)
			crashWhileAttributingAgain(t, stage, func() *clickhouse.Engine {
				return clickhouse.NewEngine(currentDB(t, name, clickhouse.Options{}), "analytics-clickhouse")
			})
		})
	}
}
