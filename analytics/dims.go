package analytics

import (
	"slices"

	"github.com/hocvu/hocvu/campaign/reference"
)

// Dims are the campaign's reference data as the analytics engines keep
// them (dimension tables): communes, populations (the denominators),
// targets, teams and mentors. The learner directory is not among them: it
// names accounts, so it stays in the projection's memory (and the log).
type Dims struct {
	Communes    []DimCommune
	Populations []DimPopulation
	Targets     []DimTarget
	Teams       []DimTeam
	Mentors     []DimMentor
}

// DimCommune is a commune or ward.
type DimCommune struct {
	Code, Name, Kind, District string
	AreaTypes                  []string
}

// DimPopulation is the number of people of a target group in a commune.
type DimPopulation struct {
	Commune, Group string
	People         int64
}

// DimTarget is a yearly target; Commune is empty for a province-wide one.
type DimTarget struct {
	Year                   int
	Commune, Group, Metric string
	Value                  float64
}

// DimTeam is a community digital-technology team.
type DimTeam struct {
	ID, Commune, Name string
	Members           int64
}

// DimMentor is a digital ambassador.
type DimMentor struct {
	ID, Commune, Team, Label string
}

// DimsFrom converts reference state into dimension rows, sorted by key.
func DimsFrom(st *reference.State) *Dims {
	d := &Dims{}
	for _, c := range st.Communes() {
		areas := make([]string, len(c.Areas))
		for i, a := range c.Areas {
			areas[i] = string(a)
		}
		d.Communes = append(d.Communes, DimCommune{Code: c.Code, Name: c.Name, Kind: string(c.Kind), District: c.District, AreaTypes: areas})
	}
	for _, p := range st.Populations() {
		for g, n := range p.Groups {
			d.Populations = append(d.Populations, DimPopulation{Commune: p.Commune, Group: g, People: n})
		}
	}
	for _, t := range st.Targets() {
		d.Targets = append(d.Targets, DimTarget{Year: t.Year, Commune: t.Commune, Group: t.Group, Metric: t.Metric, Value: t.Value})
	}
	for _, t := range st.Teams() {
		d.Teams = append(d.Teams, DimTeam{ID: t.ID, Commune: t.Commune, Name: t.Name, Members: int64(t.Members)})
	}
	for _, m := range st.Mentors() {
		d.Mentors = append(d.Mentors, DimMentor{ID: m.ID, Commune: m.Commune, Team: m.Team, Label: m.Label})
	}
	d.sort()
	return d
}

func (d *Dims) sort() {
	slices.SortFunc(d.Communes, func(a, b DimCommune) int { return cmpStr(a.Code, b.Code) })
	slices.SortFunc(d.Populations, func(a, b DimPopulation) int {
		if c := cmpStr(a.Commune, b.Commune); c != 0 {
			return c
		}
		return cmpStr(a.Group, b.Group)
	})
	slices.SortFunc(d.Targets, func(a, b DimTarget) int {
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
	slices.SortFunc(d.Teams, func(a, b DimTeam) int { return cmpStr(a.ID, b.ID) })
	slices.SortFunc(d.Mentors, func(a, b DimMentor) int { return cmpStr(a.ID, b.ID) })
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
