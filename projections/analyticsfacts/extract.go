package analyticsfacts

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/sosodev/duration"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/xapi"
)

func inFactRange(t time.Time) bool {
	return !t.Before(analytics.MinFactTime) && !t.After(analytics.MaxFactTime)
}

// TimestampFallbacks counts the facts this projection extracted, since it
// was created, whose timestamp was outside MinFactTime..MaxFactTime and
// took the statement's stored time instead.
func (p *Projection) TimestampFallbacks() uint64 { return p.fallbacks.Load() }

// Directory looks an actor up in the learner directory (by its account,
// or for a sealed actor by its subject).
type Directory func(actor *xapi.Agent) (reference.Learner, bool)

// The parts of a stored statement that analytics reads, decoded into
// structs: much cheaper than a generic decode into maps, and everything
// else in the statement is skipped.
type (
	objectJSON struct {
		xapi.Agent
		ID         string `json:"id"`
		Definition *struct {
			Type       string           `json:"type"`
			Name       jsontext.Value   `json:"name"`
			Extensions expectedDuration `json:"extensions"`
		} `json:"definition"`
		Object *struct {
			ID string `json:"id"`
		} `json:"object"` // a SubStatement's object
	}
	activityJSON struct {
		ID         string `json:"id"`
		Definition *struct {
			Type string         `json:"type"`
			Name jsontext.Value `json:"name"`
		} `json:"definition"`
	}
	statementJSON struct {
		ID        string     `json:"id"`
		Stored    string     `json:"stored"`
		Timestamp string     `json:"timestamp"`
		Actor     xapi.Agent `json:"actor"`
		Verb      struct {
			ID string `json:"id"`
		} `json:"verb"`
		Object objectJSON `json:"object"`
		Result *struct {
			Success    *bool  `json:"success"`
			Completion *bool  `json:"completion"`
			Duration   string `json:"duration"`
			Score      *struct {
				Scaled lenientFloat `json:"scaled"`
				Raw    lenientFloat `json:"raw"`
			} `json:"score"`
		} `json:"result"`
		Context *struct {
			Registration      string `json:"registration"`
			Platform          string `json:"platform"`
			Language          string `json:"language"`
			ContextActivities struct {
				Parent   jsontext.Value `json:"parent"`
				Grouping jsontext.Value `json:"grouping"`
			} `json:"contextActivities"`
			Extensions contextExtensions `json:"extensions"`
		} `json:"context"`
	}
)

// extract flattens one stored statement event. It returns the fact and,
// for a voiding statement, the void. A statement without commune or
// target group takes them (and household, mentor, team, sub-groups, where
// missing) from the learner directory entry of its actor's account.
func extract(ev *eventstore.RecordedEvent, ps *analytics.Pseudonymizer, dir Directory) (analytics.Fact, *analytics.Void, error) {
	var st statementJSON
	if err := jsonv2.Unmarshal(ev.Data, &st); err != nil {
		return analytics.Fact{}, nil, fmt.Errorf("decode statement at %s: %w", ev.Position, err)
	}
	f := analytics.Fact{Position: ev.Position.Commit, Prepare: ev.Position.Prepare, DurationSeconds: -1, ExpectedSeconds: -1, Success: -1, Completion: -1}
	define := defines(ev.Metadata)
	f.StatementID = strings.ToLower(st.ID)
	if err := st.times(&f); err != nil {
		return analytics.Fact{}, nil, err
	}
	f.Verb = st.Verb.ID
	if k, ok := st.Actor.Key(); ok {
		f.ActorID = ps.Agent(k)
	}
	void := st.object(&f, ps, define)
	st.result(&f)
	st.context(&f, ps, define)
	if (f.Commune == "" || f.TargetGroup == "") && dir != nil {
		if l, ok := dir(&st.Actor); ok {
			attribute(&f, l, ps)
		}
	}
	return f, void, nil
}

// times sets the stored time, timestamp and local date of f. A stored
// time analytics cannot represent is an error (poison); a timestamp it
// cannot represent, or none, takes the stored time.
func (st *statementJSON) times(f *analytics.Fact) error {
	var err error
	if f.Stored, err = parseTime(st.Stored); err != nil {
		return fmt.Errorf("statement %s: stored: %w", f.StatementID, err)
	}
	if !inFactRange(f.Stored) {
		// The LRS sets stored from its clock: this event was written
		// below it. Poison, rather than a time no engine can hold.
		return fmt.Errorf("statement %s: stored %s is outside the times analytics represents (%s to %s)",
			f.StatementID, st.Stored, analytics.MinFactTime.Format(time.RFC3339), analytics.MaxFactTime.Format(time.RFC3339Nano))
	}
	f.Timestamp, err = parseTime(st.Timestamp)
	switch {
	case err != nil:
		f.Timestamp = f.Stored
	case !inFactRange(f.Timestamp):
		// A valid xAPI timestamp (years 0000 to 9999) that ClickHouse
		// would wrap: the time the LRS stored it stands in, for every
		// engine alike, and the projection counts it.
		f.Timestamp, f.TimestampFallback = f.Stored, true
	}
	local := f.Timestamp.In(analytics.Local)
	f.Date = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	return nil
}

