package projectionsapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/projectionsapi"
)

// /api/projections tells anyone each projection's state, but the text of
// its last error (statement ids, decoder internals) only to operators:
// credentials with the "all" scope.
func TestProjectionsStatusKeepsErrorsForOperators(t *testing.T) {
	leak := errors.New(`statement-index: apply event 3f1c2a9e-0000-4000-8000-000000000001: json: cannot unmarshal number 1e400 into Go value of type float64`)
	statuses := func() []projections.Status {
		return []projections.Status{
			{Name: "statement-index", Applied: eventstore.Position{Commit: 7, Prepare: 7}, CaughtUp: true, LastErr: leak},
			{Name: "document-index", Applied: eventstore.Position{Commit: 9, Prepare: 9}, CaughtUp: true},
			{Name: "analytics", Applied: eventstore.Position{Commit: 2, Prepare: 2}},
		}
	}
	head := func(context.Context) (eventstore.Position, error) {
		return eventstore.Position{Commit: 9, Prepare: 9}, nil
	}
	verify := func(_ context.Context, key, secret, _, scope string) (bool, bool, error) {
		switch {
		case key == "operator" && secret == "s":
			return true, true, nil
		case key == "analyst" && secret == "s":
			return true, scope == "analytics", nil
		}
		return false, false, nil
	}
	e := echo.New()
	e.GET("/api/projections", projectionsapi.Status(head, statuses, verify))
	ask := func(user, pass string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, "/api/projections", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}

	code, body := ask("", "")
	if code != 200 || strings.Contains(body, "3f1c2a9e") || strings.Contains(body, "unmarshal") || strings.Contains(body, "lastError") {
		t.Fatalf("public answer: %d %s", code, body)
	}
	var out struct {
		Projections []struct {
			Name   string `json:"name"`
			State  string `json:"state"`
			Behind uint64 `json:"behind"`
		} `json:"projections"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, p := range out.Projections {
		states[p.Name] = p.State
	}
	if states["statement-index"] != "failing" || states["document-index"] != "ok" || states["analytics"] != "catching-up" {
		t.Errorf("public states %v", states)
	}

	if code, body := ask("operator", "s"); code != 200 || !strings.Contains(body, "3f1c2a9e") {
		t.Errorf("operator: %d %s, want the last error", code, body)
	}
	if code, _ := ask("analyst", "s"); code != http.StatusForbidden {
		t.Errorf("credential without the all scope: %d, want 403", code)
	}
	if code, body := ask("operator", "wrong"); code != http.StatusUnauthorized || strings.Contains(body, "3f1c2a9e") {
		t.Errorf("wrong secret: %d %s, want 401", code, body)
	}
}

// Snapshots are for operators only, and say how to turn them on when off.
func TestSnapshotRouteIsForOperators(t *testing.T) {
	verify := func(_ context.Context, key, secret, _, scope string) (bool, bool, error) {
		switch {
		case key == "operator" && secret == "s":
			return true, true, nil
		case key == "analyst" && secret == "s":
			return true, scope == "analytics", nil
		}
		return false, false, nil
	}
	taken := projectionsapi.SnapshotTaken{Dir: "/snapshots/x", ReadModels: []projectionsapi.SnapshotModel{{Name: "statement-index", Dir: "index", Position: "12/12", Commit: 12}}}
	for _, tc := range []struct {
		name, user string
		off        bool
		want       int
		body       string
	}{
		{"no credentials", "", false, http.StatusUnauthorized, "credentials required"},
		{"wrong secret", "operator:x", false, http.StatusUnauthorized, "invalid credentials"},
		{"without the all scope", "analyst:s", false, http.StatusForbidden, "lacks the all scope"},
		{"operator", "operator:s", false, http.StatusOK, `"commit":12`},
		{"snapshots off", "operator:s", true, http.StatusConflict, "--snapshot-dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			take := func(context.Context) (projectionsapi.SnapshotTaken, error) {
				calls++
				if tc.off {
					return projectionsapi.SnapshotTaken{}, projectionsapi.ErrSnapshotsOff
				}
				return taken, nil
			}
			e := echo.New()
			projectionsapi.MountSnapshot(e, take, verify)
			req := httptest.NewRequest(http.MethodPost, "/api/projections/snapshot", nil)
			if user, pass, ok := strings.Cut(tc.user, ":"); ok {
				req.SetBasicAuth(user, pass)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.want || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("%d %s, want %d with %q", rec.Code, rec.Body, tc.want, tc.body)
			}
			if wantCalls := map[bool]int{true: 1, false: 0}[tc.want == http.StatusOK || tc.off]; calls != wantCalls {
				t.Fatalf("snapshot taken %d times, want %d", calls, wantCalls)
			}
		})
	}
}
