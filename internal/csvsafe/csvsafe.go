// Package csvsafe writes CSV that a spreadsheet opens as data, never as
// formulas: the one helper every CSV Hocvu writes goes through (dashboard
// exports, the commune report, reference data).
//
// Spreadsheets (Excel, LibreOffice Calc, Google Sheets) evaluate a cell
// whose text starts with '=', '+', '-', '@', a tab or a carriage return
// as a formula, so a value that came from a statement (a commune code
// "=HYPERLINK(…)", "+cmd|…") would run when a leader opens the export.
// Following OWASP's CSV-injection guidance, such a cell is written with a
// leading single quote, which spreadsheets read as "this is text" and do
// not show. A plain decimal number ("-12", "+3.5") is left as it is: it
// evaluates to itself, and it must stay a number. Quoting of separators,
// quotes and line breaks is encoding/csv's (RFC 4180).
//
// A program that reads back a file written here (hocvu reference load)
// removes the quote again with [Unescape].
package csvsafe

import (
	"encoding/csv"
	"io"
	"regexp"
	"strings"
)

// number is a plain decimal number, safe to leave unquoted.
var number = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?$`)

// risky reports whether a spreadsheet would read s as a formula.
func risky(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return !number.MatchString(s)
	}
	return false
}

// quoted reports whether s, once its leading single quotes are dropped,
// would start a formula: such a value gets one more quote, so that Unescape
// can tell an added quote from one that was there.
func quoted(s string) bool { return risky(strings.TrimLeft(s, "'")) }

// Cell returns s as a spreadsheet must see it: with a leading single quote
// when it would otherwise start a formula.
func Cell(s string) string {
	if quoted(s) {
		return "'" + s
	}
	return s
}

// Unescape undoes Cell: it drops the single quote Cell adds in front of a
// value that would start a formula. Any other value is returned as it is.
func Unescape(s string) string {
	if len(s) > 1 && s[0] == '\'' && quoted(s) {
		return s[1:]
	}
	return s
}

// Writer is a csv.Writer that passes every cell through Cell.
type Writer struct {
	w   *csv.Writer
	buf []string
}

// NewWriter writes CSV to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, each cell neutralised.
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.w.Write(w.buf)
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a previous Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }
