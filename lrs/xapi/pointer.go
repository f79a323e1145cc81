package xapi

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

var tokenEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// Bounds on the problems that the raw-JSON checks report, so that their
// answer stays small whatever the input: at most maxReported problems,
// each path at most about maxPathLen bytes (a path is for a human to find
// the place: its start and its end are kept, the middle is cut).
const (
	maxReported = 100
	maxPathLen  = 1024
)

// pathSegment is one step of a JSON pointer: a property name, or an
// index when array is set.
type pathSegment struct {
	key   string
	index int
	array bool
}

func (s pathSegment) String() string {
	if s.array {
		return "/" + strconv.Itoa(s.index)
	}
	return "/" + tokenEscaper.Replace(clipHead(s.key, maxPathLen/2))
}

// pointer renders prefix followed by the n segments seg(0..n-1) as a JSON
// pointer of at most about maxPathLen bytes, reading only the segments it
// keeps (so a deep path costs no more than a short one).
func pointer(prefix string, n int, seg func(i int) pathSegment) string {
	var head strings.Builder
	head.WriteString(prefix)
	i := 0
	for ; i < n && head.Len() <= maxPathLen/2; i++ {
		head.WriteString(seg(i).String())
	}
	var tail []string
	tailLen := 0
	j := n - 1
	for ; j >= i && tailLen <= maxPathLen/2; j-- {
		s := seg(j).String()
		tail = append(tail, s)
		tailLen += len(s)
	}
	var b strings.Builder
	if j < i && head.Len()+tailLen <= maxPathLen {
		b.WriteString(head.String())
	} else {
		b.WriteString(clipHead(head.String(), maxPathLen/2))
		b.WriteString("…")
	}
	var t strings.Builder
	for k := len(tail) - 1; k >= 0; k-- {
		t.WriteString(tail[k])
	}
	if t.Len() > maxPathLen/2 {
		b.WriteString(clipTail(t.String(), maxPathLen/2))
	} else {
		b.WriteString(t.String())
	}
	return b.String()
}

// clipHead keeps at most n bytes of the start of s, at a character boundary.
func clipHead(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// clipTail keeps at most n bytes of the end of s, at a character boundary.
func clipTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	start := len(s) - n
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[start:]
}
