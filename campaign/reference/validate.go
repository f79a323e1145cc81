package reference

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/schemas"
)

var (
	provinceCodeRE = regexp.MustCompile(`^[0-9]{2}$`)
	communeCodeRE  = regexp.MustCompile(`^[0-9]{5}$`)
	idRE           = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)
)

const idRule = "1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"

// Validate checks every row of d and every reference between kinds. Kinds
// that d does not give are taken from current (the data already loaded;
// nil for none), and rows of current that d would leave dangling (a team
// in a commune the new commune list drops) are reported too. It returns
// nil when the data can be loaded.
func (d *Data) Validate(current *State) Problems {
	v := validator{d: d, cur: current}
	v.ps = append(v.ps, d.parseProblems...)
	v.communes()
	v.populations()
	v.targets()
	v.teams()
	v.mentors()
	v.learners()
	v.dangling()
	ps := dedupe(v.ps, len(d.parseProblems))
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].File != ps[b].File {
			return ps[a].File < ps[b].File
		}
		if ps[a].Line != ps[b].Line {
			return ps[a].Line < ps[b].Line
		}
		return ps[a].Column < ps[b].Column
	})
	return ps
}

// dedupe drops problems about a cell that already has a parse problem
// (the first n): a cell that is not a number also fails later range
// checks, which would only repeat the news.
func dedupe(ps Problems, n int) Problems {
	if n == 0 {
		return ps
	}
	type cell struct {
		file  string
		line  int
		field string
	}
	bad := map[cell]bool{}
	for _, p := range ps[:n] {
		bad[cell{p.File, p.Line, p.Field}] = true
	}
	out := ps[:n:n]
	for _, p := range ps[n:] {
		if !bad[cell{p.File, p.Line, p.Field}] {
			out = append(out, p)
		}
	}
	return out
}

type validator struct {
	d   *Data
	cur *State
	ps  Problems
}

func (v *validator) add(k Kind, i int, field, format string, args ...any) {
	v.ps = append(v.ps, v.d.problemAt(k, i, field, fmt.Sprintf(format, args...)))
}

// The effective view: d's kinds where given, else current's.

func (v *validator) communeSet() map[string]bool {
	set := map[string]bool{}
	if v.d.Has(KindCommunes) {
		for _, c := range v.d.Communes {
			set[c.Code] = true
		}
	} else if v.cur != nil {
		for _, c := range v.cur.Communes() {
			set[c.Code] = true
		}
	}
	return set
}

func (v *validator) teamCommunes() map[string]string {
	m := map[string]string{}
	if v.d.Has(KindTeams) {
		for _, t := range v.d.Teams {
			m[t.ID] = t.Commune
		}
	} else if v.cur != nil {
		for _, t := range v.cur.Teams() {
			m[t.ID] = t.Commune
		}
	}
	return m
}

func (v *validator) mentorSet() map[string]bool {
	set := map[string]bool{}
	if v.d.Has(KindMentors) {
		for _, m := range v.d.Mentors {
			set[m.ID] = true
		}
	} else if v.cur != nil {
		for _, m := range v.cur.Mentors() {
			set[m.ID] = true
		}
	}
	return set
}

