package analyticstest

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/lrs/vocab"
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
				pct := 0.0
				for _, t := range ref.Targets() {
					if t.Year == year && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == "" {
						pct = t.Value
					}
				}
				for _, t := range ref.Targets() {
					if t.Year == year && t.Group == g && t.Metric == reference.MetricSkilledShare && t.Commune == c.Code {
						pct = t.Value
					}
				}
				keep := func(r row) bool { return r.commune == c.Code && r.group == g && inPeriod(r, "", p.To) }
				n, certified := int64(len(learners(keep, false))), int64(len(learners(keep, true)))
				res.Rows = append(res.Rows, []any{c.Code, c.Name, areas(c), g, pop, analytics.Round(pct),
					int64(math.Ceil(float64(pop) * pct / 100)), n, certified, math.Round(float64(certified)*1000/float64(pop)) / 10})
			}
		}
	case "mentors":
		ms := append([]reference.Mentor(nil), ref.Mentors()...)
		sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
		for _, m := range ms {
			if p.Commune != "" && m.Commune != p.Commune {
				continue
			}
			n := int64(len(learners(func(r row) bool {
				return r.mentor == m.ID && inPeriod(r, p.From, p.To) && (p.Commune == "" || r.commune == p.Commune)
			}, false)))
			meets := int64(0)
			if n >= analytics.MenteeNorm {
				meets = 1
			}
			res.Rows = append(res.Rows, []any{m.ID, m.Commune, m.Team, m.Label, n, meets})
		}
	case "teams":
		ts := append([]reference.Team(nil), ref.Teams()...)
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		for _, t := range ts {
			if p.Commune != "" && t.Commune != p.Commune {
				continue
			}
			n := int64(len(learners(func(r row) bool {
				return r.team == t.ID && inPeriod(r, p.From, p.To) && (p.Commune == "" || r.commune == p.Commune)
			}, false)))
			res.Rows = append(res.Rows, []any{t.ID, t.Commune, t.Name, int64(t.Members), n})
		}
	}
	return res, nil
}
