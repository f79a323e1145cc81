package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hocvu/hocvu/analytics"
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
		hq, err := newHTTPQuerier(ctx, c.URL, c.Key, c.Secret)
		if err != nil {
			return err
		}
		q, avail = hq, hq.has
	} else {
		e, _, err := openAnalytics(ctx, c.analyticsConfig, c.DataDir, g.log)
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

// httpQuerier runs named queries through a Hocvu's analytics API.
type httpQuerier struct {
	base, key, secret string
	client            *http.Client
	names             map[string]bool
}

func newHTTPQuerier(ctx context.Context, base, key, secret string) (*httpQuerier, error) {
	if key == "" || secret == "" {
		return nil, errorf("--url needs --key and --secret (a credential with the analytics scope)")
	}
	h := &httpQuerier{base: strings.TrimRight(base, "/") + "/api/analytics/", key: key, secret: secret,
		client: &http.Client{Timeout: 2 * time.Minute}, names: map[string]bool{}}
	var cat struct {
		Queries []struct {
			Name string `json:"Name"`
		} `json:"queries"`
	}
	if err := h.get(ctx, "queries", nil, &cat); err != nil {
		return nil, err
	}
	for _, q := range cat.Queries {
		h.names[q.Name] = true
	}
	return h, nil
}

func (h *httpQuerier) has(name string) bool { return h.names[name] }

func (h *httpQuerier) Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	v := url.Values{}
	for k, s := range map[string]string{"from": p.From, "to": p.To, "commune": p.Commune, "group": p.Group, "course": p.Course, "lang": p.Lang} {
		if s != "" {
			v.Set(k, s)
		}
	}
	var res analytics.Result
	if err := h.get(ctx, url.PathEscape(name), v, &res); err != nil {
		return nil, err
	}
	for _, row := range res.Rows {
		for i, cell := range row {
			if n, ok := cell.(json.Number); ok {
				if x, err := n.Int64(); err == nil {
					row[i] = x
				} else if f, err := n.Float64(); err == nil {
					row[i] = f
				}
			}
		}
	}
	return &res, nil
}

func (h *httpQuerier) get(ctx context.Context, path string, v url.Values, out any) error {
	u := h.base + path
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(h.key, h.secret)
	res, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("analytics API: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("analytics API %s: %s: %s", u, res.Status, strings.TrimSpace(string(body)))
	}
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("analytics API %s: decode: %w", u, err)
	}
	return nil
}
