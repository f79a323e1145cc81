package xapiprofile

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a compiled JSONPath of the dialect the xAPI Profiles
// specification allows: a root "$" followed by child steps (".name",
// ".*", "['a']", "['a','b']") and array steps ("[0]", "[0,2]", "[*]").
type Path struct {
	src   string
	steps []step
}

type step struct {
	wildcard bool
	names    []string // child names (object keys)
	indexes  []int    // array indexes
}

// CompilePath parses a JSONPath.
func CompilePath(src string) (*Path, error) {
	s := strings.TrimSpace(src)
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("JSONPath %q: must start with $", src)
	}
	p := &Path{src: src}
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && s[i] == '.' {
				return nil, fmt.Errorf("JSONPath %q: recursive descent (..) is not allowed", src)
			}
			if i < len(s) && s[i] == '*' {
				p.steps = append(p.steps, step{wildcard: true})
				i++
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("JSONPath %q: empty name at offset %d", src, i)
			}
			p.steps = append(p.steps, step{names: []string{s[i:j]}})
			i = j
		case '[':
			end, st, err := parseBracket(s, i)
			if err != nil {
				return nil, fmt.Errorf("JSONPath %q: %w", src, err)
			}
			p.steps = append(p.steps, st)
			i = end
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q at offset %d", src, s[i], i)
		}
	}
	return p, nil
}

// parseBracket parses "[...]" starting at s[i] == '[' and returns the
// offset after the closing bracket: members (a wildcard, quoted names,
// indexes) separated by commas, spaces allowed around each.
func parseBracket(s string, i int) (int, step, error) {
	i++ // '['
	var st step
	for {
		i = skipSpaces(s, i)
		if i >= len(s) {
			return 0, st, fmt.Errorf("unterminated [")
		}
		switch c := s[i]; {
		case c == '*':
			st.wildcard = true
			i++
		case c == '\'' || c == '"':
			name, end, err := parseQuoted(s, i)
			if err != nil {
				return 0, st, err
			}
			st.names = append(st.names, name)
			i = end
		case c >= '0' && c <= '9':
			n, end, err := parseIndex(s, i)
			if err != nil {
				return 0, st, err
			}
			st.indexes = append(st.indexes, n)
			i = end
		case c == '?' || c == '(':
			return 0, st, fmt.Errorf("filter and script expressions are not allowed")
		default:
			return 0, st, fmt.Errorf("unexpected %q at offset %d", c, i)
		}
		i = skipSpaces(s, i)
		if i >= len(s) {
			return 0, st, fmt.Errorf("unterminated [")
		}
		switch s[i] {
		case ',':
			i++
		case ']':
			if st.wildcard && (len(st.names) > 0 || len(st.indexes) > 0) {
				return 0, st, fmt.Errorf("* cannot be combined with other members in [ ]")
			}
			return i + 1, st, nil
		default:
			return 0, st, fmt.Errorf("unexpected %q at offset %d", s[i], i)
		}
	}
}

// skipSpaces returns the offset of the first byte at or after i in s
// that is not a space.
func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// parseQuoted parses the name quoted by s[i] (' or "), a backslash
// escaping the byte after it, and returns the offset after the closing
// quote.
func parseQuoted(s string, i int) (string, int, error) {
	quote := s[i]
	j := i + 1
	var b strings.Builder
	for j < len(s) && s[j] != quote {
		if s[j] == '\\' && j+1 < len(s) {
			j++
		}
		b.WriteByte(s[j])
		j++
	}
	if j >= len(s) {
		return "", 0, fmt.Errorf("unterminated string at offset %d", i)
	}
	return b.String(), j + 1, nil
}

// parseIndex parses the decimal index starting at s[i] and returns the
// offset after it.
func parseIndex(s string, i int) (int, int, error) {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(s[i:j])
	if err != nil {
		return 0, 0, err
	}
	return n, j, nil
}

// String returns the source of the path.
func (p *Path) String() string { return p.src }

// Eval returns the values the path selects in doc, in document order
// (object members in the order the path names them; a wildcard over an
// object has no defined order).
func (p *Path) Eval(doc any) []any {
	cur := []any{doc}
	for _, st := range p.steps {
		var next []any
		for _, v := range cur {
			switch x := v.(type) {
			case map[string]any:
				if st.wildcard {
					for _, m := range x {
						next = append(next, m)
					}
					continue
				}
				for _, n := range st.names {
					if m, ok := x[n]; ok {
						next = append(next, m)
					}
				}
			case []any:
				if st.wildcard {
					next = append(next, x...)
					continue
				}
				for _, i := range st.indexes {
					if i < len(x) {
						next = append(next, x[i])
					}
				}
			}
		}
		cur = next
		if len(cur) == 0 {
			return nil
		}
	}
	return cur
}
