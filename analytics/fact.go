package analytics

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sosodev/duration"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// Local is the campaign's time zone (Vietnam, UTC+7, no daylight saving):
// days, months and quarters of the analytics are local ones.
var Local = time.FixedZone("ICT", 7*60*60)

// Fact is one statement flattened for analytics. It holds no personal data.
type Fact struct {
	Position    uint64 // global log position (commit) of the statement's event
	Prepare     uint64
	StatementID string
	Stored      time.Time // UTC
	Timestamp   time.Time // UTC
	Date        time.Time // local date of Timestamp, at 00:00 UTC
	Verb        string
	ObjectID    string // activity id; "agent:<pseudonym>" for an Agent or Group object
	ObjectType  string // Activity, Agent, Group, SubStatement, StatementRef
	// ActivityType is the object's definition.type ("" when not sent).
	ActivityType string
	// CourseID is the course the statement belongs to: the object itself
	// when it is a course, else the first parent or grouping activity
	// typed as a course.
	CourseID     string
	Registration string
	ActorID      uint64 // pseudonym of the actor; 0 for an anonymous group
	Success      int8   // -1 unknown, 0 false, 1 true
	Completion   int8
	HasScore     uint8
	ScoreScaled  float64
	ScoreRaw     float64
	// DurationSeconds is result.duration in seconds, -1 when absent.
	DurationSeconds float64
	// ExpectedSeconds is the object's nominal duration, -1 when unknown.
	ExpectedSeconds float64
	Platform        string
	Language        string
	Province        string
	Commune         string
	TargetGroup     string
	Subgroups       []string
	HouseholdID     uint64
	Team            string
	Mentor          string
	// ExtKeys are all context extension keys; ExtValues hold the values of
	// the campaign's own extensions (JSON), "" for other keys.
	ExtKeys   []string
	ExtValues []string
}

// Void says that a voiding statement targets another statement.
type Void struct {
	Target   string // id of the voided statement (lower case)
	By       string // id of the voiding statement
	Position uint64
}

// Directory looks a learner's account up in the learner directory.
type Directory func(homePage, name string) (reference.Learner, bool)

// extract flattens one stored statement event. It returns the fact and,
// for a voiding statement, the void. A statement without commune or
// target group takes them (and household, mentor, team, sub-groups, where
// missing) from the learner directory entry of its actor's account.
func extract(ev *eventstore.RecordedEvent, ps *Pseudonymizer, dir Directory) (Fact, *Void, error) {
	var st map[string]any
	if err := json.Unmarshal(ev.Data, &st); err != nil {
		return Fact{}, nil, fmt.Errorf("decode statement at %s: %w", ev.Position, err)
	}
	f := Fact{Position: ev.Position.Commit, Prepare: ev.Position.Prepare, DurationSeconds: -1, ExpectedSeconds: -1, Success: -1, Completion: -1}
	f.StatementID = strings.ToLower(str(st["id"]))
	var err error
	if f.Stored, err = parseTime(str(st["stored"])); err != nil {
		return Fact{}, nil, fmt.Errorf("statement %s: stored: %w", f.StatementID, err)
	}
	f.Timestamp, err = parseTime(str(st["timestamp"]))
	if err != nil {
		f.Timestamp = f.Stored
	}
	local := f.Timestamp.In(Local)
	f.Date = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	if verb, ok := st["verb"].(map[string]any); ok {
		f.Verb = str(verb["id"])
	}
	actor, _ := st["actor"].(map[string]any)
	if k, ok := xapi.AgentKey(actor); ok {
		f.ActorID = ps.ID("agent", k)
	}
	obj, _ := st["object"].(map[string]any)
	f.ObjectType = str(obj["objectType"])
	if f.ObjectType == "" {
		f.ObjectType = "Activity"
	}
	var void *Void
	switch f.ObjectType {
	case "Activity":
		f.ObjectID = str(obj["id"])
		if def, ok := obj["definition"].(map[string]any); ok {
			f.ActivityType = str(def["type"])
			if ext, ok := def["extensions"].(map[string]any); ok {
				if d, ok := ext[vocab.ExtExpectedDuration].(string); ok {
					if secs, ok := durationSeconds(d); ok {
						f.ExpectedSeconds = secs
					}
				}
			}
		}
		if f.ActivityType == vocab.TypeCourse {
			f.CourseID = f.ObjectID
		}
	case "Agent", "Group":
		if k, ok := xapi.AgentKey(obj); ok {
			f.ObjectID = "agent:" + FormatID(ps.ID("agent", k))
		}
	case "StatementRef":
		f.ObjectID = strings.ToLower(str(obj["id"]))
		if f.Verb == vocab.VerbVoided {
			void = &Void{Target: f.ObjectID, By: f.StatementID, Position: f.Position}
		}
	case "SubStatement":
		if sub, ok := obj["object"].(map[string]any); ok {
			f.ObjectID = str(sub["id"])
		}
	}
	if res, ok := st["result"].(map[string]any); ok {
		f.Success = tri(res["success"])
		f.Completion = tri(res["completion"])
		if d, ok := res["duration"].(string); ok {
			if secs, ok := durationSeconds(d); ok {
				f.DurationSeconds = secs
			}
		}
		if sc, ok := res["score"].(map[string]any); ok {
			f.HasScore = 1
			f.ScoreScaled = num(sc["scaled"])
			f.ScoreRaw = num(sc["raw"])
		}
	}
	if ctx, ok := st["context"].(map[string]any); ok {
		f.Registration = strings.ToLower(str(ctx["registration"]))
		f.Platform = str(ctx["platform"])
		f.Language = str(ctx["language"])
		if f.CourseID == "" {
			f.CourseID = courseOf(ctx)
		}
		if ext, ok := ctx["extensions"].(map[string]any); ok {
			f.applyExtensions(ext, ps)
		}
	}
	if (f.Commune == "" || f.TargetGroup == "") && dir != nil {
		if acc, ok := actor["account"].(map[string]any); ok {
			if l, ok := dir(str(acc["homePage"]), str(acc["name"])); ok {
				f.attribute(l, ps)
			}
		}
	}
	return f, void, nil
}

