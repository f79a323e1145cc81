package schemas

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// formatCheckers are the xapi-* formats used by the schema files. Values of
// another JSON type pass: the schemas check types separately.
var formatCheckers = map[string]func(string) bool{
	"xapi-iri":             IsIRI,
	"xapi-uuid":            IsUUID,
	"xapi-mailto":          IsMailto,
	"xapi-language-tag":    IsLanguageTag,
	"xapi-duration":        IsDuration,
	"xapi-timestamp-1.0.3": func(s string) bool { return IsTimestamp(V103, s) },
	"xapi-timestamp-2.0.0": func(s string) bool { return IsTimestamp(V200, s) },
}

// IsIRI reports whether s is an absolute IRI (RFC 3987), to the best effort
// that Data 2.2.s4.b6 allows: a scheme (a letter, then letters, digits, "+",
// "-" or "."), a colon and a non-empty rest made of characters an IRI may
// contain, with well-formed percent-encodings and at most one "#".
func IsIRI(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon == len(s)-1 || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < colon; i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	hashes := 0
	for i, r := range s[colon+1:] {
		switch {
		case r <= 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f, r == 0xfffd:
			return false
		case strings.ContainsRune("\"<>\\^`{|}", r):
			return false
		case r == '#':
			hashes++
			if hashes > 1 {
				return false
			}
		case r == '%':
			rest := s[colon+1+i:]
			if len(rest) < 3 || !isHex(rest[1]) || !isHex(rest[2]) {
				return false
			}
		}
	}
	return true
}

// IsUUID reports whether s is a UUID in the standard string form
// (8-4-4-4-12 hexadecimal digits, either case), Data 4.4.
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHex(s[i]) {
			return false
		}
	}
	return true
}

// IsMailto reports whether s has the form "mailto:email address"
// (Data 2.4.2.3): the lowercase scheme, then one bare RFC 5322 address with
// a non-empty local part and domain, and nothing else.
func IsMailto(s string) bool {
	addr, ok := strings.CutPrefix(s, "mailto:")
	if !ok || addr == "" || strings.ContainsAny(addr, " \t\r\n?<>") {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return false
	}
	a, err := mail.ParseAddress(addr)
	return err == nil && a.Name == "" && a.Address != ""
}

// IsDuration reports whether s is an ISO 8601:2004 duration in the format of
// section 4.4.3.2 (Data 4.6): PnYnMnDTnHnMnS with at least one component, the
// components in that order, a "T" before any time component and only if one
// follows, a decimal fraction (with "." or ",") only on the last component;
// or PnW alone. The alternative format of 4.4.3.3 (P0003-02-01...) is
// rejected.
func IsDuration(s string) bool {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return false
	}
	if n, ok := strings.CutSuffix(rest, "W"); ok {
		end, _ := scanDecimal(n)
		return end > 0 && end == len(n)
	}
	datePart, timePart, hasT := strings.Cut(rest, "T")
	if hasT && timePart == "" {
		return false
	}
	components := 0
	sawFraction := false
	for _, part := range []struct{ text, units string }{{datePart, "YMD"}, {timePart, "HMS"}} {
		text, units := part.text, part.units
		for text != "" {
			end, frac := scanDecimal(text)
			if end == 0 || end == len(text) || sawFraction {
				return false
			}
			u := strings.IndexByte(units, text[end])
			if u < 0 {
				return false
			}
			units = units[u+1:]
			text = text[end+1:]
			components++
			sawFraction = frac
		}
	}
	return components > 0
}

// scanDecimal returns the length of the leading unsigned decimal number of s
// (digits, optionally followed by "." or "," and more digits) and whether it
// has a fraction. A length of 0 means there is no number.
func scanDecimal(s string) (int, bool) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 {
		return 0, false
	}
	if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		return i, true
	}
	return i, false
}

// IsTimestamp reports whether s is a valid Timestamp under the rules of v.
//
// V103 (Data 4.5): ISO 8601 combined date and time, in extended
// (2024-05-01T13:45:00.5Z) or basic (20240501T134500.5Z) format, with at
// least hours and minutes, an optional fraction of a second ("." or ","), an
// optional time zone (the spec only recommends one), and "T", "t" or a space
// between date and time.
//
// V200 (IEEE 9274.1.1, where the 1.0.3 SHOULD*s about RFC 3339 and time zones
// became requirements): RFC 3339 date-time, so extended format with seconds
// and a mandatory time zone ("Z" or ±hh:mm).
//
// Both reject impossible dates and times and a negative zero offset
// (-00, -0000, -00:00), which ISO 8601 forbids (xAPI-Spec issue 1073; ADL
// conformance suite).
func IsTimestamp(v Version, s string) bool {
	_, ok := parseTimestamp(s, v == V200)
	return ok
}

// ParseTimestamp parses a Timestamp accepted under any version and returns
// the instant it names; a timestamp without a time zone is taken as UTC.
func ParseTimestamp(s string) (time.Time, bool) {
	return parseTimestamp(s, false)
}

