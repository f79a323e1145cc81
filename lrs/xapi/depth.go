package xapi

import "fmt"

// MaxDepth bounds how deeply a JSON request body nests objects and arrays.
// The deepest place of an xAPI statement (a batch array, the statement, a
// SubStatement, its context, contextActivities, a list, an Activity, its
// definition, an interaction component and its description) is 11 levels;
// the rest is left for extension values, which are free JSON.
const MaxDepth = 64

// CheckJSON makes the checks on raw JSON that decoding cannot make, in an
// order that keeps memory flat whatever the input: first the nesting depth
// ([CheckDepth], one pass in constant memory), and only when that holds,
// repeated property names ([DuplicateKeys]). It returns nil when data
// passes both; malformed JSON yields no problem, since decoding reports it.
func CheckJSON(data []byte) []Problem {
	if ps := CheckDepth(data); ps != nil {
		return ps
	}
	return DuplicateKeys(data)
}

// CheckDepth reports one Problem (rule json.max-depth) when data nests
// objects and arrays deeper than [MaxDepth]. It reads the bytes once and
// keeps no state beyond a counter, so it is safe to run before any parser
// on any input; brackets inside strings do not count.
func CheckDepth(data []byte) []Problem {
	depth := 0
	inString, escaped := false, false
	for i, c := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > MaxDepth {
				return []Problem{{
					Rule:    "json.max-depth",
					Message: fmt.Sprintf("nests objects and arrays more than %d levels deep (at byte %d)", MaxDepth, i),
				}}
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}
