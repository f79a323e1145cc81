package forwarding_test

import (
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/forwarding"
)

const (
	verbCompleted = "http://adlnet.gov/expapi/verbs/completed"
	verbPassed    = "http://adlnet.gov/expapi/verbs/passed"
	course1       = "https://hoctap.example/khoa-1"
	lesson1       = "https://hoctap.example/khoa-1/bai-1"
	reg1          = "0d8a3b4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
)

// Statements as stored, each exercising a part of the filters.
var filterStatements = map[string]string{
	// A lesson completion with a course parent and campaign extensions.
	"lesson": `{"id":"6f1c6e3a-0000-4000-8000-000000000001","actor":{"account":{"homePage":"https://vneid.example","name":"hv-1"}},
		"verb":{"id":"` + verbCompleted + `"},"object":{"id":"` + lesson1 + `","definition":{"type":"` + vocab.TypeLesson + `"}},
		"context":{"registration":"0D8A3B4E-1C2D-4E5F-8A9B-0C1D2E3F4A5B","contextActivities":{"parent":[{"id":"` + course1 + `","definition":{"type":"` + vocab.TypeCourse + `"}}]},
		"extensions":{"` + vocab.ExtCommune + `":"21172","` + vocab.ExtTargetGroup + `":"citizen"}},
		"authority":{"objectType":"Agent","account":{"homePage":"https://hocvu.local/","name":"portal"}},"stored":"2025-09-01T00:00:00.000Z"}`,
	// The course itself passed, commune as a number, xAPI 1.0 single grouping activity.
	"course": `{"id":"6f1c6e3a-0000-4000-8000-000000000002","actor":{"mbox":"mailto:a@example.com"},
		"verb":{"id":"` + verbPassed + `"},"object":{"id":"` + course1 + `","definition":{"type":"` + vocab.TypeCourse + `"}},
		"context":{"contextActivities":{"grouping":{"id":"https://hoctap.example/chuong-trinh"}},"extensions":{"` + vocab.ExtCommune + `":21175}},
		"authority":{"objectType":"Group","member":[{"account":{"homePage":"https://hocvu.local/","name":"lms"}},{"mbox":"mailto:u@example.com"}]},"stored":"2025-09-01T00:00:01.000Z"}`,
	// No extensions: the directory attributes it; the lesson is in category only.
	"directory": `{"id":"6f1c6e3a-0000-4000-8000-000000000003","actor":{"account":{"homePage":"https://vneid.example","name":"hv-2"}},
		"verb":{"id":"` + verbCompleted + `"},"object":{"id":"https://hoctap.example/khac"},
		"context":{"contextActivities":{"category":[{"id":"` + lesson1 + `"}]}},"stored":"2025-09-01T00:00:02.000Z"}`,
	// A SubStatement whose object is the lesson.
	"sub": `{"id":"6f1c6e3a-0000-4000-8000-000000000004","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/planned"},
		"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"` + verbCompleted + `"},"object":{"id":"` + lesson1 + `"}},
		"stored":"2025-09-01T00:00:03.000Z"}`,
	// An agent as object whose name looks like an activity id.
	"agent": `{"id":"6f1c6e3a-0000-4000-8000-000000000005","actor":{"mbox":"mailto:c@example.com"},"verb":{"id":"` + verbCompleted + `"},
		"object":{"objectType":"Agent","mbox":"mailto:d@example.com","name":"` + lesson1 + `"},"stored":"2025-09-01T00:00:04.000Z"}`,
}

func directory(home, name string) (reference.Learner, bool) {
	if home == "https://vneid.example" && name == "hv-2" {
		return reference.Learner{HomePage: home, Name: name, Commune: "21178", Group: "student"}, true
	}
	return reference.Learner{}, false
}

func TestFilterExact(t *testing.T) {
	for _, c := range []struct {
		name   string
		filter []string
		want   string // names of the matching statements, sorted
	}{
		{"no filter", nil, "agent course directory lesson sub"},
		{"verb", []string{"verb=" + verbCompleted}, "agent directory lesson"},
		{"two verbs", []string{"verb=" + verbCompleted, "verb=" + verbPassed}, "agent course directory lesson"},
		{"activity is the object only", []string{"activity=" + lesson1}, "lesson"},
		{"related activities", []string{"activity=" + lesson1, "related-activities=true"}, "directory lesson sub"},
		{"related parent", []string{"activity=" + course1, "related-activities=true"}, "course lesson"},
		{"related grouping given as one object", []string{"activity=https://hoctap.example/chuong-trinh", "related-activities"}, "course"},
		{"registration any case", []string{"registration=" + strings.ToUpper(reg1)}, "lesson"},
		{"authority agent", []string{"authority=portal"}, "lesson"},
		{"authority group member", []string{"authority=lms"}, "course"},
		{"commune from extension", []string{"commune=21172"}, "lesson"},
		{"commune as a number", []string{"commune=21175"}, "course"},
		{"commune from the directory", []string{"commune=21178"}, "directory"},
		{"target group", []string{"target-group=citizen"}, "lesson"},
		{"target group from the directory", []string{"target-group=student"}, "directory"},
		{"course is the parent", []string{"course=" + course1}, "course lesson"},
		{"and across fields", []string{"verb=" + verbCompleted, "course=" + course1}, "lesson"},
		{"nothing", []string{"verb=" + verbCompleted, "commune=21175"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := forwarding.ParseFilter(c.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, name := range []string{"agent", "course", "directory", "lesson", "sub"} {
				ok, err := f.MatchJSON([]byte(filterStatements[name]), directory)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if ok {
					got = append(got, name)
				}
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("matched %q, want %q", g, c.want)
			}
		})
	}
}

func TestFilterRefused(t *testing.T) {
	for _, items := range [][]string{
		{"actor=mailto:a@example.com"},
		{"verb"},
		{"verb=completed"},
		{"registration=not-a-uuid"},
		{"target-group=farmers"},
		{"related-activities=true"},
		{"related-activities=maybe", "activity=" + lesson1},
		{"commune= "},
	} {
		if _, err := forwarding.ParseFilter(items); err == nil {
			t.Errorf("ParseFilter(%q) accepted", items)
		}
	}
	var f forwarding.Filter
	err := f.UnmarshalJSON([]byte(`{"verb":["` + verbCompleted + `"],"actor":["x"]}`))
	if err == nil || !strings.Contains(err.Error(), `unknown filter field "actor"`) {
		t.Errorf("unknown JSON filter field: %v", err)
	}
}
