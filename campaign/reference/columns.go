package reference

import "strings"

// column describes one CSV column of a kind.
type column struct {
	name     string // canonical name (also the field name in problems)
	required bool
	help     string // what goes in it (for templates and docs)
}

// Columns lists the CSV columns of each kind, in the order the templates
// write them. Multi-valued cells (areas, subgroups) separate values with
// ";" (or "|").
var columns = map[Kind][]column{
	KindCommunes: {
		{"province_code", true, "GSO province code, 2 digits (same on every row)"},
		{"province_name", true, "province name (same on every row)"},
		{"code", true, "GSO commune/ward code, 5 digits"},
		{"name", true, "name without the xã/phường prefix"},
		{"kind", true, "commune, ward or special-zone"},
		{"district", false, "former district (before 7/2025), for grouping"},
		{"areas", true, "urban, rural, mountainous, island, ethnic-minority; several separated by ;"},
	},
	KindPopulations: {
		{"commune", true, "commune code"},
		{"total", true, "all residents"},
		{"households", false, "number of households"},
		{"public-staff", true, "officials, civil servants, public employees and workers"},
		{"student", true, "pupils (from primary) and students"},
		{"worker", true, "workers in enterprises and cooperatives"},
		{"citizen", true, "other adults"},
	},
	KindTargets: {
		{"year", true, "e.g. 2026"},
		{"commune", false, "commune code; empty for a province-wide target"},
		{"group", true, "public-staff, student, worker or citizen"},
		{"metric", true, "skilled-share (a percentage) or vneid-certified (a number of people)"},
		{"value", true, "the percentage or the number"},
		{"note", false, "the plan's wording"},
	},
	KindTeams: {
		{"id", true, "team id, unique in the province"},
		{"commune", true, "commune code"},
		{"name", true, "e.g. Tổ công nghệ số cộng đồng thôn An Kỳ"},
		{"members", true, "number of members"},
	},
	KindMentors: {
		{"id", true, "mentor id, unique in the province (the value of the mentor extension)"},
		{"commune", true, "commune code"},
		{"team", false, "the team the ambassador belongs to"},
		{"label", true, "a label without personal names, e.g. Đại sứ số 021"},
	},
	KindLearners: {
		{"home_page", true, "actor.account.homePage of the learner's statements"},
		{"account_name", true, "actor.account.name"},
		{"commune", true, "commune code"},
		{"group", true, "public-staff, student, worker or citizen"},
		{"subgroups", false, "elderly, disability, ethnic-minority, poor, remote, small-trader, farmer; several separated by ;"},
		{"household", false, "household id (pseudonymous)"},
		{"mentor", false, "mentor id"},
		{"team", false, "team id"},
	},
}

// distinctive columns identify a kind from a CSV header.
var distinctive = []struct {
	column string
	kind   Kind
}{
	{"areas", KindCommunes}, {"total", KindPopulations}, {"metric", KindTargets},
	{"members", KindTeams}, {"label", KindMentors}, {"account_name", KindLearners},
}

// ColumnNames returns the CSV header of kind k.
func ColumnNames(k Kind) []string {
	cols := columns[k]
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// ColumnHelp returns what goes in column name of kind k.
func ColumnHelp(k Kind, name string) string {
	for _, c := range columns[k] {
		if c.name == name {
			return c.help
		}
	}
	return ""
}

// normColumn folds a header cell for comparison: case, spaces, "-" vs "_".
func normColumn(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "_")
	return strings.ReplaceAll(s, "-", "_")
}

// splitList splits a multi-valued cell.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' })
	var out []string
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
