package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/dashboard"
	"github.com/hocvu/hocvu/dashboard/users"
	"github.com/hocvu/hocvu/eventstore"
)

// usersCmd manages dashboard users (stream "dashboard-users"). With the
// embedded store it opens the data directory itself, so `hocvu serve` must
// be stopped first; a server picks the change up when it starts (or at
// once on a shared KurrentDB, since servers follow the stream live).
type usersCmd struct {
	Add         usersAddCmd         `cmd:"" help:"Add a dashboard user and print its password once (or read it with --password-stdin)."`
	List        usersListCmd        `cmd:"" help:"List dashboard users (never their passwords)."`
	Remove      usersRemoveCmd      `cmd:"" help:"Remove a dashboard user (their sessions end at once)."`
	Passwd      usersPasswdCmd      `cmd:"" help:"Set a new password for a dashboard user (their sessions end)."`
	DisplayName usersDisplayNameCmd `cmd:"" name:"display-name" help:"Set the name the dashboard shows for a user (\"\" to show the user name); sessions go on."`
}

type usersAddCmd struct {
	storeConfig   `embed:""`
	Name          string `arg:"" help:"Sign-in name: lower-case letters, digits, '.', '_' or '-'."`
	Role          string `name:"role" required:"" enum:"province,commune" help:"province (sees everything) or commune (sees only --commune)."`
	Commune       string `name:"commune" placeholder:"CODE" help:"Commune/ward code of a commune user (see 'hocvu reference show communes')."`
	DisplayName   string `name:"display-name" help:"Name shown in the dashboard's header, e.g. 'UBND xã Tịnh Khê' (default: none, the user name is shown)."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input instead of generating one."`
}

func (c *usersAddCmd) Run(ctx context.Context, g *globals) error {
	role, err := users.ParseRole(c.Role)
	if err != nil {
		return err
	}
	if role == users.RoleCommune && c.Commune == "" {
		return errorf("a commune user needs --commune CODE")
	}
	if role == users.RoleProvince && c.Commune != "" {
		return errorf("a province user sees every commune: leave out --commune")
	}
	password, generated, err := readPassword(c.PasswordStdin, os.Stdin)
	if err != nil {
		return err
	}
	return withUsers(ctx, c.storeConfig, g, func(r *users.Registry, store reference.Store) error {
		name := strings.ToLower(c.Name)
		if _, ok := r.Get(name); ok {
			return fmt.Errorf("dashboard user %q exists; use 'hocvu users passwd' or remove it first", name)
		}
		if role == users.RoleCommune {
			if err := checkCommune(ctx, store, c.Commune, g); err != nil {
				return err
			}
		}
		u := users.User{Username: name, Role: role, Commune: c.Commune, DisplayName: strings.TrimSpace(c.DisplayName)}
		if err := r.Set(ctx, u, password); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "user:     %s\nrole:     %s%s\n", name, role, suffix(" ", c.Commune))
		if generated {
			fmt.Fprintf(g.stdout, "password: %s\n\nThe password is not stored and cannot be shown again.\n", password)
		}
		return nil
	})
}

type usersListCmd struct {
	storeConfig `embed:""`
}

func (c *usersListCmd) Run(ctx context.Context, g *globals) error {
	return withUsers(ctx, c.storeConfig, g, func(r *users.Registry, _ reference.Store) error {
		w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USER\tROLE\tCOMMUNE\tNAME\tUPDATED")
		for _, u := range r.List() {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.Commune, u.DisplayName, u.Updated.Format("2006-01-02 15:04"))
		}
		return w.Flush()
	})
}

type usersRemoveCmd struct {
	storeConfig `embed:""`
	Name        string `arg:"" help:"User to remove."`
}

func (c *usersRemoveCmd) Run(ctx context.Context, g *globals) error {
	return withUsers(ctx, c.storeConfig, g, func(r *users.Registry, _ reference.Store) error {
		if err := r.Remove(ctx, strings.ToLower(c.Name)); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "removed %s\n", strings.ToLower(c.Name))
		return nil
	})
}

type usersPasswdCmd struct {
	storeConfig   `embed:""`
	Name          string `arg:"" help:"User whose password to set."`
	PasswordStdin bool   `name:"password-stdin" help:"Read the password from the first line of standard input instead of generating one."`
}

func (c *usersPasswdCmd) Run(ctx context.Context, g *globals) error {
	password, generated, err := readPassword(c.PasswordStdin, os.Stdin)
	if err != nil {
		return err
	}
	return withUsers(ctx, c.storeConfig, g, func(r *users.Registry, _ reference.Store) error {
		name := strings.ToLower(c.Name)
		if err := r.SetPassword(ctx, name, password); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "new password set for %s\n", name)
		if generated {
			fmt.Fprintf(g.stdout, "password: %s\n\nThe password is not stored and cannot be shown again.\n", password)
		}
		return nil
	})
}

