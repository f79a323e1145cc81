package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"unicode/utf8"
)

// ParseJSON reads one JSON document holding any of the kinds:
//
//	{"province": {"code": "51", "name": "Quảng Ngãi"},
//	 "communes": [...], "populations": [...], "targets": [...],
//	 "teams": [...], "mentors": [...], "learners": [...]}
//
// The rows have the JSON form of the Go types (Commune, Population, ...).
// A key that is present gives its kind, even with an empty array (which
// clears the kind on load). Unknown properties are problems. As with
// [ParseCSV], a broken document is returned as a [Problems] error while
// problems in single rows are kept for [Data.Validate], each with its line
// and column.
func ParseJSON(file string, r io.Reader) (*Data, error) {
	src, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	src = bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF})
	lines := newLineIndex(src)
	jp := jsonParser{file: file, src: src, lines: lines, d: &Data{locs: map[Kind][]rowLoc{}}, seen: map[Kind]bool{}}
	if err := jp.document(); err != nil {
		var ps Problems
		if errors.As(err, &ps) {
			return nil, append(jp.problems, ps...)
		}
		return nil, err
	}
	if jp.d.Province != nil && !jp.d.Has(KindCommunes) {
		jp.problem(0, "province", "a province is given without communes; they are loaded together")
	}
	if jp.d.Has(KindCommunes) && !jp.sawProvince {
		jp.problem(0, "province", "communes are given without the province")
	}
	jp.d.parseProblems = jp.problems
	return jp.d, nil
}

type jsonParser struct {
	file        string
	src         []byte
	lines       *lineIndex
	dec         *json.Decoder
	d           *Data
	problems    Problems
	sawProvince bool
	seen        map[Kind]bool
}

func (jp *jsonParser) problem(offset int, field, msg string) {
	p := Problem{File: jp.file, Field: field, Message: msg}
	if offset > 0 {
		p.Line, p.Column = jp.lines.pos(offset)
	}
	jp.problems = append(jp.problems, p)
}

// fatal turns an error of Decoder.Token into a located Problems error
// (its syntax errors carry the offset of the offending byte).
func (jp *jsonParser) fatal(err error) error { return jp.located(err, -1) }

// fatalAt turns an error of Decoder.Decode on the value starting at
// offset base into a located Problems error. A streaming decoder's offsets
// count only the bytes it scanned itself, so the value is scanned again
// on its own to find the offending byte.
func (jp *jsonParser) fatalAt(err error, base int) error { return jp.located(err, base) }

func (jp *jsonParser) located(err error, base int) error {
	p := Problem{File: jp.file, Message: "JSON syntax: " + err.Error()}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if base >= 0 {
			var v json.RawMessage
			if rerr := json.NewDecoder(bytes.NewReader(jp.src[base:])).Decode(&v); errors.As(rerr, &se) {
				off = base + int(se.Offset) - 1
			}
		}
		p.Line, p.Column = jp.lines.pos(off)
	} else if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		p.Line, p.Column = jp.lines.pos(len(jp.src))
		p.Message = "JSON syntax: the document ends too early"
	}
	return Problems{p}
}

