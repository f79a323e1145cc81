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