// parseTimestamp parses s as IsTimestamp describes it (rfc3339: the rules
// of V200), in steps: the date, the separator, the time of day, the time
// zone; then the instant they name.
func parseTimestamp(s string, rfc3339 bool) (time.Time, bool) {
	p := tsParser{s: s, rfc3339: rfc3339}
	var f tsFields
	if !p.date(&f) || !p.dateTimeSeparator() || !p.clock(&f) {
		return time.Time{}, false
	}
	offset, hasZone, ok := p.zone(rfc3339)
	if !ok || p.i != len(s) || (rfc3339 && !hasZone) {
		return time.Time{}, false
	}
	return f.instant(offset), true
}

// tsFields are the fields of a timestamp, as written.
type tsFields struct {
	year, month, day            int
	hour, minute, second, nanos int
}

// instant is the time f names at offset seconds east of UTC; a leap
// second (:60) is the second after :59.
func (f *tsFields) instant(offset int) time.Time {
	second := f.second
	leap := second == 60
	if leap {
		second = 59
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, second, f.nanos, time.UTC).Add(-time.Duration(offset) * time.Second)
	if leap {
		t = t.Add(time.Second)
	}
	return t
}

type tsParser struct {
	s       string
	i       int
	rfc3339 bool // the rules of V200
	basic   bool // basic format (20240501T1345), known once the date is read
}

// date reads a valid date in extended (2024-05-01) or, outside RFC 3339,
// basic (20240501) format; the time of day follows in the same format.
func (p *tsParser) date(f *tsFields) bool {
	var okY, okM, okD bool
	f.year, okY = p.digits(4)
	switch {
	case p.peek() == '-':
		p.i++
	case !p.rfc3339:
		p.basic = true
	default:
		return false
	}
	f.month, okM = p.digits(2)
	if !p.basic && !p.expect('-') {
		return false
	}
	f.day, okD = p.digits(2)
	return okY && okM && okD && f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= daysIn(f.month, f.year)
}

// dateTimeSeparator reads "T", "t" or a space.
func (p *tsParser) dateTimeSeparator() bool {
	switch p.peek() {
	case 'T', 't', ' ':
		p.i++
		return true
	}
	return false
}

// clock reads a valid time of day: hours and minutes, then seconds
// (required under RFC 3339) with an optional fraction. Hour 24 is only
// 24:00:00, the end of the day.
func (p *tsParser) clock(f *tsFields) bool {
	var okH, okM bool
	f.hour, okH = p.digits(2)
	if !p.basic && !p.expect(':') {
		return false
	}
	f.minute, okM = p.digits(2)
	if !okH || !okM || f.hour > 24 || f.minute > 59 {
		return false
	}
	hasSeconds, ok := p.seconds(f)
	if !ok || (p.rfc3339 && !hasSeconds) {
		return false
	}
	return f.hour < 24 || (f.minute == 0 && f.second == 0 && f.nanos == 0)
}

// seconds reads the optional seconds (at most 60, a leap second) and their
// optional fraction ("." or, outside RFC 3339, ",").
func (p *tsParser) seconds(f *tsFields) (present, ok bool) {
	if p.basic {
		if !isDigit(p.peek()) {
			return false, true
		}
	} else if !p.expect(':') {
		return false, true
	}
	if f.second, ok = p.digits(2); !ok || f.second > 60 {
		return true, false
	}
	if c := p.peek(); c == '.' || (c == ',' && !p.rfc3339) {
		p.i++
		if f.nanos, ok = p.fraction(); !ok {
			return true, false
		}
	}
	return true, true
}

// fraction reads the digits of a fraction of a second (at least one), as
// nanoseconds; digits past the ninth are dropped.
func (p *tsParser) fraction() (int, bool) {
	start := p.i
	for isDigit(p.peek()) {
		p.i++
	}
	frac := p.s[start:p.i]
	if frac == "" {
		return 0, false
	}
	nanos := 0
	for i := 0; i < 9; i++ {
		nanos *= 10
		if i < len(frac) {
			nanos += int(frac[i] - '0')
		}
	}
	return nanos, true
}

func (p *tsParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *tsParser) expect(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

func (p *tsParser) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for k := 0; k < n; k++ {
		c := p.s[p.i+k]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

// zone parses an optional time zone designator and returns its offset east
// of UTC in seconds.
func (p *tsParser) zone(rfc3339 bool) (offset int, present, ok bool) {
	switch c := p.peek(); c {
	case 0:
		return 0, false, true
	case 'Z', 'z':
		p.i++
		return 0, true, true
	case '+', '-':
		p.i++
		h, okH := p.digits(2)
		if !okH || h > 23 {
			return 0, false, false
		}
		m := 0
		switch {
		case p.peek() == ':':
			p.i++
			var okM bool
			if m, okM = p.digits(2); !okM {
				return 0, false, false
			}
		case isDigit(p.peek()) && !rfc3339:
			var okM bool
			if m, okM = p.digits(2); !okM {
				return 0, false, false
			}
		case rfc3339:
			return 0, false, false
		}
		if m > 59 || (c == '-' && h == 0 && m == 0) {
			return 0, false, false
		}
		offset = h*3600 + m*60
		if c == '-' {
			offset = -offset
		}
		return offset, true, true
	default:
		return 0, false, false
	}
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