func (jp *jsonParser) document() error {
	jp.dec = json.NewDecoder(bytes.NewReader(jp.src))
	tok, err := jp.dec.Token()
	if err != nil {
		return jp.fatal(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return Problems{{File: jp.file, Line: 1, Column: 1, Message: "the document must be a JSON object with keys such as \"communes\", \"populations\""}}
	}
	for jp.dec.More() {
		tok, err := jp.dec.Token()
		if err != nil {
			return jp.fatal(err)
		}
		key, _ := tok.(string)
		keyAt := int(jp.dec.InputOffset()) - len(key) - 2
		if key == "province" {
			start := jp.valueStart()
			var raw json.RawMessage
			if err := jp.dec.Decode(&raw); err != nil {
				return jp.fatalAt(err, start)
			}
			var p Province
			if jp.decodeRow(raw, start, &p) {
				jp.d.Province = &p
				jp.sawProvince = true
				loc := jp.rowLoc(raw, start, KindCommunes)
				loc.fields["province_code"] = loc.fields["code"]
				loc.fields["province_name"] = loc.fields["name"]
				jp.d.provinceLoc = &loc
			}
			continue
		}
		k, err := ParseKind(key)
		if err != nil {
			jp.problem(keyAt, key, fmt.Sprintf("unknown key (want province, %s)", join(Kinds)))
			start := jp.valueStart()
			var skip json.RawMessage
			if err := jp.dec.Decode(&skip); err != nil {
				return jp.fatalAt(err, start)
			}
			continue
		}
		if jp.seen[k] {
			jp.problem(keyAt, key, "given twice")
		}
		jp.seen[k] = true
		if err := jp.array(k); err != nil {
			return err
		}
	}
	if _, err := jp.dec.Token(); err != nil { // '}'
		return jp.fatal(err)
	}
	if _, err := jp.dec.Token(); !errors.Is(err, io.EOF) {
		return Problems{{File: jp.file, Line: 0, Message: "unexpected data after the JSON document"}}
	}
	return nil
}

// valueStart returns the offset of the next value (after whitespace,
// colons and commas).
func (jp *jsonParser) valueStart() int {
	i := int(jp.dec.InputOffset())
	for i < len(jp.src) {
		switch jp.src[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

func (jp *jsonParser) array(k Kind) error {
	start := jp.valueStart()
	tok, err := jp.dec.Token()
	if err != nil {
		return jp.fatal(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return Problems{{File: jp.file, Line: lineOf(jp.lines, start), Column: colOf(jp.lines, start), Field: string(k), Message: "must be an array of rows"}}
	}
	jp.d.markGiven(k, jp.file)
	for jp.dec.More() {
		start := jp.valueStart()
		var raw json.RawMessage
		if err := jp.dec.Decode(&raw); err != nil {
			return jp.fatalAt(err, start)
		}
		loc := jp.rowLoc(raw, start, k)
		ok := false
		switch k {
		case KindCommunes:
			var v Commune
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Communes = append(jp.d.Communes, v)
			}
		case KindPopulations:
			var v Population
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Populations = append(jp.d.Populations, v)
			}
		case KindTargets:
			var v Target
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Targets = append(jp.d.Targets, v)
			}
		case KindTeams:
			var v Team
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Teams = append(jp.d.Teams, v)
			}
		case KindMentors:
			var v Mentor
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Mentors = append(jp.d.Mentors, v)
			}
		case KindLearners:
			var v Learner
			if ok = jp.decodeRow(raw, start, &v); ok {
				jp.d.Learners = append(jp.d.Learners, v)
			}
		}
		if ok {
			jp.d.locs[k] = append(jp.d.locs[k], loc)
		}
	}
	if _, err := jp.dec.Token(); err != nil { // ']'
		return jp.fatal(err)
	}
	return nil
}

// decodeRow decodes one row strictly; a failure becomes a problem at the
// offending value and the row is skipped.
func (jp *jsonParser) decodeRow(raw json.RawMessage, start int, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		at := start + int(te.Offset) - 1
		for at > start && raw[at-start] != ':' && raw[at-start] != ',' && raw[at-start] != '[' {
			at--
		}
		jp.problem(jp.skipSpace(at+1), te.Field, fmt.Sprintf("%s where %s was expected", te.Value, jsonTypeName(te.Type.Kind().String())))
	default:
		msg := err.Error()
		field := ""
		if n, ok := unknownField(msg); ok {
			field = n
			msg = "unknown property"
			if off, found := keyOffset(raw, n); found {
				jp.problem(start+off, field, msg)
				return false
			}
		}
		jp.problem(start, field, msg)
	}
	return false
}

func (jp *jsonParser) skipSpace(i int) int {
	for i < len(jp.src) && (jp.src[i] == ' ' || jp.src[i] == '\n' || jp.src[i] == '\t' || jp.src[i] == '\r') {
		i++
	}
	return i
}

