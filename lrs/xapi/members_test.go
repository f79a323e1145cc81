package xapi_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hocvu/hocvu/lrs/xapi"
)

func TestSetMembers(t *testing.T) {
	raw := []byte(`{"id":"a","actor":{"mbox":"mailto:x@y.z"},"authority":{"mbox":"mailto:forged@y.z"},"verb":{"id":"http://v"},"timestamp":"2025-01-01T00:00:00Z"}`)
	got, err := xapi.SetMembers(raw,
		xapi.Member{Name: "id", Value: []byte(`"b"`), IfAbsent: true},
		xapi.Member{Name: "authority", Value: []byte(`{"mbox":"mailto:lrs@y.z"}`)},
		xapi.Member{Name: "version", Value: []byte(`"2.0.0"`), IfAbsent: true},
		xapi.Member{Name: "stored", Value: []byte(`"2026-01-01T00:00:00.000Z"`)},
		xapi.Member{Name: "timestamp", Value: []byte(`"x"`), IfAbsent: true},
	)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got, &m); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	want := map[string]any{
		"id": "a", "actor": map[string]any{"mbox": "mailto:x@y.z"}, "authority": map[string]any{"mbox": "mailto:lrs@y.z"},
		"verb": map[string]any{"id": "http://v"}, "timestamp": "2025-01-01T00:00:00Z", "version": "2.0.0", "stored": "2026-01-01T00:00:00.000Z",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %s", got)
	}
	// The client's members keep their order and bytes.
	if string(got[:len(`{"id":"a","actor":{"mbox":"mailto:x@y.z"}`)]) != `{"id":"a","actor":{"mbox":"mailto:x@y.z"}` {
		t.Fatalf("order or bytes changed: %s", got)
	}
	if _, err := xapi.SetMembers([]byte(`[1]`)); err == nil {
		t.Fatal("array accepted")
	}
}

func TestSplitArray(t *testing.T) {
	parts, err := xapi.SplitArray([]byte(` [ {"a":1} , {"b":[2,3]} ] `))
	if err != nil || len(parts) != 2 || string(parts[0]) != `{"a":1}` || string(parts[1]) != `{"b":[2,3]}` {
		t.Fatalf("%q %v", parts, err)
	}
	one, err := xapi.SplitArray([]byte(`{"a":1}`))
	if err != nil || len(one) != 1 {
		t.Fatalf("%q %v", one, err)
	}
}
