package clickhouse

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/hocvu/hocvu/analytics"
)

// The named queries on ClickHouse. Counts come from agg_monthly, distinct
// learners from agg_learner_months (one row per learner and month, commune,
// group and course), so both read far fewer rows than the facts; the
// integrity queries read statements_valid.

// filter builds a WHERE clause over the tables' shared dimensions.
type filter struct {
	conds []string
	args  []any
}

func newFilter(p analytics.Params, monthExpr string, course bool) *filter {
	lo, hi := p.MonthRange()
	f := &filter{conds: []string{monthExpr + " BETWEEN ? AND ?"}, args: []any{lo, hi}}
	if p.Commune != "" {
		f.add("commune = ?", p.Commune)
	}
	if p.Group != "" {
		f.add("target_group = ?", p.Group)
	}
	if course && p.Course != "" {
		f.add("course_id = ?", p.Course)
	}
	return f
}

func (f *filter) add(cond string, args ...any) {
	f.conds = append(f.conds, cond)
	f.args = append(f.args, args...)
}

func (f *filter) where() string { return " WHERE " + strings.Join(f.conds, " AND ") }

var (
	// communeKey reports a commune code as the query rows show it: as it
	// is when empty or listed in the reference data (or when no commune is
	// loaded yet), else analytics.UnknownCommune.
	communeKey = "if(commune = '' OR commune IN (SELECT code FROM dim_communes) OR (SELECT count() FROM dim_communes) = 0, commune, '" + analytics.UnknownCommune + "')"
	// groupKey reports a target group as the rows show it: as it is when
	// empty or in the vocabulary, else analytics.UnknownGroup.
	groupKey = "if(target_group IN (" + knownGroups + "), target_group, '" + analytics.UnknownGroup + "')"
	// knownGroups is '' and the vocabulary's groups, as a SQL tuple body.
	knownGroups = "''" + func() string {
		s := ""
		for _, g := range analytics.KnownGroups {
			s += ", '" + g + "'"
		}
		return s
	}()
	// isKnownCell: a statement attributed to a commune of the reference
	// data and a group of the vocabulary.
	isKnownCell = "commune IN (SELECT code FROM dim_communes) AND target_group IN (" + knownGroups[4:] + ")"

	isLesson      = fmt.Sprintf("verb = '%s' AND activity_type = '%s'", analytics.VerbCompleted, analytics.TypeLesson)
	isPass        = fmt.Sprintf("verb = '%s'", analytics.VerbPassed)
	isFail        = fmt.Sprintf("verb = '%s'", analytics.VerbFailed)
	isCertificate = fmt.Sprintf("verb = '%s' AND activity_type = '%s'", analytics.VerbEarned, analytics.TypeCertificate)
	notVoiding    = fmt.Sprintf("verb != '%s'", analytics.VerbVoided)
	isStart       = fmt.Sprintf("(verb = '%s' OR verb = '%s')", analytics.VerbLaunched, analytics.VerbInitialized)
	isCourseDone  = fmt.Sprintf("verb = '%s' AND activity_type = '%s'", analytics.VerbCompleted, analytics.TypeCourse)
	isVNeID       = fmt.Sprintf("verb = '%s' AND activity_type = '%s'", analytics.VerbEarned, analytics.TypeVNeID)
)

// countsSQL and learnersSQL compute the summary metrics grouped by key
// ("" for none).
func countsSQL(key string) string {
	sel := ""
	if key != "" {
		sel = key + " AS k, "
	}
	return "SELECT " + sel + "sum(statements), sumIf(statements, " + isLesson + "), sumIf(statements, " + isPass + "), sumIf(statements, " + isFail + "), sumIf(statements, " + isCertificate + ") FROM agg_monthly"
}

func learnersSQL(key string) string {
	sel := ""
	if key != "" {
		sel = key + " AS k, "
	}
	return "SELECT " + sel + learnerCounts + " FROM agg_learner_months"
}

// learnerCounts are the distinct learners and certified learners among
// agg_learner_months rows (not yet merged rows may repeat a learner).
const learnerCounts = "uniqExactIf(actor_id, statements > 0), uniqExactIf(actor_id, certificates > 0)"

type summaryRow struct {
	statements, lessons, passes, fails, certificates, learners, certified uint64
}

func (r *summaryRow) values() []any {
	return []any{int64(r.statements), int64(r.learners), int64(r.lessons), int64(r.passes), int64(r.fails), int64(r.certificates), int64(r.certified)}
}

