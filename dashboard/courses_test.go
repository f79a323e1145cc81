package dashboard_test

import (
	"reflect"
	"testing"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard"
)

// WithCourseNames puts the name beside each course IRI (the IRI when the
// course has none) and keeps what a capped result says about its rows.
func TestWithCourseNamesKeepsTheCap(t *testing.T) {
	total := int64(42)
	res := &analytics.Result{Query: "q", Columns: []string{"course_id", "learners"},
		Rows:  [][]any{{"https://khoa.example/1", int64(3)}, {"https://khoa.example/2", int64(1)}},
		Limit: 2, Total: &total}
	got := dashboard.WithCourseNames(res, map[string]string{"https://khoa.example/1": "Khóa học 1"})
	if want := []string{"course_id", "course_name", "learners"}; !reflect.DeepEqual(got.Columns, want) {
		t.Errorf("columns %v, want %v", got.Columns, want)
	}
	if want := [][]any{{"https://khoa.example/1", "Khóa học 1", int64(3)}, {"https://khoa.example/2", "https://khoa.example/2", int64(1)}}; !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("rows %v, want %v", got.Rows, want)
	}
	if got.Limit != 2 || got.Total == nil || *got.Total != 42 || !got.Truncated() {
		t.Errorf("capped result lost its cap: limit %d, total %v", got.Limit, got.Total)
	}
}
