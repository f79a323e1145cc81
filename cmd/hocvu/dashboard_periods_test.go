package main_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/proctest"
)

// The key-figure cards compare like with like (docs/dashboard.md,
// "Periods"); these checks recompute, from the page's current month and
// the analytics API, what each comparison line must show.

// month arithmetic on "YYYY-MM".
func addMonth(m string, n int) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}

func quarterStart(m string) string {
	t, _ := time.Parse("2006-01", m)
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// span is a range of months, inclusive.
type span struct{ from, to string }

// wantComparisons is what the cards of period [from, to] compare when the
// current month is now: the last complete month not after the period
// against the month before; its quarter, whole when complete, else its
// complete months against the same months of the quarter before; and the
// current month, shown alone, while it is in the period.
func wantComparisons(from, to, now string) (month, monthPrev, quarter, quarterPrev span, running *span) {
	last := min(to, addMonth(now, -1))
	month, monthPrev = span{last, last}, span{addMonth(last, -1), addMonth(last, -1)}
	qs := quarterStart(last)
	qe := addMonth(qs, 2)
	quarter = span{qs, last}
	quarterPrev = span{addMonth(qs, -3), addMonth(last, -3)}
	if last == qe {
		quarterPrev = span{addMonth(qs, -3), addMonth(qe, -3)}
	}
	if from <= now && now <= to {
		running = &span{now, now}
	}
	return
}

// apiCache answers summary and trend queries once per parameter set.
type apiCache struct {
	t *testing.T
	p *proctest.Process
	m map[string]apiResult
}

func (c *apiCache) get(name string, v url.Values) apiResult {
	k := name + "?" + v.Encode()
	if r, ok := c.m[k]; ok {
		return r
	}
	r, _ := apiQuery(c.t, c.p, name, v)
	c.m[k] = r
	return r
}

// checkPeriods checks every comparison line of the three cards of the
// page open in b, for the period [from, to] and the filters in filter
// (group, commune), against the analytics API.
func checkPeriods(t *testing.T, b *browser, p *proctest.Process, from, to string, filter url.Values) {
	t.Helper()
	var pageCtx struct {
		Now string `json:"now"`
	}
	if err := json.Unmarshal([]byte(eval[string](b, `document.getElementById('hv-ctx').textContent`)), &pageCtx); err != nil {
		t.Fatal(err)
	}
	month, monthPrev, quarter, quarterPrev, running := wantComparisons(from, to, pageCtx.Now)
	api := &apiCache{t: t, p: p, m: map[string]apiResult{}}
	// Months with any statement in the scope (the commune, not the group).
	scope := url.Values{"from": {min(from, quarterPrev.from, monthPrev.from)}, "to": {pageCtx.Now}}
	if c := filter.Get("commune"); c != "" {
		scope.Set("commune", c)
	}
	trend := api.get("trend", scope)
	withData := map[string]bool{}
	for _, row := range trend.Rows {
		if fmt.Sprint(row[trend.col("statements")]) != "0" {
			withData[fmt.Sprint(row[trend.col("month")])] = true
		}
	}
	has := func(s span) bool {
		for m := s.from; m <= s.to; m = addMonth(m, 1) {
			if withData[m] {
				return true
			}
		}
		return false
	}
	value := func(s span, col string) string {
		v := url.Values{"from": {s.from}, "to": {s.to}}
		for k := range filter {
			v.Set(k, filter.Get(k))
		}
		return apiNumber(t, api.get("summary", v), 0, col)
	}
	for _, col := range []string{"learners", "lesson_completions", "certificates"} {
		// The period's own total: "no data yet" when none of its months so
		// far has a statement in the scope.
		periodState := "nodata"
		if from <= pageCtx.Now && has(span{from, min(to, pageCtx.Now)}) {
			periodState = "ok"
		}
		if got := b.attr(fmt.Sprintf(`.kpi[data-kpi=%q]`, col), "data-state"); got != periodState {
			t.Errorf("%s card: period %s–%s state %q, want %q", col, from, to, got, periodState)
		}
		for _, c := range []struct {
			kind      string
			cur, prev span
		}{{"month", month, monthPrev}, {"quarter", quarter, quarterPrev}} {
			sel := fmt.Sprintf(`[data-kpi=%q] p[data-cmp=%q]`, col, c.kind)
			if !b.exists(sel) {
				t.Errorf("%s card: no %s comparison", col, c.kind)
				continue
			}
			got := span{b.attr(sel, "data-from"), b.attr(sel, "data-to")}
			gotPrev := span{b.attr(sel, "data-prev-from"), b.attr(sel, "data-prev-to")}
			if got != c.cur || gotPrev != c.prev {
				t.Errorf("%s card, %s line: compares %v with %v, want %v with %v (now %s)", col, c.kind, got, gotPrev, c.cur, c.prev, pageCtx.Now)
			}
			state := "ok"
			switch {
			case !has(c.cur):
				state = "nodata"
			case !has(c.prev):
				state = "noprev"
			}
			if got := b.attr(sel, "data-state"); got != state {
				t.Errorf("%s card, %s line: state %q, want %q", col, c.kind, got, state)
			}
			text := eval[string](b, fmt.Sprintf(`document.querySelector(%q).textContent`, sel))
			switch state {
			case "nodata":
				if strings.ContainsAny(text, "▼▲") || b.attr(sel, "data-v") != "" {
					t.Errorf("%s card, %s line without data shows a number or a change: %q", col, c.kind, text)
				}
			case "ok":
				if v, want := b.attr(sel, "data-v"), value(c.cur, col); v != want {
					t.Errorf("%s card, %s line: %s, API says %s", col, c.kind, v, want)
				}
				if v, want := b.attr(sel, "data-prev"), value(c.prev, col); v != want {
					t.Errorf("%s card, %s line: previous %s, API says %s", col, c.kind, v, want)
				}
			}
		}
		sel := fmt.Sprintf(`[data-kpi=%q] p[data-cmp="running"]`, col)
		switch {
		case running == nil && b.exists(sel):
			t.Errorf("%s card: a month in progress is shown for a period that has ended", col)
		case running != nil:
			if b.attr(sel, "data-from") != running.from {
				t.Errorf("%s card: month in progress %q, want %s", col, b.attr(sel, "data-from"), running.from)
			}
			text := eval[string](b, fmt.Sprintf(`(e => e ? e.textContent : '')(document.querySelector(%q))`, sel))
			if strings.ContainsAny(text, "▼▲") {
				t.Errorf("%s card: the month in progress is compared: %q", col, text)
			}
			if !has(*running) && b.attr(sel, "data-state") != "nodata" {
				t.Errorf("%s card: the month in progress has no data yet, the card says %q", col, text)
			}
			if has(*running) && b.attr(sel, "data-v") != value(*running, col) {
				t.Errorf("%s card: month in progress %s, API says %s", col, b.attr(sel, "data-v"), value(*running, col))
			}
		}
	}
}

// checkComparisonRules runs the cards' comparison rules (compare.js) in
// the page on fixed dates: 7 December with no data yet for December, a
// quarter in its first month, a past quarter, January, and the three
// states of a line.
func checkComparisonRules(t *testing.T, b *browser) {
	t.Helper()
	out := eval[string](b, `import('/dashboard/assets/js/compare.js').then((m) => {
  const r = (x) => x && { from: x.from, to: x.to };
  const plan = (from, to, now) => { const p = m.plan({ from, to }, now);
    return { running: r(p.running), month: [r(p.month.cur), r(p.month.prev)], quarter: [r(p.quarter.cur), r(p.quarter.prev)], vs: p.quarter.vs }; };
  return JSON.stringify({
    dec: plan('2026-01', '2026-12', '2026-12'),
    oct: plan('2026-10', '2026-12', '2026-10'),
    past: plan('2026-04', '2026-06', '2026-12'),
    jan: plan('2027-01', '2027-12', '2027-01'),
    nodata: m.judge(0, 500, false, true), dropped: m.judge(0, 500, true, true), noprev: m.judge(7, 0, true, false),
  });
})`)
	type rng struct{ From, To string }
	// A quarter that has not started, and one whose months so far have no
	// statement (only a later one), have no data yet: the card shows no
	// total of 0; a period with data so far has data.
	periods := eval[string](b, `import('/dashboard/assets/js/compare.js').then((m) => JSON.stringify([
  m.periodHasData({ from: '2026-07', to: '2026-09' }, '2026-02', new Set(['2026-01', '2026-02'])),
  m.periodHasData({ from: '2026-01', to: '2026-03' }, '2026-02', new Set(['2026-03'])),
  m.periodHasData({ from: '2026-01', to: '2026-03' }, '2026-02', new Set(['2026-02'])),
  m.periodHasData({ from: '2026-01', to: '2026-12' }, '2026-12', new Set(['2026-11'])),
]))`)
	if periods != "[false,false,true,true]" {
		t.Errorf("period has data (future quarter, none so far, some, a year): %s, want [false,false,true,true]", periods)
	}
	var got map[string]struct {
		Running *rng
		Month   [2]rng
		Quarter [2]rng
		VS      string `json:"vs"`
		State   string `json:"state"`
		Delta   *struct{ Text, Cls string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("comparison rules: %v\n%s", err, out)
	}
	for name, want := range map[string][3]string{ // running, month cur/prev, quarter cur/prev
		"dec":  {"2026-12", "2026-11 2026-11 2026-10 2026-10", "2026-10 2026-11 2026-07 2026-08"},
		"oct":  {"2026-10", "2026-09 2026-09 2026-08 2026-08", "2026-07 2026-09 2026-04 2026-06"},
		"past": {"", "2026-06 2026-06 2026-05 2026-05", "2026-04 2026-06 2026-01 2026-03"},
		"jan":  {"2027-01", "2026-12 2026-12 2026-11 2026-11", "2026-10 2026-12 2026-07 2026-09"},
	} {
		g := got[name]
		run := ""
		if g.Running != nil {
			run = g.Running.From
		}
		m := fmt.Sprint(g.Month[0].From, " ", g.Month[0].To, " ", g.Month[1].From, " ", g.Month[1].To)
		q := fmt.Sprint(g.Quarter[0].From, " ", g.Quarter[0].To, " ", g.Quarter[1].From, " ", g.Quarter[1].To)
		if run != want[0] || m != want[1] || q != want[2] {
			t.Errorf("comparisons for %s: running %q, month %s, quarter %s; want %q, %s, %s", name, run, m, q, want[0], want[1], want[2])
		}
	}
	if vs := got["dec"].VS; !strings.Contains(vs, "cùng kỳ") || !strings.Contains(vs, "7–8") {
		t.Errorf("a partial quarter must say it is compared with the same months: %q", vs)
	}
	if g := got["nodata"]; g.State != "nodata" || g.Delta != nil {
		t.Errorf("no data yet for the period: %+v, want state nodata and no change", g)
	}
	if g := got["dropped"]; g.State != "ok" || g.Delta == nil || g.Delta.Cls != "down" || !strings.Contains(g.Delta.Text, "100") {
		t.Errorf("a fall to zero: %+v, want a 100%% drop", g)
	}
	if g := got["noprev"]; g.State != "noprev" || g.Delta != nil {
		t.Errorf("nothing to compare with: %+v", g)
	}
}

// checkPaceRules runs the expected pace and the cumulative label
// (period.js) on fixed dates: the month in progress counts only its days
// so far (on 7 December a year is 11 + 7/31 months through, not 12) and a
// cumulative figure to it says "to date", not "to the end of" the month.
// On the page open in b (a period that contains the current month) the
// cumulative panel says "to date" too.
func checkPaceRules(t *testing.T, b *browser) {
	t.Helper()
	out := eval[string](b, `import('/dashboard/assets/js/period.js').then((m) => JSON.stringify({
  start: document.getElementById('hv-ctx') && JSON.parse(document.getElementById('hv-ctx').textContent).campaignStart,
  dec7: m.paceFraction(2026, '2026-12', '2026-12-07'),
  nov: m.paceFraction(2026, '2026-11', '2026-12-07'),
  decOver: m.paceFraction(2026, '2026-12', '2027-01-02'),
  first: m.paceFraction(2025, '2025-05', '2025-05-10'),
  labelDec7: m.cumulativeLabel('2026-12', '2026-12-07'),
  labelNov: m.cumulativeLabel('2026-11', '2026-12-07'),
}))`)
	var got struct {
		Start               string
		Dec7, Nov, DecOver  float64
		First               float64
		LabelDec7, LabelNov string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("pace rules: %v\n%s", err, out)
	}
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	if !near(got.Dec7, (11+7.0/31)/12) || !near(got.Nov, 11.0/12) || !near(got.DecOver, 1) {
		t.Errorf("expected pace on 7 December: %v (want %v), to November %v (want %v), after December %v (want 1)",
			got.Dec7, (11+7.0/31)/12, got.Nov, 11.0/12, got.DecOver)
	}
	if got.Start == "2025-05" && !near(got.First, (10.0/31)/8) {
		t.Errorf("expected pace on 10 May of the campaign's first year (from May): %v, want %v", got.First, (10.0/31)/8)
	}
	if !strings.Contains(got.LabelDec7, "đến nay") || !strings.Contains(got.LabelDec7, "7") || strings.Contains(got.LabelDec7, "đến hết") {
		t.Errorf("cumulative to 7 December: %q, want 'to date' with the date", got.LabelDec7)
	}
	if got.LabelNov != "Lũy kế từ đầu chiến dịch đến hết tháng 11/2026" {
		t.Errorf("cumulative to a past month: %q", got.LabelNov)
	}
	if sub := eval[string](b, `document.querySelector('#panel-targets .sub').textContent`); !strings.Contains(sub, "đến nay") || strings.Contains(sub, "đến hết") {
		t.Errorf("progress panel while the month runs: %q, want cumulative to date", sub)
	}
}

// checkTrendRunning checks the monthly trend of the page open in b for
// the year's months and the filters in filter: when the month in
// progress has data, it is marked (its label in the table, a dashed last
// segment, a note), else nothing is. It returns whether the month in
// progress has data, and which month that is.
func checkTrendRunning(t *testing.T, b *browser, p *proctest.Process, year string, filter url.Values) (bool, string) {
	t.Helper()
	var pageCtx struct {
		Now string `json:"now"`
	}
	if err := json.Unmarshal([]byte(eval[string](b, `document.getElementById('hv-ctx').textContent`)), &pageCtx); err != nil {
		t.Fatal(err)
	}
	v := url.Values{"from": {year + "-01"}, "to": {year + "-12"}}
	for k := range filter {
		v.Set(k, filter.Get(k))
	}
	trend, _ := apiQuery(t, p, "trend", v)
	running := len(trend.Rows) > 0 && fmt.Sprint(trend.Rows[len(trend.Rows)-1][trend.col("month")]) == pageCtx.Now
	marked := b.attr(`#panel-trend`, "data-running")
	dashed := b.exists(`#panel-trend svg path.partial`)
	note := eval[string](b, `document.querySelector('#panel-trend .note').textContent`)
	cell := eval[string](b, fmt.Sprintf(`(e => e ? e.textContent : '')(document.querySelector('#panel-trend td[data-col="month"][data-v=%q]'))`, pageCtx.Now))
	if running {
		if marked != pageCtx.Now || !dashed || !strings.Contains(note, "chưa kết thúc") || !strings.Contains(cell, "đang diễn ra") {
			t.Errorf("trend with data for the month in progress %s: marked %q, dashed %v, note %q, table %q", pageCtx.Now, marked, dashed, note, cell)
		}
	} else if marked != "" || dashed || strings.Contains(note, "chưa kết thúc") {
		t.Errorf("trend without the month in progress: marked %q, dashed %v, note %q", marked, dashed, note)
	}
	return running, pageCtx.Now
}
