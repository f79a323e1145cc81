package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/i18n"
	"github.com/hocvu/hocvu/internal/csvsafe"
)

// BOM starts every CSV so that Excel reads it as UTF-8.
const BOM = "\uFEFF"

// line is one indicator of the report, as the CSV and the HTML show it.
// Section I rows carry a target group's figures (Learners is people with
// any activity, Certified the people who count towards the target);
// sections II and III one figure each (Value); section IV one course each
// (Learners, Certified, Lessons and CourseID). Nil: not applicable, or no
// target.
type line struct {
	Section     string
	No          int
	Indicator   string
	Group       string
	Population  *int64
	TargetPct   *float64
	TargetCount *int64
	Learners    *int64
	Certified   *int64
	PctTarget   *float64
	ProgressPct *float64
	Status      string
	Met         bool
	Value       *int64
	// Course lines (section IV).
	Lessons  *int64
	CourseID string
}

// kv is one labelled count (nil: not available).
type kv struct {
	key string
	v   *int64
}

func ptr[T any](v T) *T { return &v }

// lines flattens the report into its indicators, in order.
func (r *Report) lines(lang string) []line {
	var out []line
	for i, t := range r.Targets {
		l := line{Section: "I", No: i + 1, Indicator: i18n.T(lang, "group."+t.Group), Group: t.Group,
			Population: ptr(t.Population), TargetPct: t.TargetPct, TargetCount: t.TargetCount, Learners: ptr(t.Learners),
			Certified: ptr(t.CertifiedLearners), ProgressPct: ptr(t.ProgressPct), Met: t.Met()}
		if pt, ok := t.PctOfTarget(); ok {
			l.PctTarget = &pt
		}
		switch {
		case !t.HasTarget():
			l.Status = i18n.T(lang, "ui.no_target_set")
		case l.Met:
			l.Status = i18n.T(lang, "ui.met")
		default:
			l.Status = i18n.T(lang, "ui.not_met")
		}
		out = append(out, l)
	}
	if a := r.Activity; a != nil {
		for i, x := range []kv{{"col.learners", ptr(a.Learners)}, {"col.lesson_completions", ptr(a.LessonCompletions)}, {"col.passes", ptr(a.Passes)},
			{"col.fails", ptr(a.Fails)}, {"col.certificates", ptr(a.Certificates)}, {"col.certified_learners", ptr(a.CertifiedLearners)}} {
			out = append(out, line{Section: "II", No: i + 1, Indicator: i18n.T(lang, x.key), Value: x.v})
		}
	}
	if c := r.Community; c != nil {
		var xs []kv
		if c.teamsKnown {
			xs = append(xs, kv{"report.teams", ptr(c.Teams)}, kv{"report.team_members", ptr(c.TeamMembers)})
		}
		if c.mentorsKnown {
			xs = append(xs, kv{"report.mentors", ptr(c.Mentors)}, kv{"report.mentors_norm", ptr(c.MentorsMeetingNorm)}, kv{"report.mentees", c.Mentees})
		}
		for i, x := range xs {
			out = append(out, line{Section: "III", No: i + 1, Indicator: i18n.T(lang, x.key), Value: x.v})
		}
	}
	for i, c := range r.Courses {
		c := c
		out = append(out, line{Section: "IV", No: i + 1, Indicator: c.Name(lang), Learners: ptr(c.Learners),
			Certified: ptr(c.CertifiedLearners), Lessons: ptr(c.LessonCompletions), CourseID: c.ID})
	}
	return out
}

// CSVColumns are the CSV's column keys, in order (translated in the
// header row). Section I fills the target columns, sections II and III
// the figure (report.value); section IV (courses) learners, certified
// learners and the last two.
var CSVColumns = []string{"report.section", "report.no", "report.indicator", "col.target_group", "col.population",
	"col.target_pct", "col.target_count", "report.learners", "col.certified_learners", "report.pct_of_target", "col.progress_pct", "col.status", "report.value",
	"col.lesson_completions", "col.course_id"}

// Notes are the definitions printed under the report (CSV and HTML).
var Notes = []string{"report.note_learners", "report.note_certified", "report.note_target", "report.note_periods", "report.note_rounding"}

