package loadgen

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// reportHeader is what the report says of the run besides its rows.
type reportHeader struct {
	Time       time.Time
	Version    string // of Hocvu
	Learners   int
	Seed       uint64
	Statements int64 // loaded in bulk
	Engine     string
}

// report is the markdown report: a heading with the date, a line naming
// the machine (host, CPUs, OS, Go), Hocvu and the campaign, and a table
// of the rows.
func report(h reportHeader, rows []row) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "### hocvu bench — %s\n\n", h.Time.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %s, %d CPUs (%s), %s/%s, %s. Hocvu %s. Campaign: %d learners (seed %d), %s statements; analytics on %s.\n\n",
		host, runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), h.Version, h.Learners, h.Seed, human(h.Statements), h.Engine)
	b.WriteString("| measurement | result | notes |\n| --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.what, r.value, r.note)
	}
	b.WriteString("\n")
	return b.String()
}

// cpuModel is the model name /proc/cpuinfo gives.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "model name") {
			if i := strings.Index(line, ":"); i >= 0 {
				return strings.TrimSpace(line[i+1:])
			}
		}
	}
	return "unknown CPU"
}

// human writes n with commas between thousands (4,530,505).
func human(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
