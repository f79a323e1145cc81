package analyticstest

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// composite is the reference of the queries that join reference data:
// written directly from the reference state and the counted statements,
// independently of analytics.Composite.
func composite(res *analytics.Result, name string, p analytics.Params, ref *reference.State, all []row) (*analytics.Result, error) {
	communes := append([]reference.Commune(nil), ref.Communes()...)
	sort.Slice(communes, func(i, j int) bool { return communes[i].Code < communes[j].Code })
	c := &compositeRef{p: p, ref: ref, all: all, communes: communes}
	var rows [][]any
	switch name {
	case "communes":
		rows = c.communeRows()
	case "targets":
		rows = c.targetRows()
	case "progress":
		rows = c.progressRows()
	case "mentors":
		rows = c.mentorRows()
	case "mentoring":
		rows = c.mentoringRows()
	case "teams":
		rows = c.teamRows()
	}
	res.Rows = append(res.Rows, rows...)
	return res, nil
}

// compositeRef is what every composite reference reads: the parameters,
// the reference state, the counted statements and the communes sorted by
// code.
type compositeRef struct {
	p        analytics.Params
	ref      *reference.State
	all      []row
	communes []reference.Commune
}

// inPeriod reports whether r's month is within from..to (either "" for
// no bound).
func inPeriod(r row, from, to string) bool {
	m := r.month
	return (from == "" || m >= from) && (to == "" || m <= to)
}

// inArea reports whether c is of area type areaType ("" for any).
func inArea(c reference.Commune, areaType string) bool {
	if areaType == "" {
		return true
	}
	for _, a := range c.Areas {
		if string(a) == areaType {
			return true
		}
	}
	return false
}

// areas lists c's area types as the rows show them.
func areas(c reference.Commune) string {
	s := make([]string, len(c.Areas))
	for i, a := range c.Areas {
		s[i] = string(a)
	}
	return strings.Join(s, ",")
}

// learners are the distinct learners of the statements (but voiding
// ones) that keep keeps.
func (c *compositeRef) learners(keep func(r row) bool) map[uint64]bool {
	set := map[uint64]bool{}
	for _, r := range c.all {
		if r.actor == 0 || r.verb == vocab.VerbVoided || !keep(r) {
			continue
		}
		set[r.actor] = true
	}
	return set
}

func (c *compositeRef) communeRows() [][]any {
	totals := map[string]int64{}
	for _, pop := range c.ref.Populations() {
		for _, n := range pop.Groups {
			totals[pop.Commune] += n
		}
	}
	var rows [][]any
	for _, cm := range c.communes {
		if (c.p.Commune == "" || cm.Code == c.p.Commune) && inArea(cm, c.p.AreaType) {
			rows = append(rows, []any{cm.Code, cm.Name, string(cm.Kind), cm.District, areas(cm), totals[cm.Code]})
		}
	}
	return rows
}

func (c *compositeRef) targetRows() [][]any {
	ts := append([]reference.Target(nil), c.ref.Targets()...)
	sort.Slice(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.Year != b.Year {
			return a.Year < b.Year
		}
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Metric < b.Metric
	})
	var rows [][]any
	for _, t := range ts {
		if t.Commune == "" && (c.p.Group == "" || t.Group == c.p.Group) {
			rows = append(rows, []any{int64(t.Year), t.Group, t.Metric, analytics.Round(t.Value)})
		}
	}
	return rows
}

// cell is where progress counts a learner: the month, commune and group
// of one of their statements.
type cell struct{ month, commune, group string }

func (c *compositeRef) progressRows() [][]any {
	year := c.targetYear()
	latest, certified := c.latestCells()
	pops := map[string]map[string]int64{} // commune -> group -> people
	for _, pop := range c.ref.Populations() {
		pops[pop.Commune] = pop.Groups
	}
	var rows [][]any
	for _, cm := range c.communes {
		if (c.p.Commune != "" && cm.Code != c.p.Commune) || !inArea(cm, c.p.AreaType) {
			continue
		}
		var groups []string
		for g := range pops[cm.Code] {
			groups = append(groups, g)
		}
		slices.Sort(groups)
		for _, g := range groups {
			pop := pops[cm.Code][g]
			if (c.p.Group != "" && g != c.p.Group) || pop <= 0 {
				continue
			}
			rows = append(rows, c.progressRow(year, cm, g, pop, latest, certified))
		}
	}
	return rows
}

// targetYear is the year of p.To, else the latest year with a target.
func (c *compositeRef) targetYear() int {
	to := c.p.To
	if to != "" {
		return int(to[0]-'0')*1000 + int(to[1]-'0')*100 + int(to[2]-'0')*10 + int(to[3]-'0')
	}
	year := 0
	for _, t := range c.ref.Targets() {
		year = max(year, t.Year)
	}
	return year
}

