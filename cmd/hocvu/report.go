package main

import (
	"context"
	"io"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticsapi"
	"github.com/hocvu/hocvu/dashboard/report"
)

// reportCmd produces reports from the analytics named queries.
type reportCmd struct {
	Commune reportCommuneCmd `cmd:"" help:"The commune report appendix: one commune's targets and results for a year, as CSV (for Excel) or a printable HTML page."`
}

type reportCommuneCmd struct {
	storeConfig     `embed:""`
	analyticsConfig `embed:""`
	Code            string `arg:"" help:"Commune/ward code."`
	Year            int    `name:"year" help:"Year of the report (default: this year)."`
	Format          string `name:"format" enum:"csv,html" default:"csv" help:"csv (UTF-8 with BOM, for Excel) or html (printable page)."`
	Out             string `name:"out" short:"o" default:"-" help:"Output file ('-' for standard output)."`
	Lang            string `name:"lang" enum:"vi,en" default:"vi" help:"Language of the labels: vi or en."`
	URL             string `name:"url" env:"HOCVU_REPORT_URL" placeholder:"URL" help:"Ask a running Hocvu (its base URL) through /api/analytics/ instead of opening the analytics engine, which 'hocvu serve' holds; needs --key and --secret with the analytics scope."`
	Key             string `name:"key" env:"HOCVU_REPORT_KEY,HOCVU_API_KEY" help:"--url: credential key."`
	Secret          string `name:"secret" env:"HOCVU_REPORT_SECRET,HOCVU_API_SECRET" help:"--url: credential secret."`
}

func (c *reportCommuneCmd) Run(ctx context.Context, g *globals) error {
	now := time.Now()
	year := c.Year
	if year == 0 {
		year = now.In(analytics.Local).Year()
	}
	var (
		q     report.Querier
		avail report.Available
	)
	if c.URL != "" {
		if c.Key == "" || c.Secret == "" {
			return errorf("--url needs --key and --secret (a credential with the analytics scope)")
		}
		client, err := analyticsapi.NewClient(ctx, c.URL, c.Key, c.Secret)
		if err != nil {
			return err
		}
		q, avail = client, client.Has
	} else {
		e, _, err := openAnalytics(ctx, c.analyticsConfig, c.DataDir, c.MemoryBudget.split(), g.log)
		if err != nil {
			return err
		}
		defer e.Close()
		q = e
	}
	r, err := report.Build(ctx, q, avail, c.Code, year, now)
	if err != nil {
		return err
	}
	return writeFile(c.Out, func(w io.Writer) error {
		if c.Out == "-" {
			w = g.stdout
		}
		if c.Format == "html" {
			return r.WriteHTML(w, c.Lang)
		}
		return r.WriteCSV(w, c.Lang)
	})
}
