package reference

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/hocvu/hocvu/internal/csvsafe"
)

// ParseCSV reads one CSV file of reference data: a header row naming the
// columns (any order, case-insensitive, "-" or "_"), then one row per
// record. Lines starting with "#" are comments. A UTF-8 byte order mark
// (as spreadsheet programs write it) is skipped. kind may be "" to detect
// it from the header.
//
// Problems that make the file unreadable (no header, unknown kind, broken
// quoting) are returned as a [Problems] error. Problems in single cells
// (a number that is not one) are kept in the returned Data and reported
// by [Data.Validate] together with every other problem, each with its
// line, column and field.
func ParseCSV(file string, r io.Reader, kind Kind) (*Data, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	fail := func(line, col int, field, msg string) (*Data, error) {
		return nil, Problems{{File: file, Line: line, Column: col, Field: field, Message: msg}}
	}
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fail(0, 0, "", "empty file: the first line must name the columns")
	}
	if err != nil {
		return csvReadError(file, err)
	}
	if kind == "" {
		if kind = detectKind(header); kind == "" {
			return fail(1, 0, "", "cannot tell the kind of data from the header; name the columns as in `hocvu reference template`, or give --kind")
		}
	}
	cols := columns[kind]
	index := map[string]int{} // canonical name -> field index
	var ps Problems
	for i, h := range header {
		line, _ := cr.FieldPos(i)
		name := ""
		for _, c := range cols {
			if normColumn(c.name) == normColumn(h) {
				name = c.name
			}
		}
		switch {
		case strings.TrimSpace(h) == "":
			ps = append(ps, Problem{File: file, Line: line, Column: i + 1, Message: "empty column name"})
		case name == "":
			ps = append(ps, Problem{File: file, Line: line, Column: i + 1, Field: h, Message: fmt.Sprintf("unknown column for %s (want %s)", kind, strings.Join(ColumnNames(kind), ", "))})
		default:
			if _, dup := index[name]; dup {
				ps = append(ps, Problem{File: file, Line: line, Column: i + 1, Field: h, Message: "column given twice"})
			}
			index[name] = i
		}
	}
	for _, c := range cols {
		if _, ok := index[c.name]; !ok && c.required {
			ps = append(ps, Problem{File: file, Line: 1, Field: c.name, Message: fmt.Sprintf("required column is missing (%s)", c.help)})
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	d := &Data{locs: map[Kind][]rowLoc{}}
	d.markGiven(kind, file)
	p := csvRowParser{d: d, kind: kind, file: file, index: index}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_, perr := csvReadError(file, err)
			return nil, append(p.problems, perr.(Problems)...)
		}
		line, _ := cr.FieldPos(0)
		loc := rowLoc{file: file, at: pos{line, 1}, fields: map[string]pos{}}
		for name, i := range index {
			l := line
			if i < len(rec) {
				l, _ = cr.FieldPos(i)
			}
			loc.fields[name] = pos{l, i + 1}
		}
		if len(rec) != len(header) {
			p.problems = append(p.problems, Problem{File: file, Line: line, Message: fmt.Sprintf("%d cells, the header has %d", len(rec), len(header))})
		}
		p.row(rec, loc)
	}
	d.parseProblems = p.problems
	return d, nil
}

func csvReadError(file string, err error) (*Data, error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return nil, Problems{{File: file, Line: pe.Line, Message: "CSV syntax: " + pe.Err.Error() + " (check the quotes on this line)"}}
	}
	return nil, fmt.Errorf("read %s: %w", file, err)
}

func detectKind(header []string) Kind {
	for _, h := range header {
		for _, d := range distinctive {
			if normColumn(h) == normColumn(d.column) {
				return d.kind
			}
		}
	}
	return ""
}

// csvRowParser turns CSV records into rows of one kind.
type csvRowParser struct {
	d        *Data
	kind     Kind
	file     string
	index    map[string]int
	problems Problems
	rec      []string
	loc      rowLoc
}

func (p *csvRowParser) cell(name string) string {
	i, ok := p.index[name]
	if !ok || i >= len(p.rec) {
		return ""
	}
	return csvsafe.Unescape(strings.TrimSpace(p.rec[i]))
}

func (p *csvRowParser) bad(name, format string, args ...any) {
	at := p.loc.fields[name]
	if at.line == 0 {
		at = p.loc.at
	}
	p.problems = append(p.problems, Problem{File: p.file, Line: at.line, Column: at.col, Field: name, Message: fmt.Sprintf(format, args...)})
}

func (p *csvRowParser) integer(name string) int64 {
	s := p.cell(name)
	if s == "" {
		if col := p.column(name); col.required {
			p.bad(name, "empty; want a whole number")
		}
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		hint := ""
		if strings.ContainsAny(s, ".,  ") {
			hint = " (write it without thousands separators, e.g. 56000)"
		}
		p.bad(name, "%q is not a whole number%s", s, hint)
	}
	return n
}

