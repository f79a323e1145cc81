package attachments_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

// specExample is the request of Communication 1.5.2.s6, byte for byte in
// its framing (leading CRLF, no space after the header colons, a boundary
// with every allowed character class, and a mismatch between the
// attachment's contentType and the part's Content-Type).
const specExample = "\r\n--abcABC0123'()+_,-./:=?\r\n" +
	"Content-Type:application/json\r\n\r\n" +
	`{"actor":{"mbox":"mailto:sample.agent@example.com","name":"Sample Agent","objectType":"Agent"},` +
	`"verb":{"id":"http://adlnet.gov/expapi/verbs/answered","display":{"en-US":"answered"}},` +
	`"object":{"id":"http://www.example.com/tincan/activities/multipart","objectType":"Activity"},` +
	`"attachments":[{"usageType":"http://example.com/attachment-usage/test","display":{"en-US":"A test attachment"},` +
	`"contentType":"text/plain; charset=ascii","length":27,"sha2":"495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"}]}` +
	"\r\n--abcABC0123'()+_,-./:=?\r\n" +
	"Content-Type:text/plain\r\n" +
	"Content-Transfer-Encoding:binary\r\n" +
	"X-Experience-API-Hash:495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a\r\n\r\n" +
	"here is a simple attachment\r\n" +
	"--abcABC0123'()+_,-./:=?--"

