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
	// grouped by one of the LearnersBy groupings, over the period of p
	// (each grouping says which fields of p it reads).
	LearnerCounts(ctx context.Context, p Params, by LearnersBy) (map[string]LearnerCount, error)
	// Courses returns the course dimension, sorted by course IRI: every
	// course of a counted (not voided) statement and every course with a
	// learned name, with its latest name per language.
	Courses(ctx context.Context) ([]DimCourse, error)
}

// LearnersBy names a grouping of LearnerCounts.
type LearnersBy string

// The groupings.
const (
	// ByCommuneGroup counts each learner once, from the start of the
	// campaign to the end of p.To (nothing else of p is read): in the
	// commune and target group of the latest month in which they have a
	// statement attributed to a commune of the reference data and a group
	// of the vocabulary (within that month, the greatest commune code,
	// then group). A learner counts as certified with any certificate up
	// to p.To. The counts of the cells therefore add up: a learner who
	// moved or changed group is never counted twice. Keys are
	// CommuneGroupKey(commune, group).
	ByCommuneGroup LearnersBy = "commune_group"
	// ByMentor counts, per digital ambassador id, the distinct learners
	// whose statements in p.From..p.To name them.
	ByMentor LearnersBy = "mentor"
	// ByTeam counts, per team id, the distinct learners whose statements
	// in p.From..p.To name the team.
	ByTeam LearnersBy = "team"
	// ByMentorCommune counts, per commune, the distinct learners whose
	// statements in p.From..p.To name one of the commune's ambassadors
	// (dim_mentors): a learner guided by two ambassadors counts once.
	ByMentorCommune LearnersBy = "mentor_commune"
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
	case "communes", "targets", "progress", "mentors", "mentoring", "teams", "courses":
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
		counts, err := c.LearnerCounts(ctx, Params{To: p.To}, ByCommuneGroup)
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
				var pct, prev, count any // nil: no target
				if v, ok := targetPct(dims, year, c.Code, g); ok {
					pct, count = Round(v), TargetCount(pop, v)
				}
				if v, ok := targetPct(dims, year-1, c.Code, g); ok {
					prev = Round(v)
				}
				n := counts[CommuneGroupKey(c.Code, g)]
				res.Rows = append(res.Rows, []any{
					c.Code, c.Name, strings.Join(c.AreaTypes, ","), g, pop, pct, prev, count,
					n.Learners, n.Certified, Round(100 * float64(n.Certified) / float64(pop)),
				})
			}
		}
	case "mentors":
		counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentor)
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
	case "mentoring":
		perMentor, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentor)
		if err != nil {
			return nil, err
		}
		perCommune, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentorCommune)
		if err != nil {
			return nil, err
		}
		for _, cm := range dims.Communes {
			if p.Commune != "" && cm.Code != p.Commune {
				continue
			}
			var mentors, meeting int64
			for _, m := range dims.Mentors {
				if m.Commune != cm.Code {
					continue
				}
				mentors++
				if perMentor[m.ID].Learners >= MenteeNorm {
					meeting++
				}
			}
			res.Rows = append(res.Rows, []any{cm.Code, cm.Name, mentors, meeting, perCommune[cm.Code].Learners})
		}
	case "teams":
		counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByTeam)
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
	for _, n := range LatestNames(names) {
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
// commune's own target when it has one, else the province's; false when
// neither exists.
func targetPct(d *Dims, year int, commune, group string) (float64, bool) {
	prov, found := 0.0, false
	for _, t := range d.Targets {
		if t.Year != year || t.Group != group || t.Metric != MetricSkilledShare {
			continue
		}
		if t.Commune == commune {
			return t.Value, true
		}
		if t.Commune == "" {
			prov, found = t.Value, true
		}
	}
	return prov, found
}

// TargetCount is the number of people a target of pct % of population
// asks for: rounded up to a whole person, since a share is reached only
// by whole people (80 % of 7 people is 6). The product is first rounded to
// a millionth, so that binary fractions (33.3 % of 1000 = 333.00000000000006)
// do not add a person.
func TargetCount(population int64, pct float64) int64 {
	return int64(math.Ceil(math.Round(float64(population)*pct*1e4) / 1e6))
}
