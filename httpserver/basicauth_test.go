package httpserver_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/httpserver"
)

type limited struct{ wait time.Duration }

func (l limited) Error() string             { return "too many failed attempts" }
func (l limited) RetryAfter() time.Duration { return l.wait }

func TestBasicAuth(t *testing.T) {
	var gotAddr string
	verify := func(_ context.Context, key, secret, addr, scope string) (bool, bool, error) {
		gotAddr = addr
		switch {
		case key == "flood":
			return false, false, limited{1500 * time.Millisecond}
		case key == "analyst" && secret == "s":
			return true, scope == "analytics", nil
		case key == "writer" && secret == "s":
			return true, false, nil
		}
		return false, false, nil
	}
	s := start(t, httpserver.Config{}, func(e *echo.Echo) {
		e.GET("/api/x", func(c echo.Context) error { return c.String(200, "ok") }, httpserver.BasicAuth(verify, "analytics"))
	})
	for _, c := range []struct {
		key, secret string
		status      int
		header      string
		want        string
	}{
		{"", "", 401, "WWW-Authenticate", `Basic realm="hocvu"`},
		{"analyst", "wrong", 401, "WWW-Authenticate", `Basic realm="hocvu"`},
		{"writer", "s", 403, "", ""},
		{"flood", "x", 429, "Retry-After", "2"},
		{"analyst", "s", 200, "", ""},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/api/x", nil)
		if c.key != "" {
			req.SetBasicAuth(c.key, c.secret)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || (c.header != "" && res.Header.Get(c.header) != c.want) {
			t.Errorf("%s: %d %s=%q, want %d %q", c.key, res.StatusCode, c.header, res.Header.Get(c.header), c.status, c.want)
		}
		<-s.logs.requests
	}
	if gotAddr != "127.0.0.1" {
		t.Errorf("verifier got address %q, want the peer 127.0.0.1", gotAddr)
	}
	// X-Forwarded-For is not trusted without a configured extractor.
	req, _ := http.NewRequest(http.MethodGet, s.url+"/api/x", nil)
	req.SetBasicAuth("analyst", "s")
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	<-s.logs.requests
	if gotAddr != "127.0.0.1" {
		t.Errorf("a forged X-Forwarded-For set the address to %q", gotAddr)
	}
}