func TestParseSpecExample(t *testing.T) {
	req, err := parse(t, `multipart/mixed; boundary="abcABC0123'()+_,-./:=?"`, []byte(specExample), attachments.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(req.Statements, []byte(`{"actor"`)) || !bytes.HasSuffix(req.Statements, []byte(`}]}`)) {
		t.Fatalf("statements part = %q", req.Statements)
	}
	if len(req.Parts) != 1 {
		t.Fatalf("got %d parts, want 1", len(req.Parts))
	}
	p := req.Parts[0]
	if p.Index != 1 || p.ContentType != "text/plain" || p.Size != 27 || p.SHA2 != "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a" {
		t.Fatalf("part = %+v", p)
	}
	if got := readPart(t, p); string(got) != "here is a simple attachment" {
		t.Fatalf("part data = %q", got)
	}
	wantKind(t, attachments.CheckParts(decode(t, req.Statements), req.Parts), 0, "")
}

func TestParse(t *testing.T) {
	one, two := []byte("here is a simple attachment"), []byte("here is another attachment\x00\xff binary")
	stmts := mustJSON(t, []any{statement(att(sha256Hex(one), "")), statement(att(sha256Hex(two), ""))})
	sha512 := "b3ab7f5b7a4d9b5b4ac1e42bfa8c3b89d75bd2d70f1ad5d2b4c8f1fcf2c7d79b2c1b0e2bb9ae6e7fdf7ac5b1b5a3e8f61e1a0c1e2b5ac5c8f8a1bc8e9d2d3b4a" // not the hash of one
	withHeaders := func(data []byte, hs ...header) mpPart { return mpPart{headers: hs, body: data} }
	mp := func(parts ...mpPart) []byte { return buildMultipart(testBoundary, parts...) }
	ct := multipartType(testBoundary)

	tests := []struct {
		name      string
		ct        string
		body      []byte
		lim       attachments.Limits
		kind      attachments.Kind
		contains  string
		wantParts []string // hashes, when the parse succeeds
	}{
		{name: "single attachment", ct: ct, body: mp(jsonPart(stmts), dataPart(one)), wantParts: []string{sha256Hex(one)}},
		{name: "two attachments", ct: ct, body: mp(jsonPart(stmts), dataPart(one), dataPart(two)), wantParts: []string{sha256Hex(one), sha256Hex(two)}},
		{name: "no attachment parts", ct: ct, body: mp(jsonPart(stmts))},
		{name: "duplicate part kept once", ct: ct, body: mp(jsonPart(stmts), dataPart(one), dataPart(two), dataPart(one)), wantParts: []string{sha256Hex(one), sha256Hex(two)}},
		{name: "preamble ignored", ct: ct, body: append([]byte("this is a preamble\r\n"), mp(jsonPart(stmts), dataPart(one))...), wantParts: []string{sha256Hex(one)}},
		{name: "upper-case hash header", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", strings.ToUpper(sha256Hex(one))})), wantParts: []string{sha256Hex(one)}},
		{name: "no Content-Transfer-Encoding means binary", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", sha256Hex(one)})), wantParts: []string{sha256Hex(one)}},
		{name: "json charset parameter", ct: ct, body: mp(mpPart{headers: []header{{"Content-Type", "application/json; charset=utf-8"}}, body: stmts})},
		{name: "plain application/json", ct: "application/json", body: stmts},
		{name: "plain application/json with charset", ct: "Application/JSON; charset=UTF-8", body: stmts},

		{name: "missing hash header", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"Content-Transfer-Encoding", "binary"})), kind: attachments.KindInvalid, contains: "part 1 has no X-Experience-API-Hash"},
		{name: "two hash headers", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", sha256Hex(one)}, header{"X-Experience-API-Hash", sha256Hex(one)})), kind: attachments.KindInvalid, contains: "2 X-Experience-API-Hash headers"},
		{name: "wrong hash", ct: ct, body: mp(jsonPart(stmts), dataPart(one), withHeaders(two, header{"X-Experience-API-Hash", sha256Hex(one)})), kind: attachments.KindInvalid, contains: "part 2: X-Experience-API-Hash is " + sha256Hex(one)},
		{name: "wrong SHA-512 hash", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", sha512})), kind: attachments.KindInvalid, contains: "hashes to"},
		{name: "hash not hex", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", strings.Repeat("z", 64)})), kind: attachments.KindInvalid, contains: "not hexadecimal"},
		{name: "hash of wrong length", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"X-Experience-API-Hash", "abc"})), kind: attachments.KindInvalid, contains: "bad X-Experience-API-Hash"},
		{name: "base64 transfer encoding", ct: ct, body: mp(jsonPart(stmts), withHeaders(one, header{"Content-Transfer-Encoding", "base64"}, header{"X-Experience-API-Hash", sha256Hex(one)})), kind: attachments.KindInvalid, contains: "must be binary"},
		{name: "first part text/plain", ct: ct, body: mp(mpPart{headers: []header{{"Content-Type", "text/plain"}}, body: stmts}, dataPart(one)), kind: attachments.KindInvalid, contains: "first part has Content-Type \"text/plain\""},
		{name: "first part without Content-Type", ct: ct, body: mp(mpPart{body: stmts}, dataPart(one)), kind: attachments.KindInvalid, contains: "must be application/json"},
		{name: "statements in two parts", ct: ct, body: mp(jsonPart(stmts), jsonPart(stmts), dataPart(one)), kind: attachments.KindInvalid, contains: "part 1 has no X-Experience-API-Hash"},
		{name: "statements before the first boundary", ct: ct, body: append([]byte("Content-Type: application/json\r\n\r\n"+string(stmts)+"\r\n"), mp(dataPart(one))...), kind: attachments.KindInvalid, contains: "first part"},
		{name: "body uses another boundary", ct: ct, body: buildMultipart("other-boundary", jsonPart(stmts), dataPart(one)), kind: attachments.KindInvalid, contains: "no part"},
		{name: "no boundary parameter", ct: "multipart/mixed", body: mp(jsonPart(stmts)), kind: attachments.KindInvalid, contains: "no boundary"},
		{name: "no boundary value", ct: "multipart/mixed;", body: mp(jsonPart(stmts)), kind: attachments.KindInvalid},
		{name: "truncated body", ct: ct, body: mp(jsonPart(stmts), dataPart(one))[:len(stmts)+60], kind: attachments.KindInvalid, contains: "malformed"},
		{name: "missing boundary line between parts", ct: ct, body: []byte("--" + testBoundary + "\r\nContent-Type: application/json\r\n\r\n" + string(stmts) + "\r\nContent-Type: text/plain\r\n\r\nx\r\n"), kind: attachments.KindInvalid, contains: "malformed"},
		{name: "empty multipart", ct: ct, body: []byte("--" + testBoundary + "--\r\n"), kind: attachments.KindInvalid, contains: "no part"},
		{name: "empty body", ct: ct, body: nil, kind: attachments.KindInvalid},
		{name: "multipart/form-data", ct: "multipart/form-data; boundary=" + testBoundary, body: mp(jsonPart(stmts)), kind: attachments.KindInvalid, contains: "neither application/json nor multipart/mixed"},
		{name: "no Content-Type", ct: "", body: stmts, kind: attachments.KindInvalid, contains: "invalid Content-Type"},

		{name: "body over MaxBytes", ct: ct, body: mp(jsonPart(stmts), dataPart(one), dataPart(two)), lim: attachments.Limits{MaxBytes: int64(len(stmts)) + 100}, kind: attachments.KindTooLarge, contains: "larger than"},
		{name: "body exactly MaxBytes", ct: ct, body: mp(jsonPart(stmts), dataPart(one)), lim: attachments.Limits{MaxBytes: int64(len(mp(jsonPart(stmts), dataPart(one))))}, wantParts: []string{sha256Hex(one)}},
		{name: "statements over MaxJSONBytes", ct: ct, body: mp(jsonPart(stmts), dataPart(one)), lim: attachments.Limits{MaxJSONBytes: 10}, kind: attachments.KindTooLarge, contains: "statements are larger than 10 bytes"},
		{name: "json body over MaxJSONBytes", ct: "application/json", body: stmts, lim: attachments.Limits{MaxJSONBytes: 10}, kind: attachments.KindTooLarge},
		{name: "json body over MaxBytes", ct: "application/json", body: stmts, lim: attachments.Limits{MaxBytes: 10}, kind: attachments.KindTooLarge},
		{name: "too many parts", ct: ct, body: mp(jsonPart(stmts), dataPart(one), dataPart(two)), lim: attachments.Limits{MaxParts: 1}, kind: attachments.KindTooLarge, contains: "more than 1 attachment parts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.lim.TempDir = t.TempDir()
			req, err := parse(t, tt.ct, tt.body, tt.lim)
			wantKind(t, err, tt.kind, tt.contains)
			if err != nil {
				if req != nil {
					t.Fatal("Parse returned a request and an error")
				}
				if n := dirEntries(t, tt.lim.TempDir); n != 0 {
					t.Fatalf("%d temporary files left after an error", n)
				}
				return
			}
			if len(req.Statements) == 0 {
				t.Fatal("no statements")
			}
			var got []string
			for _, p := range req.Parts {
				got = append(got, p.SHA2)
				if sha256Hex(readPart(t, p)) != p.SHA2 {
					t.Fatalf("part %d data does not hash to %s", p.Index, p.SHA2)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.wantParts, ",") {
				t.Fatalf("parts %v, want %v", got, tt.wantParts)
			}
		})
	}
}

