package analytics

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPickName(t *testing.T) {
	full := map[string]string{"vi-VN": "Kỹ năng số", "vi": "Kỹ năng", "en-US": "Digital skills", "en-GB": "Digital skills (UK)", "fr": "Compétences"}
	for _, c := range []struct {
		names           map[string]string
		lang, name, tag string
	}{
		{full, "", "Kỹ năng số", "vi-VN"},
		{full, "vi", "Kỹ năng", "vi"},
		{full, "vi-VN", "Kỹ năng số", "vi-VN"},
		{full, "en", "Digital skills", "en-US"},
		{full, "en-gb", "Digital skills (UK)", "en-GB"},
		{full, "fr", "Compétences", "fr"},
		{full, "fr-CA", "Compétences", "fr"},
		{full, "de", "Kỹ năng số", "vi-VN"},
		{map[string]string{"vi": "Kỹ năng", "en-US": "Digital skills"}, "vi-VN", "Kỹ năng", "vi"},
		{map[string]string{"vi-x-local": "Kỹ năng", "en": "Digital"}, "", "Kỹ năng", "vi-x-local"},
		{map[string]string{"en-GB": "Online safety"}, "vi", "Online safety", "en-GB"},
		{map[string]string{"en": "Online safety", "en-AU": "Online safety (AU)"}, "vi", "Online safety", "en"},
		{map[string]string{"VI-vn": "Hoa thường"}, "vi-VN", "Hoa thường", "VI-vn"},
		{map[string]string{"fr": "Compétences", "zh": "技能"}, "vi", "", ""},
		{map[string]string{"vi-VN": ""}, "vi", "", ""},
		{nil, "vi", "", ""},
	} {
		name, tag := PickName(c.names, c.lang)
		if name != c.name || tag != c.tag {
			t.Errorf("PickName(%v, %q) = %q, %q; want %q, %q", c.names, c.lang, name, tag, c.name, c.tag)
		}
	}
}

func TestLatestNamesAndMerge(t *testing.T) {
	names := courseNames("c1", map[string]string{"vi-VN": "  Cũ ", "en": "Old", "": "no tag", "fr": "  "}, 5, nil)
	names = courseNames("c1", map[string]string{"vi-VN": "Mới"}, 9, names)
	names = courseNames("c2", map[string]string{"vi-VN": "Hai"}, 3, names)
	names = courseNames("", map[string]string{"vi-VN": "không khóa"}, 4, names)
	want := []CourseName{{"c1", "en", "Old", 5}, {"c1", "vi-VN", "Mới", 9}, {"c2", "vi-VN", "Hai", 3}}
	if got := latestNames(names); !reflect.DeepEqual(got, want) {
		t.Errorf("latestNames = %v, want %v", got, want)
	}
	dims := MergeCourses([]string{"c3", "", "c1"}, append(names, CourseName{"c1", "vi-VN", "Cũ hơn", 2}))
	wantDims := []DimCourse{
		{ID: "c1", Names: map[string]string{"en": "Old", "vi-VN": "Mới"}},
		{ID: "c2", Names: map[string]string{"vi-VN": "Hai"}},
		{ID: "c3", Names: map[string]string{}},
	}
	if !reflect.DeepEqual(dims, wantDims) {
		t.Errorf("MergeCourses = %v, want %v", dims, wantDims)
	}
	long := courseNames("c", map[string]string{"vi": strings.Repeat("ă", 400)}, 1, nil)
	if n := utf8.RuneCountInString(long[0].Name); n != MaxNameLength || !strings.HasSuffix(long[0].Name, "ă…") {
		t.Errorf("a 400-character name is kept as %d characters: %q", n, long[0].Name)
	}
}

func TestCourseNamesNeedTheDefineScope(t *testing.T) {
	if defines(nil) || defines([]byte(`{"batch":"b"}`)) || defines([]byte(`{"define":false}`)) || !defines([]byte(`{"batch":"b","define":true}`)) {
		t.Error("defines reads the metadata wrongly")
	}
}

func TestLangParameter(t *testing.T) {
	for _, ok := range []string{"", "vi", "vi-VN", "en-US", "fr", "zh-Hant-TW"} {
		p := Params{Lang: ok}
		if err := p.Validate(); err != nil {
			t.Errorf("lang %q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"vi_VN!", "not a tag", "x", strings.Repeat("a", 40)} {
		p := Params{Lang: bad}
		if err := p.Validate(); !errors.Is(err, ErrBadParams) {
			t.Errorf("lang %q accepted (%v)", bad, err)
		}
	}
}
