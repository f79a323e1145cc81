package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

const testBoundary = "-------314159265358979323846"

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// header is one part header, kept in order.
type header struct{ key, value string }

// mpPart is one part of a hand-built multipart body.
type mpPart struct {
	headers []header
	body    []byte
}

// buildMultipart writes parts the way xAPI clients do: CRLF line ends, a
// CRLF before each delimiter, and a closing delimiter.
func buildMultipart(boundary string, parts ...mpPart) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		for _, h := range p.headers {
			b.WriteString(h.key + ": " + h.value + "\r\n")
		}
		b.WriteString("\r\n")
		b.Write(p.body)
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes()
}

func jsonPart(body []byte) mpPart {
	return mpPart{headers: []header{{"Content-Type", "application/json"}}, body: body}
}

func dataPart(data []byte) mpPart {
	return mpPart{headers: []header{
		{"Content-Type", "text/plain"},
		{"Content-Transfer-Encoding", "binary"},
		{"X-Experience-API-Hash", sha256Hex(data)},
	}, body: data}
}

func multipartType(boundary string) string {
	return "multipart/mixed; boundary=" + boundary
}

// statement returns a minimal Statement with the given attachments.
func statement(atts ...map[string]any) map[string]any {
	st := map[string]any{
		"actor":  map[string]any{"mbox": "mailto:learner@example.com", "objectType": "Agent"},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/attempted", "display": map[string]any{"en-US": "attempted"}},
		"object": map[string]any{"id": "http://example.com/activities/1"},
	}
	if len(atts) > 0 {
		arr := make([]any, len(atts))
		for i, a := range atts {
			arr[i] = a
		}
		st["attachments"] = arr
	}
	return st
}

// att returns an Attachment object for data; fileURL "" means none.
func att(sha2, fileURL string) map[string]any {
	a := map[string]any{
		"usageType":   "http://example.com/attachment-usage/test",
		"display":     map[string]any{"en-US": "A test attachment"},
		"contentType": "text/plain",
		"length":      json.Number("27"),
		"sha2":        sha2,
	}
	if fileURL != "" {
		a["fileUrl"] = fileURL
	}
	return a
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decode decodes JSON the way the LRS does, keeping numbers exact.
func decode(t testing.TB, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
	return v
}

// parse runs Parse and closes the request at the end of the test.
func parse(t testing.TB, contentType string, body []byte, lim attachments.Limits) (*attachments.Request, error) {
	t.Helper()
	req, err := attachments.Parse(context.Background(), contentType, bytes.NewReader(body), lim)
	if req != nil {
		t.Cleanup(func() {
			if err := req.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	return req, err
}

func readPart(t testing.TB, p *attachments.Part) []byte {
	t.Helper()
	rc, err := p.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantKind fails unless err has the given kind (0: err is nil) and, when
// contains is set, mentions it.
func wantKind(t testing.TB, err error, kind attachments.Kind, contains string) {
	t.Helper()
	if kind == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want kind %v", kind)
	}
	if got := attachments.KindOf(err); got != kind {
		t.Fatalf("error %q has kind %v, want %v", err, got, kind)
	}
	if contains != "" && !strings.Contains(err.Error(), contains) {
		t.Fatalf("error %q does not mention %q", err, contains)
	}
}

func wantPointer(t testing.TB, err error, ptr string) {
	t.Helper()
	var e *attachments.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *attachments.Error", err)
	}
	if e.Pointer != ptr {
		t.Fatalf("error %q has pointer %q, want %q", err, e.Pointer, ptr)
	}
}

// dirEntries counts the entries of dir.
func dirEntries(t testing.TB, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}