// WriteCSV writes the report as one CSV table (UTF-8 with a BOM, for
// Excel): a title block, then one row per indicator, then the notes that
// define the figures. Numbers are plain (no thousands separator, '.' as
// the decimal point).
func (r *Report) WriteCSV(w io.Writer, lang string) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	cw := csvsafe.NewWriter(w) // no cell can start a formula
	head := make([]string, len(CSVColumns))
	for i, k := range CSVColumns {
		head[i] = i18n.T(lang, k)
	}
	_ = cw.Write([]string{i18n.Tf(lang, "report.title", r.Year)})
	_ = cw.Write([]string{r.unitLine(lang)})
	_ = cw.Write([]string{r.throughLine(lang)})
	_ = cw.Write(head)
	for _, l := range r.lines(lang) {
		_ = cw.Write([]string{l.Section, strconv.Itoa(l.No), l.Indicator, l.Group, optInt(l.Population), optFloat(l.TargetPct),
			optInt(l.TargetCount), optInt(l.Learners), optInt(l.Certified), optFloat(l.PctTarget), optFloat(l.ProgressPct), l.Status, optInt(l.Value),
			optInt(l.Lessons), l.CourseID})
	}
	for _, m := range r.Missing {
		_ = cw.Write([]string{i18n.Tf(lang, "report.missing", m)})
	}
	for _, n := range Notes {
		_ = cw.Write([]string{r.note(lang, n)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}

// note renders a note, with the report's periods where it names them.
func (r *Report) note(lang, key string) string {
	return i18n.Tf(lang, key, r.periodEnd(lang), r.Year)
}

// unitLine names the commune ("Đơn vị: Tịnh Khê (mã 21121)").
func (r *Report) unitLine(lang string) string {
	if r.Name == "" {
		return i18n.Tf(lang, "report.unit_code", r.Commune)
	}
	return i18n.Tf(lang, "report.unit", r.Name, r.Commune)
}

// MonthLabel renders "2025-12" as the dashboard does ("tháng 12/2025").
func MonthLabel(lang, month string) string {
	if len(month) != 7 {
		return month
	}
	return i18n.Tf(lang, "ui.month_label", strings.TrimPrefix(month[5:], "0"), month[:4])
}

// throughLine says what the figures cover: to the end of Through, or,
// when Through is the month the report was made in (the year runs), to
// that day, so that a report of 7 December does not claim all December.
func (r *Report) throughLine(lang string) string {
	day, running := r.madeOn(lang)
	if !running {
		return i18n.Tf(lang, "report.through", MonthLabel(lang, r.Through))
	}
	return i18n.Tf(lang, "report.through_today", day, MonthLabel(lang, r.Through))
}

// periodEnd is where the report's periods end, as the notes say it: "the
// end of" Through, or the day the report was made in a month that runs.
func (r *Report) periodEnd(lang string) string {
	day, running := r.madeOn(lang)
	if !running {
		return i18n.Tf(lang, "report.period_end_month", MonthLabel(lang, r.Through))
	}
	return i18n.Tf(lang, "report.period_end_day", day)
}

// madeOn returns the day the report was made, and whether Through is that
// day's month (the month runs).
func (r *Report) madeOn(lang string) (string, bool) {
	made := r.Generated.In(analytics.Local)
	day := made.Format("2/1/2006")
	if lang == "en" {
		day = made.Format("2 January 2006")
	}
	return day, r.Through == made.Format("2006-01")
}

func (r *Report) displayName() string {
	if r.Name != "" {
		return r.Name
	}
	return r.Commune
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(analytics.Round(*p), 'f', -1, 64)
}

//go:embed report.html
var htmlSource string

//go:embed report.css
var styleSource string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"t": func(lang, key string, args ...any) string { return i18n.Tf(lang, key, args...) },
	"n": func(lang string, v int64) string { return i18n.Int(lang, v) },
	"np": func(lang string, v *int64) string {
		if v == nil {
			return "—"
		}
		return i18n.Int(lang, *v)
	},
	"raw": func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	},
	// fp is a percentage with one decimal, "< 0,1" for a share that is
	// not zero but rounds to it, "—" for none.
	"fp": func(lang string, v *float64) string {
		if v == nil {
			return "—"
		}
		return i18n.Percent(lang, *v)
	},
	"style": func() template.CSS {
		return template.CSS(styleSource) //nolint:gosec // our own embedded stylesheet
	},
	"areas": func(lang string, a []string) string {
		out := make([]string, len(a))
		for i, x := range a {
			out[i] = i18n.T(lang, "area."+x)
		}
		return strings.Join(out, ", ")
	},
}).Parse(htmlSource))

// StyleHash is the CSP source ('sha256-…') of the report's inline style,
// so a server can serve the page under a strict Content-Security-Policy.
func StyleHash() string {
	h := sha256.Sum256([]byte(styleSource))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}

// WriteHTML writes the report as a standalone printable HTML page (A4,
// inline style, no script, no external resource).
func (r *Report) WriteHTML(w io.Writer, lang string) error {
	lang = i18n.Normalize(lang)
	var sections [4][]line
	for _, l := range r.lines(lang) {
		switch l.Section {
		case "I":
			sections[0] = append(sections[0], l)
		case "II":
			sections[1] = append(sections[1], l)
		case "III":
			sections[2] = append(sections[2], l)
		default:
			sections[3] = append(sections[3], l)
		}
	}
	var buf bytes.Buffer
	notes := make([]string, len(Notes))
	for i, n := range Notes {
		notes[i] = r.note(lang, n)
	}
	err := page.Execute(&buf, map[string]any{
		"Lang": lang, "R": r, "Name": r.displayName(), "Unit": r.unitLine(lang), "Through": r.throughLine(lang),
		"Targets": sections[0], "Activity": sections[1], "Community": sections[2], "Courses": sections[3], "Notes": notes,
		"Generated": r.Generated.In(analytics.Local).Format("02/01/2006 15:04"),
	})
	if err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}
