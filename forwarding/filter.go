package forwarding

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// Filter selects the statements a forward delivers. Every field that is
// set must match (fields combine with AND); a field with several values
// matches any of them (OR). The zero Filter matches every statement.
// Matching is exact: IRIs and codes compare as strings, registrations as
// UUIDs (case-insensitive).
type Filter struct {
	// Verb matches the statement's verb id.
	Verb []string `json:"verb,omitempty"`
	// Activity matches the id of the statement's object when it is an
	// Activity; with RelatedActivities also every context activity
	// (parent, grouping, category, other) and the object and context
	// activities of a SubStatement, as the xAPI related_activities query
	// parameter does.
	Activity          []string `json:"activity,omitempty"`
	RelatedActivities bool     `json:"relatedActivities,omitempty"`
	// Registration matches context.registration.
	Registration []string `json:"registration,omitempty"`
	// Authority matches the credential that stored the statement: the
	// account name of its authority (or of a member of a Group authority),
	// which in Hocvu is the credential key.
	Authority []string `json:"authority,omitempty"`
	// Commune and TargetGroup match the campaign's context extensions
	// (…/ext/commune, …/ext/target-group), or, for a statement without
	// them, the learner directory entry of its actor's account as the
	// directory was at the statement's place in the log: the attribution
	// the analytics use.
	Commune     []string `json:"commune,omitempty"`
	TargetGroup []string `json:"targetGroup,omitempty"`
	// Course matches the statement's course as the analytics define it:
	// the object when typed as a course, else the first parent, then
	// grouping, activity typed as a course.
	Course []string `json:"course,omitempty"`
}

// filterFields maps command-line field names to JSON field names.
var filterFields = map[string]string{
	"verb":               "verb",
	"activity":           "activity",
	"related-activities": "relatedActivities",
	"registration":       "registration",
	"authority":          "authority",
	"commune":            "commune",
	"target-group":       "targetGroup",
	"course":             "course",
}

// FilterFields lists the command-line names of the filter fields.
func FilterFields() []string {
	out := make([]string, 0, len(filterFields))
	for k := range filterFields {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func knownJSONField(name string) bool {
	for _, v := range filterFields {
		if v == name {
			return true
		}
	}
	return false
}

// UnmarshalJSON refuses unknown filter fields by name.
func (f *Filter) UnmarshalJSON(b []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return invalid("filter: %v", err)
	}
	for k := range fields {
		if !knownJSONField(k) {
			return invalid("unknown filter field %q (known: verb, activity, relatedActivities, registration, authority, commune, targetGroup, course)", k)
		}
	}
	type plain Filter
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&p); err != nil {
		return invalid("filter: %v", err)
	}
	*f = Filter(p)
	return nil
}

// ParseFilter builds a filter from command-line items FIELD=VALUE (a field
// given several times matches any of its values; related-activities takes
// true or false).
func ParseFilter(items []string) (Filter, error) {
	var f Filter
	for _, it := range items {
		name, value, ok := strings.Cut(it, "=")
		if !ok && strings.TrimSpace(name) == "related-activities" {
			ok, value = true, "true"
		}
		if !ok {
			return Filter{}, invalid("filter %q: want FIELD=VALUE", it)
		}
		name = strings.TrimSpace(name)
		if _, known := filterFields[name]; !known {
			return Filter{}, invalid("unknown filter field %q (known: %s)", name, strings.Join(FilterFields(), ", "))
		}
		switch name {
		case "verb":
			f.Verb = append(f.Verb, value)
		case "activity":
			f.Activity = append(f.Activity, value)
		case "related-activities":
			switch value {
			case "true", "":
				f.RelatedActivities = true
			case "false":
				f.RelatedActivities = false
			default:
				return Filter{}, invalid("related-activities=%q: want true or false", value)
			}
		case "registration":
			f.Registration = append(f.Registration, value)
		case "authority":
			f.Authority = append(f.Authority, value)
		case "commune":
			f.Commune = append(f.Commune, value)
		case "target-group":
			f.TargetGroup = append(f.TargetGroup, value)
		case "course":
			f.Course = append(f.Course, value)
		}
	}
	return f, f.Validate()
}

