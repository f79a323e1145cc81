package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/httpserver"
)

// A request whose client went away while the LRS worked on it (its
// context is cancelled) is recorded as 499 and not logged as an error.
func TestClientAbortIsNotAServerError(t *testing.T) {
	var logs bytes.Buffer
	a := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest(http.MethodPost, "/xapi/statements", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(req, rec)
	if err := a.fail(c, fmt.Errorf("store statements: waiting for the index: %w", context.Canceled)); err != nil {
		t.Fatal(err)
	}
	if rec.Code != httpserver.StatusClientClosedRequest {
		t.Fatalf("status %d, want 499", rec.Code)
	}
	if strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("logged as an error:\n%s", logs.String())
	}

	// The same error while the client is still there is a server error.
	rec = httptest.NewRecorder()
	c = echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/xapi/statements", nil), rec)
	_ = a.fail(c, fmt.Errorf("store statements: %w", context.Canceled))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("cancellation inside the LRS: %d, want 500", rec.Code)
	}
}
