package xapiprofile_test

import (
	"testing"

	"github.com/hocvu/hocvu/campaign/xapiprofile"
)

func TestMatchPattern(t *testing.T) {
	const (
		L = xapiprofile.TemplateLessonLaunched
		P = xapiprofile.TemplateLessonProgressed
		C = xapiprofile.TemplateLessonCompleted
		Y = xapiprofile.TemplateAssessmentPassed
		N = xapiprofile.TemplateAssessmentFailed
		K = xapiprofile.TemplateCourseCompleted
		E = xapiprofile.TemplateCertificateEarned
	)
	cases := []struct {
		seq  []string
		want bool
	}{
		{[]string{L}, true},
		{[]string{L, C}, true},
		{[]string{L, P, P, C, L, C}, true},
		{[]string{L, L, C}, true}, // abandoned, then relaunched
		{[]string{L, C, L, C, N, Y, K, E}, true},
		{[]string{L, C, Y, K}, true},
		{[]string{Y, K, E}, true}, // quiz only (lessons elsewhere)
		{[]string{}, false},
		{[]string{C}, false},       // completed without launch
		{[]string{L, C, K}, true},  // the pattern does not require the quiz
		{[]string{L, C, E}, false}, // certificate without course completion
		{[]string{L, C, K, E, L}, false},
		{[]string{P, C}, false},
		{[]string{L, "https://example.com/other"}, false},
	}
	p := xapiprofile.Default()
	for _, c := range cases {
		got, err := p.MatchPattern(xapiprofile.PatternCourseJourney, c.seq)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%v: %v, want %v", short(c.seq), got, c.want)
		}
	}
	if _, err := p.MatchPattern("https://example.com/none", nil); err == nil {
		t.Error("unknown pattern: no error")
	}
}

func short(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if len(id) > len(xapiprofile.TemplateBase) && id[:len(xapiprofile.TemplateBase)] == xapiprofile.TemplateBase {
			id = id[len(xapiprofile.TemplateBase):]
		}
		out[i] = id
	}
	return out
}
