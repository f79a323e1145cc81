package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
	"github.com/hocvu/hocvu/internal/proctest"
	"github.com/hocvu/hocvu/privacy/sealing"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

// The person the erasure test erases, and a person it keeps.
const (
	erasedName  = "Nguyễn Văn Erasure"
	erasedMbox  = "mailto:an.erasure@example.vn"
	erasedAcct  = "hv-erase-0001"
	keptAcct    = "hv-kept-0002"
	keptName    = "Trần Thị Kept"
	keptMbox    = "mailto:binh.kept@example.vn"
	scanControl = "https://hoctap.example/erasure-control-activity"
)

// erasureStatements puts the erased person in every place a statement
// holds a person (actor by mbox and by account, Agent object,
// instructor, team member, context agent, context group member, a
// SubStatement's actor) next to the kept person.
func erasureStatements(at time.Time) []map[string]any {
	erased := map[string]any{"name": erasedName, "mbox": erasedMbox}
	erasedByAccount := map[string]any{"name": erasedName, "account": map[string]any{"homePage": "https://vneid.example", "name": erasedAcct}}
	kept := map[string]any{"name": keptName, "mbox": keptMbox}
	lesson := func(actor map[string]any, i int) map[string]any {
		return map[string]any{
			"id": uuid.NewString(), "actor": actor, "verb": map[string]any{"id": vocab.VerbCompleted},
			"object":    map[string]any{"id": fmt.Sprintf("%s/bai-%d", scanControl, i), "definition": map[string]any{"type": vocab.TypeLesson}},
			"result":    map[string]any{"completion": true, "duration": "PT10M"},
			"timestamp": at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
			"context":   map[string]any{"extensions": map[string]any{vocab.ExtCommune: "21172", vocab.ExtTargetGroup: vocab.TargetGroups[i%4]}},
		}
	}
	sts := []map[string]any{lesson(erased, 1), lesson(erasedByAccount, 2), lesson(kept, 3), lesson(kept, 4)}
	mentored := lesson(kept, 5)
	mentored["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/mentored"}
	mentored["object"] = map[string]any{"objectType": "Agent", "name": erasedName, "mbox": erasedMbox}
	delete(mentored, "result")
	withContext := lesson(kept, 6)
	withContext["context"] = map[string]any{
		"instructor":    erased,
		"team":          map[string]any{"objectType": "Group", "member": []any{erased, kept}},
		"contextAgents": []any{map[string]any{"objectType": "contextAgent", "agent": erased}},
		"contextGroups": []any{map[string]any{"objectType": "contextGroup", "group": map[string]any{"objectType": "Group", "member": []any{erased}}}},
	}
	sub := lesson(kept, 7)
	sub["verb"] = map[string]any{"id": "http://adlnet.gov/expapi/verbs/planned"}
	sub["object"] = map[string]any{"objectType": "SubStatement", "actor": erased, "verb": map[string]any{"id": vocab.VerbCompleted},
		"object": map[string]any{"id": scanControl + "/bai-9"}}
	delete(sub, "result")
	return append(sts, mentored, withContext, sub)
}

// personal is what must never be found in clear once the person is
// erased (and, with sealing, at any time).
var personal = []string{erasedName, "an.erasure@example.vn", erasedAcct, keptName, "binh.kept@example.vn", keptAcct}

// loadDirectory loads the default province and a learner directory with
// the erased person's account and a kept account (hocvu reference load,
// the server stopped), and returns the commune the directory gives them.
// Their statements without campaign context are attributed through it.
func loadDirectory(t *testing.T, env []string, dir string) string {
	t.Helper()
	const commune = "21121"
	file := filepath.Join(t.TempDir(), "learners.csv")
	csv := "home_page,account_name,commune,group,household\n" +
		"https://vneid.example," + erasedAcct + "," + commune + ",citizen,hh-" + commune + "-00001\n" +
		"https://vneid.example," + keptAcct + "," + commune + ",worker,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := proctest.Run(t, env, "reference", "load", "--default", "--data-dir="+dir, file); code != 0 || !strings.Contains(out, "learners") {
		t.Fatalf("reference load: %d %s %s", code, out, errOut)
	}
	return commune
}

