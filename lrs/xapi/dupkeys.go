package xapi

import (
	"bytes"
	"encoding/json"

	"github.com/go-json-experiment/json/jsontext"
)

// DuplicateKeys scans raw JSON for objects that use a property name more
// than once, which Data 2.2.s2.b2 forbids ("A Statement MUST use each
// property no more than one time") but which decoding into a map silently
// hides. It returns one Problem (rule json.duplicate-key) per repetition
// (at most 100, long paths cut in the middle to about 1 KiB), or nil; malformed JSON yields no
// problems, since decoding reports it. Memory grows linearly with the
// input, also for deep nesting; [CheckJSON] bounds the depth first.
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

// dupFrame is one open object or array. It holds only its own place
// (the current key or index); paths are built only for a duplicate, so
// deep nesting costs memory linear in the depth, not quadratic.
type dupFrame struct {
	object  bool
	keys    map[string]bool
	index   int
	wantKey bool
	key     string
}

// allDuplicateKeys lists every repeated property name of data.
func allDuplicateKeys(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []dupFrame
	var out []Problem
	// valueDone advances the enclosing container after a complete value.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
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
			top := &stack[len(stack)-1]
			if top.object && top.wantKey {
				if key, ok := tok.(string); ok {
					if top.keys[key] && len(out) < maxReported {
						out = append(out, Problem{
							Path:    dupPath(stack[:len(stack)-1], key),
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
			stack = append(stack, dupFrame{object: true, keys: map[string]bool{}, wantKey: true})
		case json.Delim('['):
			stack = append(stack, dupFrame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// dupPath is the JSON pointer of property key in the object opened
// inside the containers of outer.
func dupPath(outer []dupFrame, key string) string {
	return pointer("", len(outer)+1, func(i int) pathSegment {
		if i == len(outer) {
			return pathSegment{key: key}
		}
		f := outer[i]
		return pathSegment{key: f.key, index: f.index, array: !f.object}
	})
}
