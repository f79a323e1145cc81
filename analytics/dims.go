package analytics

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
