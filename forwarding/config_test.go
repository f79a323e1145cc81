package forwarding_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/schemas"
)

func validForward() forwarding.Forward {
	return forwarding.Forward{
		ID: "4b0e7d1c-8f0a-4f8e-9b1d-2c3e4f5a6b7c", Name: "ministry",
		Target:    forwarding.TargetConfig{Kind: forwarding.TargetXAPI, URL: "https://lrs.example/xapi", Version: "2.0.0", Auth: forwarding.AuthBasic, Username: "hocvu", Secret: forwarding.Secret{Ref: "env:MINISTRY_SECRET"}},
		BatchSize: 100, MaxAttempts: 5, OnReject: forwarding.OnRejectContinue, Start: forwarding.Start{From: forwarding.StartNow},
	}
}

func TestValidate(t *testing.T) {
	if _, err := (func() *forwarding.Forward { f := validForward(); return &f })().Validate(); err != nil {
		t.Fatalf("a valid forward is refused: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(*forwarding.Forward)
	}{
		{"malformed URL", func(f *forwarding.Forward) { f.Target.URL = "lrs.example/xapi" }},
		{"bad scheme", func(f *forwarding.Forward) { f.Target.URL = "ftp://lrs.example/xapi" }},
		{"credentials in the URL", func(f *forwarding.Forward) { f.Target.URL = "https://u:p@lrs.example/xapi" }},
		{"statements resource instead of the endpoint", func(f *forwarding.Forward) { f.Target.URL = "https://lrs.example/xapi/statements" }},
		{"bad version", func(f *forwarding.Forward) { f.Target.Version = "1.0.0" }},
		{"basic without secret", func(f *forwarding.Forward) { f.Target.Secret = forwarding.Secret{} }},
		{"basic without username", func(f *forwarding.Forward) { f.Target.Username = "" }},
		{"oauth2 without token URL", func(f *forwarding.Forward) { f.Target.Auth, f.Target.Username = forwarding.AuthOAuth2, "" }},
		{"oauth2 without secret", func(f *forwarding.Forward) {
			f.Target.Auth, f.Target.Username, f.Target.TokenURL, f.Target.ClientID, f.Target.Secret = forwarding.AuthOAuth2, "", "https://id.example/token", "c", forwarding.Secret{}
		}},
		{"webhook without secret", func(f *forwarding.Forward) {
			f.Target = forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: "https://hooks.example/in"}
		}},
		{"webhook over plain http to another host", func(f *forwarding.Forward) {
			f.Target = forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: "http://hooks.example/in", Secret: forwarding.Secret{Ref: "env:X"}}
		}},
		{"unknown kind", func(f *forwarding.Forward) { f.Target.Kind = "ftp" }},
		{"bad name", func(f *forwarding.Forward) { f.Name = "Bộ" }},
		{"batch too large", func(f *forwarding.Forward) { f.BatchSize = 5000 }},
		{"no attempts", func(f *forwarding.Forward) { f.MaxAttempts = 0 }},
		{"bad policy", func(f *forwarding.Forward) { f.OnReject = "drop" }},
		{"date start without date", func(f *forwarding.Forward) { f.Start = forwarding.Start{From: forwarding.StartDate} }},
		{"bad filter", func(f *forwarding.Forward) { f.Filter.Verb = []string{"completed"} }},
	} {
		f := validForward()
		c.change(&f)
		if _, err := f.Validate(); !errors.Is(err, forwarding.ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", c.name, err)
		}
	}
	// A webhook to this machine over plain http is allowed (development),
	// and a webhook without pseudonyms gets a warning.
	f := validForward()
	f.Target = forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: "http://127.0.0.1:9000/in", Secret: forwarding.Secret{Ref: "env:X"}}
	warnings, err := f.Validate()
	if err != nil || len(warnings) != 1 {
		t.Errorf("local webhook: %v %q", err, warnings)
	}
}

func TestSecrets(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := forwarding.NewSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	const plain = "s3cret-password-ÿ"
	s := box.Seal("forward-a", plain)
	if got, err := box.Open("forward-a", s); err != nil || got != plain {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := box.Open("forward-b", s); err == nil {
		t.Error("a sealed secret opened for another forward")
	}
	other, _ := forwarding.NewSecretBox(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open("forward-a", s); err == nil || !strings.Contains(err.Error(), "sealed with key") {
		t.Errorf("another key: %v", err)
	}
	// Never in clear: not in the stored encoding, nor in prints and logs.
	f := validForward()
	f.Target.Secret = s
	stored, _ := json.Marshal(f)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("forward", "target", f.Target, "secret", f.Target.Secret, "forward", f)
	for where, text := range map[string]string{"event": string(stored), "%v": fmt.Sprintf("%v", f), "%+v": fmt.Sprintf("%+v", f), "%#v": fmt.Sprintf("%#v", f.Target.Secret), "log": logs.String()} {
		if strings.Contains(text, plain) || strings.Contains(text, "s3cret") {
			t.Errorf("the secret shows in the %s: %s", where, text)
		}
	}
	// References resolve in the delivering process.
	t.Setenv("HOCVU_TEST_FORWARD_SECRET", "from-env")
	ref, err := forwarding.ParseSecretRef("env:HOCVU_TEST_FORWARD_SECRET")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := box.Open("x", ref); err != nil || got != "from-env" {
		t.Errorf("env reference: %q %v", got, err)
	}
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ref, _ = forwarding.ParseSecretRef("file:" + file)
	if got, err := (*forwarding.SecretBox)(nil).Open("x", ref); err != nil || got != "from-file" {
		t.Errorf("file reference: %q %v", got, err)
	}
	for _, bad := range []string{"env:", "env:1X", "file:relative", "vault:x", "plain-secret"} {
		if _, err := forwarding.ParseSecretRef(bad); err == nil {
			t.Errorf("ParseSecretRef(%q) accepted", bad)
		}
	}
	// The key file is created once and read back.
	kf := filepath.Join(t.TempDir(), "forward-secrets.key")
	k1, created, err := forwarding.LoadOrCreateSecretsKey("", kf)
	if err != nil || !created {
		t.Fatal(err, created)
	}
	k2, created, err := forwarding.LoadOrCreateSecretsKey("", kf)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("reload: %v %v", err, created)
	}
	if _, _, err := forwarding.LoadOrCreateSecretsKey("abcd", kf); err == nil {
		t.Error("a short key was accepted")
	}
	// The key .env.example once shipped is public: refused, in any case.
	for _, k := range []string{forwarding.PublishedExampleSecretsKey, strings.ToUpper(forwarding.PublishedExampleSecretsKey) + "\n"} {
		if _, _, err := forwarding.LoadOrCreateSecretsKey(k, kf); err == nil || !strings.Contains(err.Error(), "openssl rand") {
			t.Errorf("the published example key was accepted (%v)", err)
		}
	}
	if _, _, err := forwarding.LoadOrCreateSecretsKey(strings.Repeat("ab", 32), kf); err != nil {
		t.Errorf("a good key was refused: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	b := forwarding.Backoff{Base: time.Second, Max: 8 * time.Second, MaxRetryAfter: time.Minute}
	for _, c := range []struct {
		failures   int
		retryAfter time.Duration
		r          float64
		want       time.Duration
	}{
		{1, 0, 0, 500 * time.Millisecond},
		{1, 0, 0.999999, time.Second},
		{3, 0, 0, 2 * time.Second},
		{3, 0, 0.5, 3 * time.Second},
		{10, 0, 0.999999, 8 * time.Second},
		{100, 0, 0, 4 * time.Second},
		{1, 30 * time.Second, 0.5, 30 * time.Second},
		{1, time.Hour, 0.5, time.Minute},
		{10, 2 * time.Second, 0, 4 * time.Second},
	} {
		b.Rand = func() float64 { return c.r }
		got := b.Delay(c.failures, c.retryAfter)
		if got.Round(time.Millisecond) != c.want {
			t.Errorf("Delay(%d, %s) with rand %v = %s, want %s", c.failures, c.retryAfter, c.r, got, c.want)
		}
	}
	now := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{"": 0, "120": 2 * time.Minute, "-3": 0, "soon": 0,
		"Mon, 01 Sep 2025 00:00:30 GMT": 30 * time.Second, "Sun, 31 Aug 2025 00:00:00 GMT": 0} {
		if got := forwarding.RetryAfter(h, now); got != want {
			t.Errorf("RetryAfter(%q) = %s, want %s", h, got, want)
		}
	}
	for status, rejected := range map[int]bool{400: true, 409: true, 413: true, 422: true, 401: false, 403: false, 404: false, 408: false, 429: false, 500: false, 503: false} {
		if forwarding.Rejects(status) != rejected {
			t.Errorf("Rejects(%d) = %v", status, !rejected)
		}
	}
}

func TestPseudonymize(t *testing.T) {
	ps, err := analytics.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	in := `{"id":"6f1c6e3a-0000-4000-8000-000000000009","actor":{"name":"Nguyễn Văn A","account":{"homePage":"https://vneid.example","name":"012345678901"}},
		"verb":{"id":"` + verbCompleted + `"},"object":{"objectType":"SubStatement","actor":{"mbox":"mailto:a@example.com","name":"A"},"verb":{"id":"` + verbCompleted + `"},
		"object":{"objectType":"Agent","mbox":"mailto:b@example.com"},"context":{"instructor":{"mbox":"mailto:c@example.com"}}},
		"result":{"score":{"raw":12345678901234567890.5,"scaled":0.1}},
		"context":{"team":{"objectType":"Group","name":"Tổ 1","member":[{"mbox":"mailto:d@example.com","name":"D"}]},"instructor":{"openid":"https://id.example/e"},
		"contextAgents":[{"objectType":"contextAgent","agent":{"mbox":"mailto:f@example.com"}}]},
		"authority":{"objectType":"Agent","account":{"homePage":"https://hocvu.local/","name":"portal"}}}`
	out, err := forwarding.Pseudonymize(ps, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	for _, personal := range []string{"Nguyễn", "012345678901", "a@example.com", "b@example.com", "c@example.com", "d@example.com", "f@example.com", "id.example", `"A"`, `"D"`, "Tổ 1"} {
		if strings.Contains(string(out), personal) {
			t.Errorf("%s survived: %s", personal, out)
		}
	}
	if !strings.Contains(string(out), "12345678901234567890.5") {
		t.Errorf("a number changed: %s", out)
	}
	var st map[string]any
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatal(err)
	}
	want := analytics.FormatID(ps.ID("agent", "account:https://vneid.example\x00012345678901"))
	actor := st["actor"].(map[string]any)
	if acc := actor["account"].(map[string]any); acc["name"] != want || acc["homePage"] != forwarding.PseudonymHomePage {
		t.Errorf("actor = %v, want the analytics pseudonym %s", actor, want)
	}
	if auth := st["authority"].(map[string]any); auth["account"].(map[string]any)["name"] != "portal" {
		t.Errorf("the authority changed: %v", auth)
	}
	// The result is still a valid statement.
	if probs := xapi.ValidateStatement(schemas.V200, st); len(probs) > 0 {
		t.Errorf("not valid any more: %v", probs)
	}
}

// Stored formats are permanent: every event type's encoding is a golden
// file.
func TestEventGolden(t *testing.T) {
	at := time.Date(2025, 9, 1, 2, 3, 4, 0, time.UTC)
	f := validForward()
	f.Created, f.Updated = at, at
	f.Start = forwarding.Start{From: forwarding.StartNow, After: "1234"}
	f.Target.Secret = forwarding.Secret{Sealed: "bm9uY2UxMjM0NTY3Y2lwaGVydGV4dA==", Key: "0123456789abcdef"}
	f.Filter = forwarding.Filter{Verb: []string{verbCompleted}, Activity: []string{course1}, RelatedActivities: true, Commune: []string{"21172"}}
	hook := f
	hook.Name, hook.Pseudonymize = "lms-webhook", true
	hook.Target = forwarding.TargetConfig{Kind: forwarding.TargetWebhook, URL: "https://lms.example/hooks/hocvu", Secret: forwarding.Secret{Ref: "env:LMS_WEBHOOK_SECRET"}}
	batch := &forwarding.Batch{Delivery: "9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", Through: "1300", Attempts: 2, Rejections: 1, Started: at,
		Events: []forwarding.EventRef{{Position: "1290", Statement: "6f1c6e3a-0000-4000-8000-000000000001"}}}
	fail := &forwarding.Failure{At: at, Status: 400, Message: "bad statement", Rejected: true}
	progress := forwarding.Progress{Through: "1289", Pending: batch, Delivered: 500, Failed: 3, Retried: 2, DeadLettered: 0, Batches: 5, LastError: fail, LastDelivery: at}
	done := progress
	done.Pending, done.Through = nil, "1300"
	dead := done
	dead.DeadLetter, dead.DeadLettered = batch.Delivery, 1
	events := map[string]any{
		forwarding.EventCreated:           f,
		forwarding.EventChanged:           hook,
		forwarding.EventPaused:            forwarding.StateChange{ID: f.ID, Reason: "paused by an operator", At: at},
		forwarding.EventResumed:           forwarding.StateChange{ID: f.ID, At: at},
		forwarding.EventDeleted:           forwarding.StateChange{ID: f.ID, At: at},
		forwarding.EventRetryRequested:    forwarding.RetryRequest{ID: f.ID, Request: "0b0c0d0e-0000-4000-8000-000000000001", DeadLetters: []string{batch.Delivery}, At: at},
		forwarding.EventBatchStarted:      progress,
		forwarding.EventBatchFailed:       progress,
		forwarding.EventBatchDelivered:    done,
		forwarding.EventBatchDeadLettered: dead,
		forwarding.EventCheckpoint:        done,
		forwarding.EventDeadLetterAdded:   forwarding.DeadLetter{ID: batch.Delivery, Events: batch.Events, Attempts: 5, LastError: *fail, At: at},
		forwarding.EventDeadLetterRedrive: forwarding.Redrive{DeadLetter: batch.Delivery, Request: "0b0c0d0e-0000-4000-8000-000000000001", Delivered: true, Attempts: 1, At: at},
	}
	for typ, v := range events {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "events", typ+".json")
		if os.Getenv("UPDATE_GOLDEN") != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != string(got)+"\n" {
			t.Errorf("%s changed:\n%s\nwant:\n%s", typ, got, want)
		}
	}
	// The golden configuration still folds into the registry's state.
	s := openStore(t)
	ctx := context.Background()
	for _, typ := range []string{forwarding.EventCreated, forwarding.EventPaused} {
		data, _ := os.ReadFile(filepath.Join("testdata", "events", typ+".json"))
		appendRaw(t, s, forwarding.Stream, typ, data)
	}
	reg := forwarding.NewRegistry(s, nil)
	if err := reg.Load(ctx); err != nil {
		t.Fatal(err)
	}
	st, ok := reg.Get("ministry")
	if !ok || !st.Paused || st.Filter.Commune[0] != "21172" || st.Target.Secret.Key != "0123456789abcdef" {
		t.Errorf("golden events fold to %+v", st)
	}
}
