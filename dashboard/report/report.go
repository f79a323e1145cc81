// Package report builds the commune report appendix: the table of targets
// and results that a commune attaches to its yearly report to the
// province (the "phụ lục" of seeds/002), straight from the analytics named
// queries, and renders it as CSV (for Excel) and as a printable HTML page.
//
// Every number comes from a named query (progress, summary, teams,
// mentors, mentoring, communes, by_course; course names from courses); the
// report only arranges them and derives the presentation (attained or
// not). The same Build serves `hocvu report
// commune` and the dashboard's download button.
//
// Periods: section I (targets) is cumulative from the start of the
// campaign, because a target counts people reached so far; sections II
// (activity), III (teams and ambassadors) and IV (courses) cover the
// report's year, from January to Through, all of them. In a year that
// runs, Through is the month in progress, counted to the day the report is
// made, and the report says so.
package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/i18n"
)

// Querier answers named queries (an analytics engine, or a client of the
// analytics HTTP API).
type Querier interface {
	Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error)
}

// Available reports whether a named query exists. The default looks it up
// in analytics.Catalog; a remote querier may know better.
type Available func(name string) bool

// MentorNorm is the plan's norm: each digital ambassador guides at least
// five people.
const MentorNorm = 5

// Report is the appendix of one commune for one year.
type Report struct {
	Commune   string   `json:"commune"`
	Name      string   `json:"name"`
	District  string   `json:"district"`
	AreaTypes []string `json:"area_types"`
	Year      int      `json:"year"`
	// Through is the last month the results count (YYYY-MM): December of
	// the year, or the current month while the year runs.
	Through   string    `json:"through"`
	Generated time.Time `json:"generated"`

	// Targets has one row per target group, from the progress query
	// (cumulative from the campaign start to the end of Through).
	Targets []TargetRow `json:"targets"`
	// Activity is the summary query over the year (January to Through).
	Activity *Activity `json:"activity,omitempty"`
	// Community is the community structures (teams, mentors), over the
	// same months as Activity.
	Community *Community `json:"community,omitempty"`
	// Courses is the year's activity per course (the by_course query,
	// January to Through), most learners first.
	Courses []CourseRow `json:"courses"`
	// Missing names the named queries the engine does not answer yet;
	// their sections are empty.
	Missing []string `json:"missing,omitempty"`
}

// TargetRow is the target and the result of one target group. A group
// reaches its target when its certified learners (people who reached the
// digital-skills level) reach the target count. Learners are people with
// any learning activity, certified or not: not a result against the
// target.
type TargetRow struct {
	Group      string `json:"target_group"`
	Population int64  `json:"population"`
	// TargetPct and TargetCount are nil when neither the commune nor the
	// province set a target for the group and year.
	TargetPct         *float64 `json:"target_pct"`
	TargetCount       *int64   `json:"target_count"`
	Learners          int64    `json:"learners"`
	CertifiedLearners int64    `json:"certified_learners"`
	// ProgressPct is certified learners as a percentage of the population
	// (the progress query's progress_pct).
	ProgressPct float64 `json:"progress_pct"`
}

// HasTarget reports whether the group has a target for the year.
func (t TargetRow) HasTarget() bool { return t.TargetCount != nil }

// Met reports whether the group reached its target (never without one).
func (t TargetRow) Met() bool {
	return t.TargetCount != nil && *t.TargetCount > 0 && t.CertifiedLearners >= *t.TargetCount
}

// PctOfTarget is certified learners as a percentage of the target count;
// false without a target (or a target of 0 people).
func (t TargetRow) PctOfTarget() (float64, bool) {
	if t.TargetCount == nil || *t.TargetCount <= 0 {
		return 0, false
	}
	return 100 * float64(t.CertifiedLearners) / float64(*t.TargetCount), true
}

// Activity is the year's learning activity in the commune.
type Activity struct {
	Learners          int64 `json:"learners"`
	LessonCompletions int64 `json:"lesson_completions"`
	Passes            int64 `json:"passes"`
	Fails             int64 `json:"fails"`
	Certificates      int64 `json:"certificates"`
	CertifiedLearners int64 `json:"certified_learners"`
}

// Community counts the commune's community digital-technology teams and
// digital ambassadors.
type Community struct {
	Teams       int64 `json:"teams"`
	TeamMembers int64 `json:"team_members"`
	Mentors     int64 `json:"mentors"`
	// MentorsMeetingNorm guide at least MentorNorm mentees.
	MentorsMeetingNorm int64 `json:"mentors_meeting_norm"`
	// Mentees are distinct people (the mentoring query): one guided by
	// two ambassadors counts once. Nil when the engine lacks the query.
	Mentees      *int64 `json:"mentees"`
	teamsKnown   bool
	mentorsKnown bool
}