func (v *validator) communes() {
	d := v.d
	if !d.Has(KindCommunes) {
		return
	}
	if d.Province == nil {
		v.ps = append(v.ps, Problem{File: d.files[KindCommunes], Field: "province", Message: "the province (code and name) is missing"})
	} else {
		if !provinceCodeRE.MatchString(d.Province.Code) {
			v.ps = append(v.ps, d.provinceProblem("province_code", fmt.Sprintf("%q is not a 2-digit GSO province code", d.Province.Code)))
		}
		if strings.TrimSpace(d.Province.Name) == "" {
			v.ps = append(v.ps, d.provinceProblem("province_name", "empty"))
		}
	}
	if len(d.Communes) == 0 {
		v.ps = append(v.ps, Problem{File: d.files[KindCommunes], Message: "no communes"})
	}
	seen := map[string]int{}
	for i, c := range d.Communes {
		if !communeCodeRE.MatchString(c.Code) {
			v.add(KindCommunes, i, "code", "%q is not a 5-digit GSO commune code", c.Code)
		} else if j, dup := seen[c.Code]; dup {
			v.add(KindCommunes, i, "code", "%s is already used (%s)", c.Code, v.rowRef(KindCommunes, j))
		} else {
			seen[c.Code] = i
		}
		if strings.TrimSpace(c.Name) == "" {
			v.add(KindCommunes, i, "name", "empty")
		}
		if !slices.Contains(UnitKinds, c.Kind) {
			v.add(KindCommunes, i, "kind", "%q is not one of %s", c.Kind, join(UnitKinds))
		}
		if len(c.Areas) == 0 {
			v.add(KindCommunes, i, "areas", "empty; give at least one of %s", join(AreaTypes))
		}
		areaSeen := map[AreaType]bool{}
		for _, a := range c.Areas {
			switch {
			case !slices.Contains(AreaTypes, a):
				v.add(KindCommunes, i, "areas", "%q is not one of %s", a, join(AreaTypes))
			case areaSeen[a]:
				v.add(KindCommunes, i, "areas", "%q is given twice", a)
			}
			areaSeen[a] = true
		}
		if areaSeen[AreaUrban] && areaSeen[AreaRural] {
			v.add(KindCommunes, i, "areas", "urban and rural exclude each other")
		}
	}
}

func (v *validator) populations() {
	d := v.d
	if !d.Has(KindPopulations) {
		return
	}
	communes := v.communeSet()
	seen := map[string]int{}
	for i, p := range d.Populations {
		if !communes[p.Commune] {
			v.add(KindPopulations, i, "commune", "%q is not a known commune code", p.Commune)
		}
		if j, dup := seen[p.Commune]; dup {
			v.add(KindPopulations, i, "commune", "%s already has a row (%s)", p.Commune, v.rowRef(KindPopulations, j))
		} else {
			seen[p.Commune] = i
		}
		if p.Total < 0 {
			v.add(KindPopulations, i, "total", "negative")
		}
		if p.Households < 0 || p.Households > p.Total {
			v.add(KindPopulations, i, "households", "%d is not between 0 and the total %d", p.Households, p.Total)
		}
		var sum int64
		for g, n := range p.Groups {
			if !slices.Contains(vocab.TargetGroups, g) {
				v.add(KindPopulations, i, g, "%q is not a target group (want %s)", g, strings.Join(vocab.TargetGroups, ", "))
			}
			if n < 0 {
				v.add(KindPopulations, i, g, "negative")
			}
			sum += n
		}
		if sum > p.Total {
			v.add(KindPopulations, i, "total", "%d is less than the sum of the groups (%d); a person counts in one group at most", p.Total, sum)
		}
	}
}

func (v *validator) targets() {
	d := v.d
	if !d.Has(KindTargets) {
		return
	}
	communes := v.communeSet()
	seen := map[string]int{}
	for i, t := range d.Targets {
		if t.Year < 2020 || t.Year > 2100 {
			v.add(KindTargets, i, "year", "%d is not a plausible year", t.Year)
		}
		if t.Commune != "" && !communes[t.Commune] {
			v.add(KindTargets, i, "commune", "%q is not a known commune code (leave it empty for a province-wide target)", t.Commune)
		}
		if !slices.Contains(vocab.TargetGroups, t.Group) {
			v.add(KindTargets, i, "group", "%q is not a target group (want %s)", t.Group, strings.Join(vocab.TargetGroups, ", "))
		}
		switch t.Metric {
		case MetricSkilledShare:
			if t.Value < 0 || t.Value > 100 || math.IsNaN(t.Value) {
				v.add(KindTargets, i, "value", "%v is not a percentage between 0 and 100", t.Value)
			}
		case MetricVNeIDCertified:
			if t.Value < 0 || t.Value != math.Trunc(t.Value) {
				v.add(KindTargets, i, "value", "%v is not a number of people", t.Value)
			}
		default:
			v.add(KindTargets, i, "metric", "%q is not one of %s", t.Metric, strings.Join(Metrics, ", "))
		}
		key := fmt.Sprint(t.Year, "|", t.Commune, "|", t.Group, "|", t.Metric)
		if j, dup := seen[key]; dup {
			v.add(KindTargets, i, "", "the same year, commune, group and metric as %s", v.rowRef(KindTargets, j))
		} else {
			seen[key] = i
		}
	}
}

