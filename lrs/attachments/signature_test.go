package attachments_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/lrs/attachments"
)

// signer is an RSA key with a self-signed certificate.
type signer struct {
	key  *rsa.PrivateKey
	cert []byte // DER
}

var signers = sync.OnceValues(func() ([2]signer, error) {
	var out [2]signer
	for i := range out {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return out, err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(i + 1)),
			Subject:      pkix.Name{CommonName: "hocvu test signer"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			return out, err
		}
		out[i] = signer{key: key, cert: der}
	}
	return out, nil
})

func testSigners(t testing.TB) (signer, signer) {
	t.Helper()
	s, err := signers()
	if err != nil {
		t.Fatal(err)
	}
	return s[0], s[1]
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// signJWS returns a compact JWS of payload with the given header, signed
// with key for RS*, with secret for HS256, and unsigned for "none".
func signJWS(t testing.TB, header map[string]any, payload []byte, key *rsa.PrivateKey) string {
	t.Helper()
	input := b64(mustJSON(t, header)) + "." + b64(payload)
	var sig []byte
	switch alg := header["alg"]; alg {
	case "RS256", "RS384", "RS512":
		h := map[any]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}[alg]
		d := h.New()
		d.Write([]byte(input))
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key, h, d.Sum(nil)); err != nil {
			t.Fatal(err)
		}
	case "HS256":
		m := hmac.New(sha256.New, []byte("shared secret"))
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + b64(sig)
}

func signedStatement() map[string]any {
	st := statement()
	st["id"] = "33cff416-e331-4c9d-969e-5373a1756120"
	st["timestamp"] = "2013-04-01T12:00:00Z"
	st["result"] = map[string]any{"score": map[string]any{"scaled": json.Number("0.95")}, "success": true}
	return st
}

