package analytics

import (
	"slices"
	"strings"

	"golang.org/x/text/language"
)

// The course dimension: the names of courses, learned from the activity
// definitions of the statements (docs/analytics.md, "Course names").
//
// A name counts when the statement was stored by a credential with the
// "define" scope, the same rule the LRS applies to its canonical Activity
// definitions (projections/documentindex): the course activity's
// definition.name, whether the course is the statement's object or its
// parent or grouping context activity typed as a course. Names merge per
// language in log order: the latest statement wins for its languages and
// leaves the others as they were; voiding a statement does not unlearn a
// name. The campaign profile defines no course activities (courses come
// and go with the content), so it contributes no names.

// DefaultLang is the language of the names when a query asks for none:
// the campaign's.
const DefaultLang = "vi-VN"

// MaxNameLength caps a learned name (in characters); longer ones are cut.
const MaxNameLength = 300

// CourseName is one language's name of a course, as learned from the
// statement at log position Position.
type CourseName struct {
	CourseID, Lang, Name string
	Position             uint64
}

// DimCourse is a course of the course dimension: its IRI and its names by
// language tag (as sent; empty when no statement named it).
type DimCourse struct {
	ID    string
	Names map[string]string
}

// LatestNames keeps, per course and language, the name of the latest
// position (the last one given on a tie), sorted by course and language.
func LatestNames(names []CourseName) []CourseName {
	if len(names) == 0 {
		return nil
	}
	type key struct{ course, lang string }
	last := map[key]CourseName{}
	for _, n := range names {
		k := key{n.CourseID, n.Lang}
		if old, ok := last[k]; !ok || n.Position >= old.Position {
			last[k] = n
		}
	}
	out := make([]CourseName, 0, len(last))
	for _, n := range last {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b CourseName) int {
		if c := strings.Compare(a.CourseID, b.CourseID); c != 0 {
			return c
		}
		return strings.Compare(a.Lang, b.Lang)
	})
	return out
}

// fallbackBases are the languages a name falls back to, in order, after
// the one asked for: the campaign's, then English.
var fallbackBases = []string{"vi", "en"}

// usualRegion is each fallback language's usual tag.
var usualRegion = map[string]string{"vi": "vi-vn", "en": "en-us"}

// PickName chooses the name to show a viewer who reads lang (a BCP 47
// tag; DefaultLang when empty) among names (language tag → name): the
// exact tag; else the same language, its usual region first (vi-VN,
// en-US), then the bare language, then any other region (by tag); else
// the same in Vietnamese, then in English. It returns the name and its
// tag as given, or "", "" when none fits: the caller then shows the
// course's IRI.
func PickName(names map[string]string, lang string) (name, tag string) {
	if len(names) == 0 {
		return "", ""
	}
	if lang == "" {
		lang = DefaultLang
	}
	want := strings.ToLower(lang)
	keys := make([]string, 0, len(names))
	for k, v := range names {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	find := func(match func(k string) bool) (string, string, bool) {
		for _, k := range keys {
			if match(strings.ToLower(k)) {
				return names[k], k, true
			}
		}
		return "", "", false
	}
	if n, k, ok := find(func(k string) bool { return k == want }); ok {
		return n, k
	}
	bases := []string{baseOf(want)}
	for _, b := range fallbackBases {
		if b != bases[0] {
			bases = append(bases, b)
		}
	}
	for _, b := range bases {
		for _, match := range []func(k string) bool{
			func(k string) bool { return usualRegion[b] != "" && k == usualRegion[b] },
			func(k string) bool { return k == b },
			func(k string) bool { return strings.HasPrefix(k, b+"-") },
		} {
			if n, k, ok := find(match); ok {
				return n, k
			}
		}
	}
	return "", ""
}

// baseOf is the primary language subtag of a lower-case tag.
func baseOf(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		return tag[:i]
	}
	return tag
}

// validLang reports whether s is a well-formed BCP 47 language tag.
func validLang(s string) bool {
	if len(s) > 35 {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}
