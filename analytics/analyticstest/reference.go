package analyticstest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sosodev/duration"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// counted is what every answer of the reference starts from, computed
// once per dataset and pseudonymizer: the reference data as the whole log
// leaves it, the communes it lists, and every statement that counts (not
// voided), in log order.
type counted struct {
	ps    *analytics.Pseudonymizer
	ref   *reference.State
	known map[string]bool
	all   []row
}

// counted returns the dataset's counted statements for ps.
func (d *Dataset) counted(ps *analytics.Pseudonymizer) (*counted, error) {
	if d.cache != nil && d.cache.ps == ps {
		return d.cache, nil
	}
	voidingIDs, targets := map[string]bool{}, map[string]bool{}
	for _, st := range d.Statements {
		if isVoiding(st) {
			voidingIDs[strings.ToLower(st["id"].(string))] = true
			targets[strings.ToLower(st["object"].(map[string]any)["id"].(string))] = true
		}
	}
	c := &counted{ps: ps, ref: reference.NewState(), known: map[string]bool{}}
	for i, e := range d.entries {
		if e.ref != nil {
			if err := c.ref.Apply(&d.Events[i]); err != nil {
				return nil, err
			}
		}
	}
	for _, cm := range c.ref.Communes() {
		c.known[cm.Code] = true
	}
	for _, e := range d.entries {
		if e.ref != nil {
			continue
		}
		st := d.Statements[e.statement]
		id := strings.ToLower(st["id"].(string))
		if targets[id] && !voidingIDs[id] {
			continue
		}
		c.all = append(c.all, toRow(st, ps, c.ref))
	}
	d.cache = c
	return c, nil
}

// row is one raw statement as the reference sees it.
type row struct {
	ym                         uint32 // month as YYYYMM
	month                      string
	ts                         time.Time
	commune, group, course     string
	mentor, team               string
	verb, activityType, object string
	actor                      uint64
	duration, expected         float64
}

// Reference answers a named query by plain Go over the raw statements, as
// the oracle the engines are checked against. It follows the spec's
// voiding rule directly: a statement is voided when it is not a voiding
// statement and some voiding statement targets it, whatever the order.
// Statements without commune or group are attributed from the learner
// directory as the whole log leaves it (the latest directory).
func (d *Dataset) Reference(ps *analytics.Pseudonymizer, name string, p analytics.Params) (*analytics.Result, error) {
	q, ok := analytics.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("no query %q", name)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if name == "vneid" {
		p.From, p.Course = "", "" // cumulative from the start of the campaign, any course
	}
	c, err := d.counted(ps)
	if err != nil {
		return nil, err
	}
	res := &analytics.Result{Query: name, Columns: q.Columns, Rows: [][]any{}}
	if name == "courses" {
		return d.courses(res, p, c.all), nil
	}
	if analytics.IsComposite(name) {
		return composite(res, name, p, c.ref, c.all)
	}
	rows := selected(c.all, p)
	l := labels{known: c.known}
	switch name {
	case "summary":
		res.Rows = append(res.Rows, summarize(learning(rows)))
	case "trend", "by_commune", "by_group", "by_course":
		res.Rows = append(res.Rows, groupedRef(name, learning(rows), l)...)
	case "by_activity":
		res.Rows = append(res.Rows, activityRef(rows)...)
	case "funnel":
		res.Rows = append(res.Rows, funnelRef(rows)...)
	case "fast_completions":
		res.Rows = append(res.Rows, fastCompletionRef(rows, l)...)
	case "bursts":
		bursts, total := burstRef(rows, l, p)
		res.Rows = append(res.Rows, bursts...)
		res.Total, res.Limit = &total, p.Limit
	case "vneid":
		res.Rows = append(res.Rows, vneidRef(rows, l)...)
	}
	return res, nil
}

// selected are the counted statements in p's months, commune, group and
// course.
func selected(all []row, p analytics.Params) []row {
	lo, hi := p.MonthRange()
	var rows []row
	for _, r := range all {
		if r.ym < lo || r.ym > hi || (p.Commune != "" && r.commune != p.Commune) || (p.Group != "" && r.group != p.Group) || (p.Course != "" && r.course != p.Course) {
			continue
		}
		rows = append(rows, r)
	}
	return rows
}

