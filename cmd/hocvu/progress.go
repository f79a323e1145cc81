package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// meter shows the progress of a long job: a live bar on a terminal, and
// one plain line every lineEvery otherwise (logs, CI, `> file`), so that
// redirected output stays readable.
type meter interface {
	Set(n int64)
	Finish()
}

const lineEvery = 10 * time.Second

// newMeter returns a meter on w for total units of unit ("statements").
func newMeter(w io.Writer, total int64, desc, unit string, width int) meter {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		now := time.Now()
		return &lineMeter{w: w, total: total, desc: desc, unit: unit, start: now, last: now}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200 * time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	}
	if width > 0 {
		opts = append(opts, progressbar.OptionSetWidth(width))
	}
	return barMeter{progressbar.NewOptions64(total, opts...)}
}

type barMeter struct{ bar *progressbar.ProgressBar }

func (b barMeter) Set(n int64) { _ = b.bar.Set64(n) }
func (b barMeter) Finish()     { _ = b.bar.Finish() }

// lineMeter prints "desc: n/total unit (p%), rate/s, elapsed" lines.
type lineMeter struct {
	w           io.Writer
	total, n    int64
	desc, unit  string
	start, last time.Time
	finished    bool
}

func (m *lineMeter) Set(n int64) {
	m.n = n
	if time.Since(m.last) >= lineEvery {
		m.print()
	}
}

func (m *lineMeter) Finish() {
	if m.finished {
		return
	}
	m.finished = true
	m.n = max(m.n, m.total)
	m.print()
}

func (m *lineMeter) print() {
	m.last = time.Now()
	elapsed := m.last.Sub(m.start)
	pct := 100.0
	if m.total > 0 {
		pct = 100 * float64(m.n) / float64(m.total)
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(m.n) / s
	}
	fmt.Fprintf(m.w, "%s: %d/%d %s (%.0f%%), %.0f %s/s, %s elapsed\n",
		m.desc, m.n, m.total, m.unit, pct, rate, m.unit, elapsed.Round(time.Second))
}
