package deploycheck_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
)

// hocvuServices are the services that run the Hocvu image.
var hocvuServices = []string{"api", "projector"}

// composeSets are the ways the files are meant to be used.
var composeSets = [][]string{
	{"docker-compose.yml"},
	{"docker-compose.yml", "docker-compose.tls.yml"},
}

func services(t *testing.T, files ...string) *types.Project {
	t.Helper()
	p, err := load(t, filledEnv(t), files...)
	if err != nil {
		t.Fatalf("%v: %v", files, err)
	}
	return p
}

func env(svc types.ServiceConfig, k string) string {
	if v := svc.Environment[k]; v != nil {
		return *v
	}
	return ""
}

// TestComposeRestartsAndStopsGracefully: every service restarts by itself
// after a crash or a reboot, and gets more time to stop than its own
// shutdown takes (Docker's default of 10 s is less than Hocvu's 15 s
// drain, and a kill mid-drain drops requests).
func TestComposeRestartsAndStopsGracefully(t *testing.T) {
	for _, files := range composeSets {
		p := services(t, files...)
		for _, svc := range p.Services {
			switch svc.Restart {
			case types.RestartPolicyAlways, types.RestartPolicyUnlessStopped, types.RestartPolicyOnFailure:
			default:
				t.Errorf("%v: service %s has restart policy %q; want always, unless-stopped or on-failure", files, svc.Name, svc.Restart)
			}
			if svc.StopGracePeriod == nil || time.Duration(*svc.StopGracePeriod) <= 10*time.Second {
				t.Errorf("%v: service %s has stop_grace_period %v, want more than Docker's 10 s default", files, svc.Name, svc.StopGracePeriod)
			}
		}
		for _, name := range hocvuServices {
			svc, err := p.GetService(name)
			if err != nil {
				t.Fatal(err)
			}
			shutdown := 15 * time.Second // the flag's default
			if v := env(svc, "HOCVU_SHUTDOWN_TIMEOUT"); v != "" {
				if shutdown, err = time.ParseDuration(v); err != nil {
					t.Fatalf("%s: HOCVU_SHUTDOWN_TIMEOUT=%q: %v", name, v, err)
				}
			}
			// The drain, then closing stores and releasing the lease.
			if svc.StopGracePeriod == nil {
				continue // reported above
			}
			if grace := time.Duration(*svc.StopGracePeriod); grace < shutdown+10*time.Second {
				t.Errorf("%v: %s stop_grace_period %s is not above its shutdown timeout %s plus 10 s", files, name, grace, shutdown)
			}
		}
	}
}

// TestComposePublishesOnLoopback: nothing is reachable from other
// machines except the TLS proxy of docker-compose.tls.yml on 80 and 443.
func TestComposePublishesOnLoopback(t *testing.T) {
	for _, files := range composeSets {
		p := services(t, files...)
		for _, svc := range p.Services {
			for _, port := range svc.Ports {
				if port.HostIP == "127.0.0.1" {
					continue
				}
				if svc.Name == "proxy" && (port.Target == 80 || port.Target == 443) {
					continue
				}
				t.Errorf("%v: service %s publishes %d on %q: publish on 127.0.0.1 and put a TLS proxy in front", files, svc.Name, port.Target, port.HostIP)
			}
		}
	}
}

// TestComposeTLSSetup: behind the TLS proxy, dashboard cookies are Secure
// and the authority is the public https address.
func TestComposeTLSSetup(t *testing.T) {
	p := services(t, "docker-compose.yml", "docker-compose.tls.yml")
	api, err := p.GetService("api")
	if err != nil {
		t.Fatal(err)
	}
	if env(api, "HOCVU_DASHBOARD_SECURE_COOKIES") != "true" || env(api, "HOCVU_AUTHORITY_HOME") != "https://lrs.example.gov.vn/" {
		t.Errorf("api behind TLS: secure cookies %q, authority %q", env(api, "HOCVU_DASHBOARD_SECURE_COOKIES"), env(api, "HOCVU_AUTHORITY_HOME"))
	}
	// Behind the proxy, per-address limits must see the clients, not the
	// proxy: its network is trusted for X-Forwarded-For.
	if env(api, "HOCVU_TRUSTED_PROXIES") == "" {
		t.Error("api behind TLS trusts no proxy: every client would share the proxy's address limits")
	}
	caddy, ok := p.Configs["caddyfile"]
	if !ok || !strings.Contains(caddy.Content, "lrs.example.gov.vn {") || !strings.Contains(caddy.Content, "reverse_proxy api:8080") {
		t.Errorf("Caddyfile: %q", caddy.Content)
	}
	// The API's operations endpoints have no authentication: the public
	// site answers 404 for them.
	internal := regexp.MustCompile(`(?m)^\s*@internal path (.*)$`).FindStringSubmatch(caddy.Content)
	if internal == nil || !strings.Contains(caddy.Content, "respond @internal 404") {
		t.Errorf("Caddyfile does not keep the operations endpoints off the public site: %q", caddy.Content)
	} else {
		paths := strings.Fields(internal[1])
		for _, want := range []string{"/metrics", "/debug/*", "/api/projections"} {
			if !slices.Contains(paths, want) {
				t.Errorf("Caddyfile serves %s publicly (blocked: %v)", want, paths)
			}
		}
	}
	base := services(t)
	if api, _ := base.GetService("api"); env(api, "HOCVU_DASHBOARD_SECURE_COOKIES") == "true" {
		t.Errorf("plain-HTTP compose marks cookies Secure: browsers would drop them")
	}
}

