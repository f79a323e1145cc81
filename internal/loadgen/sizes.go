package loadgen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ParseSizes parses the store sizes of a scaling run: a comma-separated
// list of statement counts, each a whole number or a number with a
// suffix k (thousand), M (million) or G (billion), e.g. "0,500k,1M,2.5M".
// It returns them in increasing order without repeats, and refuses an
// empty list, a negative or fractional count, and anything else.
func ParseSizes(s string) ([]int64, error) {
	var sizes []int64
	for _, part := range strings.Split(s, ",") {
		n, err := parseSize(strings.TrimSpace(part))
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	return slices.Compact(sizes), nil
}

// parseSize parses one size of ParseSizes.
func parseSize(s string) (int64, error) {
	bad := func() (int64, error) {
		return 0, fmt.Errorf("size %q: want a statement count like 0, 250000, 500k, 1M or 2.5M", s)
	}
	mult := int64(1)
	num := s
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult = 1_000
		case 'm', 'M':
			mult = 1_000_000
		case 'g', 'G':
			mult = 1_000_000_000
		}
		if mult > 1 {
			num = s[:len(s)-1]
		}
	}
	if num == "" || strings.ContainsAny(num, "+-eE_ ") {
		return bad()
	}
	if mult == 1 {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return bad()
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f*float64(mult) > 1e15 {
		return bad()
	}
	n := f * float64(mult)
	if n != float64(int64(n)) {
		return bad() // a fraction of a statement
	}
	return int64(n), nil
}

// sizeLabel writes a size the way ParseSizes reads it: 0, 500k, 1M,
// 2.5M, 1G (one decimal at most, in the largest unit); other counts in
// full (1,234, 2,830,000).
func sizeLabel(n int64) string {
	for _, u := range []struct {
		mult   int64
		suffix string
	}{{1_000_000_000, "G"}, {1_000_000, "M"}, {1_000, "k"}} {
		if n >= u.mult {
			if (n*10)%u.mult != 0 {
				break
			}
			return strconv.FormatFloat(float64(n)/float64(u.mult), 'f', -1, 64) + u.suffix
		}
	}
	return human(n)
}