// learning are rows but the voiding statements, which count nowhere.
func learning(rows []row) []row {
	var out []row
	for _, r := range rows {
		if r.verb != vocab.VerbVoided {
			out = append(out, r)
		}
	}
	return out
}

// labels show a commune the reference data does not list, or a group
// outside the vocabulary, under one "unknown" label.
type labels struct {
	known map[string]bool // the communes of the reference data
}

func (l labels) commune(r row) string {
	if r.commune == "" || len(l.known) == 0 || l.known[r.commune] {
		return r.commune
	}
	return analytics.UnknownCommune
}

func (l labels) group(r row) string {
	if r.group == "" || slices.Contains(vocab.TargetGroups, r.group) {
		return r.group
	}
	return analytics.UnknownGroup
}

// groupedRef answers trend, by_commune, by_group and by_course: the
// summary per month, commune, group or course, sorted by it.
func groupedRef(name string, rows []row, l labels) [][]any {
	groups := map[string][]row{}
	for _, r := range rows {
		k := map[string]string{"trend": r.month, "by_commune": l.commune(r), "by_group": l.group(r), "by_course": r.course}[name]
		groups[k] = append(groups[k], r)
	}
	var out [][]any
	for _, k := range sortedKeys(groups) {
		out = append(out, append([]any{k}, summarize(groups[k])...))
	}
	return out
}

// activityRef answers by_activity: statements and distinct learners per
// verb, activity type and object.
func activityRef(rows []row) [][]any {
	type key struct{ verb, typ, obj string }
	n, l := map[key]int64{}, map[key]map[uint64]bool{}
	for _, r := range rows {
		if r.verb == vocab.VerbVoided {
			continue
		}
		k := key{r.verb, r.activityType, r.object}
		n[k]++
		if l[k] == nil {
			l[k] = map[uint64]bool{}
		}
		if r.actor != 0 {
			l[k][r.actor] = true
		}
	}
	keys := make([]key, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.verb != b.verb {
			return a.verb < b.verb
		}
		if a.typ != b.typ {
			return a.typ < b.typ
		}
		return a.obj < b.obj
	})
	var out [][]any
	for _, k := range keys {
		out = append(out, []any{k.verb, k.typ, k.obj, n[k], int64(len(l[k]))})
	}
	return out
}

// funnelRef answers funnel: the distinct learners at each stage.
func funnelRef(rows []row) [][]any {
	stages := []struct {
		name string
		in   func(r row) bool
	}{
		{"started", func(r row) bool { return r.verb == vocab.VerbLaunched || r.verb == vocab.VerbInitialized }},
		{"completed", func(r row) bool { return r.verb == vocab.VerbCompleted && r.activityType == vocab.TypeCourse }},
		{"passed", func(r row) bool { return r.verb == vocab.VerbPassed }},
		{"certified", isCert},
	}
	var out [][]any
	for _, s := range stages {
		out = append(out, []any{s.name, distinct(rows, s.in)})
	}
	return out
}

// fastCompletionRef answers fast_completions: lesson completions per
// commune and course, those under a quarter of the expected time, and
// those that cannot be checked.
func fastCompletionRef(rows []row, l labels) [][]any {
	type key struct{ commune, course string }
	n, fast, unchecked := map[key]int64{}, map[key]int64{}, map[key]int64{}
	for _, r := range rows {
		if !isLessonDone(r) {
			continue
		}
		k := key{l.commune(r), r.course}
		n[k]++
		switch {
		case r.duration < 0 || r.expected <= 0:
			unchecked[k]++
		case r.duration*4 < r.expected:
			fast[k]++
		}
	}
	keys := make([]key, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].commune != keys[j].commune {
			return keys[i].commune < keys[j].commune
		}
		return keys[i].course < keys[j].course
	})
	var out [][]any
	for _, k := range keys {
		out = append(out, []any{k.commune, k.course, n[k], fast[k], unchecked[k]})
	}
	return out
}

