package xapi_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// allocated returns the bytes fn allocated (runtime.MemStats.TotalAlloc).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// nested is depth arrays or objects around a value.
func nested(depth int, objects bool, inner string) string {
	if objects {
		return strings.Repeat(`{"k":`, depth) + inner + strings.Repeat(`}`, depth)
	}
	return strings.Repeat(`[`, depth) + inner + strings.Repeat(`]`, depth)
}

func TestCheckDepth(t *testing.T) {
	cases := []struct {
		json string
		ok   bool
	}{
		{nested(xapi.MaxDepth, false, `1`), true},
		{nested(xapi.MaxDepth, true, `1`), true},
		{nested(xapi.MaxDepth+1, false, `1`), false},
		{nested(xapi.MaxDepth+1, true, `1`), false},
		// Brackets inside strings, also after escaped quotes, do not count.
		{`{"a":"` + strings.Repeat(`[{`, 200) + `"}`, true},
		{`{"a":"\"` + strings.Repeat(`[`, 200) + `\\"}`, true},
		{`["\\\"` + strings.Repeat(`{`, 200) + `"]`, true},
		// Malformed JSON is left to the decoder, unless it is too deep.
		{`{"a":`, true},
		{strings.Repeat(`[`, 100000), false},
	}
	for _, c := range cases {
		ps := xapi.CheckDepth([]byte(c.json))
		if c.ok != (ps == nil) {
			t.Errorf("%.80s…: problems %v, want ok=%v", c.json, ps, c.ok)
		}
		for _, p := range ps {
			if p.Rule != "json.max-depth" || p.Message == "" {
				t.Errorf("bad problem %+v", p)
			}
		}
	}
}

// F2: the duplicate-key scan kept a whole path per level, so memory grew
// with the square of the depth ('['*100000 took 18.5 GB). CheckJSON now
// refuses deep input after one constant-memory pass, and the scan itself
// is linear in the depth.
func TestDeepJSONCostsLinearMemory(t *testing.T) {
	deep := []byte(nested(100000, false, `1`))
	var ps []xapi.Problem
	if n := allocated(func() { ps = xapi.CheckJSON(deep) }); n > 64<<10 {
		t.Errorf("CheckJSON of %d levels allocated %d bytes", 100000, n)
	}
	if len(ps) != 1 || ps[0].Rule != "json.max-depth" {
		t.Fatalf("CheckJSON of %d levels: %v", 100000, ps)
	}
	// The scan on its own, with a duplicate at the bottom of 5000 levels
	// (the old scan allocated ~25 MB here).
	for _, objects := range []bool{false, true} {
		doc := []byte(nested(5000, objects, `{"a":1,"a":2}`))
		if n := allocated(func() { ps = xapi.DuplicateKeys(doc) }); n > uint64(200*len(doc))+1<<20 {
			t.Errorf("DuplicateKeys of 5000 levels (objects %v, %d bytes) allocated %d bytes", objects, len(doc), n)
		}
		if len(ps) != 1 || !strings.HasSuffix(ps[0].Path, "/a") || len(ps[0].Path) > 1100 {
			t.Errorf("DuplicateKeys of 5000 levels: %.200v", ps)
		}
	}
}

func TestDuplicateKeysBoundsItsAnswer(t *testing.T) {
	long := strings.Repeat("k", 100000)
	var b strings.Builder
	b.WriteString(`{"` + long + `":{`)
	for i := 0; i < 1000; i++ {
		b.WriteString(`"x":1,`)
	}
	b.WriteString(`"x":1}}`)
	ps := xapi.DuplicateKeys([]byte(b.String()))
	if len(ps) != 100 {
		t.Fatalf("%d problems, want the first 100", len(ps))
	}
	for _, p := range ps {
		if len(p.Path) > 1100 {
			t.Fatalf("path of %d bytes", len(p.Path))
		}
	}
}

func TestNumberProblem(t *testing.T) {
	ok := []string{"0", "-0", "0.0", "0e-999", "1", "-1.5", "1e308", "-1.7976931348623157e308", "5e-324", "123456789012345678901234567890",
		"0.1000000000000000055511151231257827021181583404541015625"}
	bad := []string{"1e400", "-1e400", "1e309", "1.8e308", "1e-400", "-2e-330", "1" + strings.Repeat("0", 100000),
		"0." + strings.Repeat("0", 200) + "1", "1." + strings.Repeat("0", 200)}
	for _, s := range ok {
		if msg := xapi.NumberProblem(json.Number(s)); msg != "" {
			t.Errorf("%.40s: %s", s, msg)
		}
	}
	for _, s := range bad {
		if msg := xapi.NumberProblem(json.Number(s)); msg == "" {
			t.Errorf("%.40s accepted", s)
		}
	}
}

// F1 (a): a number the LRS cannot represent is refused with its path,
// wherever it is in the statement.
func TestValidateRefusesUnrepresentableNumbers(t *testing.T) {
	huge := "1" + strings.Repeat("0", 100000)
	cases := []struct {
		edits []edit
		path  string
	}{
		{[]edit{{"/result/score/raw", "1e400"}}, "/result/score/raw"},
		{[]edit{{"/result/score/raw", "-1e400"}}, "/result/score/raw"},
		{[]edit{{"/result/score/raw", huge}}, "/result/score/raw"},
		{[]edit{{"/result/score/scaled", "1e-1000000"}}, "/result/score/scaled"},
		{[]edit{{"/context/extensions/http:~1~1example.com~1x", `{"a":[1,1e309]}`}}, "/context/extensions/http:~1~1example.com~1x/a/1"},
		{[]edit{{"/result/extensions/http:~1~1example.com~1x", "1e309"}}, "/result/extensions/http:~1~1example.com~1x"},
		{[]edit{{"/object", `{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://example.com/v"},` +
			`"object":{"id":"http://example.com/o"},"result":{"score":{"raw":1e400}}}`}}, "/object/result/score/raw"},
		{[]edit{{"/object/definition/extensions/http:~1~1example.com~1x", "-1e400"}}, "/object/definition/extensions/http:~1~1example.com~1x"},
	}
	for _, c := range cases {
		doc := with(t, c.edits...)
		for _, v := range bothVersions {
			ps := xapi.ValidateStatement(v, doc)
			if len(ps) != 1 || ps[0].Path != c.path || ps[0].Rule != "json.number-range" {
				t.Errorf("%s %v: %v, want json.number-range at %s", v, c.edits[0].ptr, ps, c.path)
			}
			batch := xapi.ValidateStatements(v, []any{doc})
			if len(batch) != 1 || batch[0].Path != "/0"+c.path {
				t.Errorf("%s batch %v: %v", v, c.edits[0].ptr, batch)
			}
		}
	}
	// Representable extremes stay valid.
	doc := with(t, edit{"/context/extensions/http:~1~1example.com~1x", "[1.7976931348623157e308, 5e-324, 0e-999]"})
	if ps := xapi.ValidateStatement(xapi.V200, doc); ps != nil {
		t.Errorf("representable numbers refused: %v", ps)
	}
	if ps := xapi.ValidateActor(xapi.V200, decode(t, `{"mbox":"mailto:a@example.com","x":1e400}`)); len(ps) != 1 || ps[0].Rule != "json.number-range" {
		t.Errorf("agent with 1e400: %v", ps)
	}
}
