package attachments

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// SignatureUsageType is the usageType of the Attachment that carries a
// Statement's JWS signature (Data 2.6.s4.b1).
const SignatureUsageType = "http://adlnet.gov/expapi/attachments/signature"

// MaxSignatureBytes bounds the JWS read from a signature part; a larger
// one is refused with [KindTooLarge].
const MaxSignatureBytes = 16 << 20

// Equivalence reports whether the Statement signed in a JWS payload and the
// Statement received match by the Statement Comparison Requirements (Data
// 2.3.1); xapi.Equivalent is the LRS's implementation.
type Equivalence func(signed, received any) bool

// CheckSignatures verifies every signed Statement of doc (the decoded first
// part) against the parts of the request, by [VerifySignature]. A Statement
// is signed when one of its own Attachments (not its SubStatement's) has
// usageType [SignatureUsageType]; such an Attachment must have contentType
// application/octet-stream (Data 2.6.s4.b1) and a part with its sha2,
// since the LRS can only check a signature it receives (conformance
// XAPI-00115). Call it after [CheckParts].
//
// equivalent compares the signed Statement with the received one; nil
// means [StrictEquivalent], which suits tests, while the LRS passes
// xapi.Equivalent.
//
// Errors are [*Error]s of [KindBadSignature] (HTTP 400, Data 2.6.s5.b1)
// whose Pointer names the signature Attachment, of [KindInvalid] for a
// malformed doc, or of [KindTooLarge] for a JWS over [MaxSignatureBytes].
func CheckSignatures(doc any, parts []*Part, equivalent Equivalence) error {
	return forEachStatement(doc, func(i int, ptr string, st map[string]any) error {
		atts, err := attachmentsOf(i, ptr, st, false)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if a.obj["usageType"] != SignatureUsageType {
				continue
			}
			if err := checkSignature(a, st, parts, equivalent); err != nil {
				return err
			}
		}
		return nil
	})
}

func checkSignature(a attachment, st map[string]any, parts []*Part, equivalent Equivalence) error {
	ct, _ := a.obj["contentType"].(string)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/octet-stream" {
		return badSignature(a.ptr+"/contentType", "%s is a signature but its contentType is %q, not application/octet-stream (Data 2.6.s4.b1)", a.where(), clip(ct))
	}
	sha2, err := a.sha2()
	if err != nil {
		return err
	}
	var part *Part
	for _, p := range parts {
		if equalHash(p.SHA2, sha2) {
			part = p
			break
		}
	}
	if part == nil {
		return badSignature(a.ptr, "%s is a signature but the request has no part with its sha2 %s; the JWS must be sent as a part (Data 2.6.s4.b1)", a.where(), clip(sha2))
	}
	jws, err := readSignature(part)
	if err != nil {
		return err
	}
	if err := VerifySignature(jws, st, equivalent); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Pointer == "" {
			e.Pointer = a.ptr
			e.Msg = a.where() + ": " + e.Msg
		}
		return err
	}
	return nil
}

func readSignature(p *Part) ([]byte, error) {
	if p.Size > MaxSignatureBytes {
		return nil, &Error{Kind: KindTooLarge, Msg: fmt.Sprintf("signature part %d is larger than %d bytes", p.Index, MaxSignatureBytes)}
	}
	rc, err := p.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, MaxSignatureBytes+1))
	if err != nil {
		return nil, fmt.Errorf("attachments: read signature part %d: %w", p.Index, err)
	}
	return data, nil
}

