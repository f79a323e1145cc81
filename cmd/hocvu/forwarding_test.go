package main_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/internal/proctest"
)

// postStatements POSTs statements to the source in batches of 10 and
// returns their ids.
func postStatements(t *testing.T, p *proctest.Process, sts []map[string]any) []string {
	t.Helper()
	var ids []string
	for i := 0; i < len(sts); i += 10 {
		batch := sts[i:min(i+10, len(sts))]
		if code := doJSON(t, "POST", p.URL()+"/xapi/statements", batch, nil); code != 200 {
			t.Fatalf("POST statements: %d", code)
		}
		for _, st := range batch {
			ids = append(ids, st["id"].(string))
		}
	}
	return ids
}

func completions(from, n int) []map[string]any {
	var out []map[string]any
	for i := from; i < from+n; i++ {
		out = append(out, forwardStatement(i, "completion"))
	}
	return out
}

func voiding(target string) map[string]any {
	st := forwardStatement(99999, "other")
	st["verb"] = map[string]any{"id": vocab.VerbVoided}
	st["object"] = map[string]any{"objectType": "StatementRef", "id": target}
	return st
}

// createForwards creates, through the admin API, an xAPI forward of the
// completions to the target (behind the proxy) and a webhook forward of
// everything about the course (related activities) to the receiver.
func createForwards(t *testing.T, src *proctest.Process, proxyURL, hookURL string, xapiBatch, hookBatch int) {
	t.Helper()
	for _, spec := range []map[string]any{
		{"name": "ministry", "start": "beginning", "batchSize": xapiBatch,
			"target": map[string]any{"kind": "xapi", "url": proxyURL + "/xapi", "username": "ministry", "secret": "ministry-secret"},
			"filter": map[string]any{"verb": []string{vocab.VerbCompleted}}},
		{"name": "lms", "start": "beginning", "batchSize": hookBatch,
			"target": map[string]any{"kind": "webhook", "url": hookURL + "/hocvu", "secret": hookSecret},
			"filter": map[string]any{"activity": []string{"https://hoctap.example/khoa-1"}, "relatedActivities": true}},
	} {
		if code := doJSON(t, "POST", src.URL()+"/api/forwards", spec, nil); code != http.StatusCreated {
			t.Fatalf("create forward %s: %d", spec["name"], code)
		}
	}
}

