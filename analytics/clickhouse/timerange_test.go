package clickhouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// The facts of timestamps at and beyond the ends of what DateTime and
// Date hold, read back raw on 18.16 and 26.7: stored, stored_ms,
// timestamp, timestamp_ms and date are exactly the times the contract
// says (nothing wrapped), to the millisecond.
func TestFactTimesRoundTrip(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *clickhouse.DB{
		"18.16": func(t *testing.T) *clickhouse.DB {
			srv := chtest.Shared(t)
			db, err := clickhouse.Open(context.Background(), srv.DSN(srv.NewDatabase(t)), clickhouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return db
		},
		"26.7": func(t *testing.T) *clickhouse.DB {
			return currentDB(t, chdbtest.Shared(t).NewDatabase(t), clickhouse.Options{})
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			e := clickhouse.NewEngine(db, "analytics-clickhouse")
			d := analyticstest.TimeRangeDataset()
			ps, err := analytics.NewPseudonymizer(analyticstest.TestKey)
			if err != nil {
				t.Fatal(err)
			}
			analyticstest.Project(t, analyticsfacts.NewProjection(e, ps, d), d.Events, 100)
			want := d.FactTimes()
			rows, err := db.Conn().Query(ctx, `SELECT statement_id, toUInt32(stored), stored_ms, toUInt32(timestamp), timestamp_ms, toUInt16(date) FROM statements`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var (
					id             string
					stored, ts     uint32
					storedMs, tsMs uint16
					days           uint16
				)
				if err := rows.Scan(&id, &stored, &storedMs, &ts, &tsMs, &days); err != nil {
					t.Fatal(err)
				}
				n++
				w, ok := want[id]
				if !ok {
					t.Fatalf("unexpected statement %s", id)
				}
				got := factTime(id, stored, storedMs, ts, tsMs, days)
				if !got.Stored.Equal(w.Stored) || !got.Timestamp.Equal(w.Timestamp) || got.Date != w.Date {
					t.Errorf("%s: stored %s, timestamp %s, date %s; want %s, %s, %s", id, got.Stored, got.Timestamp, got.Date, w.Stored, w.Timestamp, w.Date)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("%d facts, want %d", n, len(want))
			}
		})
	}
}

// factTime rebuilds a fact's times from ClickHouse's columns, read as
// numbers: 18.16 renders day 0 and second 0 as 0000-00-00 (00:00:00).
func factTime(id string, stored uint32, storedMs uint16, ts uint32, tsMs uint16, days uint16) analyticstest.FactTime {
	at := func(s uint32, ms uint16) time.Time { return time.Unix(int64(s), int64(ms)*1e6).UTC() }
	date := time.Unix(int64(days)*86400, 0).UTC().Format(time.DateOnly)
	return analyticstest.FactTime{StatementID: id, Stored: at(stored, storedMs), Timestamp: at(ts, tsMs), Date: date}
}
