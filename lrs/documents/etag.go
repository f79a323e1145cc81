package documents

import "strings"

// ETag returns the ETag header value of content whose SHA-1 is sha1hex:
// the hex digest in double quotes, a strong validator.
func ETag(sha1hex string) string { return `"` + sha1hex + `"` }

// Conditions are the concurrency headers of a write (RFC 7232 as xAPI
// uses it: RFC 2616 14.24 and 14.26).
type Conditions struct {
	IfMatch     *TagList // nil when the request has no If-Match
	IfNoneMatch *TagList // nil when the request has no If-None-Match
}

// Present reports whether the request carries any concurrency header.
func (c Conditions) Present() bool { return c.IfMatch != nil || c.IfNoneMatch != nil }

// TagList is the value of an If-Match or If-None-Match header.
type TagList struct {
	Any  bool // "*"
	Tags []EntityTag
}

// EntityTag is one entity tag of a list.
type EntityTag struct {
	Opaque string // without quotes
	Weak   bool
}

// ParseConditions parses the If-Match and If-None-Match header values; ""
// means the header is absent. Parsing is lenient: an unquoted value is
// taken as an opaque tag (it will not match a document's ETag, so such a
// request fails its precondition with 412 instead of being refused as
// malformed), which is what the ADL conformance suites expect.
func ParseConditions(ifMatch, ifNoneMatch string) Conditions {
	var c Conditions
	if strings.TrimSpace(ifMatch) != "" {
		c.IfMatch = parseTagList(ifMatch)
	}
	if strings.TrimSpace(ifNoneMatch) != "" {
		c.IfNoneMatch = parseTagList(ifNoneMatch)
	}
	return c
}

func parseTagList(s string) *TagList {
	l := &TagList{}
	for _, part := range splitTags(s) {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case part == "*":
			l.Any = true
		default:
			t := EntityTag{}
			if strings.HasPrefix(part, "W/") {
				t.Weak = true
				part = part[2:]
			}
			if len(part) >= 2 && part[0] == '"' && part[len(part)-1] == '"' {
				part = part[1 : len(part)-1]
			}
			t.Opaque = part
			l.Tags = append(l.Tags, t)
		}
	}
	return l
}

// splitTags splits a header value at commas outside double quotes.
func splitTags(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// matchStrong reports whether the list matches a document with the given
// SHA-1 under the strong comparison of If-Match: weak tags never match.
// Hex digits compare regardless of letter case (clients that compute the
// ETag themselves, as 1.0.3 allows, may write upper case).
func (l *TagList) matchStrong(sha1hex string) bool {
	for _, t := range l.Tags {
		if !t.Weak && strings.EqualFold(t.Opaque, sha1hex) {
			return true
		}
	}
	return false
}

// matchWeak is the weak comparison of If-None-Match.
func (l *TagList) matchWeak(sha1hex string) bool {
	for _, t := range l.Tags {
		if strings.EqualFold(t.Opaque, sha1hex) {
			return true
		}
	}
	return false
}
