package reference_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
)

// problems parses src as CSV (or JSON when name ends in .json) and
// validates it against the example province; it returns every problem as
// text.
func problems(t *testing.T, name, src string, kind reference.Kind) []string {
	t.Helper()
	var d *reference.Data
	var err error
	if strings.HasSuffix(name, ".json") {
		d, err = reference.ParseJSON(name, strings.NewReader(src))
	} else {
		d, err = reference.ParseCSV(name, strings.NewReader(src), kind)
	}
	var ps reference.Problems
	if err != nil {
		if !errors.As(err, &ps) {
			t.Fatalf("%s: %v", name, err)
		}
	} else {
		ps = d.Validate(exampleState(t))
	}
	var out []string
	for _, p := range ps {
		if strings.HasPrefix(p.Row, "current ") {
			continue // rows of the example left dangling: TestValidateDangling
		}
		out = append(out, p.String())
	}
	return out
}

func TestParseCSVProblems(t *testing.T) {
	cases := []struct {
		name string
		src  string
		kind reference.Kind
		want []string // each a prefix (file:line:column: field) plus a message fragment, in order
	}{
		{"empty.csv", "", "", []string{"empty.csv: empty file"}},
		{"unknown.csv", "a,b,c\n1,2,3\n", "", []string{"unknown.csv:1: cannot tell the kind"}},
		{"teams.csv", "id,commune,name,members,colour\n", "", []string{"teams.csv:1:5: colour: unknown column for teams"}},
		{"teams.csv", "id,commune,members\n", "", []string{"teams.csv:1: name: required column is missing"}},
		{"teams.csv", "id,id,commune,name,members\n", "", []string{"teams.csv:1:2: id: column given twice"}},
		{"teams.csv", "id,commune,name,members\n\"T1,21100,x,5\n", "", []string{"teams.csv:2: CSV syntax"}},
		{"teams.csv", "id,commune,name,members\nT-1,21100,Tổ 1,9\nT 2,99999,Tổ 2,abc\nT-1,21100,,12.000\nT-4,21100,Tổ 4\n", "", []string{
			"teams.csv:3:1: id: \"T 2\": want 1 to 64",
			"teams.csv:3:2: commune: \"99999\" is not a known commune code",
			"teams.csv:3:4: members: \"abc\" is not a whole number",
			"teams.csv:4:1: id: T-1 is already used (line 2)",
			"teams.csv:4:3: name: empty",
			"teams.csv:4:4: members: \"12.000\" is not a whole number (write it without thousands separators",
			"teams.csv:5: 3 cells, the header has 4",
			"teams.csv:5:4: members: empty; want a whole number",
		}},
		{"communes.csv", "province_code,province_name,code,name,kind,district,areas\n" +
			"51,Quảng Ngãi,21100,Cẩm Thành,ward,,urban\n" +
			"51,Quảng Ngãi,2112,Tịnh Khê,xa,,rural;nui\n" +
			"52,Bình Định,21122,X,commune,,urban;rural\n", "", []string{
			"communes.csv:3:3: code: \"2112\" is not a 5-digit GSO commune code",
			"communes.csv:3:5: kind: \"xa\" is not one of commune, ward, special-zone",
			"communes.csv:3:7: areas: \"nui\" is not one of",
			"communes.csv:4:1: province_code: province 52 Bình Định differs from 51 Quảng Ngãi on line 2",
			"communes.csv:4:7: areas: urban and rural exclude each other",
		}},
		{"populations.csv", "commune,total,households,public-staff,student,worker,citizen\n21100,1000,2000,10,20,30,40\n21100,100,10,50,50,50,50\n", "", []string{
			"populations.csv:2:3: households: 2000 is not between 0 and the total 1000",
			"populations.csv:3:1: commune: 21100 already has a row (line 2)",
			"populations.csv:3:2: total: 100 is less than the sum of the groups (200)",
		}},
		{"targets.csv", "year,commune,group,metric,value,note\n2026,,citizen,skilled-share,120,\n2026,,citizen,vneid-certified,750000.5,\n1999,21100,elders,skilled-share,80,\n2026,,citizen,skilled-share,\"80,5\",\n", "", []string{
			"targets.csv:2:5: value: 120 is not a percentage",
			"targets.csv:3:5: value: 750000.5 is not a number of people",
			"targets.csv:4:1: year: 1999 is not a plausible year",
			"targets.csv:4:3: group: \"elders\" is not a target group",
			"targets.csv:5:1: the same year, commune, group and metric as line 2",
			"targets.csv:5:5: value: \"80,5\" is not a number (use a dot for decimals",
		}},
		{"mentors.csv", "id,commune,team,label\nDS-1,21100,TCN-21121-01,Đại sứ số 001\nDS-2,21100,TCN-X,\n", "", []string{
			"mentors.csv:2:3: team: team TCN-21121-01 belongs to commune 21121, not 21100",
			"mentors.csv:3:3: team: \"TCN-X\" is not a known team id",
			"mentors.csv:3:4: label: empty",
		}},
		{"learners.csv", "home_page,account_name,commune,group,subgroups,household,mentor,team\n" +
			"not-an-iri,hv1,21100,citizen,elderly;old,hh 1,DS-NONE,\n" +
			"https://lms.example,hv2,21100,citizen,,,,\n" +
			"https://lms.example,hv2,21121,student,,,,\n", "", []string{
			"learners.csv:2:1: home_page: \"not-an-iri\" is not an absolute IRI",
			"learners.csv:2:5: subgroups: \"old\" is not a sub-group",
			"learners.csv:2:6: household: \"hh 1\": want",
			"learners.csv:2:7: mentor: \"DS-NONE\" is not a known mentor id",
			"learners.csv:4:2: account_name: account hv2 is already listed (line 3)",
		}},
		// --kind for a header that does not tell.
		{"x.csv", "id,commune,team,label\nDS-9,21100,,Đại sứ\n", reference.KindMentors, nil},
		// Byte order mark, comments, any column order, upper case, "_" for "-".
		{"bom.csv", "\ufeff# exported from a spreadsheet\nMembers,Name,Commune,ID\n9,Tổ 1,21100,T-1\n", "", nil},
		{"pop.csv", "commune,total,public_staff,student,worker,citizen\n21100,1000,10,20,30,40\n", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := problems(t, c.name, c.src, c.kind)
			if len(got) != len(c.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
		})
	}
}

