package main

import (
	"bytes"
	"strings"
	"testing"
)

// When stderr is not a terminal, progress is plain lines: none before
// lineEvery has passed, one after, and a final line at Finish.
func TestMeterPrintsLinesWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	m := newMeter(&buf, 10, "appending", "statements", 0)
	lm, ok := m.(*lineMeter)
	if !ok {
		t.Fatalf("a bytes.Buffer got a %T, want the line meter", m)
	}
	m.Set(3)
	if buf.Len() != 0 {
		t.Fatalf("printed before %s: %q", lineEvery, buf.String())
	}
	lm.last = lm.last.Add(-lineEvery) // as if lineEvery had passed
	m.Set(4)
	m.Finish()
	m.Finish()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "appending: 4/10 statements (40%)") ||
		!strings.HasPrefix(lines[1], "appending: 10/10 statements (100%)") || strings.Contains(buf.String(), "\r") {
		t.Fatalf("progress lines = %q", buf.String())
	}
}
