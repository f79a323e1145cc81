package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/privacy/keys"
)

// referenceCmd loads and shows the campaign's reference data (communes,
// populations, targets, teams, mentors, learner directory), kept as events
// in the stream "reference-data". With the embedded store it opens the
// data directory itself, so `hocvu serve` must be stopped first.
type referenceCmd struct {
	Load     referenceLoadCmd     `cmd:"" help:"Validate reference data files and load them as events (stop 'hocvu serve' first: the embedded store is locked while it runs)."`
	Show     referenceShowCmd     `cmd:"" help:"Print the reference data currently loaded."`
	Template referenceTemplateCmd `cmd:"" help:"Write example CSV files (one per kind) that a province can fill in."`
}

type referenceLoadCmd struct {
	storeConfig `embed:""`
	Files       []string `arg:"" optional:"" type:"existingfile" help:"CSV files (one kind each, with a header row; the kind is told by the header) or JSON documents (any kinds)."`
	Kind        string   `name:"kind" help:"Kind of every CSV file, when the header does not tell: communes, populations, targets, teams, mentors, learners."`
	Default     bool     `name:"default" help:"Load the built-in default province (a Quảng Ngãi-like demo: 96 communes, populations, the plan's targets, 1,477 teams, ambassadors)."`
	Check       bool     `name:"check" help:"Validate against the loaded data and report, but append nothing."`
	Force       bool     `name:"force" help:"Append every given kind even when it equals what is loaded."`
}

func (c *referenceLoadCmd) Run(ctx context.Context, g *globals) error {
	var kind reference.Kind
	if c.Kind != "" {
		k, err := reference.ParseKind(c.Kind)
		if err != nil {
			return err
		}
		kind = k
	}
	if len(c.Files) == 0 && !c.Default {
		return errorf("give reference data files, or --default for the built-in province (see 'hocvu reference template')")
	}
	data, err := readReferenceFiles(c.Files, kind)
	if err != nil {
		return reportProblems(g, err)
	}
	if c.Default {
		if err := data.Merge(reference.Default()); err != nil {
			return errorf("--default and the files: %v", err)
		}
	}
	store, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	if c.Check {
		st, err := reference.Replay(ctx, store)
		if err != nil {
			return err
		}
		if ps := data.Validate(st); len(ps) > 0 {
			return reportProblems(g, ps)
		}
		fmt.Fprintf(g.stdout, "reference data is valid: %s\n", kindsSummary(data))
		return nil
	}
	privacy, err := openPrivacy(ctx, c.storeConfig, store, g.log)
	if err != nil {
		return err
	}
	defer privacy.Close()
	opts := reference.LoadOptions{Force: c.Force, Tool: "hocvu reference load"}
	privacy.sealDirectory(&opts)
	sum, err := reference.Load(ctx, store, data, opts)
	if err != nil {
		return reportProblems(g, err)
	}
	if privacy != nil && !data.Has(reference.KindLearners) {
		warnClearDirectory(ctx, g, store)
	}
	fmt.Fprint(g.stdout, sum.String())
	if sum.Events == 0 {
		fmt.Fprintln(g.stdout, "nothing changed: every kind equals the loaded data")
	} else {
		fmt.Fprintf(g.stdout, "appended %d event(s) to stream %q (revision %d)\n", sum.Events, reference.Stream, sum.Revision)
	}
	return nil
}

// warnClearDirectory warns when sealing is on and the learner directory
// loaded is in clear (loaded before sealing was turned on): loading it
// again seals it (docs/privacy.md, "Events written before sealing").
func warnClearDirectory(ctx context.Context, g *globals, store reference.Store) {
	st, err := reference.Replay(ctx, store)
	if err != nil {
		return
	}
	for _, l := range st.Learners() {
		if !l.IsSealed() {
			g.log.Warn("the learner directory was loaded in clear, before sealing was turned on: load it again to seal it (docs/privacy.md)")
			return
		}
	}
}