// burstRef answers bursts: the p.Limit largest bursts of lesson
// completions (per commune, hour and learner, at least p.Threshold), and
// the number of them all.
func burstRef(rows []row, l labels, p analytics.Params) ([][]any, int64) {
	type key struct {
		commune string
		hour    int64
		actor   uint64
	}
	n := map[key]int64{}
	for _, r := range rows {
		if isLessonDone(r) && r.actor != 0 { // an anonymous group is no account
			n[key{l.commune(r), r.ts.Unix() / 3600 * 3600, r.actor}]++
		}
	}
	var keys []key
	for k, c := range n {
		if c >= int64(p.Threshold) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if n[a] != n[b] {
			return n[a] > n[b]
		}
		if a.hour != b.hour {
			return a.hour < b.hour
		}
		if a.actor != b.actor {
			return a.actor < b.actor
		}
		return a.commune < b.commune
	})
	var out [][]any
	for _, k := range keys[:min(len(keys), p.Limit)] {
		out = append(out, []any{k.commune, analytics.HourLabel(time.Unix(k.hour, 0)), analytics.FormatID(k.actor), n[k]})
	}
	return out, int64(len(keys))
}

// vneidRef answers vneid: the distinct learners per target group who
// confirmed a VNeID account.
func vneidRef(rows []row, l labels) [][]any {
	people := map[string]map[uint64]bool{}
	for _, r := range rows {
		if r.actor == 0 || r.verb != vocab.VerbEarned || r.activityType != vocab.TypeVNeIDConfirmation {
			continue
		}
		g := l.group(r)
		if people[g] == nil {
			people[g] = map[uint64]bool{}
		}
		people[g][r.actor] = true
	}
	groups := make([]string, 0, len(people))
	for g := range people {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var out [][]any
	for _, g := range groups {
		out = append(out, []any{g, int64(len(people[g]))})
	}
	return out
}

func isVoiding(st map[string]any) bool {
	verb, _ := st["verb"].(map[string]any)
	obj, _ := st["object"].(map[string]any)
	return verb["id"] == vocab.VerbVoided && obj["objectType"] == "StatementRef"
}

func isLessonDone(r row) bool {
	return r.verb == vocab.VerbCompleted && r.activityType == vocab.TypeLesson
}
func isCert(r row) bool { return r.verb == vocab.VerbEarned && r.activityType == vocab.TypeCertificate }

func summarize(rows []row) []any {
	var lessons, passes, fails, certs int64
	for _, r := range rows {
		switch {
		case isLessonDone(r):
			lessons++
		case r.verb == vocab.VerbPassed:
			passes++
		case r.verb == vocab.VerbFailed:
			fails++
		case isCert(r):
			certs++
		}
	}
	learners := distinct(rows, func(r row) bool { return r.verb != vocab.VerbVoided })
	return []any{int64(len(rows)), learners, lessons, passes, fails, certs, distinct(rows, isCert)}
}

func distinct(rows []row, in func(row) bool) int64 {
	seen := map[uint64]bool{}
	for _, r := range rows {
		if r.actor != 0 && in(r) {
			seen[r.actor] = true
		}
	}
	return int64(len(seen))
}

func sortedKeys(m map[string][]row) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// factTimestamp is the time a statement's fact holds as its timestamp
// (UTC): its timestamp, or its stored time when the timestamp is outside
// what ClickHouse's DateTime holds (unsigned seconds since 1970: up to
// 2106-02-07T06:28:15Z, milliseconds apart), in every engine
// (docs/analytics.md).
func factTimestamp(st map[string]any) time.Time {
	ts, err := time.Parse(time.RFC3339Nano, st["timestamp"].(string))
	if err != nil || ts.Before(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)) || !ts.Before(time.Date(2106, 2, 7, 6, 28, 16, 0, time.UTC)) {
		ts, _ = time.Parse(time.RFC3339Nano, st["stored"].(string))
	}
	return ts.UTC()
}