// TestForwardingToHocvuAndWebhook: a source Hocvu forwards to a second
// Hocvu (xAPI, Basic) and to an HTTPS webhook; filters are exact,
// voiding follows, actors are pseudonymized for the webhook, the
// commands, the admin API and its scope, metrics and logs behave.
func TestForwardingToHocvuAndWebhook(t *testing.T) {
	target := startTarget(t, t.TempDir())
	px := newProxy(t, target.URL())
	hook := newReceiver(t)
	sdir := t.TempDir()
	// A credential without the forwards scope, made before the server runs.
	code, out, errOut := hocvu(t, nil, "", "credentials", "create", "--name=writer", "--scopes=statements/write", "--key=writer", "--data-dir="+sdir)
	if code != 0 {
		t.Fatalf("credentials create: %s %s", out, errOut)
	}
	writerSecret := regexp.MustCompile(`secret: +(\S+)`).FindStringSubmatch(out)[1]
	src := proctest.Start(t, append(slices.Clone(creds), "SSL_CERT_FILE="+hook.certFile), "serve", "--listen=127.0.0.1:0", "--data-dir="+sdir, "--no-analytics-projector")

	// The admin API needs the forwards scope.
	req, _ := http.NewRequest("GET", src.URL()+"/api/forwards", nil)
	req.SetBasicAuth("writer", writerSecret)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("without the forwards scope: %v %v", res.StatusCode, err)
	}
	if res, _ := get(t, src.URL()+"/api/forwards"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: %d", res.StatusCode)
	}

	// The xAPI forward from the command line, its secret on stdin.
	code, out, errOut = hocvu(t, nil, "ministry-secret\n", append([]string{"forwards", "create", "ministry"}, append(serverArgs(src),
		"--target=xapi", "--url="+px.URL+"/xapi", "--username=ministry", "--secret-stdin", "--filter=verb="+vocab.VerbCompleted,
		"--start=beginning", "--batch-size=20")...)...)
	if code != 0 || !strings.Contains(out, "created forward ministry") || errOut != "" {
		t.Fatalf("forwards create: %d %s %s", code, out, errOut)
	}
	// The webhook through the API.
	spec := map[string]any{"name": "lms", "start": "beginning", "batchSize": 7,
		"target": map[string]any{"kind": "webhook", "url": hook.URL + "/hocvu", "secret": hookSecret},
		"filter": map[string]any{"activity": []string{"https://hoctap.example/khoa-1"}, "relatedActivities": true}}
	if code := doJSON(t, "POST", src.URL()+"/api/forwards", spec, nil); code != http.StatusCreated {
		t.Fatalf("create webhook: %d", code)
	}
	// Bad configuration: refused with a clear error; an unreachable
	// target is only a warning.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bad1", "--target=xapi", "--url=lrs.example/xapi"}, "not an absolute http(s) URL"},
		{[]string{"bad2", "--target=webhook", "--url=https://h.example/in", "--secret-env=HOOK", "--filter=actor=x"}, `unknown filter field`},
		{[]string{"bad3", "--target=webhook", "--url=https://h.example/in"}, "needs a secret"},
		{[]string{"bad4", "--target=xapi", "--url=https://lrs.example/xapi", "--username=u"}, "needs a secret"},
	} {
		code, _, errOut := hocvu(t, nil, "", append([]string{"forwards", "create"}, append(c.args, serverArgs(src)...)...)...)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("forwards create %v: %d %s, want an error with %q", c.args, code, errOut, c.want)
		}
	}
	code, out, errOut = hocvu(t, nil, "pw\n", append([]string{"forwards", "create", "ghost", "--target=xapi", "--url=http://127.0.0.1:1/xapi", "--username=u", "--secret-stdin"}, serverArgs(src)...)...)
	if code != 0 || !strings.Contains(errOut, "warning: the target is unreachable") {
		t.Errorf("unreachable target: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := hocvu(t, nil, "", append([]string{"forwards", "delete", "ghost"}, serverArgs(src)...)...); code != 0 {
		t.Errorf("delete: %s", errOut)
	}

	// Statements: completions (both forwards), others (neither), a voiding
	// statement of a completion (both) and of another (neither).
	var sts []map[string]any
	var want []string
	for i := 0; i < 60; i++ {
		kind := "completion"
		if i%3 == 2 {
			kind = "other"
		}
		st := forwardStatement(i, kind)
		sts = append(sts, st)
		if kind == "completion" {
			want = append(want, st["id"].(string))
		}
	}
	postStatements(t, src, sts)
	v1, v2 := voiding(want[3]), voiding(sts[2]["id"].(string))
	postStatements(t, src, []map[string]any{v1, v2})
	want = append(want, v1["id"].(string))

	t.Cleanup(func() {
		if t.Failed() {
			_, out, _ := hocvu(t, nil, "", append([]string{"forwards", "list"}, serverArgs(src)...)...)
			px.mu.Lock()
			t.Logf("forwards:\n%s\nproxy answers %v\nsource logs:\n%s", out, px.answers, src.Logs())
			px.mu.Unlock()
		}
	})
	// GET /statements leaves the voided completion out.
	listed := slices.DeleteFunc(slices.Clone(want), func(id string) bool { return id == want[3] })
	waitUntil(t, 60*time.Second, "the target to hold every completion and the voiding", func() bool { return sortedEqual(targetIDs(t, target.URL()), listed) })
	waitUntil(t, 60*time.Second, "the webhook to receive every completion", func() bool { return len(hook.ids(t)) >= len(want) })
	if got := targetIDs(t, target.URL()); !sortedEqual(got, listed) {
		t.Errorf("the target holds %d statements, want the %d completions not voided and the voiding one", len(got), len(listed))
	}
	if code := targetGet(t, target.URL(), "/xapi/statements?statementId="+v2["id"].(string), nil); code != 404 {
		t.Errorf("the voiding of a statement the forward did not select was forwarded: %d", code)
	}
	if code := targetGet(t, target.URL(), "/xapi/statements?voidedStatementId="+want[3], nil); code != 200 {
		t.Errorf("the completion voided at the source is not voided at the target: %d", code)
	}
	if got := hook.ids(t); !sortedEqual(got, want) {
		t.Errorf("the webhook received %d statements, want %d", len(got), len(want))
	}
	// Pseudonyms for the webhook, identities for the LRS.
	for _, d := range hook.deliveries {
		if strings.Contains(d.Body, "hv-0") || strings.Contains(d.Body, "Người học") || !strings.Contains(d.Body, forwarding.PseudonymHomePage) {
			t.Fatalf("the webhook got an identity: %.300s", d.Body)
		}
	}
	var one map[string]any
	if targetGet(t, target.URL(), "/xapi/statements?statementId="+want[0], &one); !strings.Contains(fmt.Sprint(one["actor"]), "hv-00000") {
		t.Errorf("the target's statement lost its actor: %v", one["actor"])
	}

	// Observability.
	// (The acknowledgement is recorded just after the target has the batch.)
	listLine := regexp.MustCompile(`ministry\s+active\s+xapi \S+\s+41\s+0\s+0\s+0\s+0\s+0\s+0`)
	waitUntil(t, 30*time.Second, "forwards list to show the deliveries", func() bool {
		code, out, errOut := hocvu(t, nil, "", append([]string{"forwards", "list"}, serverArgs(src)...)...)
		if code != 0 {
			t.Fatalf("forwards list: %s", errOut)
		}
		return listLine.MatchString(out)
	})
	waitUntil(t, 30*time.Second, "the metrics", func() bool {
		_, metrics := get(t, src.URL()+"/metrics")
		for _, m := range []string{`hocvu_forward_delivered_statements_total{forward="ministry"} 41`, `hocvu_forward_delivered_statements_total{forward="lms"} 41`, `hocvu_forward_lag_positions{forward="ministry"} 0`} {
			if !strings.Contains(string(metrics), m) {
				return false
			}
		}
		return true
	})

	// Pause holds statements back; resume delivers them.
	if code, _, errOut := hocvu(t, nil, "", append([]string{"forwards", "pause", "ministry"}, serverArgs(src)...)...); code != 0 {
		t.Fatal(errOut)
	}
	more := postStatements(t, src, completions(100, 5))
	waitUntil(t, 60*time.Second, "the webhook to get the new completions", func() bool { return len(hook.ids(t)) >= len(want)+5 })
	if n := len(targetIDs(t, target.URL())); n != len(listed) {
		t.Errorf("a paused forward delivered: the target holds %d", n)
	}
	if code, _, errOut := hocvu(t, nil, "", append([]string{"forwards", "resume", "ministry"}, serverArgs(src)...)...); code != 0 {
		t.Fatal(errOut)
	}
	listed = append(listed, more...)
	waitUntil(t, 60*time.Second, "the resumed forward", func() bool { return sortedEqual(targetIDs(t, target.URL()), listed) })

	// A change of some settings keeps the others, the sealed secret
	// included: deliveries go on with valid signatures.
	code, out, errOut = hocvu(t, nil, "", append([]string{"forwards", "change", "lms", "--batch-size=2", "--max-attempts=3"}, serverArgs(src)...)...)
	if code != 0 || !strings.Contains(out, "changed forward lms") {
		t.Fatalf("forwards change: %s %s", out, errOut)
	}
	var lms forwarding.Status
	if code := doJSON(t, "GET", src.URL()+"/api/forwards/lms", nil, &lms); code != 200 || lms.Forward.BatchSize != 2 || lms.Forward.MaxAttempts != 3 ||
		!lms.Forward.Pseudonymize || len(lms.Forward.Filter.Activity) != 1 || !lms.Forward.Filter.RelatedActivities {
		t.Errorf("after the change: %+v", lms.Forward)
	}
	hookWant := len(want) + 5 + 5
	postStatements(t, src, completions(200, 5))
	waitUntil(t, 60*time.Second, "deliveries after the change", func() bool { return len(hook.ids(t)) >= hookWant })

	// Secrets never reach the logs.
	for _, secret := range []string{"ministry-secret", hookSecret} {
		if strings.Contains(src.Logs(), secret) {
			t.Errorf("the source logged the secret %s", secret)
		}
	}
	code, out, _ = hocvu(t, nil, "", append([]string{"forwards", "show", "ministry"}, serverArgs(src)...)...)
	if code != 0 || strings.Contains(out, "ministry-secret") || strings.Contains(out, "sealed") || !strings.Contains(out, `"key"`) {
		t.Errorf("forwards show: %s", out)
	}
}

