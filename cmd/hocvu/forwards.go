package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/forwarding/forwardingapi"
)

// forwardsCmd manages statement forwards. With --server it calls the admin
// API of a running server (the way to go while `hocvu serve` holds the
// embedded store); otherwise it opens the event store itself.
type forwardsCmd struct {
	Create      forwardsCreateCmd      `cmd:"" help:"Create a forward: a filtered subscription that delivers statements to an xAPI LRS or a webhook."`
	Change      forwardsChangeCmd      `cmd:"" help:"Change a forward's settings (only the flags given)."`
	List        forwardsListCmd        `cmd:"" help:"List forwards with their progress: delivered, failed, retried, dead-lettered, lag, last error."`
	Show        forwardsShowCmd        `cmd:"" help:"Show one forward and its progress as JSON."`
	Pause       forwardsPauseCmd       `cmd:"" help:"Pause a forward (it resumes from its checkpoint)."`
	Resume      forwardsResumeCmd      `cmd:"" help:"Resume a paused forward."`
	Delete      forwardsDeleteCmd      `cmd:"" help:"Delete a forward (its history stays in the log)."`
	DeadLetters forwardsDeadLettersCmd `cmd:"" name:"dead-letters" help:"List a forward's dead letters: batches the target kept rejecting."`
	Retry       forwardsRetryCmd       `cmd:"" help:"Re-drive dead letters (all open ones, or the ids given)."`
}

// forwardsConn says where the forwards are: a running server's admin API,
// or the event store.
type forwardsConn struct {
	storeConfig          `embed:""`
	forwardSecretsConfig `embed:""`
	Server               string `name:"server" env:"HOCVU_SERVER_URL" placeholder:"URL" help:"Base URL of a running hocvu serve (e.g. http://127.0.0.1:8080): use its admin API instead of opening the event store."`
	ServerKey            string `name:"server-key" env:"HOCVU_SERVER_KEY" help:"Credential key with the forwards (or all) scope, for --server."`
	ServerSecret         string `name:"server-secret" env:"HOCVU_SERVER_SECRET" help:"Its secret."`
}

// forwardsAdmin is what the commands use: forwarding.Service on the
// store, or the API client.
type forwardsAdmin = forwardingapi.Admin

func (c *forwardsConn) with(ctx context.Context, g *globals, fn func(forwardsAdmin) error) error {
	if c.Server != "" {
		if c.ServerKey == "" || c.ServerSecret == "" {
			return errorf("--server needs --server-key and --server-secret (HOCVU_SERVER_KEY, HOCVU_SERVER_SECRET)")
		}
		return fn(forwardingapi.NewClient(c.Server, c.ServerKey, c.ServerSecret))
	}
	store, _, err := openStore(ctx, c.storeConfig, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	box, err := c.box(c.DataDir, g.log)
	if err != nil {
		return err
	}
	reg := forwarding.NewRegistry(store, g.log)
	if err := reg.Load(ctx); err != nil {
		return err
	}
	return fn(forwarding.NewService(reg, store, forwarding.ServiceOptions{Secrets: box, Targets: newForwardTarget}))
}

// targetFlags are the target settings of create and change.
type targetFlags struct {
	URL         string   `name:"url" placeholder:"URL" help:"xAPI endpoint (https://lrs.example/xapi) or webhook URL."`
	XAPIVersion string   `name:"xapi-version" placeholder:"VERSION" help:"xAPI version spoken to the target: 2.0.0 (default) or 1.0.3."`
	Auth        string   `name:"auth" enum:",none,basic,oauth2" default:"" help:"xAPI target authentication: none, basic or oauth2 (default: basic with --username, oauth2 with --token-url)."`
	Username    string   `name:"username" help:"HTTP Basic user name (the target's credential key)."`
	TokenURL    string   `name:"token-url" placeholder:"URL" help:"OAuth2 token endpoint (client credentials grant)."`
	ClientID    string   `name:"client-id" help:"OAuth2 client id."`
	Scope       []string `name:"scope" help:"OAuth2 scope (repeatable)."`
	SecretStdin bool     `name:"secret-stdin" help:"Read the secret (Basic password, OAuth2 client secret or webhook signing key) from the first line of standard input; it is stored sealed."`
	SecretEnv   string   `name:"secret-env" placeholder:"NAME" help:"Store a reference to this environment variable of the delivering process instead of the secret."`
	SecretFile  string   `name:"secret-file" placeholder:"PATH" help:"Store a reference to this file (absolute path) on the delivering process instead of the secret."`
}

func (t *targetFlags) secret(in io.Reader) (plain, ref string, err error) {
	n := 0
	for _, set := range []bool{t.SecretStdin, t.SecretEnv != "", t.SecretFile != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return "", "", errorf("give one of --secret-stdin, --secret-env and --secret-file")
	}
	switch {
	case t.SecretStdin:
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", "", fmt.Errorf("read the secret: %w", err)
		}
		plain = strings.TrimRight(line, "\r\n")
		if plain == "" {
			return "", "", errorf("the secret on standard input is empty")
		}
		return plain, "", nil
	case t.SecretEnv != "":
		return "", "env:" + t.SecretEnv, nil
	case t.SecretFile != "":
		return "", "file:" + t.SecretFile, nil
	}
	return "", "", nil
}