// attribute fills what the statement lacked from a directory entry.
func (f *Fact) attribute(l reference.Learner, ps *Pseudonymizer) {
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

// courseOf finds the first parent or grouping activity typed as a course.
func courseOf(ctx map[string]any) string {
	ca, _ := ctx["contextActivities"].(map[string]any)
	for _, kind := range []string{"parent", "grouping"} {
		var list []any
		switch v := ca[kind].(type) {
		case []any:
			list = v
		case map[string]any:
			list = []any{v}
		}
		for _, a := range list {
			am, _ := a.(map[string]any)
			if def, ok := am["definition"].(map[string]any); ok && str(def["type"]) == vocab.TypeCourse {
				return str(am["id"])
			}
		}
	}
	return ""
}

// campaignExtensions are the context extensions whose values analytics
// keeps (household as a pseudonym).
var campaignExtensions = map[string]bool{
	vocab.ExtProvince: true, vocab.ExtCommune: true, vocab.ExtTargetGroup: true, vocab.ExtSubgroups: true,
	vocab.ExtHousehold: true, vocab.ExtTeam: true, vocab.ExtMentor: true,
}

func (f *Fact) applyExtensions(ext map[string]any, ps *Pseudonymizer) {
	f.Province = scalar(ext[vocab.ExtProvince])
	f.Commune = scalar(ext[vocab.ExtCommune])
	f.TargetGroup = scalar(ext[vocab.ExtTargetGroup])
	f.Team = scalar(ext[vocab.ExtTeam])
	f.Mentor = scalar(ext[vocab.ExtMentor])
	if h := scalar(ext[vocab.ExtHousehold]); h != "" {
		f.HouseholdID = ps.ID("household", h)
	}
	if subs, ok := ext[vocab.ExtSubgroups].([]any); ok {
		for _, s := range subs {
			if v := scalar(s); v != "" {
				f.Subgroups = append(f.Subgroups, v)
			}
		}
	}
	keys := make([]string, 0, len(ext))
	for k := range ext {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f.ExtKeys = append(f.ExtKeys, k)
		v := ""
		switch {
		case k == vocab.ExtHousehold:
			v = FormatID(f.HouseholdID)
		case campaignExtensions[k]:
			b, _ := json.Marshal(ext[k])
			v = string(b)
		}
		f.ExtValues = append(f.ExtValues, v)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// scalar renders a string or number extension value as text.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	}
	return ""
}

func tri(v any) int8 {
	if b, ok := v.(bool); ok {
		if b {
			return 1
		}
		return 0
	}
	return -1
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case json.Number:
		f, _ := x.Float64()
		return f
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