// TestForwardingSurvivesKill kills the forwarding process with SIGKILL
// while it delivers, several times: in the end every matching statement
// is at the target, which got statements again only as re-sends of the
// same statement (idempotent for an LRS), and the webhook got batches
// again only under their own delivery id.
func TestForwardingSurvivesKill(t *testing.T) {
	target := startTarget(t, t.TempDir())
	px := newProxy(t, target.URL())
	px.set(func(p *proxy) { p.delay = 20 * time.Millisecond })
	hook := newReceiver(t)
	sdir := t.TempDir()
	env := append(slices.Clone(creds), "SSL_CERT_FILE="+hook.certFile)
	start := func() *proctest.Process {
		return proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+sdir, "--no-analytics-projector")
	}
	src := start()
	createForwards(t, src, px.URL, hook.URL, 10, 7)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 19))
	var want []string
	rounds := 4
	if testing.Short() {
		rounds = 2
	}
	for round := 0; round < rounds; round++ {
		before := px.count()
		want = append(want, postStatements(t, src, completions(round*1000, 150))...)
		// Kill while batches are in flight at the (slow) target.
		k := 2 + rng.IntN(6)
		waitUntil(t, 60*time.Second, "deliveries to start", func() bool { return px.count() >= before+k })
		src.Kill()
		src = start()
	}
	waitUntil(t, 120*time.Second, "every completion at the target", func() bool { return len(targetIDs(t, target.URL())) >= len(want) })
	waitUntil(t, 120*time.Second, "every completion at the webhook", func() bool { return len(hook.ids(t)) >= len(want) })
	if got := targetIDs(t, target.URL()); !sortedEqual(got, want) {
		t.Fatalf("the target holds %d statements, want %d", len(got), len(want))
	}
	if got := hook.ids(t); !sortedEqual(got, want) {
		t.Fatalf("the webhook received %d statements, want %d", len(got), len(want))
	}
	px.mu.Lock()
	resent := 0
	for id, bodies := range px.sent {
		if len(bodies) > 1 {
			resent++
			for _, b := range bodies[1:] {
				if b != bodies[0] {
					t.Errorf("statement %s sent again with other content", id)
				}
			}
		}
	}
	px.mu.Unlock()
	hook.mu.Lock()
	deliveries, batches := len(hook.deliveries), map[string]bool{}
	for _, d := range hook.deliveries {
		batches[d.ID] = true
	}
	hook.mu.Unlock()
	t.Logf("%d statements over %d kills: %d sent to the target more than once (the batch in flight), %d webhook deliveries of %d batches",
		len(want), rounds, resent, deliveries, len(batches))
	waitUntil(t, 30*time.Second, "forwards list to show the deliveries", func() bool {
		code, out, _ := hocvu(t, nil, "", append([]string{"forwards", "list", "--json"}, serverArgs(src)...)...)
		var list []forwarding.Status
		if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 {
			t.Fatalf("forwards list: %s", out)
		}
		for _, st := range list {
			if st.DeadLettered != 0 {
				t.Fatalf("%s: dead-lettered %d", st.Forward.Name, st.DeadLettered)
			}
			// Re-sends after a kill count as delivered again.
			if st.Delivered < uint64(len(want)) {
				return false
			}
		}
		return true
	})
}