func TestVerifySignature(t *testing.T) {
	good, other := testSigners(t)
	x5c := []string{base64.StdEncoding.EncodeToString(good.cert)}
	payload := mustJSON(t, signedStatement())
	received := func(mod func(map[string]any)) any {
		st := decode(t, payload).(map[string]any)
		st["attachments"] = []any{map[string]any{"usageType": attachments.SignatureUsageType, "sha2": "00"}}
		if mod != nil {
			mod(st)
		}
		return st
	}
	rs := func(alg string) map[string]any { return map[string]any{"alg": alg, "x5c": x5c} }
	tamper := func(jws string, seg int) string {
		parts := strings.Split(jws, ".")
		b, _ := base64.RawURLEncoding.DecodeString(parts[seg])
		b[len(b)/2] ^= 0x01
		parts[seg] = b64(b)
		return strings.Join(parts, ".")
	}
	tests := []struct {
		name     string
		jws      string
		received any
		eq       attachments.Equivalence
		contains string // "" when the signature is accepted, unless bad
		bad      bool   // rejected, whatever the message
	}{
		{name: "RS256 with x5c", jws: signJWS(t, rs("RS256"), payload, good.key)},
		{name: "RS384 with x5c", jws: signJWS(t, rs("RS384"), payload, good.key)},
		{name: "RS512 with x5c", jws: signJWS(t, rs("RS512"), payload, good.key)},
		{name: "RS256 without x5c", jws: signJWS(t, map[string]any{"alg": "RS256"}, payload, good.key)},
		{name: "x5c with a chain", jws: signJWS(t, map[string]any{"alg": "RS256", "x5c": append(x5c, base64.StdEncoding.EncodeToString(other.cert))}, payload, good.key)},
		{name: "trailing newline", jws: signJWS(t, rs("RS256"), payload, good.key) + "\r\n"},
		{name: "LRS-set properties differ", jws: signJWS(t, rs("RS256"), payload, good.key), received: received(func(st map[string]any) {
			st["stored"] = "2024-01-01T00:00:00Z"
			st["authority"] = map[string]any{"mbox": "mailto:lrs@example.com"}
			st["version"] = "1.0.0"
		})},
		{name: "numbers written differently", jws: signJWS(t, rs("RS256"), []byte(strings.Replace(string(payload), "0.95", "9.50e-1", 1)), good.key)},
		{name: "ids differ in case only", jws: signJWS(t, rs("RS256"), payload, good.key), received: received(func(st map[string]any) { st["id"] = strings.ToUpper(st["id"].(string)) })},

		{name: "payload differs from statement", jws: signJWS(t, rs("RS256"), payload, good.key), received: received(func(st map[string]any) {
			st["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/passed"}
		}), contains: "does not match the Statement received"},
		{name: "ids differ", jws: signJWS(t, rs("RS256"), payload, good.key), received: received(func(st map[string]any) { st["id"] = "00000000-0000-4000-8000-000000000000" }), contains: "another id"},
		{name: "equivalence says no", jws: signJWS(t, rs("RS256"), payload, good.key), eq: func(_, _ any) bool { return false }, contains: "does not match"},
		{name: "HS256", jws: signJWS(t, map[string]any{"alg": "HS256"}, payload, nil), contains: `algorithm is "HS256"`},
		{name: "none", jws: signJWS(t, map[string]any{"alg": "none"}, payload, nil), contains: `algorithm is "none"`},
		{name: "ES256", jws: signJWS(t, map[string]any{"alg": "ES256"}, payload, nil), contains: "must be RS256, RS384 or RS512"},
		{name: "no alg", jws: signJWS(t, map[string]any{"x5c": x5c}, payload, nil), contains: `no "alg"`},
		{name: "tampered signature", jws: tamper(signJWS(t, rs("RS256"), payload, good.key), 2), contains: "does not verify"},
		{name: "tampered payload", jws: tamper(signJWS(t, rs("RS256"), payload, good.key), 1), bad: true}, // fails to decode or to verify
		{name: "signed with another key", jws: signJWS(t, rs("RS256"), payload, other.key), contains: "does not verify"},
		{name: "alg in header changed", jws: func() string {
			s := signJWS(t, rs("RS256"), payload, good.key)
			return b64(mustJSON(t, rs("RS512"))) + s[strings.Index(s, "."):]
		}(), contains: "does not verify"},
		{name: "payload not JSON (conformance breakJson)", jws: signJWS(t, rs("RS256"), []byte(strings.Replace(string(payload), `"`, `'`, 1)), good.key), contains: "not the JSON serialization of a Statement"},
		{name: "payload a JSON array", jws: signJWS(t, rs("RS256"), []byte("[]"), good.key), contains: "not a JSON object"},
		{name: "two segments", jws: "abc.def", contains: "want 3 dot-separated parts, got 2"},
		{name: "JSON serialization", jws: `{"payload":"e30","signatures":[]}`, contains: "JSON Serialization"},
		{name: "header not base64url", jws: "!!!." + b64(payload) + ".c2ln", contains: "header is not base64url"},
		{name: "header not JSON", jws: b64([]byte("nope")) + "." + b64(payload) + ".c2ln", contains: "header is not a JSON object"},
		{name: "empty signature", jws: b64(mustJSON(t, rs("RS256"))) + "." + b64(payload) + ".", contains: "signature is empty"},
		{name: "crit header", jws: signJWS(t, map[string]any{"alg": "RS256", "crit": []string{"b64"}, "b64": false}, payload, good.key), contains: `"crit"`},
		{name: "x5c not an array", jws: signJWS(t, map[string]any{"alg": "RS256", "x5c": "abc"}, payload, good.key), contains: "x5c"},
		{name: "x5c not a certificate", jws: signJWS(t, map[string]any{"alg": "RS256", "x5c": []string{"AAAA"}}, payload, good.key), contains: "not an X.509 certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tt.received
			if rec == nil {
				rec = received(nil)
			}
			err := attachments.VerifySignature([]byte(tt.jws), rec, tt.eq)
			if tt.contains == "" && !tt.bad {
				wantKind(t, err, 0, "")
				return
			}
			wantKind(t, err, attachments.KindBadSignature, tt.contains)
		})
	}
}