// noContext are statements of the directory's accounts without campaign
// context: only the directory attributes them to a commune and group.
func noContext(at time.Time) []map[string]any {
	var out []map[string]any
	for i, acct := range []string{erasedAcct, keptAcct} {
		out = append(out, map[string]any{
			"id": uuid.NewString(), "actor": map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": acct}},
			"verb":      map[string]any{"id": vocab.VerbCompleted},
			"object":    map[string]any{"id": fmt.Sprintf("%s/bai-%d", scanControl, 20+i), "definition": map[string]any{"type": vocab.TypeLesson}},
			"result":    map[string]any{"completion": true, "duration": "PT12M"},
			"timestamp": at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
		})
	}
	return out
}

// scanDir returns the files under dir whose bytes hold s (as UTF-8, or
// JSON-escaped).
func scanDir(t *testing.T, dir, s string) []string {
	t.Helper()
	escaped, _ := json.Marshal(s)
	forms := [][]byte{[]byte(s), bytes.Trim(escaped, `"`)}
	var found []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range forms {
			if bytes.Contains(b, f) {
				rel, _ := filepath.Rel(dir, path)
				found = append(found, rel)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// scanModels returns the Pebble databases of the data directory (read
// models and the key store) whose live keys or values hold s (as UTF-8,
// or JSON-escaped): what a scan of their files cannot see through the
// sstables' compression.
func scanModels(t *testing.T, dataDir, s string) []string {
	t.Helper()
	escaped, _ := json.Marshal(s)
	forms := [][]byte{[]byte(s), bytes.Trim(escaped, `"`)}
	var found []string
	for _, name := range []string{"index", "documents", "definitions", "keys"} {
		dir := filepath.Join(dataDir, name)
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		err := pebblemodel.Scan(dir, func(k, v []byte) error {
			for _, f := range forms {
				if bytes.Contains(k, f) || bytes.Contains(v, f) {
					found = append(found, name)
					return errFound
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errFound) {
			t.Fatal(err)
		}
	}
	return found
}

var errFound = errors.New("found")

// scanLog returns the types of the events of the log whose data or
// metadata hold s (as UTF-8, or JSON-escaped).
func scanLog(t *testing.T, store eventstore.LogReader, s string) []string {
	t.Helper()
	escaped, _ := json.Marshal(s)
	forms := [][]byte{[]byte(s), bytes.Trim(escaped, `"`)}
	const page = 1000
	var found []string
	from := eventstore.Start
	for first := true; ; first = false {
		evs, err := store.ReadAll(context.Background(), eventstore.ReadAllOptions{From: from, Max: page})
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range evs {
			if i == 0 && !first {
				continue // From is inclusive: the last event of the page before
			}
			for _, f := range forms {
				if bytes.Contains(ev.Data, f) || bytes.Contains(ev.Metadata, f) {
					found = append(found, ev.Type)
					break
				}
			}
		}
		if len(evs) < page {
			return found
		}
		from = evs[len(evs)-1].Position
	}
}

// asPeople calls the admin API with the people credential.
func asPeople(t *testing.T, method, url, key, secret string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(key, secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}

// TestErasureEndToEnd: with --seal-personal-data, statements POSTed
// through the API keep no name or identifier in clear in any file of the
// data directory (or of the KurrentDB server's); after an erasure through
// the admin API the person is found by no query and reads back as the
// placeholder, the other person is unchanged, and the analytics answers
// are the same; the same holds after a restart and after a rebuild of the
// statement index. Both people's accounts are in the learner directory
// (hocvu reference load, sealed): the erased person's entry shows as
// erased, and the attribution of their statements without campaign
// context, and every count, stay.
func TestErasureEndToEnd(t *testing.T) {
	for _, backend := range []string{"embedded", "kurrentdb"} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			env := append(append([]string{}, creds...), "HOCVU_SEAL_PERSONAL_DATA=true", "HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef")
			scanDirs := []string{dir}
			openLog := func() eventstore.Store {
				s, err := pebblestore.Open(filepath.Join(dir, "events"), pebblestore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			if backend == "kurrentdb" {
				kdir := t.TempDir()
				kdb := kurrenttest.New(t, kurrenttest.Options{Dir: kdir})
				env = append(env, "HOCVU_EVENTSTORE_URL="+kdb.URL())
				scanDirs = append(scanDirs, kdir)
				openLog = func() eventstore.Store {
					s, err := kurrentdb.Open(context.Background(), kdb.URL(), kurrentdb.Options{})
					if err != nil {
						t.Fatal(err)
					}
					return s
				}
			}
			code, out, errOut := proctest.Run(t, env, "credentials", "create", "--data-dir="+dir, "--name=DPO", "--scopes=people", "--key=dpo")
			if code != 0 {
				t.Fatalf("credentials create: %d %s %s", code, out, errOut)
			}
			m := regexp.MustCompile(`secret: (\S+)`).FindStringSubmatch(out)
			if m == nil {
				t.Fatalf("no secret in %q", out)
			}
			secret := m[1]
			commune := loadDirectory(t, env, dir)
			api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
			sts := erasureStatements(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
			sts = append(sts, noContext(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))...)
			if code := doJSON(t, "POST", api.URL()+"/xapi/statements", sts, nil); code != 200 {
				t.Fatalf("POST statements: %d", code)
			}
			putErasureDocuments(t, api.URL())
			certID, otherCertID := postCertificates(t, api.URL())
			if body := statementWithAttachments(t, api.URL(), certID); !strings.Contains(body, erasedName) {
				t.Fatalf("before the erasure, the certificate is not served: %s", body)
			}
			agentQuery := func(agent map[string]any, related bool) int {
				b, _ := json.Marshal(agent)
				var page struct{ Statements []json.RawMessage }
				u := api.URL() + "/xapi/statements?agent=" + url.QueryEscape(string(b))
				if related {
					u += "&related_agents=true"
				}
				if code := doJSON(t, "GET", u, nil, &page); code != 200 {
					t.Fatalf("GET by agent: %d", code)
				}
				return len(page.Statements)
			}
			byMbox := map[string]any{"mbox": erasedMbox}
			if n := agentQuery(byMbox, true); n != 4 {
				t.Fatalf("before the erasure: %d statements relate to the person by mbox, want 4", n)
			}
			summaryOf := func(query string) string {
				var res result
				if code := doJSON(t, "GET", api.URL()+"/api/analytics/summary"+query, nil, &res); code != 200 {
					t.Fatalf("analytics: %d", code)
				}
				b, _ := json.Marshal(res.Rows)
				return string(b)
			}
			summary := func() string {
				return summaryOf("") + " " + commune + ": " + summaryOf("?commune="+commune)
			}
			before := waitAnalytics(t, api.URL(), summary)
			// The directory attributed the statements without context.
			if inCommune, none := summaryOf("?commune="+commune), summaryOf("?commune=21100"); inCommune == none {
				t.Fatalf("nothing attributed to the directory's commune %s: %s", commune, inCommune)
			}

			code, files := exportPerson(t, api.URL(), "dpo", secret, byMbox)
			if code != 200 {
				t.Fatalf("export before the erasure: %d", code)
			}
			checkExport(t, files)
			// By account, the export holds their directory entry, opened.
			code, files = exportPerson(t, api.URL(), "dpo", secret, erasedByAccount)
			if code != 200 || !strings.Contains(string(files["directory.json"]), `"name": "`+erasedAcct+`"`) || !strings.Contains(string(files["directory.json"]), commune) {
				t.Errorf("export by account: %d, directory.json %s", code, files["directory.json"])
			}
			if code, _ := exportPerson(t, api.URL(), "durability", "durability-secret", byMbox); code != 403 {
				t.Errorf("an all-scope credential exported: %d, want 403", code)
			}
			// Bad requests first.
			if code, body := asPeople(t, "POST", api.URL()+"/api/people/erasures", "dpo", secret, map[string]any{"agent": map[string]any{"mbox": "an@example.vn"}}); code != 400 {
				t.Errorf("malformed agent: %d %s, want 400", code, body)
			}
			if code, body := asPeople(t, "POST", api.URL()+"/api/people/erasures", "dpo", secret, map[string]any{"agent": map[string]any{"mbox": "mailto:nobody@example.vn"}}); code != 404 {
				t.Errorf("unknown person: %d %s, want 404", code, body)
			}
			if code, _ := asPeople(t, "POST", api.URL()+"/api/people/erasures", "durability", "durability-secret", map[string]any{"agent": byMbox}); code != 403 {
				t.Errorf("an all-scope credential erased: %d, want 403", code)
			}
			for _, agent := range []map[string]any{byMbox, {"account": map[string]any{"homePage": "https://vneid.example", "name": erasedAcct}}} {
				if code, body := asPeople(t, "POST", api.URL()+"/api/people/erasures", "dpo", secret, map[string]any{"agent": agent, "reference": "YC-2026-001"}); code != 201 {
					t.Fatalf("erase %v: %d %s", agent, code, body)
				}
			}
			check := func(when string) {
				t.Helper()
				deadline := time.Now().Add(30 * time.Second)
				for agentQuery(byMbox, true) != 0 {
					if time.Now().After(deadline) {
						t.Fatalf("%s: the erased person is still found by their mbox", when)
					}
					time.Sleep(50 * time.Millisecond)
				}
				if n := agentQuery(map[string]any{"mbox": keptMbox}, true); n != 5 {
					t.Errorf("%s: the kept person relates to %d statements, want 5", when, n)
				}
				var page struct{ Statements []json.RawMessage }
				if code := doJSON(t, "GET", api.URL()+"/xapi/statements?limit=100", nil, &page); code != 200 || len(page.Statements) != len(sts)+2 {
					t.Fatalf("%s: GET all: %d, %d statements", when, code, len(page.Statements))
				}
				all := bytes.Join(func() [][]byte {
					var out [][]byte
					for _, s := range page.Statements {
						out = append(out, s)
					}
					return out
				}(), nil)
				for _, p := range []string{erasedName, "an.erasure@example.vn", erasedAcct} {
					if bytes.Contains(all, []byte(p)) {
						t.Errorf("%s: the statements still show %q", when, p)
					}
				}
				if !bytes.Contains(all, []byte(keptName)) || !bytes.Contains(all, []byte(sealing.ErasedHomePage)) {
					t.Errorf("%s: the statements lost the kept person or show no placeholder", when)
				}
				if got := waitAnalytics(t, api.URL(), summary); got != before {
					t.Errorf("%s: analytics summary %s, was %s before the erasure", when, got, before)
				}
			}
			check("after the erasure")
			checkErasureDocuments(t, api.URL(), "after the erasure")
			checkCertificates(t, api.URL(), "after the erasure", certID, otherCertID)
			for _, agent := range []map[string]any{byMbox, erasedByAccount} {
				if code, files := exportPerson(t, api.URL(), "dpo", secret, agent); code != 404 {
					t.Errorf("export of the erased person %v: %d, want 404 (directory.json %s)", agent, code, files["directory.json"])
				}
			}
			var list []map[string]any
			if code, body := asPeople(t, "GET", api.URL()+"/api/people/erasures", "dpo", secret, nil); code != 200 || json.Unmarshal(body, &list) != nil || len(list) != 2 {
				t.Errorf("erasures: %d %s", code, body)
			}
			stop := func() {
				api.Signal(os.Interrupt)
				if code, err := api.Wait(60 * time.Second); err != nil || code != 0 {
					t.Fatalf("serve exited %d %v:\n%s", code, err, api.Logs())
				}
			}
			scan := func(when string) {
				t.Helper()
				for _, d := range scanDirs {
					for _, p := range personal {
						if files := scanDir(t, d, p); len(files) > 0 {
							t.Errorf("%s: %q in clear in %v", when, p, files)
						}
					}
					if files := scanDir(t, d, scanControl); len(files) == 0 {
						t.Fatalf("%s: the scan of %s finds nothing at all", when, d)
					}
				}
				// The files of a store may be compressed, which hides a
				// string from the scan of their bytes: read the log too.
				store := openLog()
				defer store.Close()
				for _, p := range personal {
					if types := scanLog(t, store, p); len(types) > 0 {
						t.Errorf("%s: %q in clear in the log's events %v", when, p, types)
					}
				}
				if types := scanLog(t, store, scanControl); len(types) == 0 {
					t.Fatalf("%s: the scan of the log finds nothing at all", when)
				}
				for _, p := range personal {
					if dbs := scanModels(t, dir, p); len(dbs) > 0 {
						t.Errorf("%s: %q in clear in the read models %v", when, p, dbs)
					}
				}
				if dbs := scanModels(t, dir, scanControl); len(dbs) == 0 {
					t.Fatalf("%s: the scan of the read models finds nothing at all", when)
				}
			}
			stop()
			scan("after the erasure")
			code, out, errOut = proctest.Run(t, env, "reference", "show", "learners", "--data-dir="+dir)
			if code != 0 || !strings.Contains(out, "(erased)") || !strings.Contains(out, keptAcct) || strings.Contains(out, erasedAcct) {
				t.Errorf("reference show learners after the erasure: %d\n%s%s", code, out, errOut)
			}
			api = proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
			check("after a restart")
			checkErasureDocuments(t, api.URL(), "after a restart")
			checkCertificates(t, api.URL(), "after a restart", certID, otherCertID)
			stop()
			for _, p := range []string{"statement-index", "document-index", "activity-definitions", "analytics"} {
				if code, out, errOut := proctest.Run(t, env, "projections", "rebuild", p, "--data-dir="+dir); code != 0 {
					t.Fatalf("rebuild %s: %d %s %s", p, code, out, errOut)
				}
			}
			api = proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
			check("after a rebuild")
			checkErasureDocuments(t, api.URL(), "after a rebuild")
			checkCertificates(t, api.URL(), "after a rebuild", certID, otherCertID)
			stop()
			// The command exports from the data directory.
			archive := filepath.Join(t.TempDir(), "kept.zip")
			if code, stdout, errOut := proctest.Run(t, env, "people", "export", "--data-dir="+dir, "--agent", `{"mbox":"`+keptMbox+`"}`, "--out="+archive); code != 0 || !strings.Contains(stdout, "5 statements, 0 attachments, 1 documents") {
				t.Errorf("people export of the kept person: %d %q %s", code, stdout, errOut)
			} else if data, err := os.ReadFile(archive); err != nil || !bytes.Contains(unzip(t, data)["documents/1.content"], []byte(keptName)) {
				t.Errorf("the kept person's archive lacks their document (%v)", err)
			}
			if code, _, errOut := proctest.Run(t, env, "people", "export", "--data-dir="+dir, "--account=https://vneid.example,"+erasedAcct, "--out="+archive+".erased"); code == 0 || !strings.Contains(errOut, "no statement or document") {
				t.Errorf("people export of the erased person: %d %s, want an error", code, errOut)
			}
			scan("after a rebuild")
		})
	}
}

// waitAnalytics waits until every projection of the server has caught
// up with the log, then returns the summary.
func waitAnalytics(t *testing.T, base string, summary func() string) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var st struct {
			Projections []struct {
				Name   string `json:"name"`
				Behind uint64 `json:"behind"`
			} `json:"projections"`
		}
		if code := doJSON(t, "GET", base+"/api/projections", nil, &st); code != 200 {
			t.Fatalf("projections: %d", code)
		}
		caughtUp := len(st.Projections) > 0
		for _, p := range st.Projections {
			caughtUp = caughtUp && p.Behind == 0
		}
		if caughtUp {
			return summary()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the projections did not catch up: %+v", st.Projections)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestErasureSurvivesKill: the server is killed (SIGKILL) while an
// erasure is in flight. After a restart the person is either erased
// (the erasure is listed, no query finds them, their statements show the
// placeholder) or untouched (not listed, found as before; the erasure
// can then be run again) — never half.
func TestErasureSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	env := append(append([]string{}, creds...), "HOCVU_SEAL_PERSONAL_DATA=true")
	code, out, errOut := proctest.Run(t, env, "credentials", "create", "--data-dir="+dir, "--name=DPO", "--scopes=people", "--key=dpo")
	if code != 0 {
		t.Fatalf("credentials create: %d %s %s", code, out, errOut)
	}
	secret := regexp.MustCompile(`secret: (\S+)`).FindStringSubmatch(out)[1]
	api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if code := doJSON(t, "POST", api.URL()+"/xapi/statements", erasureStatements(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), nil); code != 200 {
		t.Fatalf("POST statements: %d", code)
	}
	// The erasure races the kill: either may come first.
	done := make(chan struct{})
	go func() {
		defer close(done)
		body, _ := json.Marshal(map[string]any{"agent": map[string]any{"mbox": erasedMbox}})
		req, _ := http.NewRequest("POST", api.URL()+"/api/people/erasures", bytes.NewReader(body))
		req.SetBasicAuth("dpo", secret)
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
		}
	}()
	// A random moment within the request (its bcrypt check alone takes
	// tens of milliseconds), so that runs cover both outcomes.
	time.Sleep(time.Duration(rand.IntN(300)) * time.Millisecond)
	api.Kill()
	<-done
	api = proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	code, body := asPeople(t, "GET", api.URL()+"/api/people/erasures", "dpo", secret, nil)
	var list []map[string]any
	if code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("erasures: %d %s", code, body)
	}
	agent, _ := json.Marshal(map[string]any{"mbox": erasedMbox})
	found := func() int {
		var page struct{ Statements []json.RawMessage }
		if code := doJSON(t, "GET", api.URL()+"/xapi/statements?related_agents=true&agent="+url.QueryEscape(string(agent)), nil, &page); code != 200 {
			t.Fatalf("GET by agent: %d", code)
		}
		return len(page.Statements)
	}
	if len(list) == 0 {
		t.Log("the kill came first: nothing was erased")
		if n := found(); n != 4 {
			t.Fatalf("not erased, yet %d of the person's 4 statements are found", n)
		}
		if code, body := asPeople(t, "POST", api.URL()+"/api/people/erasures", "dpo", secret, map[string]any{"agent": map[string]any{"mbox": erasedMbox}}); code != 201 {
			t.Fatalf("the erasure cannot be run again: %d %s", code, body)
		}
	} else {
		t.Log("the erasure was recorded before the kill")
	}
	deadline := time.Now().Add(30 * time.Second)
	for found() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("recorded as erased, yet the person is still found")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var page struct{ Statements []json.RawMessage }
	if code := doJSON(t, "GET", api.URL()+"/xapi/statements?limit=100", nil, &page); code != 200 {
		t.Fatalf("GET: %d", code)
	}
	for _, s := range page.Statements {
		// (Their name stays where they appear by account, another
		// identifier that was not erased.)
		if bytes.Contains(s, []byte("an.erasure@example.vn")) {
			t.Fatalf("recorded as erased, yet a statement shows the person: %s", s)
		}
	}
}

// TestPeopleCommands: hocvu people erase and erasures on a stopped
// server's data directory, with clear errors for a malformed agent, an
// unknown person and sealing off; the server then applies the erasure.
func TestPeopleCommands(t *testing.T) {
	dir := t.TempDir()
	env := append(append([]string{}, creds...), "HOCVU_SEAL_PERSONAL_DATA=true")
	api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	if code := doJSON(t, "POST", api.URL()+"/xapi/statements", erasureStatements(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), nil); code != 200 {
		t.Fatalf("POST statements: %d", code)
	}
	api.Signal(os.Interrupt)
	if code, err := api.Wait(60 * time.Second); err != nil || code != 0 {
		t.Fatalf("serve exited %d %v", code, err)
	}
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--agent", `{"mbox":"an.erasure@example.vn"}`}, env, "not a mailto: IRI"},
		{[]string{"--agent", `{"mbox":"mailto:nobody@example.vn"}`}, env, "no personal data of this person is kept"},
		{[]string{"--account", "https://vneid.example"}, env, "give HOMEPAGE,NAME"},
		{[]string{"--agent", `{"mbox":"` + erasedMbox + `"}`}, creds, "sealing is off"},
	} {
		code, out, errOut := proctest.Run(t, c.env, append([]string{"people", "erase", "--data-dir=" + dir}, c.args...)...)
		if code == 0 || !strings.Contains(out+errOut, c.want) {
			t.Errorf("people erase %v: exit %d, %s%s; want an error saying %q", c.args, code, out, errOut, c.want)
		}
	}
	code, out, errOut := proctest.Run(t, env, "people", "erase", "--data-dir="+dir, "--account=https://vneid.example,"+erasedAcct, "--reference=YC-9")
	if code != 0 || !strings.Contains(out, "erased subject") {
		t.Fatalf("people erase: exit %d, %s%s", code, out, errOut)
	}
	code, out, errOut = proctest.Run(t, env, "people", "erasures", "--json", "--data-dir="+dir)
	var recs []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 || recs[0]["reference"] != "YC-9" || recs[0]["by"] != "cli" {
		t.Fatalf("people erasures: exit %d, %s%s", code, out, errOut)
	}
	if strings.Contains(out, erasedAcct) {
		t.Errorf("the audit list names the person: %s", out)
	}
	api = proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+dir)
	agent, _ := json.Marshal(map[string]any{"account": map[string]any{"homePage": "https://vneid.example", "name": erasedAcct}})
	var page struct{ Statements []json.RawMessage }
	if code := doJSON(t, "GET", api.URL()+"/xapi/statements?agent="+url.QueryEscape(string(agent)), nil, &page); code != 200 || len(page.Statements) != 0 {
		t.Fatalf("after the erasure: %d, %d statements found by the account", code, len(page.Statements))
	}
}