func TestParseSpillsLargePartsToTempDir(t *testing.T) {
	small := []byte("small")
	large := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	stmts := mustJSON(t, statement(att(sha256Hex(small), ""), att(sha256Hex(large), "")))
	body := buildMultipart(testBoundary, jsonPart(stmts), dataPart(small), dataPart(large))
	dir := t.TempDir()
	req, err := attachments.Parse(context.Background(), multipartType(testBoundary), bytes.NewReader(body), attachments.Limits{MemoryBytes: 1024, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if n := dirEntries(t, dir); n != 1 {
		t.Fatalf("%d temporary files, want 1 (the large part only)", n)
	}
	if got := readPart(t, req.Part(strings.ToUpper(sha256Hex(large)))); !bytes.Equal(got, large) {
		t.Fatal("large part data differs")
	}
	if got := readPart(t, req.Part(sha256Hex(small))); !bytes.Equal(got, small) {
		t.Fatal("small part data differs")
	}
	if err := req.Close(); err != nil {
		t.Fatal(err)
	}
	if n := dirEntries(t, dir); n != 0 {
		t.Fatalf("%d temporary files left after Close", n)
	}
	if err := req.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestParseRemovesSpilledPartsOnError(t *testing.T) {
	large := bytes.Repeat([]byte("x"), 10000)
	stmts := mustJSON(t, statement(att(sha256Hex(large), "")))
	body := buildMultipart(testBoundary, jsonPart(stmts), dataPart(large),
		mpPart{headers: []header{{"X-Experience-API-Hash", sha256Hex([]byte("other"))}}, body: large})
	dir := t.TempDir()
	_, err := attachments.Parse(context.Background(), multipartType(testBoundary), bytes.NewReader(body), attachments.Limits{MemoryBytes: 100, TempDir: dir})
	wantKind(t, err, attachments.KindInvalid, "part 2")
	if n := dirEntries(t, dir); n != 0 {
		t.Fatalf("%d temporary files left after an error", n)
	}
}

func TestParseCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stmts := mustJSON(t, statement())
	_, err := attachments.Parse(ctx, multipartType(testBoundary), bytes.NewReader(buildMultipart(testBoundary, jsonPart(stmts))), attachments.Limits{})
	if !errors.Is(err, context.Canceled) || attachments.KindOf(err) != 0 {
		t.Fatalf("got %v, want context.Canceled with no kind", err)
	}
}
