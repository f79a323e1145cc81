package analyticsfacts

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hocvu/hocvu/analytics"
)

func TestLatestNamesAndMerge(t *testing.T) {
	names := courseNames("c1", map[string]string{"vi-VN": "  Cũ ", "en": "Old", "": "no tag", "fr": "  "}, 5, nil)
	names = courseNames("c1", map[string]string{"vi-VN": "Mới"}, 9, names)
	names = courseNames("c2", map[string]string{"vi-VN": "Hai"}, 3, names)
	names = courseNames("", map[string]string{"vi-VN": "không khóa"}, 4, names)
	want := []analytics.CourseName{{CourseID: "c1", Lang: "en", Name: "Old", Position: 5}, {CourseID: "c1", Lang: "vi-VN", Name: "Mới", Position: 9}, {CourseID: "c2", Lang: "vi-VN", Name: "Hai", Position: 3}}
	if got := analytics.LatestNames(names); !reflect.DeepEqual(got, want) {
		t.Errorf("LatestNames = %v, want %v", got, want)
	}
	dims := analytics.MergeCourses([]string{"c3", "", "c1"}, append(names, analytics.CourseName{CourseID: "c1", Lang: "vi-VN", Name: "Cũ hơn", Position: 2}))
	wantDims := []analytics.DimCourse{
		{ID: "c1", Names: map[string]string{"en": "Old", "vi-VN": "Mới"}},
		{ID: "c2", Names: map[string]string{"vi-VN": "Hai"}},
		{ID: "c3", Names: map[string]string{}},
	}
	if !reflect.DeepEqual(dims, wantDims) {
		t.Errorf("MergeCourses = %v, want %v", dims, wantDims)
	}
	long := courseNames("c", map[string]string{"vi": strings.Repeat("ă", 400)}, 1, nil)
	if n := utf8.RuneCountInString(long[0].Name); n != analytics.MaxNameLength || !strings.HasSuffix(long[0].Name, "ă…") {
		t.Errorf("a 400-character name is kept as %d characters: %q", n, long[0].Name)
	}
}

func TestCourseNamesNeedTheDefineScope(t *testing.T) {
	if defines(nil) || defines([]byte(`{"batch":"b"}`)) || defines([]byte(`{"define":false}`)) || !defines([]byte(`{"batch":"b","define":true}`)) {
		t.Error("defines reads the metadata wrongly")
	}
}