// object sets what f holds of the statement's object: its type and id,
// and for an activity its type, expected duration and course (with the
// course's names when define). It returns the void of a voiding
// statement, else nil.
func (st *statementJSON) object(f *analytics.Fact, ps *analytics.Pseudonymizer, define bool) *analytics.Void {
	obj := &st.Object
	f.ObjectType = obj.ObjectType
	if f.ObjectType == "" {
		f.ObjectType = "Activity"
	}
	switch f.ObjectType {
	case "Activity":
		f.ObjectID = obj.ID
		if def := obj.Definition; def != nil {
			f.ActivityType = def.Type
			if d := def.Extensions.iso; d != "" {
				if secs, ok := durationSeconds(d); ok {
					f.ExpectedSeconds = secs
				}
			}
		}
		if f.ActivityType == vocab.TypeCourse {
			f.CourseID = f.ObjectID
			if define {
				learnCourseNames(f, obj.Definition.Name)
			}
		}
	case "Agent", "Group":
		if k, ok := obj.Key(); ok {
			f.ObjectID = "agent:" + analytics.FormatID(ps.Agent(k))
		}
	case "StatementRef":
		f.ObjectID = strings.ToLower(obj.ID)
		if f.Verb == vocab.VerbVoided {
			return &analytics.Void{Target: f.ObjectID, By: f.StatementID, Position: f.Position}
		}
	case "SubStatement":
		if obj.Object != nil {
			f.ObjectID = obj.Object.ID
		}
	}
	return nil
}

// result sets what f holds of the statement's result, if any: success,
// completion, duration and score.
func (st *statementJSON) result(f *analytics.Fact) {
	res := st.Result
	if res == nil {
		return
	}
	f.Success = tri(res.Success)
	f.Completion = tri(res.Completion)
	if res.Duration != "" {
		if secs, ok := durationSeconds(res.Duration); ok {
			f.DurationSeconds = secs
		}
	}
	if sc := res.Score; sc != nil {
		f.HasScore = 1
		if sc.Scaled.ok {
			f.ScoreScaled = sc.Scaled.v
		}
		if sc.Raw.ok {
			f.ScoreRaw = sc.Raw.v
		}
	}
}

// context sets what f holds of the statement's context, if any:
// registration, platform, language, the course among the context
// activities when the object is none (with its names when define), and
// the campaign's extensions.
func (st *statementJSON) context(f *analytics.Fact, ps *analytics.Pseudonymizer, define bool) {
	ctx := st.Context
	if ctx == nil {
		return
	}
	f.Registration = strings.ToLower(ctx.Registration)
	f.Platform = ctx.Platform
	f.Language = ctx.Language
	if f.CourseID == "" {
		var name jsontext.Value
		f.CourseID, name = courseOf(ctx.ContextActivities.Parent, ctx.ContextActivities.Grouping)
		if define {
			learnCourseNames(f, name)
		}
	}
	ctx.Extensions.apply(f, ps)
}

// learnCourseNames adds the names of f's course from a definition's name
// (a language map; absent or not a map: none).
func learnCourseNames(f *analytics.Fact, name jsontext.Value) {
	if len(name) == 0 {
		return
	}
	var names map[string]string
	if jsonv2.Unmarshal(name, &names) == nil {
		f.CourseNames = courseNames(f.CourseID, names, f.Position, f.CourseNames)
	}
}

// attribute fills what the statement lacked from a directory entry.
func attribute(f *analytics.Fact, l reference.Learner, ps *analytics.Pseudonymizer) {
	if f.Commune == "" {
		f.Commune = l.Commune
	}
	if f.TargetGroup == "" {
		f.TargetGroup = l.Group
	}
	if f.HouseholdID == 0 && l.Household != "" {
		f.HouseholdID = ps.ID("household", l.Household)
	}
	if f.Mentor == "" {
		f.Mentor = l.Mentor
	}
	if f.Team == "" {
		f.Team = l.Team
	}
	if len(f.Subgroups) == 0 {
		f.Subgroups = l.Subgroups
	}
}

// courseOf finds the first parent, then grouping, activity typed as a
// course, and the name its definition gives it.
func courseOf(kinds ...jsontext.Value) (string, jsontext.Value) {
	for _, raw := range kinds {
		if len(raw) == 0 {
			continue
		}
		var list []activityJSON
		if raw[0] == '{' { // xAPI 1.0.x: a single activity
			var one activityJSON
			if jsonv2.Unmarshal(raw, &one) != nil {
				continue
			}
			list = []activityJSON{one}
		} else if jsonv2.Unmarshal(raw, &list) != nil {
			continue
		}
		for _, a := range list {
			if a.Definition != nil && a.Definition.Type == vocab.TypeCourse {
				return a.ID, a.Definition.Name
			}
		}
	}
	return "", nil
}

// defines reports whether a statement event's metadata says its
// credential had the define scope (lrs.StatementStoredMeta.Define).
func defines(meta []byte) bool {
	if !bytes.Contains(meta, []byte(`"define"`)) {
		return false
	}
	var m lrs.StatementStoredMeta
	return jsonv2.Unmarshal(meta, &m) == nil && m.Define
}

// scalar renders a string or number extension value as text.
func scalar(raw jsontext.Value) string {
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if jsonv2.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var v any
	if jsonv2.Unmarshal(raw, &v) != nil {
		return ""
	}
	return scalarValue(v)
}

func scalarValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func tri(b *bool) int8 {
	switch {
	case b == nil:
		return -1
	case *b:
		return 1
	}
	return 0
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 timestamp: %q", s)
}

// durationSeconds parses an ISO 8601 duration (years and months counted
// as 365 and 30 days, which xAPI durations of learning sessions never use
// in practice), rounded to milliseconds.
func durationSeconds(s string) (float64, bool) {
	d, err := duration.Parse(s)
	if err != nil {
		return 0, false
	}
	secs := d.ToTimeDuration().Seconds()
	if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
		return 0, false
	}
	return math.Round(secs*1000) / 1000, true
}
