package xapiprofile

import (
	"fmt"
	"regexp"
	"strings"
)

// MatchPattern reports whether a sequence of statements, given as the ids
// of the templates they match in timestamp order, follows the pattern id.
// It answers whether some way of matching exists (the pattern as a regular
// expression over template ids); the specification's greedy algorithm
// agrees on every pattern that, like this profile's, has no ambiguity
// between alternatives.
func (p *Profile) MatchPattern(id string, templateIDs []string) (bool, error) {
	re, symbols, err := p.patternRegexp(id)
	if err != nil {
		return false, err
	}
	var b strings.Builder
	for _, t := range templateIDs {
		r, ok := symbols[t]
		if !ok {
			return false, nil // a statement outside the pattern's templates
		}
		b.WriteRune(r)
	}
	return re.MatchString(b.String()), nil
}

// patternRegexp translates a pattern into a regular expression whose
// letters stand for templates.
func (p *Profile) patternRegexp(id string) (*regexp.Regexp, map[string]rune, error) {
	symbols := map[string]rune{}
	for i, t := range p.Templates {
		symbols[t.ID] = rune(0xE000 + i) // private use area
	}
	var build func(id string, depth int) (string, error)
	build = func(id string, depth int) (string, error) {
		if depth > 64 {
			return "", fmt.Errorf("pattern %s nests too deeply (recursive?)", id)
		}
		if r, ok := symbols[id]; ok {
			return regexp.QuoteMeta(string(r)), nil
		}
		pt, ok := p.Pattern(id)
		if !ok {
			return "", fmt.Errorf("no template or pattern %s", id)
		}
		one := func(m string) (string, error) { return build(m, depth+1) }
		many := func(ms []string, sep string) (string, error) {
			parts := make([]string, len(ms))
			for i, m := range ms {
				s, err := one(m)
				if err != nil {
					return "", err
				}
				parts[i] = "(?:" + s + ")"
			}
			return strings.Join(parts, sep), nil
		}
		switch {
		case pt.Sequence != nil:
			return many(pt.Sequence, "")
		case pt.Alternates != nil:
			s, err := many(pt.Alternates, "|")
			return "(?:" + s + ")", err
		case pt.Optional != "":
			s, err := one(pt.Optional)
			return "(?:" + s + ")?", err
		case pt.OneOrMore != "":
			s, err := one(pt.OneOrMore)
			return "(?:" + s + ")+", err
		case pt.ZeroOrMore != "":
			s, err := one(pt.ZeroOrMore)
			return "(?:" + s + ")*", err
		}
		return "", fmt.Errorf("pattern %s has no members", id)
	}
	expr, err := build(id, 0)
	if err != nil {
		return nil, nil, err
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, nil, fmt.Errorf("pattern %s: %w", id, err)
	}
	return re, symbols, nil
}
