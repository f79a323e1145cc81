package deploycheck_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// testEnv is an .env as an operator fills it in (values made up here).
// Variables of .env.example that it does not name are filled in by
// filledEnv, so that a new secret in .env.example needs no change here.
const testEnv = `CLICKHOUSE_PASSWORD=p@ss/w?rd#1%
HOCVU_PSEUDONYM_KEY=8f14e45fceea167a5a36dedd4bea2543
HOCVU_FORWARD_SECRETS_KEY=3c59dc048e8850243be8079a5c74d0793c59dc048e8850243be8079a5c74d079
HOCVU_API_KEY=portal
HOCVU_API_SECRET=9b2f0c1d7e6a5b4c
HOCVU_DASHBOARD_ADMIN=admin
HOCVU_DASHBOARD_PASSWORD=5e8a1f2b3c4d
HOCVU_PUBLIC_HOST=lrs.example.gov.vn
ACME_EMAIL=ops@example.gov.vn
`

// exampleVars returns the variables .env.example lists, in order.
func exampleVars(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _ := strings.Cut(line, "=")
		vars = append(vars, k)
	}
	return vars
}

// filledEnv writes testEnv to a file, with a made-up value (64 hex digits,
// as openssl rand -hex 32 makes) for every other variable of .env.example.
func filledEnv(t *testing.T) string {
	t.Helper()
	env := testEnv
	for _, k := range exampleVars(t) {
		if !strings.Contains("\n"+testEnv, "\n"+k+"=") {
			env += k + "=" + strings.Repeat("5e8a1f2b", 8) + "\n"
		}
	}
	f := filepath.Join(t.TempDir(), "test.env")
	if err := os.WriteFile(f, []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// load loads the compose files (docker-compose.yml when none are given)
// as `docker compose --env-file F -f … config` would.
func load(t *testing.T, envFile string, files ...string) (*types.Project, error) {
	t.Helper()
	return loadWith(t, envFile, true, files...)
}

func loadWith(t *testing.T, envFile string, interpolate bool, files ...string) (*types.Project, error) {
	t.Helper()
	dir := root(t)
	if len(files) == 0 {
		files = []string{"docker-compose.yml"}
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join(dir, f))
	}
	// Only the env file counts, not this process's environment.
	for _, k := range exampleVars(t) {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	opts, err := cli.NewProjectOptions(paths,
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithName("hocvu"),
		cli.WithInterpolation(interpolate),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeConfigIsValid(t *testing.T) {
	p, err := load(t, filledEnv(t))
	if err != nil {
		t.Fatalf("docker-compose.yml does not load with a filled-in .env: %v", err)
	}
	want := []string{"api", "clickhouse", "kurrentdb", "projector"}
	if got := strings.Join(p.ServiceNames(), ","); got != strings.Join(want, ",") {
		t.Fatalf("services %s, want %v", got, want)
	}
	for _, name := range want {
		svc, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 {
			t.Errorf("service %s has no health check", name)
		}
		if len(svc.Volumes) == 0 {
			t.Errorf("service %s has no volume", name)
		}
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeVolume {
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("service %s uses undeclared volume %s", name, v.Source)
				}
			}
		}
	}
	api, _ := p.GetService("api")
	proj, _ := p.GetService("projector")
	if !strings.Contains(strings.Join(api.Command, " "), "--no-analytics-projector") || strings.Join(proj.Command, " ") != "project" {
		t.Errorf("api runs %v and projector %v: the projector must be the only analytics writer", api.Command, proj.Command)
	}
	for _, svc := range []types.ServiceConfig{api, proj} {
		for _, k := range []string{"HOCVU_EVENTSTORE_URL", "HOCVU_CLICKHOUSE_URL", "HOCVU_CLICKHOUSE_PASSWORD", "HOCVU_PSEUDONYM_KEY", "HOCVU_FORWARD_SECRETS_KEY", "HOCVU_EVENTSTORE_MAX_APPEND", "HOCVU_STARTUP_WAIT"} {
			if v := svc.Environment[k]; v == nil || *v == "" {
				t.Errorf("%s lacks %s", svc.Name, k)
			}
		}
	}
	// The password reaches Hocvu whole, whatever its characters.
	if v := api.Environment["HOCVU_CLICKHOUSE_PASSWORD"]; v == nil || *v != "p@ss/w?rd#1%" {
		t.Errorf("the ClickHouse password from .env does not reach the API intact: %v", v)
	}
	if v := api.Environment["HOCVU_CLICKHOUSE_URL"]; v == nil || strings.Contains(*v, "p@ss") {
		t.Errorf("the password is pasted into the DSN: %v", v)
	}
}

// TestComposeRequiresSecrets: with .env.example as shipped (every secret
// empty), config fails loudly instead of starting with empty credentials.
func TestComposeRequiresSecrets(t *testing.T) {
	_, err := load(t, filepath.Join(root(t), ".env.example"))
	if err == nil || !strings.Contains(err.Error(), "in .env") {
		t.Fatalf("compose config with .env.example unfilled: %v, want a 'set … in .env' error", err)
	}
}

func TestDockerfileBuildsTheBinary(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"CGO_ENABLED=1", "./cmd/hocvu", "ENTRYPOINT [\"hocvu\"]", "HEALTHCHECK", "USER hocvu"} {
		if !strings.Contains(s, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
