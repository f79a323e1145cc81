// Package projectionsapi is the HTTP face of the projection runners:
// GET /api/projections (each projection's progress, the last error only
// for operators), POST /api/projections/snapshot (an online copy of the
// local read models, for operators) and the /readyz check of a runner.
package projectionsapi

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/httpserver"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/projections"
)

// Status serves GET /api/projections: each projection's
// progress. Anyone may read the state (position, lag, caught up, and
// "state": ok, catching-up or failing); the text of the last error, which
// can name statements and decoder internals, only a request with HTTP
// Basic credentials of the "all" scope (operators). Credentials that are
// sent are checked: wrong ones get 401, ones without that scope 403.
func Status(head func(context.Context) (eventstore.Position, error), statuses func() []projections.Status, verify httpserver.Verifier) echo.HandlerFunc {
	return func(c echo.Context) error {
		detail := false
		if c.Request().Header.Get(echo.HeaderAuthorization) != "" {
			if err := httpserver.CheckBasic(c, verify, auth.ScopeAll); err != nil {
				return err
			}
			detail = true
		}
		h, err := head(c.Request().Context())
		if err != nil {
			return err
		}
		out := []map[string]any{}
		for _, st := range statuses() {
			item := map[string]any{
				"name": st.Name, "position": st.Applied.String(), "head": h.String(),
				"behind": Behind(h, st.Applied), "caughtUp": st.CaughtUp, "state": state(st),
			}
			if !st.LastTime.IsZero() {
				item["lastEventRecorded"] = st.LastTime
			}
			if detail && st.LastErr != nil {
				item["lastError"] = st.LastErr.Error()
			}
			out = append(out, item)
		}
		return c.JSON(http.StatusOK, map[string]any{"projections": out})
	}
}

// state is the public one-word state of a projection.
func state(st projections.Status) string {
	switch {
	case st.LastErr != nil:
		return "failing"
	case !st.CaughtUp:
		return "catching-up"
	}
	return "ok"
}

// Statuses reads the status of each runner, for Status.
func Statuses(runners []*projections.Runner) func() []projections.Status {
	return func() []projections.Status {
		out := make([]projections.Status, len(runners))
		for i, r := range runners {
			out[i] = r.Status()
		}
		return out
	}
}

// Ready is the readiness check of a projection runner for /readyz: a
// runner catching up says so publicly; a stuck one (failing without
// progress behind the log, projections.Runner.Ready) shows only as failing
// on the public page, and its cause goes to the log.
func Ready(r *projections.Runner) httpserver.Check {
	return func(ctx context.Context) error {
		err := r.Ready(ctx)
		if err == nil {
			return nil
		}
		if st := r.Status(); !st.CaughtUp && st.LastErr == nil {
			return httpserver.NotReady("%s is catching up (at %s)", st.Name, st.Applied)
		}
		return err
	}
}

// Behind is how many log positions (commits) cp is behind head.
func Behind(head, cp eventstore.Position) uint64 {
	if head.Commit <= cp.Commit {
		return 0
	}
	return head.Commit - cp.Commit
}
