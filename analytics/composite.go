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

// Resolve is how every engine's Query begins: it finds the named query in
// the catalogue and checks the parameters (filling in their defaults, in
// *p), and answers a composite query at once from the engine's counts
// (Composite). done is true when res is the answer (or err the refusal);
// otherwise the engine runs q itself with *p.
func Resolve(ctx context.Context, c Counter, name string, p *Params) (q Query, res *Result, done bool, err error) {
	q, ok := Lookup(name)
	if !ok {
		return Query{}, nil, true, fmt.Errorf("%w: no named query %q", ErrBadParams, name)
	}
	if err := p.Validate(); err != nil {
		return Query{}, nil, true, err
	}
	if IsComposite(name) {
		res, err := Composite(ctx, c, name, *p)
		return q, res, true, err
	}
	return q, nil, false, nil
}

// Composite answers a composite named query from c: courses from the
// course dimension alone, every other query from the dimension tables
// (Dims) and, where it counts learners, one or two LearnerCounts.
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
	var rows [][]any
	switch name {
	case "communes":
		rows = communeRows(dims, p)
	case "targets":
		rows = targetRows(dims, p)
	case "progress":
		rows, err = progressRows(ctx, c, dims, p)
	case "mentors":
		rows, err = mentorRows(ctx, c, dims, p)
	case "mentoring":
		rows, err = mentoringRows(ctx, c, dims, p)
	case "teams":
		rows, err = teamRows(ctx, c, dims, p)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Query: name, Columns: q.Columns, Rows: append([][]any{}, rows...)}, nil
}

// communeMatches reports whether commune c passes the commune and area
// type filters of p.
func communeMatches(c DimCommune, p Params) bool {
	return (p.Commune == "" || c.Code == p.Commune) && (p.AreaType == "" || slices.Contains(c.AreaTypes, p.AreaType))
}

// communeRows answers the communes query: each commune of the reference
// data that p selects, with its population over every group.
func communeRows(dims *Dims, p Params) [][]any {
	totals := map[string]int64{} // commune -> people
	for _, pop := range dims.Populations {
		totals[pop.Commune] += pop.People
	}
	var rows [][]any
	for _, c := range dims.Communes {
		if communeMatches(c, p) {
			rows = append(rows, []any{c.Code, c.Name, c.Kind, c.District, strings.Join(c.AreaTypes, ","), totals[c.Code]})
		}
	}
	return rows
}

// targetRows answers the targets query: the province's targets (those of
// no commune), of p.Group when it is set.
func targetRows(dims *Dims, p Params) [][]any {
	var rows [][]any
	for _, t := range dims.Targets {
		if t.Commune == "" && (p.Group == "" || t.Group == p.Group) {
			rows = append(rows, []any{int64(t.Year), t.Group, t.Metric, Round(t.Value)})
		}
	}
	return rows
}

// progressRows answers the progress query: per commune p selects and
// target group with a population, the skilled-share targets of the year
// of p.To and the year before, and the learners counted ByCommuneGroup
// up to p.To.
func progressRows(ctx context.Context, c Counter, dims *Dims, p Params) ([][]any, error) {
	counts, err := c.LearnerCounts(ctx, Params{To: p.To}, ByCommuneGroup)
	if err != nil {
		return nil, err
	}
	population := map[string]int64{} // CommuneGroupKey -> people
	for _, pop := range dims.Populations {
		population[CommuneGroupKey(pop.Commune, pop.Group)] += pop.People
	}
	year := targetYear(dims, p.To)
	var rows [][]any
	for _, cm := range dims.Communes {
		if !communeMatches(cm, p) {
			continue
		}
		for _, g := range groupsOf(dims, cm.Code) {
			pop := population[CommuneGroupKey(cm.Code, g)]
			if (p.Group != "" && g != p.Group) || pop <= 0 {
				continue
			}
			rows = append(rows, progressRow(dims, year, cm, g, pop, counts[CommuneGroupKey(cm.Code, g)]))
		}
	}
	return rows, nil
}

// progressRow is the progress of group g in commune cm, of population
// pop, with the learners n counted there.
func progressRow(dims *Dims, year int, cm DimCommune, g string, pop int64, n LearnerCount) []any {
	var pct, prev, count any // nil: no target
	if v, ok := targetPct(dims, year, cm.Code, g); ok {
		pct, count = Round(v), TargetCount(pop, v)
	}
	if v, ok := targetPct(dims, year-1, cm.Code, g); ok {
		prev = Round(v)
	}
	return []any{
		cm.Code, cm.Name, strings.Join(cm.AreaTypes, ","), g, pop, pct, prev, count,
		n.Learners, n.Certified, Round(100 * float64(n.Certified) / float64(pop)),
	}
}

// mentorRows answers the mentors query: each digital ambassador (of
// p.Commune when it is set), the learners they guided in p.From..p.To and
// whether that meets MenteeNorm (1) or not (0).
func mentorRows(ctx context.Context, c Counter, dims *Dims, p Params) ([][]any, error) {
	counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentor)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, m := range dims.Mentors {
		if p.Commune != "" && m.Commune != p.Commune {
			continue
		}
		n := counts[m.ID].Learners
		meets := int64(0)
		if n >= MenteeNorm {
			meets = 1
		}
		rows = append(rows, []any{m.ID, m.Commune, m.Team, m.Label, n, meets})
	}
	return rows, nil
}

// mentoringRows answers the mentoring query: per commune (p.Commune when
// it is set), its ambassadors, how many of them meet MenteeNorm in
// p.From..p.To, and the distinct learners they guided (ByMentorCommune).
func mentoringRows(ctx context.Context, c Counter, dims *Dims, p Params) ([][]any, error) {
	perMentor, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentor)
	if err != nil {
		return nil, err
	}
	perCommune, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByMentorCommune)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, cm := range dims.Communes {
		if p.Commune != "" && cm.Code != p.Commune {
			continue
		}
		mentors, meeting := mentorsMeetingNorm(dims, cm.Code, perMentor)
		rows = append(rows, []any{cm.Code, cm.Name, mentors, meeting, perCommune[cm.Code].Learners})
	}
	return rows, nil
}

// mentorsMeetingNorm counts the ambassadors of commune and those among
// them whose learners (perMentor) reach MenteeNorm.
func mentorsMeetingNorm(dims *Dims, commune string, perMentor map[string]LearnerCount) (mentors, meeting int64) {
	for _, m := range dims.Mentors {
		if m.Commune != commune {
			continue
		}
		mentors++
		if perMentor[m.ID].Learners >= MenteeNorm {
			meeting++
		}
	}
	return mentors, meeting
}

// teamRows answers the teams query: each team (of p.Commune when it is
// set) with the distinct learners whose statements in p.From..p.To name
// it.
func teamRows(ctx context.Context, c Counter, dims *Dims, p Params) ([][]any, error) {
	counts, err := c.LearnerCounts(ctx, Params{From: p.From, To: p.To}, ByTeam)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, t := range dims.Teams {
		if p.Commune != "" && t.Commune != p.Commune {
			continue
		}
		rows = append(rows, []any{t.ID, t.Commune, t.Name, t.Members, counts[t.ID].Learners})
	}
	return rows, nil
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