// toRow reads one raw statement as the reference sees it: its time,
// verb and actor, its object (objectRef), result duration, context
// (contextRef), and what the learner directory adds (fromDirectory).
func toRow(st map[string]any, ps *analytics.Pseudonymizer, ref *reference.State) row {
	r := row{duration: -1, expected: -1}
	ts := factTimestamp(st)
	r.ts = ts
	local := ts.In(analytics.Local)
	r.month = local.Format("2006-01")
	r.ym = uint32(local.Year()*100 + int(local.Month()))
	r.verb = st["verb"].(map[string]any)["id"].(string)
	if k, ok := xapi.AgentKey(st["actor"].(map[string]any)); ok {
		r.actor = ps.Agent(k)
	}
	objectRef(&r, st["object"].(map[string]any), ps)
	if res, ok := st["result"].(map[string]any); ok {
		if s, ok := res["duration"].(string); ok {
			r.duration = seconds(s)
		}
	}
	if ctx, ok := st["context"].(map[string]any); ok {
		contextRef(&r, ctx)
	}
	if r.commune == "" || r.group == "" {
		fromDirectory(&r, st, ref)
	}
	return r
}

// objectRef reads the statement's object into r: its id (an agent's as
// its pseudonym, a statement ref's lower-cased), activity type, expected
// duration, and the course when the object is one.
func objectRef(r *row, obj map[string]any, ps *analytics.Pseudonymizer) {
	switch obj["objectType"] {
	case "Agent", "Group":
		k, _ := xapi.AgentKey(obj)
		r.object = "agent:" + analytics.FormatID(ps.Agent(k))
	default:
		r.object = strings.ToLower(fmt.Sprint(obj["id"]))
		if obj["objectType"] != "StatementRef" {
			r.object = fmt.Sprint(obj["id"])
		}
	}
	if def, ok := obj["definition"].(map[string]any); ok {
		r.activityType, _ = def["type"].(string)
		if ext, ok := def["extensions"].(map[string]any); ok {
			if s, ok := ext[vocab.ExtExpectedDuration].(string); ok {
				r.expected = seconds(s)
			}
		}
	}
	if r.activityType == vocab.TypeCourse {
		r.course = r.object
	}
}

// contextRef reads the statement's context into r: the campaign's
// extensions, and the course among the parent, then grouping, activities
// when the object is none.
func contextRef(r *row, ctx map[string]any) {
	if ext, ok := ctx["extensions"].(map[string]any); ok {
		r.commune, _ = ext[vocab.ExtCommune].(string)
		r.group, _ = ext[vocab.ExtTargetGroup].(string)
		r.mentor, _ = ext[vocab.ExtMentor].(string)
		r.team, _ = ext[vocab.ExtTeam].(string)
	}
	if r.course != "" {
		return
	}
	ca, ok := ctx["contextActivities"].(map[string]any)
	if !ok {
		return
	}
	for _, kind := range []string{"parent", "grouping"} {
		list, _ := ca[kind].([]any)
		for _, a := range list {
			am := a.(map[string]any)
			if def, ok := am["definition"].(map[string]any); ok && def["type"] == vocab.TypeCourse && r.course == "" {
				r.course = am["id"].(string)
			}
		}
	}
}

// fromDirectory fills what r lacks (commune, group, mentor, team) from
// the learner directory entry of the statement's actor account.
func fromDirectory(r *row, st map[string]any, ref *reference.State) {
	acc, ok := st["actor"].(map[string]any)["account"].(map[string]any)
	if !ok {
		return
	}
	l, ok := ref.Learner(acc["homePage"].(string), acc["name"].(string))
	if !ok {
		return
	}
	if r.commune == "" {
		r.commune = l.Commune
	}
	if r.group == "" {
		r.group = l.Group
	}
	if r.mentor == "" {
		r.mentor = l.Mentor
	}
	if r.team == "" {
		r.team = l.Team
	}
}

func seconds(s string) float64 {
	d, err := duration.Parse(s)
	if err != nil {
		return -1
	}
	return d.ToTimeDuration().Seconds()
}
