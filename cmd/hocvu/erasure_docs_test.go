package main_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The documents of the erasure test: a State and an Agent Profile
// document of the erased person (by mbox and by account), and a State
// document of the kept person, each holding their name and e-mail.
var (
	erasureActivity = scanControl + "/bai-1"
	erasedByMbox    = map[string]any{"mbox": erasedMbox}
	erasedByAccount = map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": erasedAcct}}
	keptByMbox      = map[string]any{"mbox": keptMbox}
	erasedState     = `{"hoTen":"` + erasedName + `","email":"an.erasure@example.vn","tienDo":0.5}`
	erasedProfile   = `{"hoTen":"` + erasedName + `","taiKhoan":"` + erasedAcct + `"}`
	keptState       = `{"hoTen":"` + keptName + `","email":"binh.kept@example.vn","tienDo":1}`
)

// documentURL is the URL of a State document (activity given) or an
// Agent Profile document (activity "") of agent.
func documentURL(base string, agent map[string]any, activity, id string) string {
	a, _ := json.Marshal(agent)
	q := url.Values{"agent": {string(a)}}
	if activity == "" {
		q.Set("profileId", id)
		return base + "/xapi/agents/profile?" + q.Encode()
	}
	q.Set("activityId", activity)
	q.Set("stateId", id)
	return base + "/xapi/activities/state?" + q.Encode()
}

// xapiRequest sends one xAPI 2.0 request with the test's credential and
// the given headers; it returns the status and body.
func xapiRequest(t *testing.T, method, u string, body io.Reader, header map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, u, body)
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.SetBasicAuth("durability", "durability-secret")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// document sends one document request (JSON); it returns the status and
// body.
func document(t *testing.T, method, u, body string, header map[string]string) (int, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	code, b := xapiRequest(t, method, u, strings.NewReader(body), h)
	return code, string(b)
}

// putErasureDocuments stores the documents of the erasure test.
func putErasureDocuments(t *testing.T, base string) {
	t.Helper()
	for _, d := range []struct{ u, body string }{
		{documentURL(base, erasedByMbox, erasureActivity, "tien-do"), erasedState},
		{documentURL(base, erasedByAccount, "", "ho-so"), erasedProfile},
		{documentURL(base, keptByMbox, erasureActivity, "tien-do"), keptState},
	} {
		if code, body := document(t, "PUT", d.u, d.body, map[string]string{"If-None-Match": "*"}); code != 204 {
			t.Fatalf("PUT %s: %d %s", d.u, code, body)
		}
		if code, body := document(t, "GET", d.u, "", nil); code != 200 || body != d.body {
			t.Fatalf("GET %s: %d %s", d.u, code, body)
		}
	}
}

// checkErasureDocuments: the erased person's documents are gone (GET
// 404, not listed, creatable anew), the kept person's are as stored.
func checkErasureDocuments(t *testing.T, base, when string) {
	t.Helper()
	for _, u := range []string{documentURL(base, erasedByMbox, erasureActivity, "tien-do"), documentURL(base, erasedByAccount, "", "ho-so")} {
		if code, body := document(t, "GET", u, "", nil); code != 404 {
			t.Errorf("%s: GET of an erased person's document: %d %s, want 404", when, code, body)
		}
	}
	a, _ := json.Marshal(erasedByAccount)
	if code, body := document(t, "GET", base+"/xapi/agents/profile?agent="+url.QueryEscape(string(a)), "", nil); code != 200 || body != "[]" {
		t.Errorf("%s: the erased person's profile ids: %d %s, want []", when, code, body)
	}
	a, _ = json.Marshal(erasedByMbox)
	if code, body := document(t, "GET", base+"/xapi/activities/state?activityId="+url.QueryEscape(erasureActivity)+"&agent="+url.QueryEscape(string(a)), "", nil); code != 200 || body != "[]" {
		t.Errorf("%s: the erased person's state ids: %d %s, want []", when, code, body)
	}
	if code, body := document(t, "GET", documentURL(base, keptByMbox, erasureActivity, "tien-do"), "", nil); code != 200 || body != keptState {
		t.Errorf("%s: the kept person's state: %d %s, want %s", when, code, body, keptState)
	}
}

// exportPerson asks the admin route for a person's archive and returns
// the status and the archive's entries.
func exportPerson(t *testing.T, base, key, secret string, agent map[string]any) (int, map[string][]byte) {
	t.Helper()
	code, data := asPeople(t, "POST", base+"/api/people/export", key, secret, map[string]any{"agent": agent})
	if code != 200 {
		return code, nil
	}
	return code, unzip(t, data)
}

