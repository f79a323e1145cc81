package xapi_test

import (
	"reflect"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

func TestDuplicateKeys(t *testing.T) {
	cases := []struct {
		json  string
		paths []string
	}{
		{`{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"x"}}`, nil},
		{`{"actor":{},"actor":{}}`, []string{"/actor"}},
		{`{"actor":{"mbox":"a","name":"b","mbox":"c"}}`, []string{"/actor/mbox"}},
		{`[{"id":1},{"id":1,"id":2}]`, []string{"/1/id"}},
		{`{"context":{"extensions":{"http://e/x":1,"http://e/x":2}}}`, []string{"/context/extensions/http:~1~1e~1x"}},
		{`{"a":[{"b":1},{"b":1}],"c":{"d":{"e":1,"e":2}},"a":0}`, []string{"/c/d/e", "/a"}},
		{`{"a":{"x":1},"b":{"x":1}}`, nil},
		{`{"a":`, nil},
		{`"just a string"`, nil},
	}
	for _, c := range cases {
		var got []string
		for _, p := range xapi.DuplicateKeys([]byte(c.json)) {
			if p.Rule != "json.duplicate-key" || p.Message == "" {
				t.Errorf("%s: bad problem %+v", c.json, p)
			}
			got = append(got, p.Path)
		}
		if !reflect.DeepEqual(got, c.paths) {
			t.Errorf("%s: got %q, want %q", c.json, got, c.paths)
		}
	}
}

func TestDecode(t *testing.T) {
	v, err := xapi.Decode([]byte(`{"n": 1.50}`))
	if err != nil {
		t.Fatal(err)
	}
	if n := v.(map[string]any)["n"]; n != any(jsonNumber("1.50")) {
		t.Errorf("number decoded as %T %v, want json.Number", n, n)
	}
	for _, bad := range []string{``, `{`, `{} {}`, `{"a":1} x`} {
		if _, err := xapi.Decode([]byte(bad)); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}
