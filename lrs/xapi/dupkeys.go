package xapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

var tokenEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// DuplicateKeys scans raw JSON for objects that use a property name more
// than once, which Data 2.2.s2.b2 forbids ("A Statement MUST use each
// property no more than one time") but which decoding into a map silently
// hides. It returns one Problem (rule json.duplicate-key) per repetition, or
// nil; malformed JSON yields no problems, since decoding reports it.
func DuplicateKeys(data []byte) []Problem {
	// Fast path: a streaming validator that rejects duplicate names (and
	// allocates almost nothing) clears nearly every request; only a
	// document with a duplicate is scanned again to list them all.
	// (Other errors, such as invalid UTF-8 that encoding/json tolerates,
	// also take the thorough path.)
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	if _, err := dec.ReadValue(); err == nil {
		return nil
	}
	return allDuplicateKeys(data)
}

// allDuplicateKeys lists every repeated property name of data.
func allDuplicateKeys(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object  bool
		path    string
		keys    map[string]bool
		index   int
		wantKey bool
		key     string
	}
	var stack []*frame
	var out []Problem
	// childPath returns the path of the value about to be read in top.
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		if top.object {
			return top.path + "/" + tokenEscaper.Replace(top.key)
		}
		return fmt.Sprintf("%s/%d", top.path, top.index)
	}
	// valueDone advances the enclosing container after a complete value.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.object && top.wantKey {
				if key, ok := tok.(string); ok {
					if top.keys[key] {
						out = append(out, Problem{
							Path:    top.path + "/" + tokenEscaper.Replace(key),
							Rule:    "json.duplicate-key",
							Message: "is used more than once in the same object",
						})
					}
					top.keys[key] = true
					top.key = key
					top.wantKey = false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, path: childPath(), keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: childPath()})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}