type forwardsCreateCmd struct {
	forwardsConn `embed:""`
	targetFlags  `embed:""`
	Name         string   `arg:"" help:"Name of the forward: lower-case letters, digits, '.', '_' or '-'."`
	Target       string   `name:"target" required:"" enum:"xapi,webhook" help:"xapi (another LRS) or webhook."`
	Filter       []string `name:"filter" sep:"none" placeholder:"FIELD=VALUE" help:"Filter (repeatable; fields combine with AND, repeated fields with OR): verb, activity, related-activities, registration, authority, commune, target-group, course."`
	BatchSize    int      `name:"batch-size" default:"100" help:"Statements per delivery (1 to 1000)."`
	Start        string   `name:"start" default:"now" help:"now, beginning, a date (2025-09-01) or an RFC 3339 time (statements stored from then on)."`
	Pseudonymize *bool    `name:"pseudonymize" negatable:"" help:"Replace agents by their analytics pseudonyms (default: on for webhooks, off for xAPI targets)."`
	OnReject     string   `name:"on-reject" default:"continue" enum:"continue,pause" help:"After a batch goes to the dead letters: continue with the next one, or pause the forward."`
	MaxAttempts  int      `name:"max-attempts" default:"5" help:"Attempts of a batch the target rejects (4xx) before it goes to the dead letters."`
}

func (c *forwardsCreateCmd) Run(ctx context.Context, g *globals) error {
	filter, err := forwarding.ParseFilter(c.Filter)
	if err != nil {
		return err
	}
	plain, ref, err := c.secret(os.Stdin)
	if err != nil {
		return err
	}
	spec := forwarding.Spec{
		Name: c.Name,
		Target: forwarding.TargetSpec{Kind: forwarding.TargetKind(c.Target), URL: c.URL, Version: c.XAPIVersion, Auth: forwarding.AuthKind(c.Auth),
			Username: c.Username, TokenURL: c.TokenURL, ClientID: c.ClientID, Scopes: c.Scope, Secret: plain, SecretRef: ref},
		Filter: filter, BatchSize: c.BatchSize, Start: c.Start, Pseudonymize: c.Pseudonymize, OnReject: c.OnReject, MaxAttempts: c.MaxAttempts,
	}
	return c.with(ctx, g, func(a forwardsAdmin) error {
		st, warnings, err := a.Create(ctx, spec)
		if err != nil {
			return err
		}
		printWarnings(g, warnings)
		fmt.Fprintf(g.stdout, "created forward %s (%s) to %s %s, starting %s\n", st.Forward.Name, st.Forward.ID, st.Forward.Target.Kind, st.Forward.Target.URL, describeStart(st.Forward.Start))
		return nil
	})
}

func describeStart(s forwarding.Start) string {
	switch s.From {
	case forwarding.StartBeginning:
		return "from the beginning of the log"
	case forwarding.StartDate:
		return "with statements stored from " + s.Date.Format(time.RFC3339)
	}
	return "after position " + s.After
}

func printWarnings(g *globals, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintln(g.stderr, "warning:", w)
	}
}

type forwardsChangeCmd struct {
	forwardsConn `embed:""`
	targetFlags  `embed:""`
	Name         string   `arg:"" help:"Forward to change."`
	Rename       string   `name:"rename" help:"New name."`
	Filter       []string `name:"filter" sep:"none" placeholder:"FIELD=VALUE" help:"Replace the filter (repeatable; see create)."`
	ClearFilter  bool     `name:"clear-filter" help:"Remove the filter: forward every statement."`
	BatchSize    int      `name:"batch-size" help:"Statements per delivery."`
	Pseudonymize *bool    `name:"pseudonymize" negatable:"" help:"Replace agents by their analytics pseudonyms."`
	OnReject     string   `name:"on-reject" enum:",continue,pause" default:"" help:"continue or pause after a dead letter."`
	MaxAttempts  int      `name:"max-attempts" help:"Attempts of a rejected batch before the dead letters."`
}

func (c *forwardsChangeCmd) Run(ctx context.Context, g *globals) error {
	plain, ref, err := c.secret(os.Stdin)
	if err != nil {
		return err
	}
	return c.with(ctx, g, func(a forwardsAdmin) error {
		cur, err := a.Show(ctx, c.Name)
		if err != nil {
			return err
		}
		spec := forwarding.SpecOf(cur.Forward)
		t := &spec.Target
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&spec.Name, c.Rename)
		set(&t.URL, c.URL)
		set(&t.Version, c.XAPIVersion)
		set((*string)(&t.Auth), c.Auth)
		set(&t.Username, c.Username)
		set(&t.TokenURL, c.TokenURL)
		set(&t.ClientID, c.ClientID)
		set(&spec.OnReject, c.OnReject)
		if len(c.Scope) > 0 {
			t.Scopes = c.Scope
		}
		t.Secret, t.SecretRef = plain, ref
		switch {
		case c.ClearFilter:
			spec.Filter = forwarding.Filter{}
		case len(c.Filter) > 0:
			if spec.Filter, err = forwarding.ParseFilter(c.Filter); err != nil {
				return err
			}
		}
		if c.BatchSize != 0 {
			spec.BatchSize = c.BatchSize
		}
		if c.MaxAttempts != 0 {
			spec.MaxAttempts = c.MaxAttempts
		}
		if c.Pseudonymize != nil {
			spec.Pseudonymize = c.Pseudonymize
		}
		st, warnings, err := a.Change(ctx, c.Name, spec)
		if err != nil {
			return err
		}
		printWarnings(g, warnings)
		fmt.Fprintf(g.stdout, "changed forward %s\n", st.Forward.Name)
		return nil
	})
}