// unzip returns the entries of a ZIP archive.
func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a ZIP archive: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], _ = io.ReadAll(rc)
		_ = rc.Close()
	}
	return out
}

// checkExport: the archive of the erased person (by mbox) holds their
// statements in clear, their State document as stored, and a manifest
// that counts them.
func checkExport(t *testing.T, files map[string][]byte) {
	t.Helper()
	var m struct{ Statements, Documents int }
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatalf("manifest: %v: %s", err, files["manifest.json"])
	}
	var sts struct{ Statements []json.RawMessage }
	if err := json.Unmarshal(files["statements.json"], &sts); err != nil {
		t.Fatalf("statements.json: %v", err)
	}
	if m.Statements != 4 || len(sts.Statements) != 4 || m.Documents != 1 {
		t.Errorf("export: manifest %+v, %d statements, want 4 statements and 1 document", m, len(sts.Statements))
	}
	if !bytes.Contains(files["statements.json"], []byte(erasedName)) {
		t.Error("export: the statements do not show the person in clear")
	}
	if got := string(files["documents/1.content"]); got != erasedState {
		t.Errorf("export: document content %q, want %q", got, erasedState)
	}
}

// The attachments of the erasure test: a certificate of the erased
// person (by account) naming them, and one of a third person.
var (
	erasedCertificate = []byte("%PDF-1.4 Chứng chỉ kỹ năng số: " + erasedName + " " + erasedAcct)
	otherCertificate  = []byte("%PDF-1.4 Chứng chỉ kỹ năng số: học viên khác")
)

// postCertificates POSTs a statement with an attachment for the erased
// person and one for a third person (multipart/mixed), and returns their
// ids.
func postCertificates(t *testing.T, base string) (erasedID, otherID string) {
	t.Helper()
	st := func(actor map[string]any, data []byte) map[string]any {
		sum := sha256.Sum256(data)
		return map[string]any{"id": uuid.NewString(), "actor": actor, "verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/passed"},
			"object": map[string]any{"id": scanControl + "/chung-chi"},
			"attachments": []any{map[string]any{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
				"display": map[string]any{"vi-VN": "chứng chỉ"}, "contentType": "application/pdf", "length": len(data), "sha2": hex.EncodeToString(sum[:])}}}
	}
	sts := []map[string]any{
		st(map[string]any{"name": erasedName, "account": map[string]any{"homePage": "https://vneid.example", "name": erasedAcct}}, erasedCertificate),
		st(map[string]any{"mbox": "mailto:chi.attach@example.vn"}, otherCertificate),
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json"}})
	_ = json.NewEncoder(pw).Encode(sts)
	for _, data := range [][]byte{erasedCertificate, otherCertificate} {
		sum := sha256.Sum256(data)
		pw, _ := w.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/pdf"}, "Content-Transfer-Encoding": {"binary"},
			"X-Experience-API-Hash": {hex.EncodeToString(sum[:])}})
		_, _ = pw.Write(data)
	}
	_ = w.Close()
	if code, body := xapiRequest(t, "POST", base+"/xapi/statements", &buf, map[string]string{"Content-Type": "multipart/mixed; boundary=" + w.Boundary()}); code != 200 {
		t.Fatalf("POST with attachments: %d %s", code, body)
	}
	return sts[0]["id"].(string), sts[1]["id"].(string)
}

// statementWithAttachments GETs one statement with attachments=true and
// returns the whole multipart body.
func statementWithAttachments(t *testing.T, base, id string) string {
	t.Helper()
	code, body := xapiRequest(t, "GET", base+"/xapi/statements?attachments=true&statementId="+id, nil, nil)
	if code != 200 {
		t.Fatalf("GET %s with attachments: %d %s", id, code, body)
	}
	return string(body)
}

// checkCertificates: the erased person's certificate is no longer served
// (their statement comes without its part), the other one still is.
func checkCertificates(t *testing.T, base, when, erasedID, otherID string) {
	t.Helper()
	if body := statementWithAttachments(t, base, erasedID); strings.Contains(body, erasedName) || strings.Contains(body, "%PDF") {
		t.Errorf("%s: the erased person's certificate is still served", when)
	}
	if body := statementWithAttachments(t, base, otherID); !strings.Contains(body, string(otherCertificate)) {
		t.Errorf("%s: the other person's certificate is not served: %s", when, body)
	}
}