// conformanceSignedRequest builds a request the way the ADL conformance
// suite's helper.signStatement does: the statement is signed without
// attachments, then a signature Attachment is added and the JWS sent as
// the second part.
func conformanceSignedRequest(t testing.TB, st map[string]any, jws []byte, contentType string) []byte {
	t.Helper()
	st["attachments"] = []any{map[string]any{
		"usageType":   attachments.SignatureUsageType,
		"display":     map[string]any{"en-US": "Signed by the Test Suite"},
		"contentType": contentType,
		"length":      len(jws),
		"sha2":        sha256Hex(jws),
	}}
	return append([]byte("\r\n"), buildMultipart(testBoundary, jsonPart(mustJSON(t, st)), mpPart{
		headers: []header{{"Content-Type", contentType}, {"Content-Transfer-Encoding", "binary"}, {"X-Experience-API-Hash", sha256Hex(jws)}},
		body:    jws,
	})...)
}

func TestCheckSignatures(t *testing.T) {
	good, _ := testSigners(t)
	x5c := []string{base64.StdEncoding.EncodeToString(good.cert)}
	st := signedStatement()
	jws := []byte(signJWS(t, map[string]any{"alg": "RS256", "x5c": x5c}, mustJSON(t, st), good.key))
	badJWS := []byte(signJWS(t, map[string]any{"alg": "HS256"}, mustJSON(t, st), nil))
	ct := multipartType(testBoundary)
	clone := func() map[string]any { return decode(t, mustJSON(t, st)).(map[string]any) }

	t.Run("conformance request accepted", func(t *testing.T) {
		req, err := parse(t, ct, conformanceSignedRequest(t, clone(), jws, "application/octet-stream"), attachments.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		doc := decode(t, req.Statements)
		wantKind(t, attachments.CheckParts(doc, req.Parts), 0, "")
		wantKind(t, attachments.CheckSignatures(doc, req.Parts, nil), 0, "")
	})
	t.Run("signature in a batch", func(t *testing.T) {
		body := conformanceSignedRequest(t, clone(), jws, "application/octet-stream")
		req, err := parse(t, ct, body, attachments.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		doc := []any{statement(), decode(t, req.Statements)}
		wantKind(t, attachments.CheckSignatures(doc, req.Parts, attachments.StrictEquivalent), 0, "")
	})
	t.Run("bad contentType (XAPI-00115)", func(t *testing.T) {
		req, err := parse(t, ct, conformanceSignedRequest(t, clone(), jws, "text/plain; charset=ascii"), attachments.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		err = attachments.CheckSignatures(decode(t, req.Statements), req.Parts, nil)
		wantKind(t, err, attachments.KindBadSignature, "not application/octet-stream")
		wantPointer(t, err, "/attachments/0/contentType")
	})
	t.Run("bad algorithm (XAPI-00117)", func(t *testing.T) {
		req, err := parse(t, ct, conformanceSignedRequest(t, clone(), badJWS, "application/octet-stream"), attachments.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		err = attachments.CheckSignatures([]any{decode(t, req.Statements)}, req.Parts, nil)
		wantKind(t, err, attachments.KindBadSignature, "statement 0, attachment 0: the JWS algorithm")
		wantPointer(t, err, "/0/attachments/0")
	})
	t.Run("signature attachment without its part", func(t *testing.T) {
		s := clone()
		s["attachments"] = []any{map[string]any{"usageType": attachments.SignatureUsageType, "contentType": "application/octet-stream", "sha2": sha256Hex(jws), "fileUrl": "http://example.com/sig"}}
		err := attachments.CheckSignatures(s, nil, nil)
		wantKind(t, err, attachments.KindBadSignature, "no part with its sha2")
		wantPointer(t, err, "/attachments/0")
	})
	t.Run("unsigned statements", func(t *testing.T) {
		wantKind(t, attachments.CheckSignatures([]any{statement(att(sha256Hex([]byte("x")), "http://example.com"))}, nil, nil), 0, "")
	})
}