// CourseRow is one course's activity in the commune over the year.
type CourseRow struct {
	ID string `json:"course_id"`
	// Names is the course's name per report language (vi, en), from the
	// courses query (the activity definitions' names, else the IRI).
	Names             map[string]string `json:"names"`
	Learners          int64             `json:"learners"`
	LessonCompletions int64             `json:"lesson_completions"`
	CertifiedLearners int64             `json:"certified_learners"`
}

// Name is the course's name in lang, or its IRI.
func (c CourseRow) Name(lang string) string {
	if n := c.Names[lang]; n != "" {
		return n
	}
	return c.ID
}

// ErrBadRequest is wrapped by Build for an invalid commune or year.
var ErrBadRequest = errors.New("report: invalid request")

// Build queries the engine for the report of commune code in year. now
// bounds the period (a year that has not started is an error).
func Build(ctx context.Context, q Querier, avail Available, code string, year int, now time.Time) (*Report, error) {
	if avail == nil {
		avail = func(name string) bool { _, ok := analytics.Lookup(name); return ok }
	}
	if code == "" {
		return nil, fmt.Errorf("%w: no commune code", ErrBadRequest)
	}
	first, through, err := period(year, now)
	if err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, q: q, avail: avail, code: code, first: first, through: through,
		r: &Report{Commune: code, Year: year, Through: through, Generated: now.UTC(), Targets: []TargetRow{}}}
	steps := []func() error{b.addCommune, b.addTargets, b.addActivity, b.addCommunity, b.addCourses}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return b.r, nil
}

// period is the months a report of year covers, as YYYY-MM: from January
// through December, or through the month of now for the current year.
func period(year int, now time.Time) (first, through string, err error) {
	nowMonth := now.In(analytics.Local).Format("2006-01")
	through = fmt.Sprintf("%04d-12", year)
	first = fmt.Sprintf("%04d-01", year)
	if year < 2000 || year > 2100 {
		return "", "", fmt.Errorf("%w: year %d", ErrBadRequest, year)
	}
	if first > nowMonth {
		return "", "", fmt.Errorf("%w: %d has not started", ErrBadRequest, year)
	}
	if through > nowMonth {
		through = nowMonth
	}
	return first, through, nil
}

// builder fills a Report section by section, each from its queries.
type builder struct {
	ctx            context.Context
	q              Querier
	avail          Available
	code           string // the commune
	first, through string // the months of sections II and III
	r              *Report
}

// run runs the named query, or notes it in Missing (and returns no rows)
// when the engine lacks it.
func (b *builder) run(name string, p analytics.Params) ([]map[string]any, error) {
	if !b.avail(name) {
		b.r.Missing = append(b.r.Missing, name)
		return nil, nil
	}
	res, err := b.q.Query(b.ctx, name, p)
	if err != nil {
		return nil, fmt.Errorf("report: query %s: %w", name, err)
	}
	return Rows(res), nil
}

// addCommune fills the commune's name, district and area types.
func (b *builder) addCommune() error {
	communes, err := b.run("communes", analytics.Params{Commune: b.code})
	if err != nil {
		return err
	}
	for _, c := range communes {
		if Str(c["commune"]) == b.code {
			b.r.Name, b.r.District = Str(c["name"]), Str(c["district"])
			b.r.AreaTypes = SplitList(Str(c["area_types"]))
		}
	}
	return nil
}

// addTargets fills section I: progress towards the targets per group,
// through the end of the period.
func (b *builder) addTargets() error {
	progress, err := b.run("progress", analytics.Params{To: b.through, Commune: b.code})
	if err != nil {
		return err
	}
	for _, p := range progress {
		if Str(p["commune"]) != b.code {
			continue
		}
		if b.r.Name == "" {
			b.r.Name = Str(p["name"])
		}
		row := TargetRow{
			Group: Str(p["target_group"]), Population: Int(p["population"]),
			Learners: Int(p["learners"]), CertifiedLearners: Int(p["certified_learners"]),
			ProgressPct: Float(p["progress_pct"]),
		}
		if p["target_count"] != nil { // nil: no target
			pct, n := Float(p["target_pct"]), Int(p["target_count"])
			row.TargetPct, row.TargetCount = &pct, &n
		}
		b.r.Targets = append(b.r.Targets, row)
	}
	return nil
}

