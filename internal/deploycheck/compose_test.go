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

// load loads docker-compose.yml as `docker compose --env-file F config`
// would.
func load(t *testing.T, envFile string) (*types.Project, error) {
	t.Helper()
	dir := root(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir),
		cli.WithEnvFiles(envFile),
		cli.WithDotEnv,
		cli.WithName("hocvu"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeConfigIsValid(t *testing.T) {
	p, err := load(t, filepath.Join(root(t), ".env.example"))
	if err != nil {
		t.Fatalf("docker-compose.yml does not load with .env.example: %v", err)
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
		for _, k := range []string{"HOCVU_EVENTSTORE_URL", "HOCVU_CLICKHOUSE_URL", "HOCVU_PSEUDONYM_KEY"} {
			if v := svc.Environment[k]; v == nil || *v == "" {
				t.Errorf("%s lacks %s", svc.Name, k)
			}
		}
	}
	if v := api.Environment["HOCVU_CLICKHOUSE_URL"]; v == nil || !strings.Contains(*v, "change-me@clickhouse:9000/hocvu") {
		t.Errorf("the ClickHouse password from .env does not reach the API: %v", v)
	}
}

// TestComposeRequiresSecrets: without the secrets, config fails loudly
// instead of starting with empty credentials.
func TestComposeRequiresSecrets(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.env")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"CLICKHOUSE_PASSWORD", "HOCVU_PSEUDONYM_KEY", "HOCVU_API_SECRET"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	_, err := load(t, empty)
	if err == nil || !strings.Contains(err.Error(), "set ") {
		t.Fatalf("compose config without secrets: %v, want a 'set … in .env' error", err)
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
