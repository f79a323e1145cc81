package clickhouse_test

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hocvu/hocvu/analytics/analyticstest"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// exampleReferences answer the example queries of docs/analytics.md, in
// their order, in plain Go over the statements that count.
var exampleReferences = []func([]analyticstest.Row) [][]string{
	// Lesson completions per commune and month in 2025 (agg_daily).
	func(rows []analyticstest.Row) [][]string {
		type key struct {
			commune string
			month   uint32
		}
		n := map[key]int{}
		for _, r := range rows {
			if strings.HasPrefix(r.Date, "2025-") && r.Verb == vocab.VerbCompleted && r.ActivityType == vocab.TypeLesson {
				n[key{r.Commune, r.Month}]++
			}
		}
		keys := make([]key, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].commune != keys[j].commune {
				return keys[i].commune < keys[j].commune
			}
			return keys[i].month < keys[j].month
		})
		var out [][]string
		for _, k := range keys {
			out = append(out, []string{k.commune, strconv.Itoa(int(k.month)), strconv.Itoa(n[k])})
		}
		return out
	},
	// Distinct learners per target group over a quarter (agg_learner_months).
	func(rows []analyticstest.Row) [][]string {
		learners := map[string]map[uint64]bool{}
		for _, r := range rows {
			if r.Month >= 202510 && r.Month <= 202512 && r.Actor != 0 && r.Verb != vocab.VerbVoided {
				if learners[r.Group] == nil {
					learners[r.Group] = map[uint64]bool{}
				}
				learners[r.Group][r.Actor] = true
			}
		}
		var out [][]string
		for _, g := range sortedKeys(learners) {
			out = append(out, []string{g, strconv.Itoa(len(learners[g]))})
		}
		return out
	},
	// Median time of a completion per course (quantileExact: the element
	// at index n/2 of the sorted values).
	func(rows []analyticstest.Row) [][]string {
		durations := map[string][]float64{}
		for _, r := range rows {
			if r.Verb == vocab.VerbCompleted && r.Duration >= 0 {
				durations[r.Course] = append(durations[r.Course], r.Duration)
			}
		}
		courses := sortedKeys(durations)
		sort.SliceStable(courses, func(i, j int) bool { return len(durations[courses[i]]) > len(durations[courses[j]]) })
		var out [][]string
		for _, c := range courses {
			d := slices.Sorted(slices.Values(durations[c]))
			out = append(out, []string{c, strconv.FormatFloat(d[len(d)/2], 'g', -1, 64), strconv.Itoa(len(d))})
		}
		return out
	},
	// Pass rate per commune, rounded half to even as ClickHouse's round
	// does for floats.
	func(rows []analyticstest.Row) [][]string {
		passes, fails := map[string]int{}, map[string]int{}
		for _, r := range rows {
			switch r.Verb {
			case vocab.VerbPassed:
				passes[r.Commune]++
			case vocab.VerbFailed:
				fails[r.Commune]++
			}
		}
		all := map[string]bool{}
		for c := range passes {
			all[c] = true
		}
		for c := range fails {
			all[c] = true
		}
		type line struct {
			commune string
			rate    float64
		}
		var lines []line
		for c := range all {
			lines = append(lines, line{c, math.RoundToEven(float64(passes[c])/float64(passes[c]+fails[c])*1000) / 1000})
		}
		sort.Slice(lines, func(i, j int) bool {
			if lines[i].rate != lines[j].rate {
				return lines[i].rate < lines[j].rate
			}
			return lines[i].commune < lines[j].commune
		})
		var out [][]string
		for _, l := range lines {
			out = append(out, []string{l.commune, strconv.Itoa(passes[l.commune]), strconv.Itoa(fails[l.commune]), strconv.FormatFloat(l.rate, 'g', -1, 64)})
		}
		return out
	},
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
