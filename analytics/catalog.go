package analytics

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/hocvu/hocvu/campaign/vocab"
)

// Definitions the named queries share (docs/analytics.md explains them):
//
//   - a learner is a distinct actor pseudonym; "learners" counts actors with
//     any statement except voiding statements (anonymous groups never count);
//   - "statements" counts learning statements: voided statements and
//     voiding statements count nowhere;
//   - a lesson completion is a "completed" statement on a lesson activity;
//   - a pass is a "passed" statement, a fail a "failed" one;
//   - a certificate is an "earned" statement on a certificate activity;
//   - a VNeID confirmation is an "earned" statement on a VNeID
//     confirmation activity (docs/vocabulary.md);
//   - a commune code that the reference data does not list is reported as
//     UnknownCommune, a target group outside the vocabulary as
//     UnknownGroup; "" means the statement and the learner directory name
//     none.
const (
	VerbVoided      = vocab.VerbVoided
	VerbCompleted   = vocab.VerbCompleted
	VerbPassed      = vocab.VerbPassed
	VerbFailed      = vocab.VerbFailed
	VerbEarned      = vocab.VerbEarned
	VerbLaunched    = vocab.VerbLaunched
	VerbInitialized = vocab.VerbInitialized
	TypeLesson      = vocab.TypeLesson
	TypeCourse      = vocab.TypeCourse
	TypeCertificate = vocab.TypeCertificate
	TypeVNeID       = vocab.TypeVNeIDConfirmation
)

// UnknownCommune and UnknownGroup label the rows of values that the
// reference data (communes) or the vocabulary (target groups) do not know,
// so that a statement cannot make up rows of its own. Commune codes are
// five digits and groups lower-case words, so neither label is ever a
// real value.
const (
	UnknownCommune = "unknown"
	UnknownGroup   = "unknown"
)

// KnownGroups are the target groups of the vocabulary.
var KnownGroups = vocab.TargetGroups

// DefaultLimit and MaxLimit bound the rows of a query that caps them
// (bursts): the answer then says how many rows there are in all.
const (
	DefaultLimit = 1000
	MaxLimit     = 100000
)

// Query describes a named query of the catalogue.
type Query struct {
	Name        string
	Description string
	Columns     []string
	// Params lists the parameters it honours (of Params' fields).
	Params []string
}

// Catalog is every named query, the same on every engine.
var Catalog = []Query{
	{"summary", "Totals over the period: learning statements (voiding statements excluded), learners, lesson completions, passes, fails, certificates and certified learners.",
		[]string{"statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"},
		[]string{"from", "to", "commune", "group", "course"}},
	{"trend", "The summary per month.",
		[]string{"month", "statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"},
		[]string{"from", "to", "commune", "group", "course"}},
	{"by_commune", "The summary per commune/ward code (\"\" when neither the statement nor the learner directory names one, \"unknown\" for a code the reference data does not list).",
		[]string{"commune", "statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"},
		[]string{"from", "to", "group", "course"}},
	{"by_group", "The summary per target group (\"\" when not known, \"unknown\" for a value outside the vocabulary).",
		[]string{"target_group", "statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"},
		[]string{"from", "to", "commune", "course"}},
	{"by_course", "The summary per course.",
		[]string{"course_id", "statements", "learners", "lesson_completions", "passes", "fails", "certificates", "certified_learners"},
		[]string{"from", "to", "commune", "group"}},
	{"by_activity", "Statements and learners per verb and activity.",
		[]string{"verb", "activity_type", "object_id", "statements", "learners"},
		[]string{"from", "to", "commune", "group", "course"}},
	{"funnel", "Distinct learners at each stage: started (launched or initialized), completed a course (a course completion, not a lesson), passed, certified.",
		[]string{"stage", "learners"},
		[]string{"from", "to", "commune", "group", "course"}},
	{"fast_completions", "Lesson completions per commune and course, how many took less than a quarter of the lesson's nominal length (the statement's own expected-duration), and how many could not be checked (no duration or no expected-duration).",
		[]string{"commune", "course_id", "completions", "fast_completions", "unchecked"},
		[]string{"from", "to", "commune", "group", "course"}},
	{"bursts", "Accounts (pseudonyms; anonymous groups left out) with at least `threshold` lesson completions within one clock hour: the `limit` largest (default 1000); the answer's total counts them all.",
		[]string{"commune", "hour", "learner", "completions"},
		[]string{"from", "to", "commune", "group", "course", "threshold", "limit"}},
	{"communes", "The communes and wards of the reference data, with their area types and population.",
		[]string{"commune", "name", "kind", "district", "area_types", "population"},
		[]string{"commune", "area_type"}},
	{"targets", "The province's yearly targets per target group (reference data).",
		[]string{"year", "target_group", "metric", "value"},
		[]string{"group"}},
	{"progress", "Progress towards the year's skilled-share target per commune and group: population (denominator), this year's and last year's target (null: none), target count (rounded up), learners and certified learners from the start of the campaign to the end of `to` (each learner once, in the commune and group of their latest month), and certified learners as a percentage of the population.",
		[]string{"commune", "name", "area_types", "target_group", "population", "target_pct", "prev_target_pct", "target_count", "learners", "certified_learners", "progress_pct"},
		[]string{"to", "commune", "group", "area_type"}},
	{"mentors", "Digital ambassadors and their mentees (distinct learners whose statements in the period name them) against the norm of five.",
		[]string{"mentor", "commune", "team", "label", "mentees", "meets_norm"},
		[]string{"from", "to", "commune"}},
	{"mentoring", "Digital ambassadors per commune: how many, how many meet the norm of five mentees, and the distinct mentees (learners whose statements in the period name one of them; a learner guided by two counts once).",
		[]string{"commune", "name", "mentors", "mentors_meeting_norm", "mentees"},
		[]string{"from", "to", "commune"}},
	{"teams", "Community digital-technology teams: members and the distinct learners whose statements in the period name the team.",
		[]string{"team", "commune", "name", "members", "learners"},
		[]string{"from", "to", "commune"}},
	{"vneid", "People confirmed on the VNeID platform (distinct learners with a VNeID confirmation statement, docs/vocabulary.md) from the start of the campaign to the end of `to`, per target group.",
		[]string{"target_group", "confirmed_learners"},
		[]string{"to", "commune", "group"}},
	{"courses", "The course dimension: every course the statements name, with its name in `lang` (default vi-VN; else Vietnamese, then English, then the course IRI) from the activity definitions of statements stored with the define scope, and the language tag of that name ('' when it is the IRI).",
		[]string{"course_id", "name", "lang"},
		[]string{"course", "lang"}},
}

