package i18n

import (
	"math"
	"strconv"
	"strings"
)

// separators returns the thousands and decimal separators of lang, as the
// browser's Intl.NumberFormat uses them for vi-VN and en-US.
func separators(lang string) (group, decimal string) {
	if Normalize(lang) == "en" {
		return ",", "."
	}
	return ".", ","
}

// Int formats an integer with lang's thousands separator.
func Int(lang string, n int64) string {
	group, _ := separators(lang)
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Decimal formats f with at most digits decimals (trailing zeros dropped).
func Decimal(lang string, f float64, digits int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	_, decimal := separators(lang)
	p := math.Pow(10, float64(digits))
	f = math.Round(f*p) / p
	whole := int64(math.Trunc(f))
	frac := math.Abs(f - math.Trunc(f))
	out := Int(lang, whole)
	if whole == 0 && f < 0 {
		out = "-0"
	}
	if digits > 0 && frac > 0 {
		s := strconv.FormatFloat(frac, 'f', digits, 64) // "0.25"
		s = strings.TrimRight(s[2:], "0")
		if s != "" {
			out += decimal + s
		}
	}
	return out
}

// Percent formats a percentage with one decimal, as the dashboard shows
// it: a share that is not zero but rounds to 0 is "< 0,1", one below 100
// that rounds to 100 is "> 99,9", so that neither looks like none or all.
// The caller adds the "%" sign where it wants one.
func Percent(lang string, v float64) string {
	switch {
	case v > 0 && v < 0.05:
		return "< " + Decimal(lang, 0.1, 1)
	case v < 100 && v >= 99.95:
		return "> " + Decimal(lang, 99.9, 1)
	}
	return Decimal(lang, v, 1)
}
