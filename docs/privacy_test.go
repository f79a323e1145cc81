package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// eventType is how Hocvu names its stored event types ("credential.set.v1").
var eventType = regexp.MustCompile(`^[a-z]+(\.[a-z0-9-]+)+\.v[0-9]+$`)

// TestEveryEventTypeIsInThePrivacyInventory keeps privacy.md true: every
// event type the code declares (a constant named Event… whose value is an
// event type) must be classified there, by name or by a pattern such as
// `forward.batch.*.v1`. A new event type fails this test until someone
// writes down what personal data it holds.
func TestEveryEventTypeIsInThePrivacyInventory(t *testing.T) {
	doc, err := fs.ReadFile(FS(), "privacy.md")
	if err != nil {
		t.Fatal(err)
	}
	covered := coveredTypes(string(doc))
	types := declaredEventTypes(t, "..")
	if len(types) < 20 {
		t.Fatalf("found only %d event types in the code: the scan is broken", len(types))
	}
	for typ, where := range types {
		if !covered(typ) {
			t.Errorf("event type %s (%s) is not classified in docs/privacy.md", typ, where)
		}
	}
}

// coveredTypes reports whether an event type is named in doc, exactly or
// by a backquoted pattern whose * stands for one or more name parts.
func coveredTypes(doc string) func(string) bool {
	var patterns []*regexp.Regexp
	for _, m := range regexp.MustCompile("`([a-z0-9.*-]+\\.v[0-9]+)`").FindAllStringSubmatch(doc, -1) {
		if strings.Contains(m[1], "*") {
			parts := strings.Split(m[1], "*")
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			patterns = append(patterns, regexp.MustCompile("^"+strings.Join(parts, `[a-z0-9-]+(\.[a-z0-9-]+)*`)+"$"))
		}
	}
	return func(typ string) bool {
		if strings.Contains(doc, "`"+typ+"`") {
			return true
		}
		for _, p := range patterns {
			if p.MatchString(typ) {
				return true
			}
		}
		return false
	}
}

// declaredEventTypes parses the non-test Go files under root and returns
// the event types declared as Event… constants, with where each is.
func declaredEventTypes(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "data") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if !strings.HasPrefix(name.Name, "Event") || i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err == nil && eventType.MatchString(v) {
						out[v] = path + ": " + name.Name
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
