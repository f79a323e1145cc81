package xapiprofile_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/campaign/xapiprofile"
)

func TestJSONPath(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{
		"a": {"b": [1, 2, {"c": "x"}], "d.e": "dotted", "f": "g"},
		"list": [{"id": "p"}, {"id": "q"}, {"other": 1}]
	}`), &doc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string // JSON of the result list
	}{
		{"$", ""},
		{"$.a.f", `["g"]`},
		{"$['a']['f']", `["g"]`},
		{`$["a"]["d.e"]`, `["dotted"]`},
		{"$.a['d.e','f']", `["dotted","g"]`},
		{"$.a.b[0]", `[1]`},
		{"$.a.b[0,1]", `[1,2]`},
		{"$.a.b[5]", `null`},
		{"$.a.b[*]", `[1,2,{"c":"x"}]`},
		{"$.a.b[2].c", `["x"]`},
		{"$.list[*].id", `["p","q"]`},
		{"$.missing.deeper", `null`},
		{"$.a.f.g", `null`},
	}
	for _, c := range cases {
		p, err := xapiprofile.CompilePath(c.path)
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if c.want == "" {
			continue
		}
		got, _ := json.Marshal(p.Eval(doc))
		if string(got) != c.want {
			t.Errorf("%s = %s, want %s", c.path, got, c.want)
		}
	}
}

func TestJSONPathErrors(t *testing.T) {
	for path, want := range map[string]string{
		"a.b":          "must start with $",
		"$..a":         "recursive descent",
		"$.a[?(@.b)]":  "filter",
		"$.a[(@.len)]": "filter",
		"$.a['b'":      "unterminated",
		"$.a['b]":      "unterminated",
		"$.a[*,1]":     "cannot be combined",
		"$.a.":         "empty name",
		"$a":           "unexpected",
	} {
		_, err := xapiprofile.CompilePath(path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", path, err, want)
		}
	}
}
