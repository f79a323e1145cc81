package xapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// MaxNumberLength bounds the characters of one JSON number literal. A
// double needs at most 17 significant digits, so every number a client
// library prints fits with room to spare; without the bound a number of a
// million digits would cost seconds wherever it is compared exactly.
const MaxNumberLength = 128

// The one bound on numbers: a JSON number is accepted when its literal
// has at most MaxNumberLength characters and it is a finite IEEE 754
// double (binary64): its magnitude at most 1.7976931348623157e308, and not
// a non-zero value that rounds to zero. Every reader of stored statements
// (the statement index, analytics, the formats of GET) can then hold it in
// a float64 or compare it exactly in bounded time.
const numberRule = "json.number-range"

// NumberProblem returns why the LRS cannot represent the number n (a
// message for the client), or "" when it can; n must be a JSON number
// literal, as json.Decoder.UseNumber yields.
func NumberProblem(n json.Number) string {
	s := string(n)
	if len(s) > MaxNumberLength {
		return fmt.Sprintf("is a number written with %d characters; at most %d are accepted", len(s), MaxNumberLength)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Sprintf("is a number (%s) outside the range of a double (±1.7976931348623157e308)", s)
	}
	if f == 0 && !zeroLiteral(s) {
		return fmt.Sprintf("is a number (%s) too close to zero to be represented (it would become 0)", s)
	}
	return ""
}

// zeroLiteral reports whether every digit of the mantissa is 0.
func zeroLiteral(s string) bool {
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	return strings.Trim(s, "-+.0") == ""
}

// CheckNumbers reports each number of doc (decoded as [Decode] does) that
// the LRS cannot represent (rule json.number-range, at most 100, with
// JSON pointers under prefix). Validation runs it before anything else
// reads the numbers.
func CheckNumbers(doc any, prefix string) []Problem {
	var out []Problem
	var segs []pathSegment
	var walk func(v any)
	walk = func(v any) {
		if len(out) >= maxReported {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				segs = append(segs, pathSegment{key: k})
				walk(e)
				segs = segs[:len(segs)-1]
			}
		case []any:
			for i, e := range x {
				segs = append(segs, pathSegment{index: i, array: true})
				walk(e)
				segs = segs[:len(segs)-1]
			}
		case json.Number:
			if msg := NumberProblem(x); msg != "" {
				path := pointer(prefix, len(segs), func(i int) pathSegment { return segs[i] })
				out = append(out, Problem{Path: path, Rule: numberRule, Message: msg})
			}
		case float64:
			// Decoded without UseNumber: already a double.
		}
	}
	walk(doc)
	return sorted(out)
}
