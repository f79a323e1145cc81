package dashboard_test

import (
	"io/fs"
	"net/http"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/dashboard/i18n"
)

var (
	importRE = regexp.MustCompile(`(?m)^import .*? from '([^']+)';|^import '([^']+)';`)
	tKeyRE   = regexp.MustCompile(`\bt\('([a-z_]+\.[a-zA-Z0-9_.-]*)'`)
	urlRE    = regexp.MustCompile(`https?://|//cdn|@import`)
)

// The browser code ships with the binary and is complete: every module it
// imports exists, no asset reaches outside (no CDN), and every label it
// asks for is translated.
func TestAssetsAreSelfContained(t *testing.T) {
	root := os.DirFS("assets")
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		src := string(data)
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") {
			if m := urlRE.FindString(src); m != "" && !strings.Contains(src, "http://www.w3.org/2000/svg") {
				t.Errorf("%s refers to an external resource (%q)", p, m)
			}
		}
		if !strings.HasSuffix(p, ".js") {
			return nil
		}
		for _, m := range importRE.FindAllStringSubmatch(src, -1) {
			spec := m[1] + m[2]
			target := path.Join(path.Dir(p), spec)
			if _, err := fs.Stat(root, target); err != nil {
				t.Errorf("%s imports %s, which is not embedded", p, spec)
			}
		}
		for _, m := range tKeyRE.FindAllStringSubmatch(src, -1) {
			key := m[1]
			if strings.HasSuffix(key, ".") && key != "group." { // a prefix completed at run time
				continue
			}
			for _, lang := range i18n.Languages {
				if _, ok := i18n.Dict(lang)[key]; !ok {
					t.Errorf("%s uses label %q, missing in %s.json", p, key, lang)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAssetsAreServed(t *testing.T) {
	h := newHarness(t, false)
	c := h.client()
	for p, ct := range map[string]string{
		"/dashboard/assets/js/app.js":           "text/javascript",
		"/dashboard/assets/js/pages/commune.js": "text/javascript",
		"/dashboard/assets/app.css":             "text/css",
		"/dashboard/assets/favicon.svg":         "image/svg+xml",
	} {
		res, _ := h.get(c, p)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), ct) {
			t.Errorf("GET %s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	for _, p := range []string{"/dashboard/assets/", "/dashboard/assets/js/", "/dashboard/assets/nope.js"} {
		if res, _ := h.get(c, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
}

// Every group, area type and column the dashboard shows has a label.
func TestDomainLabelsTranslated(t *testing.T) {
	keys := []string{"group.public-staff", "group.student", "group.worker", "group.citizen", "group."}
	for _, a := range []string{"urban", "rural", "mountainous", "island", "ethnic-minority"} {
		keys = append(keys, "area."+a)
	}
	for _, stage := range []string{"started", "completed", "passed", "certified"} {
		keys = append(keys, "stage."+stage)
	}
	for _, lang := range i18n.Languages {
		d := i18n.Dict(lang)
		for _, k := range keys {
			if _, ok := d[k]; !ok {
				t.Errorf("%s: no label %q", lang, k)
			}
		}
	}
	if !slices.Contains(i18n.Languages, "vi") || i18n.Default != "vi" {
		t.Error("Vietnamese must be the default language")
	}
}
