package clickhouse_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chdbtest"
	"github.com/hocvu/hocvu/internal/chtest"
)

// BenchmarkLowCardinality measures, on 18.16 and on 26.7, a facts table
// with String columns against one with LowCardinality(String) for the
// low-cardinality dimensions: insert time and disk size of 2M rows, and
// the median of five runs of three raw-fact queries shaped like by_activity,
// fast_completions and bursts. Run once:
//
//	go test -run '^$' -bench LowCardinality -benchtime 1x ./analytics/clickhouse/
//
// Figures and the decision are in docs/benchmarks.md.
func BenchmarkLowCardinality(t *testing.B) {
	ctx := context.Background()
	srv := chtest.Shared(t)
	old, err := clickhouse.Open(ctx, srv.DSN(srv.NewDatabase(t))+"?allow_experimental_low_cardinality_type=1", clickhouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := chdbtest.Shared(t)
	name := s.NewDatabase(t)
	for _, v := range []struct {
		name string
		conn driver.Conn
	}{{"18.16", old.Conn()}, {"26.7", s.Conn(name)}} {
		for _, lc := range []bool{false, true} {
			str := "String"
			if lc {
				str = "LowCardinality(String)"
			}
			tbl := fmt.Sprintf("f_%v", lc)
			ddl := strings.ReplaceAll(`CREATE TABLE `+tbl+` (date Date, verb S, object_id String, activity_type S, course_id S, commune S, target_group S, actor_id UInt64, duration_seconds Float64, expected_seconds Float64, timestamp DateTime) ENGINE = MergeTree PARTITION BY toYYYYMM(date) ORDER BY (date, verb, commune, target_group, object_id)`, " S,", " "+str+",")
			if err := v.conn.Exec(ctx, ddl); err != nil {
				t.Fatal(err)
			}
			began := time.Now()
			if err := v.conn.Exec(ctx, `INSERT INTO `+tbl+` SELECT toDate('2025-06-01') + intDiv(number, 5000) % 365, concat('http://adlnet.gov/expapi/verbs/v', toString(number % 12)), concat('https://hoctap.example/khoa/c', toString(number % 20), '/bai-', toString(number % 97)), concat('http://adlnet.gov/expapi/activities/t', toString(number % 8)), concat('https://hoctap.example/khoa/c', toString(number % 20)), toString(21000 + number % 200), concat('g', toString(number % 4)), cityHash64(number % 200000), number % 600, 1200, toDateTime('2025-06-01 00:00:00') + number * 13 FROM system.numbers LIMIT 2000000`); err != nil {
				t.Fatal(err)
			}
			insert := time.Since(began)
			var bytes uint64
			_ = v.conn.QueryRow(ctx, "SELECT sum(bytes) FROM system.parts WHERE active AND table = ? AND database = currentDatabase()", tbl).Scan(&bytes)
			for qi, q := range []string{
				"SELECT verb, activity_type, object_id, count(), uniqExact(actor_id) FROM " + tbl + " WHERE verb != 'http://adlnet.gov/expapi/verbs/v3' GROUP BY verb, activity_type, object_id ORDER BY verb, activity_type, object_id",
				"SELECT commune, course_id, count(), countIf(duration_seconds >= 0 AND expected_seconds > 0 AND duration_seconds * 4 < expected_seconds) FROM " + tbl + " WHERE verb = 'http://adlnet.gov/expapi/verbs/v1' AND activity_type = 'http://adlnet.gov/expapi/activities/t1' AND target_group = 'g1' GROUP BY commune, course_id ORDER BY commune, course_id",
				"SELECT commune, intDiv(toUInt32(timestamp), 3600) * 3600 AS hour_start, actor_id, count() AS n FROM " + tbl + " WHERE verb = 'http://adlnet.gov/expapi/verbs/v1' GROUP BY commune, hour_start, actor_id HAVING n >= 2 ORDER BY n DESC, hour_start, actor_id LIMIT 1000",
			} {
				var times []time.Duration
				for range 5 {
					b := time.Now()
					rows, err := v.conn.Query(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					for rows.Next() {
					}
					rows.Close()
					times = append(times, time.Since(b))
				}
				slices.Sort(times)
				t.Logf("%s lc=%v q%d median %s", v.name, lc, qi+1, times[2].Round(time.Millisecond))
			}
			t.Logf("%s lc=%v insert 2M rows %s, %d bytes on disk", v.name, lc, insert.Round(time.Millisecond), bytes)
		}
	}
}
