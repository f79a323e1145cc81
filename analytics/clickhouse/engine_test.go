package clickhouse_test

import (
	"context"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chtest"
)

func newEngine(t testing.TB) *clickhouse.Engine {
	srv := chtest.Shared(t)
	db, err := clickhouse.Open(context.Background(), srv.DSN(srv.NewDatabase(t)), clickhouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return clickhouse.NewEngine(db, "analytics-clickhouse")
}

func TestEngineContract(t *testing.T) {
	analyticstest.Run(t, analyticstest.Harness{New: func(t testing.TB) analytics.Engine { return newEngine(t) }})
}