// readReferenceFiles parses CSV and JSON files into one Data.
func readReferenceFiles(files []string, kind reference.Kind) (*reference.Data, error) {
	data := &reference.Data{}
	var problems reference.Problems
	for _, f := range files {
		d, err := readReferenceFile(f, kind)
		var ps reference.Problems
		switch {
		case errors.As(err, &ps):
			problems = append(problems, ps...)
			continue
		case err != nil:
			return nil, err
		}
		if err := data.Merge(d); err != nil {
			return nil, err
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return data, nil
}

func readReferenceFile(name string, kind reference.Kind) (*reference.Data, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if strings.EqualFold(filepath.Ext(name), ".json") {
		return reference.ParseJSON(name, f)
	}
	return reference.ParseCSV(name, f, kind)
}

// reportProblems prints every problem of a Problems error to stderr (one
// per line, file:line:column) and returns a short error.
func reportProblems(g *globals, err error) error {
	var ps reference.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		fmt.Fprintln(g.stderr, p.String())
	}
	return fmt.Errorf("reference data rejected: %d problem(s), listed above; nothing was loaded", len(ps))
}

func kindsSummary(d *reference.Data) string {
	var parts []string
	for _, k := range d.Kinds() {
		parts = append(parts, fmt.Sprintf("%d %s", d.Len(k), k))
	}
	return strings.Join(parts, ", ")
}

type referenceShowCmd struct {
	storeConfig `embed:""`
	Kind        string `arg:"" optional:"" default:"" enum:",communes,populations,targets,teams,mentors,learners" help:"Kind to print (communes, populations, targets, teams, mentors, learners); none: a summary."`
	Format      string `name:"format" enum:"table,csv,json" default:"table" help:"table, csv (a kind, in the form 'reference load' reads) or json (everything, or the kind, in the form 'reference load' reads)."`
}

func (c *referenceShowCmd) Run(ctx context.Context, g *globals) error {
	store, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	st, err := reference.Replay(ctx, store)
	if err != nil {
		return err
	}
	for _, err := range st.Skipped() {
		g.log.Warn("skipped a reference-data event that does not apply", "err", err)
	}
	data := st.Data()
	var hidden map[int]string
	showsLearners := c.Kind == string(reference.KindLearners) || (c.Kind == "" && c.Format == "json")
	if data.Has(reference.KindLearners) && showsLearners {
		if data.Learners, hidden, err = c.openLearners(ctx, g, store, data.Learners); err != nil {
			return err
		}
	}
	if c.Kind != "" {
		k, _ := reference.ParseKind(c.Kind)
		if _, ok := st.Info(k); !ok {
			return fmt.Errorf("no %s loaded yet (see 'hocvu reference load')", k)
		}
		only := &reference.Data{}
		if err := only.Merge(kindOnly(data, k)); err != nil {
			return err
		}
		data = only
	}
	if c.Format != "table" && len(hidden) > 0 {
		data.Learners = shownLearners(data.Learners, hidden)
		g.log.Warn("learners whose account is erased (or sealed, with sealing off) are left out: loading this output again drops their entries and their attribution", "left_out", len(hidden))
	}
	switch c.Format {
	case "json":
		return reference.WriteJSON(g.stdout, data)
	case "csv":
		if c.Kind == "" {
			return errorf("--format csv prints one kind: name it (e.g. 'hocvu reference show communes --format csv')")
		}
		return reference.WriteCSV(g.stdout, data, reference.Kind(c.Kind))
	}
	if c.Kind == "" {
		return showSummary(g.stdout, st)
	}
	return showTable(g.stdout, data, reference.Kind(c.Kind), hidden)
}

// openLearners opens the accounts of a sealed learner directory with the
// keyring (sealing on). The entries it cannot show are listed by index
// with why: "(erased)" (the person's key is destroyed), "(sealed)" (with
// sealing off) or "(damaged)"; they never stop the command.
func (c *referenceShowCmd) openLearners(ctx context.Context, g *globals, store eventstore.Store, ls []reference.Learner) ([]reference.Learner, map[int]string, error) {
	hidden := map[int]string{}
	var privacy *privacyRuntime
	for i, l := range ls {
		if !l.IsSealed() {
			continue
		}
		if !c.Seal {
			hidden[i] = "(sealed)"
			continue
		}
		if privacy == nil {
			p, err := openPrivacy(ctx, c.storeConfig, store, g.log)
			if err != nil {
				return nil, nil, err
			}
			defer p.Close()
			privacy = p
		}
		o, err := l.Open(ctx, privacy.keyring)
		switch {
		case errors.Is(err, reference.ErrErased):
			hidden[i] = "(erased)"
		case errors.Is(err, keys.ErrDamaged):
			g.log.Warn("a learner directory entry cannot be opened", "subject", l.Subject, "err", err)
			hidden[i] = "(damaged)"
		case err != nil:
			return nil, nil, err
		default:
			ls[i] = o
		}
	}
	return ls, hidden, nil
}

// shownLearners is ls without the hidden entries.
func shownLearners(ls []reference.Learner, hidden map[int]string) []reference.Learner {
	out := make([]reference.Learner, 0, len(ls))
	for i, l := range ls {
		if _, ok := hidden[i]; !ok {
			out = append(out, l)
		}
	}
	return out
}

// kindOnly returns a Data holding kind k of d.
func kindOnly(d *reference.Data, k reference.Kind) *reference.Data {
	out := &reference.Data{}
	switch k {
	case reference.KindCommunes:
		out.Province, out.Communes = d.Province, d.Communes
	case reference.KindPopulations:
		out.Populations = d.Populations
	case reference.KindTargets:
		out.Targets = d.Targets
	case reference.KindTeams:
		out.Teams = d.Teams
	case reference.KindMentors:
		out.Mentors = d.Mentors
	case reference.KindLearners:
		out.Learners = d.Learners
	}
	return out
}

func showSummary(w io.Writer, st *reference.State) error {
	if p := st.Province(); p != nil {
		fmt.Fprintf(w, "province %s %s\n\n", p.Code, p.Name)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tROWS\tLOADED\tSOURCE")
	for _, k := range reference.Kinds {
		info, ok := st.Info(k)
		if !ok {
			fmt.Fprintf(tw, "%s\t-\tnever\t\n", k)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", k, info.Rows, info.Loaded.Format("2006-01-02 15:04"), info.Source)
	}
	return tw.Flush()
}

// showTable prints kind k of d; hidden are the learners whose account
// cannot be shown (openLearners).
func showTable(w io.Writer, d *reference.Data, k reference.Kind, hidden map[int]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	switch k {
	case reference.KindCommunes:
		fmt.Fprintln(tw, "CODE\tNAME\tKIND\tDISTRICT (FORMER)\tAREAS")
		for _, c := range d.Communes {
			areas := make([]string, len(c.Areas))
			for i, a := range c.Areas {
				areas[i] = string(a)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Code, c.Name, c.Kind, c.District, strings.Join(areas, ","))
		}
	case reference.KindPopulations:
		fmt.Fprintln(tw, "COMMUNE\tTOTAL\tHOUSEHOLDS\tPUBLIC-STAFF\tSTUDENT\tWORKER\tCITIZEN")
		for _, p := range d.Populations {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\n", p.Commune, p.Total, p.Households, p.Groups["public-staff"], p.Groups["student"], p.Groups["worker"], p.Groups["citizen"])
		}
	case reference.KindTargets:
		fmt.Fprintln(tw, "YEAR\tCOMMUNE\tGROUP\tMETRIC\tVALUE")
		for _, t := range d.Targets {
			commune := t.Commune
			if commune == "" {
				commune = "(province)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\n", t.Year, commune, t.Group, t.Metric, t.Value)
		}
	case reference.KindTeams:
		fmt.Fprintln(tw, "ID\tCOMMUNE\tMEMBERS\tNAME")
		for _, t := range d.Teams {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", t.ID, t.Commune, t.Members, t.Name)
		}
	case reference.KindMentors:
		fmt.Fprintln(tw, "ID\tCOMMUNE\tTEAM\tLABEL")
		for _, m := range d.Mentors {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.Commune, m.Team, m.Label)
		}
	case reference.KindLearners:
		fmt.Fprintln(tw, "HOME PAGE\tACCOUNT\tCOMMUNE\tGROUP\tSUBGROUPS\tHOUSEHOLD\tMENTOR\tTEAM")
		for i, l := range d.Learners {
			home, name := l.HomePage, l.Name
			if why, ok := hidden[i]; ok {
				home, name = why, "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", home, name, l.Commune, l.Group, strings.Join(l.Subgroups, ","), l.Household, l.Mentor, l.Team)
		}
	}
	return tw.Flush()
}

type referenceTemplateCmd struct {
	Dir   string `arg:"" type:"path" help:"Directory to write communes.csv, populations.csv, targets.csv, teams.csv, mentors.csv, learners.csv and README.txt into (created if missing)."`
	Full  bool   `name:"full" help:"Write the whole default province instead of a few example rows."`
	Force bool   `name:"force" help:"Overwrite existing files."`
}

func (c *referenceTemplateCmd) Run(g *globals) error {
	d := reference.Default()
	if !c.Full {
		d = reference.Example()
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return err
	}
	files, err := writeReferenceDir(c.Dir, d, c.Force)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintln(g.stdout, f)
	}
	fmt.Fprintf(g.stdout, "\nFill them in (keep the header rows), then: hocvu reference load %s\n", filepath.Join(c.Dir, "*.csv"))
	return nil
}

// writeReferenceDir writes one CSV per kind of d plus README.txt and
// returns the paths written.
func writeReferenceDir(dir string, d *reference.Data, force bool) ([]string, error) {
	var written []string
	write := func(name string, fn func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if !force {
			flags |= os.O_EXCL
		}
		f, err := os.OpenFile(path, flags, 0o644)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists (use --force to overwrite)", path)
		}
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	for _, k := range d.Kinds() {
		if err := write(string(k)+".csv", func(w io.Writer) error { return reference.WriteCSV(w, d, k) }); err != nil {
			return written, err
		}
	}
	err := write("README.txt", func(w io.Writer) error {
		_, err := io.WriteString(w, reference.TemplateReadme())
		return err
	})
	return written, err
}