func (p *csvRowParser) float(name string) float64 {
	s := p.cell(name)
	if s == "" {
		p.bad(name, "empty; want a number")
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		hint := ""
		if strings.Contains(s, ",") {
			hint = " (use a dot for decimals and no thousands separators)"
		}
		p.bad(name, "%q is not a number%s", s, hint)
	}
	return f
}

func (p *csvRowParser) column(name string) column {
	for _, c := range columns[p.kind] {
		if c.name == name {
			return c
		}
	}
	return column{}
}

func (p *csvRowParser) row(rec []string, loc rowLoc) {
	p.rec, p.loc = rec, loc
	d := p.d
	switch p.kind {
	case KindCommunes:
		prov := Province{Code: p.cell("province_code"), Name: p.cell("province_name")}
		if d.Province == nil {
			d.Province = &prov
			d.provinceLoc = &rowLoc{file: p.file, at: loc.at, fields: loc.fields}
		} else if *d.Province != prov {
			p.bad("province_code", "province %s %s differs from %s %s on line %d; one file holds one province", prov.Code, prov.Name, d.Province.Code, d.Province.Name, d.provinceLoc.at.line)
		}
		var areas []AreaType
		for _, a := range splitList(p.cell("areas")) {
			areas = append(areas, AreaType(strings.ToLower(a)))
		}
		d.Communes = append(d.Communes, Commune{Code: p.cell("code"), Name: p.cell("name"), Kind: UnitKind(strings.ToLower(p.cell("kind"))), District: p.cell("district"), Areas: areas})
	case KindPopulations:
		pop := Population{Commune: p.cell("commune"), Total: p.integer("total"), Households: p.integer("households"), Groups: map[string]int64{}}
		for _, g := range []string{"public-staff", "student", "worker", "citizen"} {
			pop.Groups[g] = p.integer(g)
		}
		d.Populations = append(d.Populations, pop)
	case KindTargets:
		year := p.integer("year")
		d.Targets = append(d.Targets, Target{Year: int(year), Commune: p.cell("commune"), Group: p.cell("group"), Metric: p.cell("metric"), Value: p.float("value"), Note: p.cell("note")})
	case KindTeams:
		d.Teams = append(d.Teams, Team{ID: p.cell("id"), Commune: p.cell("commune"), Name: p.cell("name"), Members: int(p.integer("members"))})
	case KindMentors:
		d.Mentors = append(d.Mentors, Mentor{ID: p.cell("id"), Commune: p.cell("commune"), Team: p.cell("team"), Label: p.cell("label")})
	case KindLearners:
		d.Learners = append(d.Learners, Learner{HomePage: p.cell("home_page"), Name: p.cell("account_name"), Commune: p.cell("commune"), Group: p.cell("group"),
			Subgroups: splitList(p.cell("subgroups")), Household: p.cell("household"), Mentor: p.cell("mentor"), Team: p.cell("team")})
	}
	d.locs[p.kind] = append(d.locs[p.kind], loc)
}

// WriteCSV writes kind k of d as CSV with a header row. Cells that a
// spreadsheet would read as a formula get a leading single quote
// (csvsafe); ParseCSV removes it again, so a file written here loads back
// unchanged.
func WriteCSV(w io.Writer, d *Data, k Kind) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(ColumnNames(k)); err != nil {
		return err
	}
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	var err error
	switch k {
	case KindCommunes:
		prov := Province{}
		if d.Province != nil {
			prov = *d.Province
		}
		for _, c := range d.Communes {
			areas := make([]string, len(c.Areas))
			for i, a := range c.Areas {
				areas[i] = string(a)
			}
			err = errors.Join(err, cw.Write([]string{prov.Code, prov.Name, c.Code, c.Name, string(c.Kind), c.District, strings.Join(areas, ";")}))
		}
	case KindPopulations:
		for _, p := range d.Populations {
			err = errors.Join(err, cw.Write([]string{p.Commune, itoa(p.Total), itoa(p.Households),
				itoa(p.Groups["public-staff"]), itoa(p.Groups["student"]), itoa(p.Groups["worker"]), itoa(p.Groups["citizen"])}))
		}
	case KindTargets:
		for _, t := range d.Targets {
			err = errors.Join(err, cw.Write([]string{strconv.Itoa(t.Year), t.Commune, t.Group, t.Metric, strconv.FormatFloat(t.Value, 'f', -1, 64), t.Note}))
		}
	case KindTeams:
		for _, t := range d.Teams {
			err = errors.Join(err, cw.Write([]string{t.ID, t.Commune, t.Name, strconv.Itoa(t.Members)}))
		}
	case KindMentors:
		for _, m := range d.Mentors {
			err = errors.Join(err, cw.Write([]string{m.ID, m.Commune, m.Team, m.Label}))
		}
	case KindLearners:
		for _, l := range d.Learners {
			err = errors.Join(err, cw.Write([]string{l.HomePage, l.Name, l.Commune, l.Group, strings.Join(l.Subgroups, ";"), l.Household, l.Mentor, l.Team}))
		}
	default:
		return fmt.Errorf("unknown kind %q", k)
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
