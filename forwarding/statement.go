package forwarding

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// Directory looks an account up in the learner directory.
type Directory = func(homePage, name string) (reference.Learner, bool)

// The parts of a stored statement that filters read; everything else is
// skipped while decoding.
type (
	activityRef struct {
		ID         string `json:"id"`
		Definition *struct {
			Type string `json:"type"`
		} `json:"definition"`
	}
	// activityList is a context activity property: an array, or (xAPI
	// 1.0.x) a single activity.
	activityList      []activityRef
	contextActivities struct {
		Parent   activityList `json:"parent"`
		Grouping activityList `json:"grouping"`
		Category activityList `json:"category"`
		Other    activityList `json:"other"`
	}
	stmtContext struct {
		Registration      string                    `json:"registration"`
		ContextActivities contextActivities         `json:"contextActivities"`
		Extensions        map[string]jsontext.Value `json:"extensions"`
	}
	object struct {
		ObjectType string `json:"objectType"`
		ID         string `json:"id"`
		Definition *struct {
			Type string `json:"type"`
		} `json:"definition"`
		// A SubStatement's object and context.
		Object  *object      `json:"object"`
		Context *stmtContext `json:"context"`
	}
	statement struct {
		ID     string     `json:"id"`
		Stored string     `json:"stored"`
		Actor  xapi.Agent `json:"actor"`
		Verb   struct {
			ID string `json:"id"`
		} `json:"verb"`
		Object    object       `json:"object"`
		Context   *stmtContext `json:"context"`
		Authority *xapi.Agent  `json:"authority"`
	}
)

// UnmarshalJSON accepts an array or a single activity.
func (l *activityList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var one activityRef
		if err := jsonv2.Unmarshal(b, &one); err != nil {
			return err
		}
		*l = activityList{one}
		return nil
	}
	var list []activityRef
	if err := jsonv2.Unmarshal(b, &list); err != nil {
		return err
	}
	*l = list
	return nil
}

func decodeStatement(data []byte) (*statement, error) {
	var st statement
	if err := jsonv2.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode statement: %w", err)
	}
	return &st, nil
}

func (o *object) isActivity() bool { return o.ObjectType == "" || o.ObjectType == "Activity" }

func (c *contextActivities) any(ids []string) bool {
	for _, list := range []activityList{c.Parent, c.Grouping, c.Category, c.Other} {
		for _, a := range list {
			if slices.Contains(ids, a.ID) {
				return true
			}
		}
	}
	return false
}

// voids returns the id of the statement a voiding statement voids.
func (st *statement) voids() (string, bool) {
	if st.Verb.ID == vocab.VerbVoided && st.Object.ObjectType == "StatementRef" && st.Object.ID != "" {
		return st.Object.ID, true
	}
	return "", false
}

// storedTime parses the statement's stored property.
func (st *statement) storedTime() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, st.Stored)
	return t, err == nil
}

// course is the statement's course as the analytics define it.
func (st *statement) course() string {
	if st.Object.isActivity() && st.Object.Definition != nil && st.Object.Definition.Type == vocab.TypeCourse {
		return st.Object.ID
	}
	if st.Context == nil {
		return ""
	}
	for _, list := range []activityList{st.Context.ContextActivities.Parent, st.Context.ContextActivities.Grouping} {
		for _, a := range list {
			if a.Definition != nil && a.Definition.Type == vocab.TypeCourse {
				return a.ID
			}
		}
	}
	return ""
}

// campaign returns the statement's commune and target group: its context
// extensions, completed from the learner directory entry of its actor's
// account, as the analytics attribute statements.
func (st *statement) campaign(dir Directory) (commune, group string) {
	if st.Context != nil {
		commune = scalar(st.Context.Extensions[vocab.ExtCommune])
		group = scalar(st.Context.Extensions[vocab.ExtTargetGroup])
	}
	if (commune == "" || group == "") && dir != nil && st.Actor.Account != nil {
		if l, ok := dir(st.Actor.Account.HomePage, st.Actor.Account.Name); ok {
			if commune == "" {
				commune = l.Commune
			}
			if group == "" {
				group = l.Group
			}
		}
	}
	return commune, group
}

// scalar renders a string or number extension value as text (as the
// analytics do).
func scalar(raw jsontext.Value) string {
	if len(raw) == 0 {
		return ""
	}
	switch raw.Kind() {
	case '"':
		var s string
		if jsonv2.Unmarshal(raw, &s) == nil {
			return s
		}
	case '0':
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return ""
}
