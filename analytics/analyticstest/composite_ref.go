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
	inPeriod := func(r row, from, to string) bool {
		m := r.month
		return (from == "" || m >= from) && (to == "" || m <= to)
	}
	areaOK := func(c reference.Commune) bool {
		if p.AreaType == "" {
			return true
		}
		for _, a := range c.Areas {
			if string(a) == p.AreaType {
				return true
			}
		}
		return false
	}
	areas := func(c reference.Commune) string {
		s := make([]string, len(c.Areas))
		for i, a := range c.Areas {
			s[i] = string(a)
		}
		return strings.Join(s, ",")
	}
	communes := append([]reference.Commune(nil), ref.Communes()...)
	sort.Slice(communes, func(i, j int) bool { return communes[i].Code < communes[j].Code })
	pops := map[string]map[string]int64{}
	totals := map[string]int64{}
	for _, pop := range ref.Populations() {
		pops[pop.Commune] = pop.Groups
		for _, n := range pop.Groups {
			totals[pop.Commune] += n
		}
	}
	learners := func(keep func(r row) bool, cert bool) map[uint64]bool {
		set := map[uint64]bool{}
		for _, r := range all {
			if r.actor == 0 || r.verb == vocab.VerbVoided || !keep(r) {
				continue
			}
			if cert && !isCert(r) {
				continue
			}
			set[r.actor] = true
		}
		return set
	}
	switch name {
	case "communes":
		for _, c := range communes {
			if (p.Commune == "" || c.Code == p.Commune) && areaOK(c) {
				res.Rows = append(res.Rows, []any{c.Code, c.Name, string(c.Kind), c.District, areas(c), totals[c.Code]})
			}
		}
	case "targets":
		ts := append([]reference.Target(nil), ref.Targets()...)
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
		for _, t := range ts {
			if t.Commune == "" && (p.Group == "" || t.Group == p.Group) {
				res.Rows = append(res.Rows, []any{int64(t.Year), t.Group, t.Metric, analytics.Round(t.Value)})
			}
		}
	case "progress":
		year := 0
		if p.To != "" {
			year = int(p.To[0]-'0')*1000 + int(p.To[1]-'0')*100 + int(p.To[2]-'0')*10 + int(p.To[3]-'0')
		} else {
			for _, t := range ref.Targets() {
				year = max(year, t.Year)
			}
		}
		// Each learner once: in the commune and group of the latest month
		// with a statement in a listed commune and a vocabulary group
		// (within that month the greatest commune, then group); certified
		// with any certificate up to the end of p.To.
		listed := map[string]bool{}
		for _, c := range communes {
			listed[c.Code] = true
		}
		type cell struct{ month, commune, group string }
		latest := map[uint64]cell{}
		certified := map[uint64]bool{}
		for _, r := range all {
			if r.actor == 0 || r.verb == vocab.VerbVoided || !inPeriod(r, "", p.To) {
				continue
			}
			if isCert(r) {
				certified[r.actor] = true
			}
			if !listed[r.commune] || !slices.Contains(vocab.TargetGroups, r.group) {
				continue
			}
			c, seen := latest[r.actor]
			if later := (cell{r.month, r.commune, r.group}); !seen || later.month > c.month ||
				(later.month == c.month && (later.commune > c.commune || (later.commune == c.commune && later.group > c.group))) {
				latest[r.actor] = later
			}
		}
		// target is the skilled-share target of group g in commune c for
		// year y: the commune's own, else the province's.
		target := func(y int, c, g string) (float64, bool) {
			pct, ok := 0.0, false
			for _, t := range ref.Targets() {
				if t.Year == y && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == "" {
					pct, ok = t.Value, true
				}
			}
			for _, t := range ref.Targets() {
				if t.Year == y && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == c {
					pct, ok = t.Value, true
				}
			}
			return pct, ok
		}
		for _, c := range communes {
			if (p.Commune != "" && c.Code != p.Commune) || !areaOK(c) {
				continue
			}
			var groups []string
			for g := range pops[c.Code] {
				groups = append(groups, g)
			}
			slices.Sort(groups)
			for _, g := range groups {
				pop := pops[c.Code][g]
				if (p.Group != "" && g != p.Group) || pop <= 0 {
					continue
				}
				var pct, prev, count any
				if v, ok := target(year, c.Code, g); ok {
					// Whole people, rounded up; the product rounded to a
					// millionth first so that binary fractions add no one.
					pct, count = analytics.Round(v), int64(math.Ceil(math.Round(float64(pop)*v*1e4)/1e6))
				}
				if v, ok := target(year-1, c.Code, g); ok {
					prev = analytics.Round(v)
				}
				var n, cert int64
				for a, at := range latest {
					if at.commune == c.Code && at.group == g {
						n++
						if certified[a] {
							cert++
						}
					}
				}
				res.Rows = append(res.Rows, []any{c.Code, c.Name, areas(c), g, pop, pct, prev, count, n, cert,
					analytics.Round(float64(cert) * 100 / float64(pop))})
			}
		}
	case "mentors", "mentoring":
		ms := append([]reference.Mentor(nil), ref.Mentors()...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
		mentees := func(ids ...string) int64 {
			return int64(len(learners(func(r row) bool {
				return slices.Contains(ids, r.mentor) && inPeriod(r, p.From, p.To)
			}, false)))
		}
		if name == "mentors" {
			for _, m := range ms {
				if p.Commune != "" && m.Commune != p.Commune {
					continue
				}
				n := mentees(m.ID)
				meets := int64(0)
				if n >= analytics.MenteeNorm {
					meets = 1
				}
				res.Rows = append(res.Rows, []any{m.ID, m.Commune, m.Team, m.Label, n, meets})
			}
			break
		}
		for _, c := range communes {
			if p.Commune != "" && c.Code != p.Commune {
				continue
			}
			var ids []string
			meeting := int64(0)
			for _, m := range ms {
				if m.Commune == c.Code {
					ids = append(ids, m.ID)
					if mentees(m.ID) >= analytics.MenteeNorm {
						meeting++
					}
				}
			}
			n := int64(0)
			if len(ids) > 0 {
				n = mentees(ids...)
			}
			res.Rows = append(res.Rows, []any{c.Code, c.Name, int64(len(ids)), meeting, n})
		}
	case "teams":
		ts := append([]reference.Team(nil), ref.Teams()...)
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		for _, t := range ts {
			if p.Commune != "" && t.Commune != p.Commune {
				continue
			}
			n := int64(len(learners(func(r row) bool {
				return r.team == t.ID && inPeriod(r, p.From, p.To)
			}, false)))
			res.Rows = append(res.Rows, []any{t.ID, t.Commune, t.Name, int64(t.Members), n})
		}
	}
	return res, nil
}