func (v *validator) teams() {
	d := v.d
	if !d.Has(KindTeams) {
		return
	}
	communes := v.communeSet()
	seen := map[string]int{}
	for i, t := range d.Teams {
		v.checkID(KindTeams, i, "id", t.ID, seen)
		if !communes[t.Commune] {
			v.add(KindTeams, i, "commune", "%q is not a known commune code", t.Commune)
		}
		if strings.TrimSpace(t.Name) == "" {
			v.add(KindTeams, i, "name", "empty")
		}
		if t.Members < 1 || t.Members > 1000 {
			v.add(KindTeams, i, "members", "%d is not between 1 and 1000", t.Members)
		}
	}
}

func (v *validator) mentors() {
	d := v.d
	if !d.Has(KindMentors) {
		return
	}
	communes := v.communeSet()
	teams := v.teamCommunes()
	seen := map[string]int{}
	for i, m := range d.Mentors {
		v.checkID(KindMentors, i, "id", m.ID, seen)
		if !communes[m.Commune] {
			v.add(KindMentors, i, "commune", "%q is not a known commune code", m.Commune)
		}
		if m.Team != "" {
			if tc, ok := teams[m.Team]; !ok {
				v.add(KindMentors, i, "team", "%q is not a known team id", m.Team)
			} else if tc != m.Commune {
				v.add(KindMentors, i, "team", "team %s belongs to commune %s, not %s", m.Team, tc, m.Commune)
			}
		}
		if strings.TrimSpace(m.Label) == "" {
			v.add(KindMentors, i, "label", "empty")
		}
	}
}

func (v *validator) learners() {
	d := v.d
	if !d.Has(KindLearners) {
		return
	}
	communes := v.communeSet()
	teams := v.teamCommunes()
	mentors := v.mentorSet()
	seen := map[string]int{}
	for i, l := range d.Learners {
		if l.IsSealed() {
			// An entry of a sealed directory (State.Data): its account
			// was checked when it was loaded.
			if j, dup := seen["\x00subject\x00"+l.Subject]; dup {
				v.add(KindLearners, i, "account_name", "%s is already listed (%s)", l.ID(), v.rowRef(KindLearners, j))
			} else {
				seen["\x00subject\x00"+l.Subject] = i
			}
		} else {
			if !schemas.IsIRI(l.HomePage) {
				v.add(KindLearners, i, "home_page", "%q is not an absolute IRI (the xAPI account homePage)", l.HomePage)
			}
			if strings.TrimSpace(l.Name) == "" {
				v.add(KindLearners, i, "account_name", "empty")
			}
			if j, dup := seen[l.Key()]; dup {
				v.add(KindLearners, i, "account_name", "account %s is already listed (%s)", l.Name, v.rowRef(KindLearners, j))
			} else {
				seen[l.Key()] = i
			}
		}
		if !communes[l.Commune] {
			v.add(KindLearners, i, "commune", "%q is not a known commune code", l.Commune)
		}
		if !slices.Contains(vocab.TargetGroups, l.Group) {
			v.add(KindLearners, i, "group", "%q is not a target group (want %s)", l.Group, strings.Join(vocab.TargetGroups, ", "))
		}
		subSeen := map[string]bool{}
		for _, s := range l.Subgroups {
			if !slices.Contains(Subgroups, s) {
				v.add(KindLearners, i, "subgroups", "%q is not a sub-group (want %s)", s, strings.Join(Subgroups, ", "))
			} else if subSeen[s] {
				v.add(KindLearners, i, "subgroups", "%q is given twice", s)
			}
			subSeen[s] = true
		}
		if l.Household != "" && !idRE.MatchString(l.Household) {
			v.add(KindLearners, i, "household", "%q: want %s", l.Household, idRule)
		}
		if l.Mentor != "" && !mentors[l.Mentor] {
			v.add(KindLearners, i, "mentor", "%q is not a known mentor id", l.Mentor)
		}
		if l.Team != "" {
			if _, ok := teams[l.Team]; !ok {
				v.add(KindLearners, i, "team", "%q is not a known team id", l.Team)
			}
		}
	}
}