func TestParseJSONProblems(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"syntax.json", "{\n  \"teams\": [\n    {\"id\": \"T1\",}\n  ]\n}\n", []string{"syntax.json:3:17: JSON syntax"}},
		{"short.json", "{\"teams\": [", []string{"short.json:1:12: JSON syntax: the document ends too early"}},
		{"array.json", "[1, 2]", []string{"array.json:1:1: the document must be a JSON object"}},
		{"keys.json", "{\n  \"team\": [],\n  \"teams\": {}\n}", []string{
			"keys.json:2:3: team: unknown key",
			"keys.json:3:12: teams: must be an array of rows",
		}},
		{"rows.json", `{
  "teams": [
    {"id": "T-1", "commune": "21100", "name": "Tổ 1", "members": 9},
    {"id": "T-2", "commune": "21100", "name": "Tổ 2", "members": "nine"},
    {"id": "T-3", "commune": "21100", "name": "Tổ 3", "members": 9, "leader": "X"},
    {"id": "T-1", "commune": "99999", "name": "Tổ 4", "members": 0}
  ],
  "learners": [
    {"homePage": "https://lms.example", "name": "", "commune": "21100", "group": "citizen"}
  ]
}`, []string{
			"rows.json:4:66: members: string where a number was expected",
			"rows.json:5:69: leader: unknown property",
			"rows.json:6:6: id: T-1 is already used (line 3)",
			"rows.json:6:19: commune: \"99999\" is not a known commune code",
			"rows.json:6:55: members: 0 is not between 1 and 1000",
			"rows.json:9:41: name: empty",
		}},
		{"province.json", `{"province": {"code": "5", "name": "X"}, "communes": [{"code": "21100", "name": "A", "kind": "ward", "areas": ["urban"]}]}`, []string{
			"province.json:1:15: province.code: \"5\" is not a 2-digit GSO province code",
		}},
		{"noprovince.json", `{"communes": [{"code": "21100", "name": "A", "kind": "ward", "areas": ["urban"]}]}`, []string{
			"noprovince.json: province: communes are given without the province",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := problems(t, c.name, c.src, "")
			if len(got) != len(c.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(c.want), strings.Join(got, "\n"))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], w)
				}
			}
		})
	}
}

func TestProblemsError(t *testing.T) {
	var ps reference.Problems
	for i := range reference.MaxListed + 3 {
		ps = append(ps, reference.Problem{File: "f.csv", Line: i + 2, Field: "x", Message: "bad"})
	}
	msg := ps.Error()
	if !errors.Is(ps, reference.ErrInvalid) || !strings.Contains(msg, "53 problem(s)") || !strings.Contains(msg, "and 3 more") || !strings.Contains(msg, "f.csv:2: x: bad") {
		t.Errorf("error message:\n%s", msg)
	}
}