// rowLoc records where the row and its properties are.
func (jp *jsonParser) rowLoc(raw json.RawMessage, start int, k Kind) rowLoc {
	line, col := jp.lines.pos(start)
	loc := rowLoc{file: jp.file, json: true, at: pos{line, col}, fields: map[string]pos{}}
	for key, off := range keyOffsets(raw) {
		l, c := jp.lines.pos(start + off)
		name := key
		if k == KindLearners && key == "homePage" {
			name = "home_page"
		} else if k == KindLearners && key == "name" {
			name = "account_name"
		}
		loc.fields[name] = pos{l, c}
	}
	if at, ok := loc.fields["groups"]; ok {
		for _, g := range []string{"public-staff", "student", "worker", "citizen"} {
			loc.fields[g] = at
		}
	}
	return loc
}

// keyOffsets returns the offset of each top-level key of a JSON object.
func keyOffsets(raw []byte) map[string]int {
	out := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(raw))
	type frame struct{ obj, expectKey bool }
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{obj: true, expectKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			if t == '{' || t == '[' {
				if n := len(stack); n > 1 && stack[n-2].obj {
					stack[n-2].expectKey = false
				}
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
				stack[n-1].expectKey = false
				if n == 1 {
					end := int(dec.InputOffset())
					st := end - 1
					for st > 0 && !(raw[st-1] == '"' && (st < 2 || raw[st-2] != '\\')) {
						st--
					}
					out[t] = st - 1
				}
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func keyOffset(raw []byte, key string) (int, bool) {
	off, ok := keyOffsets(raw)[key]
	return off, ok
}

// unknownField extracts the name from encoding/json's
// `json: unknown field "x"` error.
func unknownField(msg string) (string, bool) {
	const prefix = `json: unknown field "`
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		return msg[len(prefix) : len(msg)-1], true
	}
	return "", false
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int64", "float64":
		return "a number"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "bool":
		return "true or false"
	}
	return goKind
}

// WriteJSON writes d as one JSON document (the form ParseJSON reads),
// indented, with every present kind (an empty kind as []).
func WriteJSON(w io.Writer, d *Data) error {
	doc := map[string]any{}
	if d.Province != nil {
		doc["province"] = d.Province
	}
	for _, k := range d.Kinds() {
		switch k {
		case KindCommunes:
			doc[string(k)] = nonNil(d.Communes)
		case KindPopulations:
			doc[string(k)] = nonNil(d.Populations)
		case KindTargets:
			doc[string(k)] = nonNil(d.Targets)
		case KindTeams:
			doc[string(k)] = nonNil(d.Teams)
		case KindMentors:
			doc[string(k)] = nonNil(d.Mentors)
		case KindLearners:
			doc[string(k)] = nonNil(d.Learners)
		}
	}
	// Keys in dependency order, not alphabetical, for people reading it.
	var buf bytes.Buffer
	buf.WriteString("{\n")
	keys := []string{"province"}
	for _, k := range Kinds {
		keys = append(keys, string(k))
	}
	first := true
	for _, k := range keys {
		v, ok := doc[k]
		if !ok {
			continue
		}
		b, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		if !first {
			buf.WriteString(",\n")
		}
		first = false
		fmt.Fprintf(&buf, "  %q: %s", k, b)
	}
	buf.WriteString("\n}\n")
	_, err := w.Write(buf.Bytes())
	return err
}

// lineIndex maps byte offsets to 1-based lines and character columns.
type lineIndex struct {
	src    []byte
	starts []int
}

func newLineIndex(src []byte) *lineIndex {
	li := &lineIndex{src: src, starts: []int{0}}
	for i, b := range src {
		if b == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(offset int) (int, int) {
	offset = max(0, min(offset, len(li.src)))
	l := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > offset }) - 1
	col := utf8.RuneCount(li.src[li.starts[l]:offset]) + 1
	return l + 1, col
}

func lineOf(li *lineIndex, off int) int { l, _ := li.pos(off); return l }
func colOf(li *lineIndex, off int) int  { _, c := li.pos(off); return c }
