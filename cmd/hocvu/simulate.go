package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/simulate"
)

// simulateCmd generates a realistic campaign (issue 7), deterministic by
// seed, and sends it through the xAPI API (http), writes it straight into
// the embedded event store (bulk), prints it (ndjson) or only renders it
// to measure (dry-run).
type simulateCmd struct {
	storeConfig `embed:""`

	Mode string `name:"mode" required:"" enum:"http,bulk,ndjson,dry-run" help:"http: POST through the xAPI API (--url, --key, --secret); bulk: append straight to the event store (the embedded one in --data-dir: stop 'hocvu serve' first; or KurrentDB with --eventstore); ndjson: print one statement per line (--out); dry-run: generate and render only, to measure."`

	Seed           uint64   `name:"seed" default:"1" help:"Seed: the same seed and flags give the same statements."`
	Learners       int      `name:"learners" default:"400000" help:"Learner accounts (400,000 make about 1.6M lesson completions)."`
	Scale          float64  `name:"scale" default:"1" help:"Multiply --learners (e.g. 0.01 for a quick run, 10 for a large one)."`
	From           string   `name:"from" default:"2025-05-20" placeholder:"YYYY-MM-DD" help:"First day of the campaign (local time; default 2025-05-20)."`
	To             string   `name:"to" default:"2026-11-20" placeholder:"YYYY-MM-DD" help:"Last day of the campaign (local time, inclusive; default 2026-11-20); in bulk mode it must be in the past."`
	FastShare      float64  `name:"fast-share" default:"0.01" help:"Share of box-ticking accounts completing lessons implausibly fast."`
	BurstShare     float64  `name:"burst-share" default:"0.005" help:"Share of box-ticking accounts completing 20+ lessons within one hour."`
	NoContextShare float64  `name:"no-context-share" default:"0.05" help:"Share of learners whose statements carry no commune or group (resolved through the learner directory)."`
	MenteeShare    float64  `name:"mentee-share" default:"0.10" help:"Share of learners guided by a digital ambassador."`
	HomePage       string   `name:"home-page" default:"https://binhdanhocvuso.quangngai.example" help:"homePage of the learners' accounts and base of the activity IRIs."`
	Reference      []string `name:"reference" type:"existingfile" placeholder:"FILE" help:"Simulate on this reference data (JSON or CSV files) instead of the built-in province (in bulk mode, the data directory's reference data when it has communes)."`
	ReferenceOut   string   `name:"reference-out" type:"path" placeholder:"DIR" help:"Write the campaign's reference data (CSV per kind and reference.json, with the learner directory) into DIR."`
	NoReference    bool     `name:"no-reference" help:"Bulk mode: do not load the reference data as events."`

	URL         string `name:"url" env:"HOCVU_SIMULATE_URL" default:"http://127.0.0.1:8080" help:"http mode: the LRS (base URL, …/xapi or …/xapi/statements)."`
	Key         string `name:"key" env:"HOCVU_SIMULATE_KEY,HOCVU_API_KEY" help:"http mode: credential key (HTTP Basic user)."`
	Secret      string `name:"secret" env:"HOCVU_SIMULATE_SECRET,HOCVU_API_SECRET" help:"http mode: credential secret."`
	Batch       int    `name:"batch" default:"500" help:"http mode: statements per POST."`
	Concurrency int    `name:"concurrency" default:"4" help:"http mode: POSTs in flight."`

	AppendSize    int    `name:"append-size" default:"5000" help:"bulk mode: statements per append (one atomic batch)."`
	AuthorityHome string `name:"authority-home" env:"HOCVU_AUTHORITY_HOME" default:"https://hocvu.local/" help:"bulk mode: homePage of the authority account (as 'hocvu serve' sets it)."`
	Credential    string `name:"credential" default:"hocvu-simulate" help:"bulk mode: credential key recorded as the writer and as the authority's account name."`

	Out        string `name:"out" default:"-" help:"ndjson mode: output file ('-' for stdout)."`
	Stored     bool   `name:"stored" help:"ndjson mode: print statements as the LRS stores them (with stored, authority, version)."`
	NoProgress bool   `name:"no-progress" help:"No progress bar."`
}

// bulkStore is the event store bulk mode appends to.
type bulkStore interface {
	reference.Store
	Close() error
}

