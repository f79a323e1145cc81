package analytics

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The composite queries join the campaign's reference data (Dims) with
// learner counts. They are computed here, once, for every engine; the
// engines provide the two inputs (Counter).

// Counter is what an engine provides to the composite queries.
type Counter interface {
	// Dims returns the dimension tables.
	Dims(ctx context.Context) (*Dims, error)
	// LearnerCounts counts distinct learners and certified learners
	// grouped by one of the LearnersBy dimensions, under the filters of p.
	LearnerCounts(ctx context.Context, p Params, by LearnersBy) (map[string]LearnerCount, error)
	// Courses returns the course dimension, sorted by course IRI: every
	// course of a counted (not voided) statement and every course with a
	// learned name, with its latest name per language.
	Courses(ctx context.Context) ([]DimCourse, error)
}

// LearnersBy names a grouping of LearnerCounts.
type LearnersBy string

// The groupings. CommuneGroup keys are CommuneGroupKey(commune, group).
const (
	ByCommuneGroup LearnersBy = "commune_group"
	ByMentor       LearnersBy = "mentor"
	ByTeam         LearnersBy = "team"
)

// CommuneGroupKey is the key of a ByCommuneGroup count.
func CommuneGroupKey(commune, group string) string { return commune + "\x00" + group }

// LearnerCount is one group of LearnerCounts.
type LearnerCount struct {
	Learners  int64 // distinct learners with any statement but voiding ones
	Certified int64 // distinct learners with a certificate
}

// MenteeNorm is the plan's norm: each digital ambassador guides at least
// five people.
const MenteeNorm = 5

// MetricSkilledShare is the target metric the progress query reads.
const MetricSkilledShare = "skilled-share"

// IsComposite reports whether name is one of the composite queries.
func IsComposite(name string) bool {
	switch name {
	case "communes", "targets", "progress", "mentors", "teams", "courses":
		return true
	}
	return false
}

// Composite answers a composite named query from c.
func Composite(ctx context.Context, c Counter, name string, p Params) (*Result, error) {
	q, ok := Lookup(name)
	if !ok || !IsComposite(name) {
		return nil, fmt.Errorf("%w: %q is not a composite query", ErrBadParams, name)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if name == "courses" {
		return courses(ctx, c, q, p)
	}
	dims, err := c.Dims(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Query: name, Columns: q.Columns, Rows: [][]any{}}
	population := map[string]int64{} // CommuneGroupKey -> people
	totals := map[string]int64{}     // commune -> people
	for _, pop := range dims.Populations {
		population[CommuneGroupKey(pop.Commune, pop.Group)] += pop.People
		totals[pop.Commune] += pop.People
	}
	communeOK := func(c DimCommune) bool {
		return (p.Commune == "" || c.Code == p.Commune) && (p.AreaType == "" || slices.Contains(c.AreaTypes, p.AreaType))
	}
	switch name {
	case "communes":
		for _, c := range dims.Communes {
			if communeOK(c) {
				res.Rows = append(res.Rows, []any{c.Code, c.Name, c.Kind, c.District, strings.Join(c.AreaTypes, ","), totals[c.Code]})
			}
		}
	case "targets":
		for _, t := range dims.Targets {
			if t.Commune == "" && (p.Group == "" || t.Group == p.Group) {
				res.Rows = append(res.Rows, []any{int64(t.Year), t.Group, t.Metric, Round(t.Value)})
			}
		}
	case "progress":
		counts, err := c.LearnerCounts(ctx, Params{To: p.To, Commune: p.Commune, Group: p.Group}, ByCommuneGroup)
		if err != nil {
			return nil, err
		}
		year := targetYear(dims, p.To)
		for _, c := range dims.Communes {
			if !communeOK(c) {
				continue
			}
			for _, g := range groupsOf(dims, c.Code) {
				if p.Group != "" && g != p.Group {
					continue
				}
				pop := population[CommuneGroupKey(c.Code, g)]
				if pop <= 0 {
					continue
				}
				pct := targetPct(dims, year, c.Code, g)
				n := counts[CommuneGroupKey(c.Code, g)]
				res.Rows = append(res.Rows, []any{
					c.Code, c.Name, strings.Join(c.AreaTypes, ","), g, pop, Round(pct),
					int64(math.Ceil(float64(pop) * pct / 100)), n.Learners, n.Certified,
					math.Round(float64(n.Certified)*1000/float64(pop)) / 10,
				})
			}
		}
	case "mentors":
		counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To, Commune: p.Commune}, ByMentor)
		if err != nil {
			return nil, err
		}
		for _, m := range dims.Mentors {
			if p.Commune != "" && m.Commune != p.Commune {
				continue
			}
			n := counts[m.ID].Learners
			meets := int64(0)
			if n >= MenteeNorm {
				meets = 1
			}
			res.Rows = append(res.Rows, []any{m.ID, m.Commune, m.Team, m.Label, n, meets})
		}
	case "teams":
		counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To, Commune: p.Commune}, ByTeam)
		if err != nil {
			return nil, err
		}
		for _, t := range dims.Teams {
			if p.Commune != "" && t.Commune != p.Commune {
				continue
			}
			res.Rows = append(res.Rows, []any{t.ID, t.Commune, t.Name, t.Members, counts[t.ID].Learners})
		}
	}
	return res, nil
}