func (v *validator) checkID(k Kind, i int, field, id string, seen map[string]int) {
	if !idRE.MatchString(id) {
		v.add(k, i, field, "%q: want %s", id, idRule)
		return
	}
	if j, dup := seen[id]; dup {
		v.add(k, i, field, "%s is already used (%s)", id, v.rowRef(k, j))
		return
	}
	seen[id] = i
}

// dangling reports rows of the current data, kept because d does not
// replace their kind, that refer to something d removes: a commune
// (danglingCommunes), a team (danglingTeams) or a mentor
// (danglingMentors).
func (v *validator) dangling() {
	if v.cur == nil {
		return
	}
	if v.d.Has(KindCommunes) {
		v.danglingCommunes()
	}
	if v.d.Has(KindTeams) {
		v.danglingTeams()
	}
	if v.d.Has(KindMentors) && v.kept(KindLearners) {
		v.danglingMentors()
	}
}

// kept reports whether the current rows of kind k stay (d does not
// replace them).
func (v *validator) kept(k Kind) bool { return !v.d.Has(k) }

// addCurrent reports a problem of the current row id of kind k.
func (v *validator) addCurrent(k Kind, id, format string, args ...any) {
	v.ps = append(v.ps, Problem{Row: fmt.Sprintf("current %s %s", k, id), Message: fmt.Sprintf(format, args...) + fmt.Sprintf(" (load %s too, or keep it)", k)})
}

// danglingCommunes reports kept rows in a commune that the new commune
// list drops.
func (v *validator) danglingCommunes() {
	communes := v.communeSet()
	check := func(k Kind, id, code string) {
		if code != "" && !communes[code] {
			v.addCurrent(k, id, "refers to commune %s, which the new commune list drops", code)
		}
	}
	if v.kept(KindPopulations) {
		for _, p := range v.cur.Populations() {
			check(KindPopulations, p.Commune, p.Commune)
		}
	}
	if v.kept(KindTargets) {
		for _, t := range v.cur.Targets() {
			check(KindTargets, fmt.Sprint(t.Year, " ", t.Group), t.Commune)
		}
	}
	if v.kept(KindTeams) {
		for _, t := range v.cur.Teams() {
			check(KindTeams, t.ID, t.Commune)
		}
	}
	if v.kept(KindMentors) {
		for _, m := range v.cur.Mentors() {
			check(KindMentors, m.ID, m.Commune)
		}
	}
	if v.kept(KindLearners) {
		for _, l := range v.cur.Learners() {
			check(KindLearners, l.ID(), l.Commune)
		}
	}
}

// danglingTeams reports kept mentors and learners in a team that the new
// team list drops.
func (v *validator) danglingTeams() {
	teams := v.teamCommunes()
	check := func(k Kind, id, team string) {
		if team != "" && teams[team] == "" {
			v.addCurrent(k, id, "refers to team %s, which the new team list drops", team)
		}
	}
	if v.kept(KindMentors) {
		for _, m := range v.cur.Mentors() {
			check(KindMentors, m.ID, m.Team)
		}
	}
	if v.kept(KindLearners) {
		for _, l := range v.cur.Learners() {
			check(KindLearners, l.ID(), l.Team)
		}
	}
}

// danglingMentors reports kept learners whose mentor the new mentor list
// drops.
func (v *validator) danglingMentors() {
	mentors := v.mentorSet()
	for _, l := range v.cur.Learners() {
		if l.Mentor != "" && !mentors[l.Mentor] {
			v.addCurrent(KindLearners, l.ID(), "refers to mentor %s, which the new mentor list drops", l.Mentor)
		}
	}
}

// rowRef names row j of kind k for "already used by" messages.
func (v *validator) rowRef(k Kind, j int) string {
	p := v.d.problemAt(k, j, "", "")
	if p.Line > 0 {
		return fmt.Sprintf("line %d", p.Line)
	}
	return p.Row
}

func join[T ~string](list []T) string {
	s := make([]string, len(list))
	for i, x := range list {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