func (c *simulateCmd) Run(ctx context.Context, g *globals) error {
	cfg, err := c.config()
	if err != nil {
		return err
	}
	var store bulkStore
	if c.Mode == "bulk" {
		if store, err = c.openBulk(ctx, g, &cfg); err != nil {
			return err
		}
		defer store.Close()
	}
	start := time.Now()
	var authority map[string]any
	if c.Mode == "bulk" || c.Stored {
		authority = simulate.Authority(c.AuthorityHome, c.Credential)
	}
	camp, err := simulate.Generate(ctx, cfg, authority)
	if err != nil {
		return err
	}
	out := g.stdout
	if c.Mode == "ndjson" && c.Out == "-" {
		out = g.stderr // keep stdout for the statements
	}
	printCampaign(out, cfg, camp, time.Since(start))
	if c.ReferenceOut != "" {
		if err := c.writeReference(out, camp); err != nil {
			return err
		}
	}
	bar := c.progress(g, int64(camp.Len()))
	switch c.Mode {
	case "http":
		return c.post(ctx, g, out, camp, bar)
	case "bulk":
		return c.bulk(ctx, g, out, store, camp, bar)
	case "ndjson":
		return c.ndjson(ctx, out, camp, bar)
	case "dry-run":
		dryRun(out, camp, bar)
	}
	return nil
}

// openBulk opens the event store for bulk mode and, unless reference
// files were given, takes the reference data already in it into cfg.
func (c *simulateCmd) openBulk(ctx context.Context, g *globals, cfg *simulate.Config) (bulkStore, error) {
	if !cfg.To.Before(time.Now()) {
		return nil, errorf("--to %s is not in the past: bulk mode stores statements with stored times, which an LRS never sets ahead of its clock", c.To)
	}
	s, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return nil, err
	}
	if len(c.Reference) == 0 {
		st, err := reference.Replay(ctx, s)
		if err != nil {
			_ = s.Close()
			return nil, err
		}
		if d := st.Data(); len(d.Communes) > 0 && len(d.Populations) > 0 {
			fmt.Fprintf(g.stdout, "using the reference data of %s (%d communes)\n", c.DataDir, len(d.Communes))
			cfg.Reference = d
		}
	}
	return s, nil
}

// printCampaign prints what the campaign holds.
func printCampaign(out io.Writer, cfg simulate.Config, camp *simulate.Campaign, planned time.Duration) {
	s := camp.Stats()
	fmt.Fprintf(out, "campaign: seed %d, %d learners (%d active), %d statements from %s to %s, planned in %s\n",
		cfg.Seed, s.Learners, s.ActiveLearners, s.Statements, s.First.In(simulate.Local).Format("2006-01-02"), s.Last.In(simulate.Local).Format("2006-01-02"), planned.Round(time.Millisecond))
	fmt.Fprintf(out, "  lesson completions %d, certificates %d (%d learners), quiz passed %d / failed %d\n",
		s.LessonCompletions, s.Certificates, s.CertifiedLearners, s.ByTemplate["assessment-passed"], s.ByTemplate["assessment-failed"])
	fmt.Fprintf(out, "  box-ticking accounts: %d fast, %d burst; %d without context; %d mentees of %d ambassadors\n",
		s.FastAccounts, s.BurstAccounts, s.NoContextAccounts, s.Mentees, s.ActiveMentors)
}

// writeReference writes the campaign's reference data to --reference-out.
func (c *simulateCmd) writeReference(out io.Writer, camp *simulate.Campaign) error {
	if err := os.MkdirAll(c.ReferenceOut, 0o755); err != nil {
		return err
	}
	if _, err := writeReferenceDir(c.ReferenceOut, camp.Reference(), true); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(c.ReferenceOut, "reference.json"), func(w io.Writer) error { return reference.WriteJSON(w, camp.Reference()) }); err != nil {
		return err
	}
	fmt.Fprintf(out, "reference data written to %s (CSV per kind and reference.json)\n", c.ReferenceOut)
	return nil
}

// post POSTs the campaign to an LRS (--mode http).
func (c *simulateCmd) post(ctx context.Context, g *globals, out io.Writer, camp *simulate.Campaign, bar *progress) error {
	start := time.Now()
	res, err := camp.Post(ctx, simulate.PostOptions{URL: c.URL, Key: c.Key, Secret: c.Secret, Batch: c.Batch,
		Concurrency: c.Concurrency, Logger: g.log, Progress: func(n int) { bar.set(n) }})
	bar.finish()
	if err != nil {
		return fmt.Errorf("posted %d of %d statements: %w", res.Statements, camp.Len(), err)
	}
	el := time.Since(start)
	fmt.Fprintf(out, "posted %d statements in %d requests (%d retries) in %s: %.0f statements/s\n",
		res.Statements, res.Requests, res.Retries, el.Round(time.Millisecond), float64(res.Statements)/el.Seconds())
	if c.ReferenceOut != "" {
		fmt.Fprintf(out, "load the reference data with: hocvu reference load %s (stop 'hocvu serve' first)\n", filepath.Join(c.ReferenceOut, "reference.json"))
	}
	return nil
}

