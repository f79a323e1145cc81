package dashboard

import (
	"context"
	"slices"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/i18n"
)

// courseNames returns the course dimension's names in lang's locale
// (vi-VN or en-US; the courses query falls back to the other language,
// then to the IRI). A failure leaves the names out (nil): exports then
// show the IRI.
func (d *Dashboard) courseNames(ctx context.Context, lang string) map[string]string {
	res, err := d.cfg.Analytics.Query(ctx, "courses", analytics.Params{Lang: i18n.Locale(lang)})
	if err != nil {
		d.log.Warn("dashboard: course names unavailable", "err", err)
		return nil
	}
	id, name := slices.Index(res.Columns, "course_id"), slices.Index(res.Columns, "name")
	if id < 0 || name < 0 {
		return nil
	}
	out := make(map[string]string, len(res.Rows))
	for _, row := range res.Rows {
		if k, ok := row[id].(string); ok {
			if v, ok := row[name].(string); ok {
				out[k] = v
			}
		}
	}
	return out
}

// WithCourseNames returns res with a course_name column after its
// course_id column (the course's name from names, else its IRI), or res
// unchanged when it has no course_id column. A capped result keeps its
// limit and total.
func WithCourseNames(res *analytics.Result, names map[string]string) *analytics.Result {
	col := slices.Index(res.Columns, "course_id")
	if col < 0 || slices.Contains(res.Columns, "course_name") {
		return res
	}
	out := &analytics.Result{Query: res.Query, Columns: slices.Insert(slices.Clone(res.Columns), col+1, "course_name"),
		Rows: make([][]any, 0, len(res.Rows)), Limit: res.Limit, Total: res.Total}
	for _, row := range res.Rows {
		var name any = ""
		if col < len(row) {
			id, _ := row[col].(string)
			name = id
			if n, ok := names[id]; ok {
				name = n
			}
		}
		r := slices.Clone(row)
		if col < len(r) {
			r = slices.Insert(r, col+1, name)
		}
		out.Rows = append(out.Rows, r)
	}
	return out
}
