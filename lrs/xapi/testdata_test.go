package xapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// TestTestdataValid validates every statement under testdata/valid: files
// directly in it are valid in both versions, files in testdata/valid/<v>
// only in version v.
func TestTestdataValid(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid examples: %v", err)
	}
	for _, v := range bothVersions {
		versionFiles, _ := filepath.Glob("testdata/valid/" + string(v) + "/*.json")
		for _, f := range append(files, versionFiles...) {
			t.Run(string(v)+"/"+filepath.Base(f), func(t *testing.T) {
				doc := readJSON(t, f)
				if ps := xapi.ValidateStatement(v, doc); len(ps) > 0 {
					t.Errorf("valid statement rejected:%s", dump(ps))
				}
			})
		}
	}
}

// TestTestdataInvalid checks every example under testdata/invalid. Each
// file names the versions it is invalid in and the rule and path of the
// problem it must produce.
func TestTestdataInvalid(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid examples: %v", err)
	}
	for _, f := range files {
		c, _ := readJSON(t, f).(map[string]any)
		rule, _ := c["rule"].(string)
		path, _ := c["path"].(string)
		versions, _ := c["versions"].([]any)
		if rule == "" || len(versions) == 0 || c["statement"] == nil {
			t.Fatalf("%s: needs versions, rule, path and statement", f)
		}
		for _, v := range versions {
			v := xapi.Version(v.(string))
			t.Run(string(v)+"/"+strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
				ps := xapi.ValidateStatement(v, c["statement"])
				if !hasProblem(ps, rule, path) {
					t.Errorf("want %s at %q, got:%s", rule, path, dump(ps))
				}
			})
		}
	}
}

// TestTestdataLayout keeps testdata/valid/<version> folders to known
// versions, so that a typo does not silently skip files.
func TestTestdataLayout(t *testing.T) {
	entries, err := os.ReadDir("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !xapi.Version(e.Name()).Valid() {
			t.Errorf("testdata/valid/%s is not a version", e.Name())
		}
	}
}