// TestForwardingTargetDownThenRejecting: a target that is down for a
// while is caught up with; a batch the target rejects (400) goes to the
// dead letters after max-attempts, the forward continues (the default
// policy), and a retry re-drives the batch once the target accepts it.
func TestForwardingTargetDownThenRejecting(t *testing.T) {
	target := startTarget(t, t.TempDir())
	px := newProxy(t, target.URL())
	src := proctest.Start(t, creds, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	px.set(func(p *proxy) { p.down = true })
	code, _, errOut := hocvu(t, nil, "ministry-secret\n", append([]string{"forwards", "create", "ministry", "--target=xapi", "--url=" + px.URL + "/xapi",
		"--username=ministry", "--secret-stdin", "--max-attempts=2", "--batch-size=50"}, serverArgs(src)...)...)
	if code != 0 || strings.Contains(errOut, "unreachable") {
		t.Fatalf("create: %d %s", code, errOut)
	}
	status := func() forwarding.Status {
		code, out, errOut := hocvu(t, nil, "", append([]string{"forwards", "show", "ministry"}, serverArgs(src)...)...)
		var st forwarding.Status
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("show: %s %s", out, errOut)
		}
		return st
	}
	want := postStatements(t, src, completions(0, 20))
	waitUntil(t, 60*time.Second, "failed attempts", func() bool { st := status(); return st.Failed >= 3 })
	st := status()
	if st.LastError == nil || st.LastError.Status != http.StatusServiceUnavailable || st.Delivered != 0 || st.DeadLettered != 0 || st.Pending != 20 {
		t.Errorf("while the target is down: %+v", st)
	}
	px.set(func(p *proxy) { p.down = false })
	waitUntil(t, 60*time.Second, "the catch-up", func() bool { return len(targetIDs(t, target.URL())) >= len(want) })
	if got := targetIDs(t, target.URL()); !sortedEqual(got, want) {
		t.Errorf("after the outage the target holds %d, want %d", len(got), len(want))
	}

	// The target refuses one statement: its batch goes to the dead letters.
	bad := completions(100, 10)
	badID := bad[4]["id"].(string)
	px.set(func(p *proxy) { p.reject = badID })
	deadIDs := postStatements(t, src, bad)
	waitUntil(t, 60*time.Second, "the dead letter", func() bool { return status().DeadLetters == 1 })
	after := postStatements(t, src, completions(200, 5))
	waitUntil(t, 60*time.Second, "the statements after the dead letter", func() bool { return len(targetIDs(t, target.URL())) >= len(want)+5 })
	code, out, _ := hocvu(t, nil, "", append([]string{"forwards", "dead-letters", "ministry", "--json"}, serverArgs(src)...)...)
	var dls []forwarding.DeadLetterState
	if code != 0 || json.Unmarshal([]byte(out), &dls) != nil || len(dls) != 1 {
		t.Fatalf("dead-letters: %s", out)
	}
	var dlIDs []string
	for _, e := range dls[0].Events {
		dlIDs = append(dlIDs, e.Statement)
	}
	if !sortedEqual(dlIDs, deadIDs) || dls[0].LastError.Status != 400 || dls[0].Attempts != 2 || !strings.Contains(dls[0].LastError.Message, badID) {
		t.Errorf("dead letter %+v", dls[0])
	}
	px.set(func(p *proxy) { p.reject = "" })
	code, out, errOut = hocvu(t, nil, "", append([]string{"forwards", "retry", "ministry"}, serverArgs(src)...)...)
	if code != 0 || !strings.Contains(out, "requested a re-drive") {
		t.Fatalf("retry: %s %s", out, errOut)
	}
	want = append(append(want, deadIDs...), after...)
	waitUntil(t, 60*time.Second, "the re-drive", func() bool { return len(targetIDs(t, target.URL())) >= len(want) })
	if got := targetIDs(t, target.URL()); !sortedEqual(got, want) {
		t.Errorf("after the re-drive the target holds %d, want %d", len(got), len(want))
	}
	waitUntil(t, 30*time.Second, "the dead letter to close", func() bool { return status().DeadLetters == 0 })
	code, out, _ = hocvu(t, nil, "", append([]string{"forwards", "dead-letters", "ministry", "--all"}, serverArgs(src)...)...)
	if code != 0 || !strings.Contains(out, "false") || !strings.Contains(out, dls[0].ID) {
		t.Errorf("dead-letters --all: %s", out)
	}
}

