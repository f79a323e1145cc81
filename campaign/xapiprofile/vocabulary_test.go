package xapiprofile_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/lrs/xapi"
)

const vocabularyDoc = "../../docs/vocabulary.md"

// block is a fenced code block of the document.
type block struct {
	lang string
	line int
	text string
}

func codeBlocks(t *testing.T, path string) []block {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []block
	var cur *block
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: n + 1}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	if cur != nil {
		t.Fatalf("%s: unterminated code block at line %d", path, cur.line)
	}
	return blocks
}

// TestVocabularyExamples: every ```json block of docs/vocabulary.md is an
// example statement that passes xAPI 2.0.0 validation and fits a
// template of the profile with no misfit, and every template has an
// example.
func TestVocabularyExamples(t *testing.T) {
	covered := map[string]bool{}
	n := 0
	for _, b := range codeBlocks(t, vocabularyDoc) {
		if b.lang != "json" {
			continue
		}
		n++
		where := filepath.Base(vocabularyDoc) + ":" + itoa(b.line)
		doc, err := xapi.Decode([]byte(b.text))
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if ps := xapi.DuplicateKeys([]byte(b.text)); len(ps) > 0 {
			t.Errorf("%s: duplicate keys %v", where, ps)
		}
		for _, p := range xapi.ValidateStatement(xapi.V200, doc) {
			t.Errorf("%s: xAPI 2.0.0: %s: %s (%s)", where, p.Path, p.Message, p.Rule)
		}
		st, _ := doc.(map[string]any)
		id, misfits := xapiprofile.DefaultChecker().Match(st)
		if id == "" {
			t.Errorf("%s: matches no template of the profile", where)
		}
		for _, m := range misfits {
			t.Errorf("%s: misfit: %s", where, m)
		}
		covered[id] = true
	}
	if n == 0 {
		t.Fatal("no json examples found")
	}
	for _, tp := range xapiprofile.Default().Templates {
		if !covered[tp.ID] {
			t.Errorf("template %s has no example in %s", tp.ID, vocabularyDoc)
		}
	}
}

// TestVocabularyCommuneTable: the commune table of the document is the
// built-in province's.
func TestVocabularyCommuneTable(t *testing.T) {
	data, err := os.ReadFile(vocabularyDoc)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == 5 && len(cells[0]) == 5 && strings.Trim(cells[0], "0123456789") == "" {
			rows[cells[0]] = cells
		}
	}
	d := reference.Default()
	if len(rows) != len(d.Communes) {
		t.Errorf("the document lists %d communes, the default province has %d", len(rows), len(d.Communes))
	}
	for _, c := range d.Communes {
		r, ok := rows[c.Code]
		if !ok {
			t.Errorf("commune %s %s is missing from the document", c.Code, c.Name)
			continue
		}
		var areas []string
		for _, a := range c.Areas {
			areas = append(areas, string(a))
		}
		want := []string{c.Code, c.Name, string(c.Kind), c.District, strings.Join(areas, ", ")}
		if strings.Join(r, "|") != strings.Join(want, "|") {
			t.Errorf("document row %v, want %v", r, want)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}