// bulk loads the reference data (unless --no-reference), then appends the
// campaign's statements straight to the log (--mode bulk).
func (c *simulateCmd) bulk(ctx context.Context, g *globals, out io.Writer, store bulkStore, camp *simulate.Campaign, bar *progress) error {
	if !c.NoReference {
		sum, err := reference.Load(ctx, store, camp.Reference(), reference.LoadOptions{Tool: "hocvu simulate"})
		if err != nil {
			return reportProblems(g, err)
		}
		fmt.Fprint(out, sum.String())
	}
	start := time.Now()
	res, err := camp.WriteBulk(ctx, store, simulate.BulkOptions{Credential: c.Credential, EventsPerAppend: c.AppendSize, Progress: func(n int) { bar.set(n) }})
	bar.finish()
	if err != nil {
		return err
	}
	el := time.Since(start)
	if res.Skipped > 0 {
		fmt.Fprintf(out, "resumed: %d statements were already in the log\n", res.Skipped)
	}
	fmt.Fprintf(out, "appended %d statements in %d appends in %s: %.0f statements/s (log position %s)\n",
		res.Appended, res.Appends, el.Round(time.Millisecond), float64(res.Appended)/el.Seconds(), res.Position)
	return nil
}

// ndjson writes the campaign as NDJSON to --out (--mode ndjson).
func (c *simulateCmd) ndjson(ctx context.Context, out io.Writer, camp *simulate.Campaign, bar *progress) error {
	start := time.Now()
	form := simulate.FormSend
	if c.Stored {
		form = simulate.FormStored
	}
	err := writeFile(c.Out, func(w io.Writer) error {
		return camp.WriteNDJSON(ctx, w, form, func(n int) { bar.set(n) })
	})
	bar.finish()
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(out, "wrote %d statements in %s: %.0f statements/s\n", camp.Len(), el.Round(time.Millisecond), float64(camp.Len())/el.Seconds())
	return nil
}

// dryRun renders every statement and throws it away (--mode dry-run).
func dryRun(out io.Writer, camp *simulate.Campaign, bar *progress) {
	start := time.Now()
	var buf []byte
	bytes := 0
	for i := 0; i < camp.Len(); i++ {
		buf = camp.Append(buf[:0], i, simulate.FormSend)
		bytes += len(buf)
		if i%10000 == 0 {
			bar.set(i)
		}
	}
	bar.finish()
	el := time.Since(start)
	fmt.Fprintf(out, "rendered %d statements (%d MB of JSON) in %s: %.0f statements/s on one goroutine\n",
		camp.Len(), bytes>>20, el.Round(time.Millisecond), float64(camp.Len())/el.Seconds())
}

// config turns the flags into a simulate.Config.
func (c *simulateCmd) config() (simulate.Config, error) {
	cfg := simulate.DefaultConfig()
	cfg.Seed = c.Seed
	if c.Scale <= 0 {
		return cfg, errorf("--scale must be positive")
	}
	cfg.Learners = int(float64(c.Learners)*c.Scale + 0.5)
	if cfg.Learners < 1 {
		return cfg, errorf("--learners × --scale is less than one learner")
	}
	from, err := time.ParseInLocation("2006-01-02", c.From, simulate.Local)
	if err != nil {
		return cfg, errorf("--from %q: want YYYY-MM-DD", c.From)
	}
	to, err := time.ParseInLocation("2006-01-02", c.To, simulate.Local)
	if err != nil {
		return cfg, errorf("--to %q: want YYYY-MM-DD", c.To)
	}
	cfg.From, cfg.To = from, to.AddDate(0, 0, 1)
	cfg.FastShare, cfg.BurstShare, cfg.NoContextShare, cfg.MenteeShare = c.FastShare, c.BurstShare, c.NoContextShare, c.MenteeShare
	cfg.HomePage = c.HomePage
	if len(c.Reference) > 0 {
		d, err := readReferenceFiles(c.Reference, "")
		if err != nil {
			return cfg, err
		}
		if ps := d.Validate(nil); len(ps) > 0 {
			return cfg, ps
		}
		cfg.Reference = d
	}
	switch c.Mode {
	case "http":
		if c.Batch < 1 || c.Concurrency < 1 {
			return cfg, errorf("--batch and --concurrency must be at least 1")
		}
	case "bulk":
		if c.AppendSize < 1 {
			return cfg, errorf("--append-size must be at least 1")
		}
	}
	return cfg, nil
}

func writeFile(name string, fn func(io.Writer) error) error {
	if name == "-" {
		return fn(os.Stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	return f.Close()
}

// progress is an optional progress meter over statements.
type progress struct{ m meter }

func (c *simulateCmd) progress(g *globals, total int64) *progress {
	if c.NoProgress {
		return &progress{}
	}
	desc := map[string]string{"http": "posting", "bulk": "appending", "ndjson": "writing", "dry-run": "rendering"}[c.Mode]
	return &progress{m: newMeter(g.stderr, total, desc, "statements", 30)}
}

func (p *progress) set(n int) {
	if p.m != nil {
		p.m.Set(int64(n))
	}
}

func (p *progress) finish() {
	if p.m != nil {
		p.m.Finish()
	}
}