// Lookup returns the named query.
func Lookup(name string) (Query, bool) {
	for _, q := range Catalog {
		if q.Name == name {
			return q, true
		}
	}
	return Query{}, false
}

// Params filter a named query. Empty fields do not filter.
type Params struct {
	// From and To bound the period by month, inclusive ("2025-01").
	From, To string
	Commune  string
	Group    string
	Course   string
	// AreaType keeps communes of one area type (composite queries).
	AreaType string
	// Threshold is the burst size (bursts; default 20).
	Threshold int
	// Limit caps the rows of a query that caps them (bursts; default
	// DefaultLimit, at most MaxLimit).
	Limit int
	// Lang is the viewer's language (a BCP 47 tag) for names (courses;
	// default DefaultLang).
	Lang string
}

// ErrBadParams is wrapped by Validate's errors.
var ErrBadParams = errors.New("analytics: invalid parameters")

var monthRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// Validate checks the parameters and fills defaults.
func (p *Params) Validate() error {
	for _, m := range []string{p.From, p.To} {
		if m != "" && !monthRE.MatchString(m) {
			return fmt.Errorf("%w: month %q is not YYYY-MM", ErrBadParams, m)
		}
	}
	if p.From != "" && p.To != "" && p.From > p.To {
		return fmt.Errorf("%w: from %s is after to %s", ErrBadParams, p.From, p.To)
	}
	if p.Threshold == 0 {
		p.Threshold = 20
	}
	if p.Threshold < 1 || p.Threshold > 100000 {
		return fmt.Errorf("%w: threshold %d out of range", ErrBadParams, p.Threshold)
	}
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if p.Limit < 1 || p.Limit > MaxLimit {
		return fmt.Errorf("%w: limit %d out of range (1 to %d)", ErrBadParams, p.Limit, MaxLimit)
	}
	if p.Lang != "" && !validLang(p.Lang) {
		return fmt.Errorf("%w: lang %q is not a language tag", ErrBadParams, p.Lang)
	}
	return nil
}

// MonthRange returns From and To as YYYYMM integers (0 and 999912 when
// unbounded).
func (p *Params) MonthRange() (uint32, uint32) {
	lo, hi := uint32(0), uint32(999912)
	if p.From != "" {
		lo = yyyymm(p.From)
	}
	if p.To != "" {
		hi = yyyymm(p.To)
	}
	return lo, hi
}

func yyyymm(m string) uint32 {
	y, _ := strconv.Atoi(m[:4])
	mo, _ := strconv.Atoi(m[5:7])
	return uint32(y*100 + mo)
}

// Result is the answer of a named query: rows of int64, float64 or string
// values in the catalogue's column order; nil (JSON null) where a value
// does not exist (a target that was never set).
type Result struct {
	Query   string   `json:"query"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	// Limit and Total are set by a query that caps its rows (bursts): it
	// returns at most Limit rows, and Total is how many there are in all.
	// No other query drops rows.
	Limit int    `json:"limit,omitempty"`
	Total *int64 `json:"total,omitempty"`
}

// Truncated reports whether rows were left out by the cap.
func (r *Result) Truncated() bool { return r.Total != nil && *r.Total > int64(len(r.Rows)) }

// Round keeps float results comparable across engines (4 decimals).
func Round(f float64) float64 { return math.Round(f*1e4) / 1e4 }

// MonthLabel renders a YYYYMM integer as "YYYY-MM".
func MonthLabel(m uint32) string { return fmt.Sprintf("%04d-%02d", m/100, m%100) }

// HourLabel renders a local hour as "YYYY-MM-DD HH:00".
func HourLabel(t time.Time) string { return t.In(Local).Format("2006-01-02 15:00") }