// addActivity fills section II: the learning activity over the period.
func (b *builder) addActivity() error {
	summary, err := b.run("summary", analytics.Params{From: b.first, To: b.through, Commune: b.code})
	if err != nil {
		return err
	}
	if len(summary) == 1 {
		s := summary[0]
		b.r.Activity = &Activity{Learners: Int(s["learners"]), LessonCompletions: Int(s["lesson_completions"]),
			Passes: Int(s["passes"]), Fails: Int(s["fails"]), Certificates: Int(s["certificates"]), CertifiedLearners: Int(s["certified_learners"])}
	}
	return nil
}

// addCommunity fills section III, over the same months as section II:
// the teams and the mentors, when the engine has their queries.
func (b *builder) addCommunity() error {
	cm := &Community{}
	if err := b.countTeams(cm); err != nil {
		return err
	}
	if err := b.countMentors(cm); err != nil {
		return err
	}
	if cm.teamsKnown || cm.mentorsKnown {
		b.r.Community = cm
	}
	return nil
}

// countTeams counts the commune's teams and their members.
func (b *builder) countTeams(cm *Community) error {
	teams, err := b.run("teams", analytics.Params{From: b.first, To: b.through, Commune: b.code})
	if err != nil || !b.avail("teams") {
		return err
	}
	cm.teamsKnown = true
	for _, t := range teams {
		if Str(t["commune"]) == b.code {
			cm.Teams++
			cm.TeamMembers += Int(t["members"])
		}
	}
	return nil
}

// countMentors counts the commune's mentors, those meeting MentorNorm and
// their distinct mentees.
func (b *builder) countMentors(cm *Community) error {
	mentors, err := b.run("mentors", analytics.Params{From: b.first, To: b.through, Commune: b.code})
	if err != nil || !b.avail("mentors") {
		return err
	}
	cm.mentorsKnown = true
	for _, m := range mentors {
		if Str(m["commune"]) == b.code {
			cm.Mentors++
			if Int(m["mentees"]) >= MentorNorm {
				cm.MentorsMeetingNorm++
			}
		}
	}
	// Distinct mentees: a person guided by two ambassadors once.
	mentoring, err := b.run("mentoring", analytics.Params{From: b.first, To: b.through, Commune: b.code})
	if err != nil {
		return err
	}
	for _, m := range mentoring {
		if Str(m["commune"]) == b.code {
			n := Int(m["mentees"])
			cm.Mentees = &n
		}
	}
	return nil
}

// addCourses fills section IV: the activity per course (Report.addCourses).
func (b *builder) addCourses() error { return b.r.addCourses(b.run, b.first, b.through) }

// addCourses fills Courses from by_course over the year and the course
// names of the courses query in each report language.
func (r *Report) addCourses(run func(string, analytics.Params) ([]map[string]any, error), first, through string) error {
	rows, err := run("by_course", analytics.Params{From: first, To: through, Commune: r.Commune})
	if err != nil {
		return err
	}
	names := map[string]map[string]string{}
	for i, lang := range i18n.Languages {
		list, err := run("courses", analytics.Params{Lang: i18n.Locale(lang)})
		if err != nil {
			return err
		}
		if list == nil && i == 0 && len(r.Missing) > 0 && r.Missing[len(r.Missing)-1] == "courses" {
			break // missing: reported once; the IRIs stand in
		}
		for _, c := range list {
			id := Str(c["course_id"])
			if names[id] == nil {
				names[id] = map[string]string{}
			}
			names[id][lang] = Str(c["name"])
		}
	}
	r.Courses = []CourseRow{}
	for _, c := range rows {
		id := Str(c["course_id"])
		if id == "" {
			continue
		}
		r.Courses = append(r.Courses, CourseRow{ID: id, Names: names[id], Learners: Int(c["learners"]),
			LessonCompletions: Int(c["lesson_completions"]), CertifiedLearners: Int(c["certified_learners"])})
	}
	slices.SortStableFunc(r.Courses, func(a, b CourseRow) int {
		if a.Learners != b.Learners {
			return cmp.Compare(b.Learners, a.Learners)
		}
		return strings.Compare(a.ID, b.ID)
	})
	return nil
}

// Rows turns a result into one map per row, keyed by column.
func Rows(res *analytics.Result) []map[string]any {
	out := make([]map[string]any, 0, len(res.Rows))
	for _, row := range res.Rows {
		m := make(map[string]any, len(res.Columns))
		for i, c := range res.Columns {
			if i < len(row) {
				m[c] = row[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// Str renders a cell as a string.
func Str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

// Int reads an integer cell (engines give int64, JSON gives float64).
func Int(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int:
		return int64(x)
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	case int32:
		return int64(x)
	case float64:
		return int64(x)
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

// Float reads a numeric cell.
func Float(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case float32:
		return float64(x)
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	case nil:
		return 0
	}
	return float64(Int(v))
}

// SplitList splits a comma-separated cell.
func SplitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