// grouped runs the summary metrics grouped by a dimension, given as its SQL
// expression on agg_monthly and on agg_learner_months ("" for no grouping).
func (e *Engine) grouped(ctx context.Context, p analytics.Params, dailyKey, learnersKey string) (map[string]*summaryRow, error) {
	out := map[string]*summaryRow{}
	get := func(k string) *summaryRow {
		r, ok := out[k]
		if !ok {
			r = &summaryRow{}
			out[k] = r
		}
		return r
	}
	f := newFilter(p, "month", true)
	f.add(notVoiding) // voiding statements count nowhere
	q := countsSQL(dailyKey) + f.where()
	if dailyKey != "" {
		q += " GROUP BY k"
	}
	rows, err := e.db.conn.Query(ctx, q, f.args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: counts: %w", err)
	}
	for rows.Next() {
		var k string
		var r summaryRow
		dst := []any{&r.statements, &r.lessons, &r.passes, &r.fails, &r.certificates}
		if dailyKey != "" {
			dst = append([]any{&k}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, err
		}
		g := get(k)
		g.statements, g.lessons, g.passes, g.fails, g.certificates = r.statements, r.lessons, r.passes, r.fails, r.certificates
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	f = newFilter(p, "month", true)
	f.add("statements > 0") // rows of voiding statements alone make no row
	q = learnersSQL(learnersKey) + f.where()
	if learnersKey != "" {
		q += " GROUP BY k"
	}
	rows, err = e.db.conn.Query(ctx, q, f.args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: learners: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var learners, certified uint64
		dst := []any{&learners, &certified}
		if learnersKey != "" {
			dst = append([]any{&k}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		g := get(k)
		g.learners, g.certified = learners, certified
	}
	return out, rows.Err()
}

// Query implements analytics.Engine: the composite queries through
// analytics.Composite, each other named query by its own method below.
func (e *Engine) Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	q, answer, done, err := analytics.Resolve(ctx, e, name, &p)
	if done {
		return answer, err
	}
	res := &analytics.Result{Query: name, Columns: q.Columns, Rows: [][]any{}}
	var rows [][]any
	switch name {
	case "summary":
		rows, err = e.summaryRows(ctx, p)
	case "trend", "by_commune", "by_group", "by_course":
		rows, err = e.groupedRows(ctx, name, p)
	case "by_activity":
		rows, err = e.activityRows(ctx, p)
	case "funnel":
		rows, err = e.funnelRows(ctx, p)
	case "fast_completions":
		rows, err = e.fastCompletionRows(ctx, p)
	case "bursts":
		var total int64
		rows, total, err = e.burstRows(ctx, p)
		res.Total, res.Limit = &total, p.Limit
	case "vneid":
		rows, err = e.vneidRows(ctx, p)
	default:
		return nil, fmt.Errorf("clickhouse: named query %q not implemented", name)
	}
	if err != nil {
		return nil, err
	}
	res.Rows = append(res.Rows, rows...)
	return res, nil
}

// collect runs query and turns each row of its answer into a result row
// with scan; what names the query in an error.
func (e *Engine) collect(ctx context.Context, what, query string, args []any, scan func(driver.Rows) ([]any, error)) ([][]any, error) {
	rows, err := e.db.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", what, err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// summaryRows answers summary: the summary metrics over p, one row.
func (e *Engine) summaryRows(ctx context.Context, p analytics.Params) ([][]any, error) {
	g, err := e.grouped(ctx, p, "", "")
	if err != nil {
		return nil, err
	}
	r := g[""]
	if r == nil {
		r = &summaryRow{}
	}
	return [][]any{r.values()}, nil
}

// groupedRows answers trend, by_commune, by_group and by_course: the
// summary metrics per month (as YYYY-MM), commune, group or course,
// sorted by it.
func (e *Engine) groupedRows(ctx context.Context, name string, p analytics.Params) ([][]any, error) {
	dims := map[string][2]string{
		"trend":      {"toString(month)", "toString(month)"},
		"by_commune": {communeKey, communeKey},
		"by_group":   {groupKey, groupKey},
		"by_course":  {"course_id", "course_id"},
	}[name]
	g, err := e.grouped(ctx, p, dims[0], dims[1])
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(g))
	for k := range g {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rows := make([][]any, 0, len(keys))
	for _, k := range keys {
		label := k
		if name == "trend" {
			label = k[:4] + "-" + k[4:]
		}
		rows = append(rows, append([]any{label}, g[k].values()...))
	}
	return rows, nil
}

// activityRows answers by_activity: statements and distinct learners per
// verb, activity type and object.
func (e *Engine) activityRows(ctx context.Context, p analytics.Params) ([][]any, error) {
	f := newFilter(p, "toYYYYMM(date)", true)
	f.add(notVoiding)
	q := "SELECT verb, activity_type, object_id, count(), uniqExactIf(actor_id, actor_id != 0) FROM statements_valid" + f.where() +
		" GROUP BY verb, activity_type, object_id ORDER BY verb, activity_type, object_id"
	return e.collect(ctx, "by_activity", q, f.args, func(rows driver.Rows) ([]any, error) {
		var verb, typ, obj string
		var n, l uint64
		if err := rows.Scan(&verb, &typ, &obj, &n, &l); err != nil {
			return nil, err
		}
		return []any{verb, typ, obj, int64(n), int64(l)}, nil
	})
}

// funnelRows answers funnel: the distinct learners who started, completed
// a course, passed and were certified.
func (e *Engine) funnelRows(ctx context.Context, p analytics.Params) ([][]any, error) {
	f := newFilter(p, "month", true)
	var started, completed, passed, certified uint64
	row := e.db.conn.QueryRow(ctx, "SELECT uniqExactIf(actor_id, starts > 0), uniqExactIf(actor_id, course_completions > 0), uniqExactIf(actor_id, passes > 0), uniqExactIf(actor_id, certificates > 0) FROM agg_learner_months"+f.where(), f.args...)
	if err := row.Scan(&started, &completed, &passed, &certified); err != nil {
		return nil, fmt.Errorf("clickhouse: funnel: %w", err)
	}
	return [][]any{{"started", int64(started)}, {"completed", int64(completed)}, {"passed", int64(passed)}, {"certified", int64(certified)}}, nil
}

// fastCompletionRows answers fast_completions: lesson completions per
// commune and course, those under a quarter of the expected time, and
// those that cannot be checked.
func (e *Engine) fastCompletionRows(ctx context.Context, p analytics.Params) ([][]any, error) {
	f := newFilter(p, "toYYYYMM(date)", true)
	f.add(isLesson)
	q := "SELECT " + communeKey + " AS ck, course_id, count(), countIf(duration_seconds >= 0 AND expected_seconds > 0 AND duration_seconds * 4 < expected_seconds), " +
		"countIf(NOT (duration_seconds >= 0 AND expected_seconds > 0)) FROM statements_valid" + f.where() +
		" GROUP BY ck, course_id ORDER BY ck, course_id"
	return e.collect(ctx, "fast_completions", q, f.args, func(rows driver.Rows) ([]any, error) {
		var commune, course string
		var n, fast, unchecked uint64
		if err := rows.Scan(&commune, &course, &n, &fast, &unchecked); err != nil {
			return nil, err
		}
		return []any{commune, course, int64(n), int64(fast), int64(unchecked)}, nil
	})
}

// burstRows answers bursts: the p.Limit largest bursts of lesson
// completions (per commune, hour and learner, at least p.Threshold), and
// the number of them all. Anonymous groups (actor 0) are no account: left
// out.
func (e *Engine) burstRows(ctx context.Context, p analytics.Params) ([][]any, int64, error) {
	f := newFilter(p, "toYYYYMM(date)", true)
	f.add(isLesson)
	f.add("actor_id != 0")
	inner := "SELECT " + communeKey + " AS ck, intDiv(toUInt32(timestamp), 3600) * 3600 AS hour_start, actor_id, count() AS n FROM statements_valid" + f.where() +
		" GROUP BY ck, hour_start, actor_id HAVING n >= ?"
	args := append(append([]any{}, f.args...), uint64(p.Threshold))
	var total uint64
	if err := e.db.conn.QueryRow(ctx, "SELECT count() FROM ("+inner+")", args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("clickhouse: bursts: %w", err)
	}
	rows, err := e.collect(ctx, "bursts", inner+" ORDER BY n DESC, hour_start, actor_id, ck LIMIT ?", append(args, uint64(p.Limit)), func(rows driver.Rows) ([]any, error) {
		var commune string
		var hour uint64
		var actor, n uint64
		if err := rows.Scan(&commune, &hour, &actor, &n); err != nil {
			return nil, err
		}
		return []any{commune, analytics.HourLabel(time.Unix(int64(hour), 0)), analytics.FormatID(actor), int64(n)}, nil
	})
	return rows, int64(total), err
}

// vneidRows answers vneid: the distinct learners per target group who
// confirmed a VNeID account, cumulative from the start of the campaign.
func (e *Engine) vneidRows(ctx context.Context, p analytics.Params) ([][]any, error) {
	p.From = "" // cumulative from the start of the campaign
	f := newFilter(p, "toYYYYMM(date)", false)
	f.add(isVNeID)
	f.add("actor_id != 0")
	q := "SELECT " + groupKey + " AS gk, uniqExact(actor_id) FROM statements_valid" + f.where() + " GROUP BY gk ORDER BY gk"
	return e.collect(ctx, "vneid", q, f.args, func(rows driver.Rows) ([]any, error) {
		var g string
		var n uint64
		if err := rows.Scan(&g, &n); err != nil {
			return nil, err
		}
		return []any{g, int64(n)}, nil
	})
}
