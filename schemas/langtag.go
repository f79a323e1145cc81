package schemas

import "strings"

// grandfathered are the irregular and regular grandfathered tags of
// RFC 5646 section 2.1, in lowercase.
var grandfathered = map[string]bool{
	"en-gb-oed": true, "i-ami": true, "i-bnn": true, "i-default": true,
	"i-enochian": true, "i-hak": true, "i-klingon": true, "i-lux": true,
	"i-mingo": true, "i-navajo": true, "i-pwn": true, "i-tao": true,
	"i-tay": true, "i-tsu": true, "sgn-be-fr": true, "sgn-be-nl": true,
	"sgn-ch-de": true, "art-lojban": true, "cel-gaulish": true, "no-bok": true,
	"no-nyn": true, "zh-guoyu": true, "zh-hakka": true, "zh-min": true,
	"zh-min-nan": true, "zh-xiang": true,
}

// IsLanguageTag reports whether s is a well-formed RFC 5646 language tag
// (the "Language-Tag" production of section 2.1, so the sequence of subtag
// kinds and lengths is checked, as Data 2.2.s4.b2 requires) that also has no
// repeated variant or extension singleton (section 2.2.5 and 2.2.6), such as
// en, en-US, zh-cmn-Hans-CN, sl-rozaj-biske, x-whatever or i-enochian. The
// subtags are not looked up in the IANA registry.
func IsLanguageTag(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	lower := strings.ToLower(s)
	if grandfathered[lower] {
		return true
	}
	tags := strings.Split(lower, "-")
	for _, t := range tags {
		if len(t) < 1 || len(t) > 8 || !isAlnum(t) {
			return false
		}
	}
	i, n := 0, len(tags)
	if tags[0] == "x" {
		return privateUse(tags[1:])
	}
	// language: 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
	if len(tags[0]) < 2 || !isAlpha(tags[0]) {
		return false
	}
	i = 1
	if len(tags[0]) <= 3 {
		for k := 0; k < 3 && i < n && len(tags[i]) == 3 && isAlpha(tags[i]); k++ {
			i++
		}
	}
	// script: 4ALPHA
	if i < n && len(tags[i]) == 4 && isAlpha(tags[i]) {
		i++
	}
	// region: 2ALPHA / 3DIGIT
	if i < n && (len(tags[i]) == 2 && isAlpha(tags[i]) || len(tags[i]) == 3 && isDigits(tags[i])) {
		i++
	}
	// variants: 5*8alphanum / (DIGIT 3alphanum), no repeats
	seen := map[string]bool{}
	for i < n && (len(tags[i]) >= 5 || len(tags[i]) == 4 && isDigit(tags[i][0])) {
		if seen[tags[i]] {
			return false
		}
		seen[tags[i]] = true
		i++
	}
	// extensions: singleton 1*("-" 2*8alphanum), no repeated singleton
	singletons := map[string]bool{}
	for i < n && len(tags[i]) == 1 && tags[i] != "x" {
		if singletons[tags[i]] {
			return false
		}
		singletons[tags[i]] = true
		i++
		start := i
		for i < n && len(tags[i]) >= 2 {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < n && tags[i] == "x" {
		return privateUse(tags[i+1:])
	}
	return i == n
}

func privateUse(tags []string) bool {
	return len(tags) > 0 // each already checked to be 1*8alphanum
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isDigit(c) && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}
