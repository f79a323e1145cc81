package deploycheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testedImages are the server versions the compose files may name: the
// ones the tests cover, and only those.
//   - ClickHouse 26.7: the chDB 26.7 tests (internal/chdbtest, from
//     issue 13) run the migrations, the engine and every query on it
//     in-process (Debian's 18.16 server runs the rest); docs/analytics.md
//     has the matrix.
//   - KurrentDB 26.1.1: the version whose sources and docs the adapter and
//     its in-process test server were checked against (no KurrentDB
//     server runs here; README, "Tests").
var testedImages = map[string]string{
	"clickhouse/clickhouse-server": "26.7",
	"kurrentplatform/kurrentdb":    "26.1.1",
}

// untestedImages are images that are not a server Hocvu talks to, pinned
// by major version only: Caddy (TLS in front, never started here).
var untestedImages = map[string]string{
	"caddy": "2",
}

// TestComposeImagesAreTheTestedVersions: every image is pinned to a tag,
// the servers to the versions the tests cover, and docs/deploy.md names
// the same versions as the compose file.
func TestComposeImagesAreTheTestedVersions(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), "docs", "deploy.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Join(strings.Fields(string(b)), " ")
	for _, files := range composeSets {
		p := services(t, files...)
		for _, svc := range p.Services {
			if svc.Build != nil {
				continue // Hocvu itself, built from this tree
			}
			name, tag, ok := strings.Cut(svc.Image, ":")
			if !ok || tag == "" || tag == "latest" {
				t.Errorf("%v: service %s runs %q: pin a tag", files, svc.Name, svc.Image)
				continue
			}
			if want, ok := untestedImages[name]; ok {
				if tag != want {
					t.Errorf("%v: service %s runs %s, want %s:%s", files, svc.Name, svc.Image, name, want)
				}
				continue
			}
			want, ok := testedImages[name]
			switch {
			case !ok:
				t.Errorf("%v: service %s runs %s, which no test covers", files, svc.Name, svc.Image)
			case tag != want:
				t.Errorf("%v: service %s runs %s, but the tests cover %s:%s", files, svc.Name, svc.Image, name, want)
			}
		}
	}
	for _, want := range []string{"ClickHouse 26.7", "KurrentDB " + testedImages["kurrentplatform/kurrentdb"]} {
		if !strings.Contains(doc, want) {
			t.Errorf("docs/deploy.md does not name %q, the version docker-compose.yml runs", want)
		}
	}
}
