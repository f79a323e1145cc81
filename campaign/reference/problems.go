package reference

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is matched (errors.Is) by every [Problems] error.
var ErrInvalid = errors.New("invalid reference data")

// Problem is one thing wrong in reference data, located as precisely as
// the source allows.
type Problem struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`   // 1-based; 0 when unknown
	Column int    `json:"column,omitempty"` // 1-based character column; 0 when unknown
	// Field is the CSV column or JSON property ("" for the whole row).
	Field string `json:"field,omitempty"`
	// Row locates rows of data built in Go or already loaded, e.g.
	// "teams[12]" or "current teams id T-21187-01".
	Row     string `json:"row,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	switch {
	case p.File != "" && p.Line > 0 && p.Column > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", p.File, p.Line, p.Column)
	case p.File != "" && p.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", p.File, p.Line)
	case p.File != "":
		fmt.Fprintf(&b, "%s: ", p.File)
	}
	if p.Row != "" {
		b.WriteString(p.Row + ": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found; as an error it lists them one per line.
type Problems []Problem

// MaxListed bounds the problems an error message lists.
const MaxListed = 50

func (ps Problems) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d problem(s) in the reference data:", len(ps))
	for i, p := range ps {
		if i == MaxListed {
			fmt.Fprintf(&b, "\n  … and %d more", len(ps)-MaxListed)
			break
		}
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true.
func (ps Problems) Is(target error) bool { return target == ErrInvalid }

// pos is a position in a source file.
type pos struct{ line, col int }

// rowLoc locates a row and its fields in the source file.
type rowLoc struct {
	file   string
	json   bool // fields are named by JSON property
	at     pos
	fields map[string]pos // by canonical (CSV column) name
}

// jsonNames maps canonical field names (the CSV columns) to the JSON
// property names where they differ.
var jsonNames = map[string]string{
	"home_page": "homePage", "account_name": "name",
	"province_code": "province.code", "province_name": "province.name",
}

// displayField names a field the way the source file does.
func displayField(field string, isJSON bool, k Kind) string {
	if !isJSON || field == "" {
		return field
	}
	if n, ok := jsonNames[field]; ok {
		return n
	}
	if k == KindPopulations && field != "commune" && field != "total" && field != "households" {
		return "groups." + field
	}
	return field
}

// problemAt builds a problem for field of row i of kind k.
func (d *Data) problemAt(k Kind, i int, field, msg string) Problem {
	if locs := d.locs[k]; i < len(locs) && locs[i].file != "" {
		l := locs[i]
		p := Problem{File: l.file, Line: l.at.line, Column: l.at.col, Field: displayField(field, l.json, k), Message: msg}
		if fp, ok := l.fields[field]; ok {
			p.Line, p.Column = fp.line, fp.col
		}
		return p
	}
	return Problem{File: d.files[k], Row: fmt.Sprintf("%s[%d]", k, i), Field: field, Message: msg}
}

// provinceProblem builds a problem about the province.
func (d *Data) provinceProblem(field, msg string) Problem {
	if l := d.provinceLoc; l != nil {
		p := Problem{File: l.file, Line: l.at.line, Column: l.at.col, Field: displayField(field, l.json, KindCommunes), Message: msg}
		if fp, ok := l.fields[field]; ok {
			p.Line, p.Column = fp.line, fp.col
		}
		return p
	}
	return Problem{File: d.files[KindCommunes], Row: "province", Field: field, Message: msg}
}
