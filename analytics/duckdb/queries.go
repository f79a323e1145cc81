package duckdb

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/analytics"
)

// The named queries are the files queries/<name>.sql, one SQL text per
// query, run on the pre-aggregates (aggregates.go) or on the raw statements
// table (which holds no voided statement). Every text takes the same named
// parameters: the period $first_day..$last_day (local dates) and
// $first_month..$last_month (YYYYMM, the same months), $commune, $target_group and $course
// (empty: any), $threshold, $limit, the vocabulary the definitions of
// analytics.Catalog use ($completed, $lesson, …, $groups: the target
// groups), and $unknown, the label of values the reference data or the
// vocabulary do not know, so no IRI or label is spelled twice.
//
//go:embed queries/*.sql
var queryFS embed.FS

func querySQL(name string) (string, error) {
	b, err := queryFS.ReadFile("queries/" + name + ".sql")
	if err != nil {
		return "", fmt.Errorf("duckdb: named query %q not implemented", name)
	}
	return string(b), nil
}

// queryArgs binds p and the vocabulary to the named parameters.
func queryArgs(p analytics.Params) []any {
	lo, hi := p.MonthRange()
	first := time.Date(int(lo/100), time.Month(lo%100), 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(int(hi/100), time.Month(hi%100)+1, 0, 0, 0, 0, 0, time.UTC)
	if lo == 0 {
		first = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return []any{
		sql.Named("first_month", int64(lo)),
		sql.Named("last_month", int64(hi)),
		sql.Named("first_day", first.Format(time.DateOnly)),
		sql.Named("last_day", last.Format(time.DateOnly)),
		sql.Named("commune", p.Commune),
		sql.Named("target_group", p.Group),
		sql.Named("course", p.Course),
		sql.Named("threshold", int64(p.Threshold)),
		sql.Named("limit", int64(p.Limit)),
		sql.Named("groups", analytics.KnownGroups),
		sql.Named("unknown", analytics.UnknownCommune),
		sql.Named("vneid", analytics.TypeVNeID),
		sql.Named("voided", analytics.VerbVoided),
		sql.Named("completed", analytics.VerbCompleted),
		sql.Named("passed", analytics.VerbPassed),
		sql.Named("failed", analytics.VerbFailed),
		sql.Named("earned", analytics.VerbEarned),
		sql.Named("launched", analytics.VerbLaunched),
		sql.Named("initialized", analytics.VerbInitialized),
		sql.Named("lesson", analytics.TypeLesson),
		sql.Named("course_type", analytics.TypeCourse),
		sql.Named("certificate", analytics.TypeCertificate),
	}
}

// Query implements analytics.Engine. Rows hold int64 counts and string
// labels in the catalogue's column order and row order.
func (e *Engine) Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	q, answer, done, err := analytics.Resolve(ctx, e, name, &p)
	if done {
		return answer, err
	}
	text, err := querySQL(name)
	if err != nil {
		return nil, err
	}
	if name == "vneid" {
		p.From = "" // cumulative from the start of the campaign
	}
	rows, err := e.db.QueryContext(ctx, text, queryArgs(p)...)
	if err != nil {
		return nil, fmt.Errorf("duckdb: %s: %w", name, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("duckdb: %s: %w", name, err)
	}
	res := &analytics.Result{Query: name, Columns: q.Columns, Rows: [][]any{}}
	for rows.Next() {
		row := make([]any, len(cols))
		dst := make([]any, len(cols))
		for i := range row {
			dst[i] = &row[i]
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("duckdb: %s: %w", name, err)
		}
		switch name {
		case "funnel": // one row of four stages: one row per stage
			for i, stage := range cols {
				res.Rows = append(res.Rows, []any{stage, row[i]})
			}
			continue
		case "bursts": // commune, hour (UTC), actor_id, completions, total
			hour, _ := row[1].(time.Time)
			actor, _ := row[2].(uint64)
			row[1], row[2] = analytics.HourLabel(hour), analytics.FormatID(actor)
			total, _ := row[4].(int64)
			res.Total = &total
			row = row[:4]
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("duckdb: %s: %w", name, err)
	}
	if name == "bursts" {
		res.Limit = p.Limit
		if res.Total == nil { // no burst at all
			res.Total = new(int64)
		}
	}
	return res, nil
}