// courses answers the courses query: one row per course, with its name
// in p.Lang (PickName), or its IRI when no name fits.
func courses(ctx context.Context, c Counter, q Query, p Params) (*Result, error) {
	list, err := c.Courses(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Query: q.Name, Columns: q.Columns, Rows: [][]any{}}
	for _, co := range list {
		if p.Course != "" && co.ID != p.Course {
			continue
		}
		name, tag := PickName(co.Names, p.Lang)
		if name == "" {
			name = co.ID
		}
		res.Rows = append(res.Rows, []any{co.ID, name, tag})
	}
	return res, nil
}

// MergeCourses builds the course dimension from the course IRIs of the
// counted statements and the learned names (per course and language, the
// highest position wins), sorted by IRI. Both engines use it.
func MergeCourses(ids []string, names []CourseName) []DimCourse {
	byID := map[string]*DimCourse{}
	get := func(id string) *DimCourse {
		d, ok := byID[id]
		if !ok {
			d = &DimCourse{ID: id, Names: map[string]string{}}
			byID[id] = d
		}
		return d
	}
	for _, id := range ids {
		if id != "" {
			get(id)
		}
	}
	for _, n := range latestNames(names) {
		get(n.CourseID).Names[n.Lang] = n.Name
	}
	out := make([]DimCourse, 0, len(byID))
	for _, d := range byID {
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b DimCourse) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// groupsOf lists the target groups with a population in commune, in the
// plan's order.
func groupsOf(d *Dims, commune string) []string {
	var out []string
	for _, pop := range d.Populations {
		if pop.Commune == commune && !slices.Contains(out, pop.Group) {
			out = append(out, pop.Group)
		}
	}
	slices.Sort(out)
	return out
}

// targetYear is the year of month to ("YYYY-MM"), or else the latest year
// with a target.
func targetYear(d *Dims, to string) int {
	if to != "" {
		return int(yyyymm(to) / 100)
	}
	y := 0
	for _, t := range d.Targets {
		y = max(y, t.Year)
	}
	return y
}

// targetPct is the skilled-share target of group in commune for year: the
// commune's own target when it has one, else the province's, else 0.
func targetPct(d *Dims, year int, commune, group string) float64 {
	prov, found := 0.0, false
	for _, t := range d.Targets {
		if t.Year != year || t.Group != group || t.Metric != MetricSkilledShare {
			continue
		}
		if t.Commune == commune {
			return t.Value
		}
		if t.Commune == "" {
			prov, found = t.Value, true
		}
	}
	if found {
		return prov
	}
	return 0
}