// secretName matches variables that hold secrets.
var secretName = regexp.MustCompile(`PASSWORD|SECRET|_KEY$`)

// TestNoPublishedSecrets: .env.example ships no secret, and the compose
// files take every secret from .env, never as a literal.
func TestNoPublishedSecrets(t *testing.T) {
	f, err := os.Open(filepath.Join(root(t), ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	seen := map[string]bool{}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		seen[k] = true
		if secretName.MatchString(k) && v != "" {
			t.Errorf(".env.example ships a value for the secret %s", k)
		}
	}
	for _, k := range []string{"CLICKHOUSE_PASSWORD", "HOCVU_PSEUDONYM_KEY", "HOCVU_FORWARD_SECRETS_KEY", "HOCVU_API_SECRET", "HOCVU_DASHBOARD_PASSWORD"} {
		if !seen[k] {
			t.Errorf(".env.example does not list %s", k)
		}
	}
	b, _ := os.ReadFile(filepath.Join(root(t), ".env.example"))
	if !strings.Contains(string(b), "openssl rand -hex 32") {
		t.Errorf(".env.example does not say how to make a secret")
	}

	for _, files := range composeSets {
		raw, err := loadWith(t, filledEnv(t), false, files...)
		if err != nil {
			t.Fatalf("%v without interpolation: %v", files, err)
		}
		for _, svc := range raw.Services {
			for k, v := range svc.Environment {
				if v == nil || !secretName.MatchString(k) {
					continue
				}
				if *v != "" && !strings.HasPrefix(*v, "${") {
					t.Errorf("%v: service %s sets the secret %s to a literal", files, svc.Name, k)
				}
			}
		}
	}
}

// TestComposeAppendLimits: KurrentDB starts with its MaxAppendSize (it
// refuses more than 16 MiB less 10,000 bytes), Hocvu knows that limit,
// and a request body fits in it with room for what storing adds.
func TestComposeAppendLimits(t *testing.T) {
	p := services(t)
	kdb, _ := p.GetService("kurrentdb")
	api, _ := p.GetService("api")
	num := func(svc types.ServiceConfig, k string) int {
		n, err := strconv.Atoi(env(svc, k))
		if err != nil {
			t.Fatalf("%s: %s=%q: %v", svc.Name, k, env(svc, k), err)
		}
		return n
	}
	server := num(kdb, "KURRENTDB_MAX_APPEND_SIZE")
	if server > 16<<20-10000 {
		t.Errorf("KURRENTDB_MAX_APPEND_SIZE=%d: KurrentDB does not start above 16767216", server)
	}
	for _, name := range hocvuServices {
		svc, _ := p.GetService(name)
		if got := num(svc, "HOCVU_EVENTSTORE_MAX_APPEND"); got != server {
			t.Errorf("%s: HOCVU_EVENTSTORE_MAX_APPEND=%d, but the server's limit is %d", name, got, server)
		}
	}
	if body := num(api, "HOCVU_MAX_BODY"); body > server*3/4 {
		t.Errorf("HOCVU_MAX_BODY=%d is more than 3/4 of the append limit %d: a full request would not fit in one append", body, server)
	}
}

// TestComposeOperations: a hot-standby projector, health checks that give
// the servers time to start, and no telemetry leaving the deployment.
func TestComposeOperations(t *testing.T) {
	p := services(t)
	proj, _ := p.GetService("projector")
	if proj.GetScale() < 2 {
		t.Errorf("projector runs %d replicas; docs/deploy.md recommends two (active + standby)", proj.GetScale())
	}
	for _, name := range []string{"kurrentdb", "clickhouse", "api", "projector"} {
		svc, _ := p.GetService(name)
		if svc.HealthCheck == nil || svc.HealthCheck.StartPeriod == nil || time.Duration(*svc.HealthCheck.StartPeriod) < 30*time.Second {
			t.Errorf("service %s: health check start_period %v, want 30 s or more", name, svc.HealthCheck.StartPeriod)
		}
	}
	kdb, _ := p.GetService("kurrentdb")
	if env(kdb, "KURRENTDB_TELEMETRY_OPTOUT") != "true" {
		t.Errorf("KurrentDB telemetry is not opted out")
	}
}

// TestDockerIgnore: secrets and local data stay out of the build context.
func TestDockerIgnore(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".env", "data/"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}
