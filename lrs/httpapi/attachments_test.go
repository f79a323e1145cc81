package httpapi_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

type part struct {
	contentType string
	data        []byte
	hash        bool
}

func multipartBody(t *testing.T, parts ...part) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{"Content-Type": {p.contentType}}
		if p.hash {
			sum := sha256.Sum256(p.data)
			h.Set("X-Experience-API-Hash", hex.EncodeToString(sum[:]))
			h.Set("Content-Transfer-Encoding", "binary")
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.data)
	}
	_ = w.Close()
	return buf.Bytes(), "multipart/mixed; boundary=" + w.Boundary()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func withAttachment(st map[string]any, data []byte, usage, contentType string) map[string]any {
	st["attachments"] = append(anySlice(st["attachments"]), map[string]any{
		"usageType":   usage,
		"display":     map[string]any{"vi-VN": "chứng chỉ"},
		"contentType": contentType,
		"length":      len(data),
		"sha2":        sha(data),
	})
	return st
}

func anySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func TestAttachmentsRoundTrip(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	pdf := append([]byte("%PDF-1.4 chứng chỉ "), make([]byte, 3<<20)...) // 3 MiB, binary zeros
	for i := range pdf[20:] {
		pdf[20+i] = byte(i * 7)
	}
	st := withAttachment(statement("an", "earned", "chung-chi"), pdf, "https://w3id.org/hocvu/xapi/attachments/certificate", "application/pdf")
	js, _ := json.Marshal(st)
	body, ct := multipartBody(t, part{contentType: "application/json", data: js}, part{contentType: "application/pdf", data: pdf, hash: true})
	r := s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: ct})
	expect(t, r, 200)
	var ids []string
	r.json(t, &ids)

	// Without attachments=true: plain JSON.
	r = s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {ids[0]}}})
	expect(t, r, 200)
	// With attachments=true: multipart/mixed with the statement then the bytes.
	r = s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"statementId": {ids[0]}, "attachments": {"true"}}})
	expect(t, r, 200)
	mt, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q", r.header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	first, err := mr.NextPart()
	if err != nil || first.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("first part: %v %v", err, first.Header)
	}
	var got map[string]any
	if err := json.NewDecoder(first).Decode(&got); err != nil || got["id"] != ids[0] {
		t.Fatalf("statement part: %v %v", err, got["id"])
	}
	second, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(second)
	if !bytes.Equal(data, pdf) || second.Header.Get("X-Experience-API-Hash") != sha(pdf) {
		t.Fatalf("attachment did not round-trip: %d bytes, hash header %q", len(data), second.Header.Get("X-Experience-API-Hash"))
	}

	// A list query with attachments=true carries them too.
	r = s.do(call{method: "GET", path: "/xapi/statements", query: url.Values{"attachments": {"true"}}})
	expect(t, r, 200)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "multipart/mixed") || !bytes.Contains(r.body, pdf[:64]) {
		t.Fatalf("list with attachments=true: %q", r.header.Get("Content-Type"))
	}
}

func TestAttachmentErrors(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	data := []byte("nội dung")
	st := withAttachment(statement("an", "earned", "chung-chi"), data, "https://w3id.org/hocvu/xapi/attachments/certificate", "text/plain")
	js, _ := json.Marshal(st)
	// The part is missing.
	body, ct := multipartBody(t, part{contentType: "application/json", data: js})
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: ct}), 400)
	// application/json with an attachment that has no fileUrl.
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: st}), 400)
	// A part that no attachment names.
	body, ct = multipartBody(t, part{contentType: "application/json", data: js}, part{contentType: "text/plain", data: data, hash: true}, part{contentType: "text/plain", data: []byte("extra"), hash: true})
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: ct}), 400)
	// A wrong hash header.
	body, ct = multipartBody(t, part{contentType: "application/json", data: js}, part{contentType: "text/plain", data: []byte("other bytes"), hash: true})
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: ct}), 400)
	// fileUrl-only attachments need no part.
	st2 := statement("an", "earned", "chung-chi")
	st2["attachments"] = []any{map[string]any{"usageType": "https://w3id.org/hocvu/xapi/attachments/certificate", "display": map[string]any{"vi-VN": "chứng chỉ"},
		"contentType": "application/pdf", "length": 10, "sha2": sha([]byte("elsewhere")), "fileUrl": "https://hoctap.example/cc.pdf"}}
	expect(t, s.do(call{method: "POST", path: "/xapi/statements", body: st2}), 200)
	if got := s.query(nil); len(got.Statements) != 1 {
		t.Fatalf("%d statements stored, want only the fileUrl one", len(got.Statements))
	}
}

// newSigner returns a function that signs a JWS payload with RS256 and a
// fresh self-signed certificate in x5c.
func newSigner(t *testing.T) func(payload []byte) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "portal"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return func(payload []byte) []byte {
		b64 := base64.RawURLEncoding.EncodeToString
		hdr, _ := json.Marshal(map[string]any{"alg": "RS256", "x5c": []string{base64.StdEncoding.EncodeToString(cert)}})
		input := b64(hdr) + "." + b64(payload)
		d := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return []byte(input + "." + b64(sig))
	}
}

// postSigned POSTs sent with a signature attachment whose payload is
// signed, as an xAPI version request ("" for 2.0.0).
func (s *lrsServer) postSigned(t *testing.T, sign func([]byte) []byte, signed, sent map[string]any, version string) response {
	t.Helper()
	payload, _ := json.Marshal(signed)
	jws := sign(payload)
	withAttachment(sent, jws, "http://adlnet.gov/expapi/attachments/signature", "application/octet-stream")
	js, _ := json.Marshal(sent)
	body, ct := multipartBody(t, part{contentType: "application/json", data: js}, part{contentType: "application/octet-stream", data: jws, hash: true})
	return s.do(call{method: "POST", path: "/xapi/statements", body: body, contentType: ct, version: version})
}

// TestSignedStatements posts a statement with a JWS signature attachment.
func TestSignedStatements(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	sign := newSigner(t)
	post := func(signed, sent map[string]any) response { return s.postSigned(t, sign, signed, sent, "") }
	st := statement("an", "passed", "bai-kiem-tra")
	expect(t, post(st, statement("an", "passed", "bai-kiem-tra")), 200)
	// The signed payload differs from the statement sent: refused.
	expect(t, post(st, statement("an", "failed", "bai-kiem-tra")), 400)
	if got := s.query(nil); len(got.Statements) != 1 {
		t.Fatalf("%d statements stored", len(got.Statements))
	}
}
