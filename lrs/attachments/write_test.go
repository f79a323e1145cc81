package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

func TestWriteMultipartRoundTrip(t *testing.T) {
	ctx := context.Background()
	store, err := attachments.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("here is a simple attachment")
	bin := append(bytes.Repeat([]byte{0, 0xff, '\r', '\n', '-', '-'}, 5000), []byte("\r\n--")...)
	for _, b := range [][]byte{text, bin} {
		if err := store.Put(ctx, sha256Hex(b), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	binAtt := att(sha256Hex(bin), "")
	binAtt["contentType"] = "application/octet-stream"
	result := map[string]any{
		"statements": []any{
			statement(att(sha256Hex(text), ""), binAtt),
			statement(att(strings.ToUpper(sha256Hex(text)), "")), // same data again
			statement(att(sha256Hex([]byte("elsewhere")), "http://example.com/f")),
		},
		"more": "",
	}
	refs := attachments.Refs(result)
	if len(refs) != 3 {
		t.Fatalf("Refs = %+v, want 3 distinct hashes", refs)
	}
	var held []attachments.BlobRef
	for _, r := range refs {
		if store.Has(r.SHA2) {
			held = append(held, r)
		}
	}
	if len(held) != 2 || held[0].ContentType != "text/plain" || held[1].ContentType != "application/octet-stream" {
		t.Fatalf("held refs = %+v", held)
	}
	statementsJSON := mustJSON(t, result)
	boundary := attachments.NewBoundary()
	if other := attachments.NewBoundary(); other == boundary {
		t.Fatal("NewBoundary repeats itself")
	}
	var body bytes.Buffer
	if err := attachments.WriteMultipart(ctx, &body, boundary, statementsJSON, append(held, held[0]), store); err != nil {
		t.Fatal(err)
	}
	contentType := attachments.MultipartContentType(boundary)

	// The response parses as a request with the same statements and data.
	req, err := parse(t, contentType, body.Bytes(), attachments.Limits{TempDir: t.TempDir(), MemoryBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(req.Statements, statementsJSON) {
		t.Fatal("statements part differs")
	}
	if len(req.Parts) != 2 {
		t.Fatalf("%d parts, want one per distinct hash", len(req.Parts))
	}
	for i, want := range [][]byte{text, bin} {
		if got := readPart(t, req.Parts[i]); !bytes.Equal(got, want) {
			t.Fatalf("part %d data differs", i+1)
		}
	}
	wantKind(t, attachments.CheckParts(decode(t, req.Statements).(map[string]any)["statements"], req.Parts), 0, "")

	// And the headers are those Communication 1.5.2 asks for.
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] != boundary {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body.Bytes()), boundary)
	for i := 0; ; i++ {
		p, err := mr.NextRawPart()
		if err != nil {
			if i != 3 {
				t.Fatalf("after %d parts: %v", i, err)
			}
			break
		}
		if i == 0 {
			if p.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("first part header %v", p.Header)
			}
			continue
		}
		if p.Header.Get("Content-Transfer-Encoding") != "binary" || p.Header.Get("X-Experience-API-Hash") != held[i-1].SHA2 || p.Header.Get("Content-Type") != held[i-1].ContentType {
			t.Fatalf("part %d header %v", i, p.Header)
		}
	}
}

func TestWriteMultipartErrors(t *testing.T) {
	ctx := context.Background()
	store, err := attachments.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	err = attachments.WriteMultipart(ctx, &body, attachments.NewBoundary(), []byte("{}"), []attachments.BlobRef{{SHA2: sha256Hex([]byte("missing"))}}, store)
	if !errors.Is(err, attachments.ErrNotFound) {
		t.Fatalf("missing blob: got %v, want ErrNotFound", err)
	}
	err = attachments.WriteMultipart(ctx, &body, attachments.NewBoundary(), []byte("{}"), []attachments.BlobRef{{SHA2: "not a hash"}}, store)
	if err == nil {
		t.Fatal("bad hash accepted")
	}
	if err := attachments.WriteMultipart(ctx, &body, "bad boundary\r\n", []byte("{}"), nil, store); err == nil {
		t.Fatal("bad boundary accepted")
	}
}

func TestWriteMultipartSanitizesContentType(t *testing.T) {
	ctx := context.Background()
	store, err := attachments.OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("x")
	if err := store.Put(ctx, sha256Hex(data), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for _, ct := range []string{"", "text/plain\r\nX-Injected: 1", "not a type"} {
		var body bytes.Buffer
		b := attachments.NewBoundary()
		if err := attachments.WriteMultipart(ctx, &body, b, []byte("{}"), []attachments.BlobRef{{SHA2: sha256Hex(data), ContentType: ct}}, store); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(body.String(), "X-Injected") || !strings.Contains(body.String(), "Content-Type: application/octet-stream") {
			t.Fatalf("content type %q written as:\n%s", ct, body.String())
		}
	}
}
