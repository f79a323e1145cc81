package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed xapi-1.0.3/*.json xapi-2.0.0/*.json
var files embed.FS

// baseURL names the embedded files; nothing is ever fetched from it.
const baseURL = "https://schemas.hocvu.invalid/"

// Set is the compiled schemas of every [Version]. It is immutable and safe
// for concurrent use.
type Set struct {
	roots map[rootKey]*jsonschema.Schema
	// nodes maps the absolute location of every schema object in the
	// embedded files (file URL + "#" + JSON pointer) to its raw JSON, so
	// that errors can be explained with the schema's own words.
	nodes map[string]map[string]any
}

type rootKey struct {
	v Version
	k Kind
}

var load = sync.OnceValues(compile)

// Load returns the compiled schemas. They are compiled on the first call
// only; later calls return the same *Set (or the same error, which can only
// come from a broken embedded file).
func Load() (*Set, error) { return load() }

// MustLoad is like [Load] but panics on error. The embedded schemas are
// tested, so this only fails on a broken build.
func MustLoad() *Set {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

func compile() (*Set, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for name, check := range formatCheckers {
		c.RegisterFormat(&jsonschema.Format{Name: name, Validate: func(v any) error {
			if s, ok := v.(string); ok && !check(s) {
				return errInvalidFormat
			}
			return nil
		}})
	}
	set := &Set{roots: map[rootKey]*jsonschema.Schema{}, nodes: map[string]map[string]any{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("schemas: %s: %w", p, err)
		}
		set.index(baseURL+p+"#", raw)
		return c.AddResource(baseURL+p, raw)
	})
	if err != nil {
		return nil, err
	}
	for _, v := range []Version{V103, V200} {
		for k, file := range kindFiles {
			s, err := c.Compile(baseURL + "xapi-" + string(v) + "/" + file)
			if err != nil {
				return nil, fmt.Errorf("schemas: compile %s %s: %w", v, file, err)
			}
			set.roots[rootKey{v, Kind(k)}] = s
		}
	}
	return set, nil
}

var errInvalidFormat = errors.New("invalid format")

// index records every JSON object of a schema file under its location.
func (s *Set) index(loc string, raw any) {
	switch x := raw.(type) {
	case map[string]any:
		s.nodes[loc] = x
		for k, v := range x {
			s.index(loc+"/"+escapeToken(k), v)
		}
	case []any:
		for i, v := range x {
			s.index(fmt.Sprintf("%s/%d", loc, i), v)
		}
	}
}

// Validate checks doc, a JSON value decoded with json.Decoder.UseNumber
// (maps, slices, json.Number, string, bool and nil), against the root schema
// of kind k in version v. It returns nil when doc is valid. Problems are
// ordered by path, then rule.
func (s *Set) Validate(v Version, k Kind, doc any) []Problem {
	root, ok := s.roots[rootKey{v, k}]
	if !ok {
		return []Problem{{Rule: "schema:unknown", Message: fmt.Sprintf("no schema for %s in xAPI version %q", k, v)}}
	}
	err := root.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Rule: "schema:invalid-json", Message: err.Error()}}
	}
	f := flattener{set: s, doc: doc}
	f.walk(ve, "")
	return sortProblems(f.out)
}

// Files returns the embedded schema files of version v, by file name, for
// publishing them (for example under /schemas/ on the HTTP side).
func Files(v Version) (map[string][]byte, error) {
	dir := "xapi-" + string(v)
	entries, err := files.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("schemas: no files for version %q: %w", v, err)
	}
	out := make(map[string][]byte, len(entries))
	for _, e := range entries {
		data, err := files.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = data
	}
	return out, nil
}

var (
	tokenEscaper   = strings.NewReplacer("~", "~0", "/", "~1")
	tokenUnescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

// escapeToken escapes a JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return tokenEscaper.Replace(s)
}
