package report

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/dashboard/i18n"
)

// BOM starts every CSV so that Excel reads it as UTF-8.
const BOM = "\uFEFF"

// line is one indicator of the report, as the CSV and the HTML show it.
type line struct {
	Section     string
	No          int
	Indicator   string
	Group       string
	Population  *int64
	TargetPct   *float64
	TargetCount *int64
	Result      int64
	Certified   *int64
	PctTarget   *float64
	ProgressPct *float64
	Status      string
	Met         bool
	// Course lines (section IV).
	Lessons  *int64
	CourseID string
}

// kv is one labelled count.
type kv struct {
	key string
	v   int64
}

// lines flattens the report into its indicators, in order.
func (r *Report) lines(lang string) []line {
	var out []line
	for i, t := range r.Targets {
		t := t
		pt := t.PctOfTarget()
		st, met := i18n.T(lang, "ui.not_met"), t.Met()
		if met {
			st = i18n.T(lang, "ui.met")
		}
		out = append(out, line{Section: "I", No: i + 1, Indicator: i18n.T(lang, "group."+t.Group), Group: t.Group,
			Population: &t.Population, TargetPct: &t.TargetPct, TargetCount: &t.TargetCount, Result: t.Learners,
			Certified: &t.CertifiedLearners, PctTarget: &pt, ProgressPct: &t.ProgressPct, Status: st, Met: met})
	}
	if a := r.Activity; a != nil {
		for i, x := range []kv{{"col.learners", a.Learners}, {"col.lesson_completions", a.LessonCompletions}, {"col.passes", a.Passes},
			{"col.fails", a.Fails}, {"col.certificates", a.Certificates}, {"col.certified_learners", a.CertifiedLearners}} {
			out = append(out, line{Section: "II", No: i + 1, Indicator: i18n.T(lang, x.key), Result: x.v})
		}
	}
	if c := r.Community; c != nil {
		var xs []kv
		if c.teamsKnown {
			xs = append(xs, kv{"report.teams", c.Teams}, kv{"report.team_members", c.TeamMembers})
		}
		if c.mentorsKnown {
			xs = append(xs, kv{"report.mentors", c.Mentors}, kv{"report.mentors_norm", c.MentorsMeetingNorm}, kv{"report.mentees", c.Mentees})
		}
		for i, x := range xs {
			out = append(out, line{Section: "III", No: i + 1, Indicator: i18n.T(lang, x.key), Result: x.v})
		}
	}
	for i, c := range r.Courses {
		c := c
		out = append(out, line{Section: "IV", No: i + 1, Indicator: c.Name(lang), Result: c.Learners,
			Certified: &c.CertifiedLearners, Lessons: &c.LessonCompletions, CourseID: c.ID})
	}
	return out
}

// CSVColumns are the CSV's column keys, in order (translated in the
// header row).
var CSVColumns = []string{"report.section", "report.no", "report.indicator", "col.target_group", "col.population",
	"col.target_pct", "col.target_count", "report.value", "col.certified_learners", "report.pct_of_target", "col.progress_pct", "col.status",
	"col.lesson_completions", "col.course_id"}

// WriteCSV writes the report as one CSV table (UTF-8 with a BOM, for
// Excel): a title block, then one row per indicator. Numbers are plain
// (no thousands separator, '.' as the decimal point).
func (r *Report) WriteCSV(w io.Writer, lang string) error {
	if _, err := io.WriteString(w, BOM); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	cw := csv.NewWriter(w)
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
			optInt(l.TargetCount), strconv.FormatInt(l.Result, 10), optInt(l.Certified), optFloat(l.PctTarget), optFloat(l.ProgressPct), l.Status,
			optInt(l.Lessons), l.CourseID})
	}
	for _, m := range r.Missing {
		_ = cw.Write([]string{i18n.Tf(lang, "report.missing", m)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
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
	made := r.Generated.In(analytics.Local)
	if r.Through != made.Format("2006-01") {
		return i18n.Tf(lang, "report.through", MonthLabel(lang, r.Through))
	}
	day := made.Format("2/1/2006")
	if lang == "en" {
		day = made.Format("2 January 2006")
	}
	return i18n.Tf(lang, "report.through_today", day, MonthLabel(lang, r.Through))
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
	"t":   func(lang, key string, args ...any) string { return i18n.Tf(lang, key, args...) },
	"n":   func(lang string, v int64) string { return i18n.Int(lang, v) },
	"np":  func(lang string, v *int64) string { return i18n.Int(lang, *v) },
	"raw": func(v *int64) int64 { return *v },
	"fp":  func(lang string, v *float64) string { return i18n.Decimal(lang, *v, 1) },
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
	err := page.Execute(&buf, map[string]any{
		"Lang": lang, "R": r, "Name": r.displayName(), "Unit": r.unitLine(lang), "Through": r.throughLine(lang),
		"Targets": sections[0], "Activity": sections[1], "Community": sections[2], "Courses": sections[3],
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