// TestForwardingOverKurrentDB: on one KurrentDB (the in-process test
// server), an API server without forwarding takes the statements, and a
// second server and a `hocvu project --forwarding` both run forwarding;
// the lease lets one of them deliver; killing it mid-delivery hands over to
// the other, and every statement arrives, re-sent only as the batch in
// flight.
func TestForwardingOverKurrentDB(t *testing.T) {
	kdb := kurrenttest.New(t, kurrenttest.Options{})
	target := startTarget(t, t.TempDir())
	px := newProxy(t, target.URL())
	px.set(func(p *proxy) { p.delay = 20 * time.Millisecond })
	hook := newReceiver(t)
	env := append(slices.Clone(creds), "HOCVU_EVENTSTORE_URL="+kdb.URL(), "SSL_CERT_FILE="+hook.certFile,
		"HOCVU_PSEUDONYM_KEY=0123456789abcdef0123456789abcdef", "HOCVU_FORWARD_SECRETS_KEY="+strings.Repeat("ab", 32))
	api := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector", "--no-forwarding")
	fa := proctest.Start(t, env, "serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	fb := proctest.Start(t, env, "project", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--forwarding")
	createForwards(t, api, px.URL, hook.URL, 10, 7)
	want := postStatements(t, api, completions(0, 200))
	waitUntil(t, 60*time.Second, "deliveries to start", func() bool { return px.count() >= 3 })
	holds := func(p *proctest.Process) bool {
		return strings.Contains(p.Logs(), `"msg":"acquired projection lease","stream":"lease-forwarding"`)
	}
	waitUntil(t, 30*time.Second, "a lease holder", func() bool { return holds(fa) || holds(fb) })
	holder, other := fa, fb
	if holds(fb) {
		holder, other = fb, fa
	}
	if holds(other) || holds(api) {
		t.Fatal("more than one process holds the forwarding lease")
	}
	holder.Signal(syscall.SIGKILL)
	_, _ = holder.Wait(30 * time.Second)
	want = append(want, postStatements(t, api, completions(2000, 50))...)
	waitUntil(t, 120*time.Second, "every completion at the target", func() bool { return len(targetIDs(t, target.URL())) >= len(want) })
	waitUntil(t, 120*time.Second, "every completion at the webhook", func() bool { return len(hook.ids(t)) >= len(want) })
	if got := targetIDs(t, target.URL()); !sortedEqual(got, want) {
		t.Fatalf("the target holds %d statements, want %d", len(got), len(want))
	}
	if got := hook.ids(t); !sortedEqual(got, want) {
		t.Fatalf("the webhook received %d statements, want %d", len(got), len(want))
	}
	if !holds(other) {
		t.Errorf("the surviving process never took the lease:\n%s", other.Logs())
	}
	px.mu.Lock()
	for id, bodies := range px.sent {
		for _, b := range bodies[1:] {
			if b != bodies[0] {
				t.Errorf("statement %s sent again with other content", id)
			}
		}
	}
	px.mu.Unlock()
	_, body := get(t, other.URL()+"/metrics")
	if !strings.Contains(string(body), `hocvu_forward_delivered_statements_total{forward="ministry"}`) {
		t.Errorf("the delivering process exports no forward metrics")
	}
	// Every replica answers the same progress, from the log.
	waitUntil(t, 30*time.Second, "the progress seen from the API server", func() bool {
		var list []forwarding.Status
		if code := doJSON(t, "GET", api.URL()+"/api/forwards", nil, &list); code != 200 || len(list) != 2 {
			t.Fatalf("GET /api/forwards: %d %v", code, list)
		}
		for _, st := range list {
			if st.Live || st.Delivered < uint64(len(want)) || st.Lag != 0 {
				return false
			}
		}
		return true
	})
}