// Validate checks the values.
func (f *Filter) Validate() error {
	for _, set := range []struct {
		name string
		iris []string
	}{{"verb", f.Verb}, {"activity", f.Activity}, {"course", f.Course}} {
		for _, v := range set.iris {
			if len(xapi.ValidateActivityID(v)) > 0 {
				return invalid("filter %s %q is not an absolute IRI", set.name, v)
			}
		}
	}
	if f.RelatedActivities && len(f.Activity) == 0 {
		return invalid("filter related-activities needs an activity")
	}
	for i, r := range f.Registration {
		u, err := uuid.Parse(r)
		if err != nil || len(r) != 36 {
			return invalid("filter registration %q is not a UUID", r)
		}
		f.Registration[i] = u.String()
	}
	for _, g := range f.TargetGroup {
		if !slices.Contains(vocab.TargetGroups, g) {
			return invalid("filter target-group %q: want one of %s", g, strings.Join(vocab.TargetGroups, ", "))
		}
	}
	for _, set := range []struct {
		name string
		vals []string
	}{{"authority", f.Authority}, {"commune", f.Commune}} {
		for _, v := range set.vals {
			if strings.TrimSpace(v) == "" {
				return invalid("filter %s is empty", set.name)
			}
		}
	}
	return nil
}

// IsZero reports whether the filter matches everything.
func (f *Filter) IsZero() bool {
	return len(f.Verb) == 0 && len(f.Activity) == 0 && len(f.Registration) == 0 && len(f.Authority) == 0 &&
		len(f.Commune) == 0 && len(f.TargetGroup) == 0 && len(f.Course) == 0
}

// needsDirectory reports whether matching may need the learner directory.
func (f *Filter) needsDirectory() bool { return len(f.Commune) > 0 || len(f.TargetGroup) > 0 }

// match reports whether the statement passes the filter. dir looks an
// account up in the learner directory (nil: no directory).
func (f *Filter) match(st *statement, dir Directory) bool {
	if len(f.Verb) > 0 && !slices.Contains(f.Verb, st.Verb.ID) {
		return false
	}
	if len(f.Activity) > 0 && !f.matchActivity(st) {
		return false
	}
	if len(f.Registration) > 0 && (st.Context == nil || !slices.Contains(f.Registration, strings.ToLower(st.Context.Registration))) {
		return false
	}
	if len(f.Authority) > 0 && !f.matchAuthority(st) {
		return false
	}
	if len(f.Course) > 0 && !slices.Contains(f.Course, st.course()) {
		return false
	}
	if f.needsDirectory() {
		commune, group := st.campaign(dir)
		if len(f.Commune) > 0 && !slices.Contains(f.Commune, commune) {
			return false
		}
		if len(f.TargetGroup) > 0 && !slices.Contains(f.TargetGroup, group) {
			return false
		}
	}
	return true
}

func (f *Filter) matchActivity(st *statement) bool {
	if st.Object.isActivity() && slices.Contains(f.Activity, st.Object.ID) {
		return true
	}
	if !f.RelatedActivities {
		return false
	}
	if st.Context != nil && st.Context.ContextActivities.any(f.Activity) {
		return true
	}
	if st.Object.ObjectType == "SubStatement" {
		if sub := st.Object.Object; sub != nil && sub.isActivity() && slices.Contains(f.Activity, sub.ID) {
			return true
		}
		if ctx := st.Object.Context; ctx != nil && ctx.ContextActivities.any(f.Activity) {
			return true
		}
	}
	return false
}

func (f *Filter) matchAuthority(st *statement) bool {
	a := st.Authority
	if a == nil {
		return false
	}
	if a.Account != nil && slices.Contains(f.Authority, a.Account.Name) {
		return true
	}
	for _, m := range a.Member {
		if m.Account != nil && slices.Contains(f.Authority, m.Account.Name) {
			return true
		}
	}
	return false
}

// MatchJSON decodes a stored statement and matches it (for tests and
// tools; forwarders decode once per event).
func (f *Filter) MatchJSON(data []byte, dir Directory) (bool, error) {
	st, err := decodeStatement(data)
	if err != nil {
		return false, err
	}
	return f.match(st, dir), nil
}