// latestCells places each learner once: in the commune and group of the
// latest month with a statement in a listed commune and a vocabulary
// group (within that month the greatest commune, then group); certified
// with any certificate up to the end of p.To.
func (c *compositeRef) latestCells() (latest map[uint64]cell, certified map[uint64]bool) {
	listed := map[string]bool{}
	for _, cm := range c.communes {
		listed[cm.Code] = true
	}
	latest, certified = map[uint64]cell{}, map[uint64]bool{}
	for _, r := range c.all {
		if r.actor == 0 || r.verb == vocab.VerbVoided || !inPeriod(r, "", c.p.To) {
			continue
		}
		if isCert(r) {
			certified[r.actor] = true
		}
		if !listed[r.commune] || !slices.Contains(vocab.TargetGroups, r.group) {
			continue
		}
		at, seen := latest[r.actor]
		if later := (cell{r.month, r.commune, r.group}); !seen || later.month > at.month ||
			(later.month == at.month && (later.commune > at.commune || (later.commune == at.commune && later.group > at.group))) {
			latest[r.actor] = later
		}
	}
	return latest, certified
}

// target is the skilled-share target of group g in commune cm for year
// y: the commune's own, else the province's.
func (c *compositeRef) target(y int, cm, g string) (float64, bool) {
	pct, ok := 0.0, false
	for _, t := range c.ref.Targets() {
		if t.Year == y && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == "" {
			pct, ok = t.Value, true
		}
	}
	for _, t := range c.ref.Targets() {
		if t.Year == y && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == cm {
			pct, ok = t.Value, true
		}
	}
	return pct, ok
}

// progressRow is the progress of group g, of population pop, in commune
// cm.
func (c *compositeRef) progressRow(year int, cm reference.Commune, g string, pop int64, latest map[uint64]cell, certified map[uint64]bool) []any {
	var pct, prev, count any
	if v, ok := c.target(year, cm.Code, g); ok {
		// Whole people, rounded up; the product rounded to a
		// millionth first so that binary fractions add no one.
		pct, count = analytics.Round(v), int64(math.Ceil(math.Round(float64(pop)*v*1e4)/1e6))
	}
	if v, ok := c.target(year-1, cm.Code, g); ok {
		prev = analytics.Round(v)
	}
	var n, cert int64
	for a, at := range latest {
		if at.commune == cm.Code && at.group == g {
			n++
			if certified[a] {
				cert++
			}
		}
	}
	return []any{cm.Code, cm.Name, areas(cm), g, pop, pct, prev, count, n, cert,
		analytics.Round(float64(cert) * 100 / float64(pop))}
}

// mentors are the ambassadors sorted by id.
func (c *compositeRef) mentors() []reference.Mentor {
	ms := append([]reference.Mentor(nil), c.ref.Mentors()...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
	return ms
}

// mentees counts the distinct learners whose statements in p.From..p.To
// name one of the ambassadors ids.
func (c *compositeRef) mentees(ids ...string) int64 {
	return int64(len(c.learners(func(r row) bool {
		return slices.Contains(ids, r.mentor) && inPeriod(r, c.p.From, c.p.To)
	})))
}

func (c *compositeRef) mentorRows() [][]any {
	var rows [][]any
	for _, m := range c.mentors() {
		if c.p.Commune != "" && m.Commune != c.p.Commune {
			continue
		}
		n := c.mentees(m.ID)
		meets := int64(0)
		if n >= analytics.MenteeNorm {
			meets = 1
		}
		rows = append(rows, []any{m.ID, m.Commune, m.Team, m.Label, n, meets})
	}
	return rows
}

func (c *compositeRef) mentoringRows() [][]any {
	ms := c.mentors()
	var rows [][]any
	for _, cm := range c.communes {
		if c.p.Commune != "" && cm.Code != c.p.Commune {
			continue
		}
		var ids []string
		meeting := int64(0)
		for _, m := range ms {
			if m.Commune == cm.Code {
				ids = append(ids, m.ID)
				if c.mentees(m.ID) >= analytics.MenteeNorm {
					meeting++
				}
			}
		}
		n := int64(0)
		if len(ids) > 0 {
			n = c.mentees(ids...)
		}
		rows = append(rows, []any{cm.Code, cm.Name, int64(len(ids)), meeting, n})
	}
	return rows
}

func (c *compositeRef) teamRows() [][]any {
	ts := append([]reference.Team(nil), c.ref.Teams()...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	var rows [][]any
	for _, t := range ts {
		if c.p.Commune != "" && t.Commune != c.p.Commune {
			continue
		}
		n := int64(len(c.learners(func(r row) bool {
			return r.team == t.ID && inPeriod(r, c.p.From, c.p.To)
		})))
		rows = append(rows, []any{t.ID, t.Commune, t.Name, int64(t.Members), n})
	}
	return rows
}
