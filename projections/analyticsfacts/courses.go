package analyticsfacts

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hocvu/hocvu/analytics"
)

// courseNames turns a definition's name language map into names of
// course, skipping empty names and cutting long ones.
func courseNames(course string, names map[string]string, pos uint64, out []analytics.CourseName) []analytics.CourseName {
	if course == "" {
		return out
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, lang := range keys {
		name := strings.TrimSpace(names[lang])
		if lang == "" || name == "" || !utf8.ValidString(name) {
			continue
		}
		if utf8.RuneCountInString(name) > analytics.MaxNameLength {
			name = string([]rune(name)[:analytics.MaxNameLength-1]) + "…"
		}
		out = append(out, analytics.CourseName{CourseID: course, Lang: lang, Name: name, Position: pos})
	}
	return out
}