type usersDisplayNameCmd struct {
	storeConfig `embed:""`
	Name        string `arg:"" help:"User whose display name to set."`
	DisplayName string `arg:"" name:"display-name" help:"Name shown in the dashboard's header, e.g. 'UBND tỉnh Quảng Ngãi' (\"\": none)."`
}

func (c *usersDisplayNameCmd) Run(ctx context.Context, g *globals) error {
	return withUsers(ctx, c.storeConfig, g, func(r *users.Registry, _ reference.Store) error {
		name := strings.ToLower(c.Name)
		if err := r.SetDisplayName(ctx, name, strings.TrimSpace(c.DisplayName)); err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "display name of %s: %q\n", name, strings.TrimSpace(c.DisplayName))
		return nil
	})
}

// readPassword reads the first line of r, or generates a password.
func readPassword(fromStdin bool, r io.Reader) (password string, generated bool, err error) {
	if !fromStdin {
		return users.NewPassword(), true, nil
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("read password from standard input: %w", err)
	}
	password = strings.TrimRight(line, "\r\n")
	if err := users.CheckPassword(password); err != nil {
		return "", false, err
	}
	return password, false, nil
}

// checkCommune refuses a commune code the reference data does not know
// (when reference data is loaded at all).
func checkCommune(ctx context.Context, store reference.Store, code string, g *globals) error {
	st, err := reference.Replay(ctx, store)
	if err != nil {
		return err
	}
	if len(st.Communes()) == 0 {
		g.log.Warn("no reference data loaded: cannot check the commune code", "commune", code)
		return nil
	}
	if _, ok := st.Commune(code); !ok {
		return fmt.Errorf("commune %q is not in the reference data (see 'hocvu reference show communes')", code)
	}
	return nil
}

func withUsers(ctx context.Context, cfg storeConfig, g *globals, fn func(*users.Registry, reference.Store) error) error {
	store, _, err := openStore(ctx, cfg, g.log, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	r := users.NewRegistry(store, g.log)
	if err := r.Load(ctx); err != nil {
		return err
	}
	return fn(r, store)
}

func suffix(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

// dashboardConfig configures the leadership dashboard that `hocvu serve`
// mounts under /dashboard/.
type dashboardConfig struct {
	DashboardAdmin       string        `name:"dashboard-admin" env:"HOCVU_DASHBOARD_ADMIN" placeholder:"NAME" help:"Make sure a province dashboard user with this name exists at start (with --dashboard-password)."`
	DashboardPassword    string        `name:"dashboard-password" env:"HOCVU_DASHBOARD_PASSWORD" help:"Password of the --dashboard-admin user (stored only as a bcrypt hash)."`
	DashboardAdminName   string        `name:"dashboard-admin-name" env:"HOCVU_DASHBOARD_ADMIN_NAME" placeholder:"NAME" help:"Display name of the --dashboard-admin user, shown in the dashboard's header (default: none, the user name is shown; 'hocvu users display-name' sets it too)."`
	DashboardSecure      bool          `name:"dashboard-secure-cookies" env:"HOCVU_DASHBOARD_SECURE_COOKIES" help:"Mark dashboard cookies Secure: set it when people reach Hocvu over HTTPS."`
	DashboardSessionIdle time.Duration `name:"dashboard-session-idle" env:"HOCVU_DASHBOARD_SESSION_IDLE" default:"12h" help:"Sign dashboard users out after this long without a request."`
}

// mount loads the dashboard users (seeding the admin when configured),
// follows the users stream, and mounts the dashboard on e. stop ends the
// follower.
func (c dashboardConfig) mount(ctx context.Context, e *echo.Echo, store users.Store, q dashboard.Querier, log *slog.Logger, metrics prometheus.Registerer) (stop func(), err error) {
	reg := users.NewRegistry(store, log)
	if err := reg.Load(ctx); err != nil {
		return nil, err
	}
	eventstore.RegisterFoldSkips(metrics, users.Stream, reg.Skipped)
	if c.DashboardAdmin != "" || c.DashboardPassword != "" {
		if c.DashboardAdmin == "" || c.DashboardPassword == "" {
			return nil, errorf("set both --dashboard-admin and --dashboard-password (HOCVU_DASHBOARD_ADMIN, HOCVU_DASHBOARD_PASSWORD), or neither")
		}
		if err := reg.Seed(ctx, strings.ToLower(c.DashboardAdmin), c.DashboardPassword, strings.TrimSpace(c.DashboardAdminName)); err != nil {
			return nil, err
		}
	}
	if len(reg.List()) == 0 {
		log.Warn("no dashboard users: nobody can sign in at /dashboard/; set HOCVU_DASHBOARD_ADMIN and HOCVU_DASHBOARD_PASSWORD or run `hocvu users add`")
	}
	fctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); reg.Follow(fctx) }()
	dashboard.New(dashboard.Config{Analytics: q, Users: reg, Logger: log, Secure: c.DashboardSecure, SessionIdle: c.DashboardSessionIdle}).Mount(e)
	return func() { cancel(); wg.Wait() }, nil
}