// VerifySignature checks that jws, the data of a signature Attachment, is
// a well-formed signature of statement, the Statement as received (Data
// 2.6.s5.b3; IEEE 9274.1.1 LRS 4.2.6):
//
//   - jws is a JWS in Compact Serialization (RFC 7515 §7.1; a SHOULD* in
//     1.0.3 and a shall in 9274.1.1). The JSON Serialization is refused;
//   - its "alg" is RS256, RS384 or RS512 (Data 2.6.s4.b4), so "none" and
//     HMAC are refused; a "crit" header is refused, as no extension is
//     understood (RFC 7515 §4.1.11);
//   - its payload is the JSON serialization of a Statement (2.6.s4.b3);
//   - when the header has "x5c", the signature verifies with the public
//     key of its first certificate (2.6.s5.b3.b3). The chain is parsed but
//     not validated, and validity dates are not checked: the spec uses the
//     certificate to catch mistakes, not as a security measure. "jwk",
//     "jku" and "x5u" are not used; without "x5c" the signature bytes are
//     not checked;
//   - the signed Statement matches statement by equivalent ([StrictEquivalent]
//     when nil), which should ignore the attachments (the signature is
//     added after signing) and LRS-assigned properties (Data 2.3.1); ids,
//     which such comparisons leave to the caller, must be equal when both
//     are present.
//
// Errors are [*Error]s of [KindBadSignature].
func VerifySignature(jws []byte, statement any, equivalent Equivalence) error {
	if equivalent == nil {
		equivalent = StrictEquivalent
	}
	jws = bytes.TrimSpace(jws)
	if len(jws) > 0 && jws[0] == '{' {
		return badSignature("", "the JWS uses the JSON Serialization; only the Compact Serialization is accepted (Data 2.6.s4.b2)")
	}
	segs := strings.Split(string(jws), ".")
	if len(segs) != 3 {
		return badSignature("", "the signature is not a JWS in Compact Serialization: want 3 dot-separated parts, got %d (Data 2.6.s4.b1)", len(segs))
	}
	header, err := decodeHeader(segs[0])
	if err != nil {
		return err
	}
	payload, err := decodeSegment(segs[1])
	if err != nil {
		return badSignature("", "the JWS payload is not base64url: %v", err)
	}
	signed, err := decodeStatement(payload)
	if err != nil {
		return badSignature("", "the JWS payload is not the JSON serialization of a Statement: %v (Data 2.6.s4.b3)", err)
	}
	sig, err := decodeSegment(segs[2])
	if err != nil || len(sig) == 0 {
		return badSignature("", "the JWS signature is empty or not base64url")
	}
	if header.cert != nil {
		h := header.hash.New()
		h.Write([]byte(segs[0] + "." + segs[1]))
		if err := rsa.VerifyPKCS1v15(header.cert, header.hash, h.Sum(nil), sig); err != nil {
			return badSignature("", "the JWS signature does not verify with the key of the first x5c certificate (Data 2.6.s5.b3.b3)")
		}
	}
	if !sameID(signed, statement) {
		return badSignature("", "the Statement signed in the JWS has another id than the Statement received (Data 2.6.s5.b3.b2)")
	}
	if !equivalent(signed, statement) {
		return badSignature("", "the Statement signed in the JWS does not match the Statement received (Data 2.6.s5.b3.b2, 2.3.1)")
	}
	return nil
}

// jwsHeader is what VerifySignature uses of a JOSE header.
type jwsHeader struct {
	hash crypto.Hash
	cert *rsa.PublicKey // key of the first x5c certificate, or nil
}

func decodeHeader(seg string) (jwsHeader, error) {
	var h jwsHeader
	raw, err := decodeSegment(seg)
	if err != nil {
		return h, badSignature("", "the JWS header is not base64url: %v", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return h, badSignature("", "the JWS header is not a JSON object: %v", err)
	}
	var alg string
	if err := json.Unmarshal(fields["alg"], &alg); err != nil || alg == "" {
		return h, badSignature("", "the JWS header has no \"alg\" string (RFC 7515 §4.1.1)")
	}
	switch alg {
	case "RS256":
		h.hash = crypto.SHA256
	case "RS384":
		h.hash = crypto.SHA384
	case "RS512":
		h.hash = crypto.SHA512
	default:
		return h, badSignature("", "the JWS algorithm is %q; it must be RS256, RS384 or RS512 (Data 2.6.s4.b4)", clip(alg))
	}
	if _, ok := fields["crit"]; ok {
		return h, badSignature("", "the JWS header has \"crit\" extensions, which this LRS does not understand (RFC 7515 §4.1.11)")
	}
	rawX5c, ok := fields["x5c"]
	if !ok {
		return h, nil
	}
	var x5c []string
	if err := json.Unmarshal(rawX5c, &x5c); err != nil || len(x5c) == 0 {
		return h, badSignature("", "the JWS header \"x5c\" is not a non-empty array of strings (RFC 7515 §4.1.6)")
	}
	for i, s := range x5c {
		der, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return h, badSignature("", "x5c certificate %d is not base64 (RFC 7515 §4.1.6): %v", i, err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return h, badSignature("", "x5c certificate %d is not an X.509 certificate: %v", i, err)
		}
		if i > 0 {
			continue
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return h, badSignature("", "the first x5c certificate has a %T key; RS256, RS384 and RS512 need RSA", cert.PublicKey)
		}
		h.cert = pub
	}
	return h, nil
}

// decodeSegment decodes base64url without padding, tolerating padding.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// decodeStatement decodes one JSON object, keeping numbers as json.Number.
func decodeStatement(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// sameID reports whether two Statements have equal ids (UUIDs compare
// ignoring case), or one of them has none.
func sameID(a any, b any) bool {
	ma, _ := a.(map[string]any)
	mb, _ := b.(map[string]any)
	ia, okA := ma["id"]
	ib, okB := mb["id"]
	if !okA || !okB {
		return true
	}
	sa, okA := ia.(string)
	sb, okB := ib.(string)
	if !okA || !okB {
		return false
	}
	return strings.EqualFold(sa, sb)
}
