package reference

import (
	"fmt"
	"strings"
)

// Example returns a few consistent rows of every kind, taken from the
// default province (three communes of different kinds and their teams and
// ambassadors), plus two learner directory entries: what `hocvu reference
// template` writes for a province to fill in.
func Example() *Data {
	full := Default()
	pick := map[string]bool{}
	for _, name := range []string{"Cẩm Thành", "Tịnh Khê", "Ba Tơ"} {
		for _, c := range full.Communes {
			if c.Name == name {
				pick[c.Code] = true
			}
		}
	}
	d := &Data{Province: full.Province}
	for _, k := range Kinds {
		d.markGiven(k, "")
	}
	for _, c := range full.Communes {
		if pick[c.Code] {
			d.Communes = append(d.Communes, c)
		}
	}
	for _, p := range full.Populations {
		if pick[p.Commune] {
			d.Populations = append(d.Populations, p)
		}
	}
	d.Targets = full.Targets
	teamsPer := map[string]int{}
	for _, t := range full.Teams {
		if pick[t.Commune] && teamsPer[t.Commune] < 2 {
			teamsPer[t.Commune]++
			d.Teams = append(d.Teams, t)
		}
	}
	kept := map[string]bool{}
	for _, t := range d.Teams {
		kept[t.ID] = true
	}
	mentorsPer := map[string]int{}
	for _, m := range full.Mentors {
		if kept[m.Team] && mentorsPer[m.Team] < 1 {
			mentorsPer[m.Team]++
			d.Mentors = append(d.Mentors, m)
		}
	}
	c0, c1 := d.Communes[0].Code, d.Communes[1].Code
	var mentor, team string
	for _, m := range d.Mentors {
		if m.Commune == c1 {
			mentor, team = m.ID, m.Team
			break
		}
	}
	d.Learners = []Learner{
		{HomePage: "https://binhdanhocvuso.quangngai.example", Name: "hv0000001", Commune: c0, Group: "public-staff"},
		{HomePage: "https://binhdanhocvuso.quangngai.example", Name: "hv0000002", Commune: c1, Group: "citizen",
			Subgroups: []string{"elderly", "farmer"}, Household: "hh-" + c1 + "-00042", Mentor: mentor, Team: team},
	}
	return d
}

// TemplateReadme explains the template files: one section per kind with
// its columns.
func TemplateReadme() string {
	var b strings.Builder
	b.WriteString(`Reference data for Hocvu ("Bình dân học vụ số")
=============================================

One CSV file per kind, UTF-8, comma-separated, with the header row kept as
written (columns may be reordered). Lines starting with # are ignored.
Several values in one cell (areas, subgroups) are separated by ";".
Numbers are written without thousands separators (56000, not 56.000).

Load them (stop 'hocvu serve' first: the embedded store is locked while it
runs):

    hocvu reference load communes.csv populations.csv targets.csv teams.csv mentors.csv learners.csv

Check them without loading: add --check. Every problem is reported with its
file, line and column. Loading a kind replaces it as a whole: always load
complete files.

`)
	for _, k := range Kinds {
		fmt.Fprintf(&b, "%s.csv\n", k)
		for _, c := range columns[k] {
			req := "optional"
			if c.required {
				req = "required"
			}
			fmt.Fprintf(&b, "  %-14s %-9s %s\n", c.name, req, c.help)
		}
		b.WriteString("\n")
	}
	return b.String()
}
