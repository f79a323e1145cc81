package duckdb_test

import (
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/analytics/duckdb"
	"github.com/hocvu/hocvu/projections/analyticsfacts"
)

// The facts of timestamps at and beyond the ends of the range of fact
// times, read back raw: stored, timestamp and date are exactly the times
// the contract says, to the millisecond (DuckDB could hold the others,
// but ClickHouse could not: both store the same).
func TestFactTimesRoundTrip(t *testing.T) {
	e := openEngine(t, "")
	defer e.Close()
	d := analyticstest.TimeRangeDataset()
	analyticstest.Project(t, analyticsfacts.NewProjection(e, pseudonymizer(t), d), d.Events, 100)
	want := d.FactTimes()
	rows, err := duckdb.DB(e).QueryContext(ctx(t), `SELECT statement_id, epoch_ms(stored), epoch_ms(timestamp), strftime(date, '%Y-%m-%d') FROM statements`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id         string
			stored, ts int64
			date       string
		)
		if err := rows.Scan(&id, &stored, &ts, &date); err != nil {
			t.Fatal(err)
		}
		n++
		w, ok := want[id]
		if !ok {
			t.Fatalf("unexpected statement %s", id)
		}
		gotStored, gotTS := time.UnixMilli(stored).UTC(), time.UnixMilli(ts).UTC()
		if !gotStored.Equal(w.Stored) || !gotTS.Equal(w.Timestamp) || date != w.Date {
			t.Errorf("%s: stored %s, timestamp %s, date %s; want %s, %s, %s", id, gotStored, gotTS, date, w.Stored, w.Timestamp, w.Date)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d facts, want %d", n, len(want))
	}
}
