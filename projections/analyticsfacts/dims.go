package analyticsfacts

import (
	"slices"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
)

// DimsFrom converts reference state into dimension rows, sorted by key.
func DimsFrom(st *reference.State) *analytics.Dims {
	d := &analytics.Dims{}
	for _, c := range st.Communes() {
		areas := make([]string, len(c.Areas))
		for i, a := range c.Areas {
			areas[i] = string(a)
		}
		d.Communes = append(d.Communes, analytics.DimCommune{Code: c.Code, Name: c.Name, Kind: string(c.Kind), District: c.District, AreaTypes: areas})
	}
	for _, p := range st.Populations() {
		for g, n := range p.Groups {
			d.Populations = append(d.Populations, analytics.DimPopulation{Commune: p.Commune, Group: g, People: n})
		}
	}
	for _, t := range st.Targets() {
		d.Targets = append(d.Targets, analytics.DimTarget{Year: t.Year, Commune: t.Commune, Group: t.Group, Metric: t.Metric, Value: t.Value})
	}
	for _, t := range st.Teams() {
		d.Teams = append(d.Teams, analytics.DimTeam{ID: t.ID, Commune: t.Commune, Name: t.Name, Members: int64(t.Members)})
	}
	for _, m := range st.Mentors() {
		d.Mentors = append(d.Mentors, analytics.DimMentor{ID: m.ID, Commune: m.Commune, Team: m.Team, Label: m.Label})
	}
	sortDims(d)
	return d
}

func sortDims(d *analytics.Dims) {
	slices.SortFunc(d.Communes, func(a, b analytics.DimCommune) int { return cmpStr(a.Code, b.Code) })
	slices.SortFunc(d.Populations, func(a, b analytics.DimPopulation) int {
		if c := cmpStr(a.Commune, b.Commune); c != 0 {
			return c
		}
		return cmpStr(a.Group, b.Group)
	})
	slices.SortFunc(d.Targets, func(a, b analytics.DimTarget) int {
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		if c := cmpStr(a.Commune, b.Commune); c != 0 {
			return c
		}
		if c := cmpStr(a.Group, b.Group); c != 0 {
			return c
		}
		return cmpStr(a.Metric, b.Metric)
	})
	slices.SortFunc(d.Teams, func(a, b analytics.DimTeam) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(d.Mentors, func(a, b analytics.DimMentor) int { return cmpStr(a.ID, b.ID) })
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