type forwardsListCmd struct {
	forwardsConn `embed:""`
	JSON         bool `name:"json" help:"Print JSON."`
}

func (c *forwardsListCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		list, err := a.List(ctx)
		if err != nil {
			return err
		}
		if c.JSON {
			return printJSON(g, list)
		}
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tSTATE\tTARGET\tDELIVERED\tFAILED\tRETRIED\tDEAD-LETTERED\tOPEN DL\tQUARANTINED\tPENDING\tLAG\tLAST ERROR")
		for _, st := range list {
			last := ""
			if e := st.LastError; e != nil {
				last = fmt.Sprintf("%s HTTP %d: %s", e.At.Format("2006-01-02 15:04:05"), e.Status, e.Message)
				if e.Status == 0 {
					last = fmt.Sprintf("%s no answer: %s", e.At.Format("2006-01-02 15:04:05"), e.Message)
				}
			}
			fmt.Fprintf(w, "%s\t%s\t%s %s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", st.Forward.Name, st.State, st.Forward.Target.Kind, st.Forward.Target.URL,
				st.Delivered, st.Failed, st.Retried, st.DeadLettered, st.DeadLetters, st.Quarantined, st.Pending, st.Lag, last)
		}
		return w.Flush()
	})
}

func printJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type forwardsShowCmd struct {
	forwardsConn `embed:""`
	Name         string `arg:"" help:"Forward name or id."`
}

func (c *forwardsShowCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		st, err := a.Show(ctx, c.Name)
		if err != nil {
			return err
		}
		return printJSON(g, st)
	})
}

type forwardsPauseCmd struct {
	forwardsConn `embed:""`
	Name         string `arg:"" help:"Forward name or id."`
}

func (c *forwardsPauseCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		st, err := a.Pause(ctx, c.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "paused %s\n", st.Forward.Name)
		return nil
	})
}

type forwardsResumeCmd struct {
	forwardsConn `embed:""`
	Name         string `arg:"" help:"Forward name or id."`
}

func (c *forwardsResumeCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		st, err := a.Resume(ctx, c.Name)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "resumed %s\n", st.Forward.Name)
		return nil
	})
}

type forwardsDeleteCmd struct {
	forwardsConn `embed:""`
	Name         string `arg:"" help:"Forward name or id."`
}

func (c *forwardsDeleteCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		if err := a.Delete(ctx, c.Name); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "deleted %s\n", c.Name)
		return nil
	})
}

type forwardsDeadLettersCmd struct {
	forwardsConn `embed:""`
	Name         string `arg:"" help:"Forward name or id."`
	All          bool   `name:"all" help:"Also list dead letters a re-drive delivered."`
	JSON         bool   `name:"json" help:"Print JSON (with every statement id)."`
}

func (c *forwardsDeadLettersCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		dls, err := a.DeadLetters(ctx, c.Name, c.All)
		if err != nil {
			return err
		}
		if c.JSON {
			return printJSON(g, dls)
		}
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tAT\tSTATEMENTS\tATTEMPTS\tSTATUS\tERROR\tOPEN\tRE-DRIVES")
		for _, dl := range dls {
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\t%s\t%t\t%d\n", dl.ID, dl.At.Format("2006-01-02 15:04:05"), len(dl.Events), dl.Attempts,
				dl.LastError.Status, dl.LastError.Message, dl.Open, len(dl.Redrives))
		}
		return w.Flush()
	})
}

type forwardsRetryCmd struct {
	forwardsConn `embed:""`
	Name         string   `arg:"" help:"Forward name or id."`
	IDs          []string `arg:"" optional:"" name:"id" help:"Dead letters to re-drive (default: every open one)."`
}

func (c *forwardsRetryCmd) Run(ctx context.Context, g *globals) error {
	return c.with(ctx, g, func(a forwardsAdmin) error {
		q, err := a.Retry(ctx, c.Name, c.IDs)
		if err != nil {
			return err
		}
		what := "every open dead letter"
		if len(q.DeadLetters) > 0 {
			what = strings.Join(q.DeadLetters, ", ")
		}
		fmt.Fprintf(g.stdout, "requested a re-drive of %s (request %s); the delivering process sends them, see 'hocvu forwards dead-letters %s --all'\n", what, q.Request, c.Name)
		return nil
	})
}
