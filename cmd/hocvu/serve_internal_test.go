package main

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"github.com/hocvu/hocvu/httpserver"
)

func TestTrustedProxies(t *testing.T) {
	if x, err := (connLimits{}).ipExtractor(); err != nil || x != nil {
		t.Fatalf("no proxies: %v %v, want the peer address", x, err)
	}
	x, err := connLimits{TrustedProxies: []string{"10.0.0.0/8", " 192.0.2.1"}}.ipExtractor()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ peer, xff, want string }{
		{"10.1.2.3:5000", "198.51.100.7", "198.51.100.7"},           // through a trusted proxy
		{"192.0.2.1:5000", "203.0.113.9, 10.9.9.9", "203.0.113.9"},  // two trusted hops
		{"203.0.113.50:5000", "198.51.100.7", "203.0.113.50"},       // not a proxy: the header is ignored
		{"10.1.2.3:5000", "", "10.1.2.3"},                           // no header
		{"127.0.0.1:5000", "198.51.100.7", "127.0.0.1"},             // loopback is not trusted unless listed
		{"10.1.2.3:5000", "198.51.100.7, 172.16.0.1", "172.16.0.1"}, // private ranges are not trusted unless listed
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := x(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33"} {
		if _, err := (connLimits{TrustedProxies: []string{bad}}).ipExtractor(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The connection limits come from flags or HOCVU_* variables, and 0 turns
// a limit off (a negative value in httpserver.Config, where 0 means the
// default).
func TestConnLimitsFromEnvironment(t *testing.T) {
	parse := func(args ...string) connLimits {
		t.Helper()
		var c cli
		parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("exited") }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(append([]string{"serve"}, args...)); err != nil {
			t.Fatal(err)
		}
		return c.Serve.connLimits
	}
	def := parse()
	if def.ReadHeaderTimeout != 10*time.Second || def.ReadTimeout != 5*time.Minute || def.WriteTimeout != 5*time.Minute ||
		def.IdleTimeout != 2*time.Minute || def.MinBodyRate != 1024 || len(def.TrustedProxies) != 0 {
		t.Errorf("defaults %+v", def)
	}
	for k, v := range map[string]string{
		"HOCVU_READ_HEADER_TIMEOUT": "3s", "HOCVU_READ_TIMEOUT": "0", "HOCVU_WRITE_TIMEOUT": "7m",
		"HOCVU_IDLE_TIMEOUT": "0s", "HOCVU_MIN_BODY_RATE": "0", "HOCVU_TRUSTED_PROXIES": "10.0.0.0/8,192.0.2.1",
	} {
		t.Setenv(k, v)
	}
	l := parse("--write-timeout=9m") // a flag wins over the environment
	if l.ReadHeaderTimeout != 3*time.Second || l.ReadTimeout != 0 || l.WriteTimeout != 9*time.Minute ||
		l.IdleTimeout != 0 || l.MinBodyRate != 0 || !slices.Equal(l.TrustedProxies, []string{"10.0.0.0/8", "192.0.2.1"}) {
		t.Errorf("from the environment %+v", l)
	}
	var cfg httpserver.Config
	l.apply(&cfg)
	if cfg.ReadHeaderTimeout != 3*time.Second || cfg.ReadTimeout >= 0 || cfg.WriteTimeout != 9*time.Minute ||
		cfg.IdleTimeout >= 0 || cfg.MinBodyRate >= 0 {
		t.Errorf("server config %+v: want 0 (off) as a negative value", cfg)
	}
}

// --validate-profile (or HOCVU_VALIDATE_PROFILE) hands the campaign
// profile's checker to the statement writes; by default there is none.
func TestValidateProfileFlag(t *testing.T) {
	parse := func(args ...string) *serveCmd {
		t.Helper()
		var c cli
		parser, err := kong.New(&c, kong.Exit(func(int) { t.Fatal("exited") }))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse(append([]string{"serve"}, args...)); err != nil {
			t.Fatal(err)
		}
		return &c.Serve
	}
	if pc := parse().profileChecker(); pc != nil {
		t.Errorf("default: profile checker %T, want none", pc)
	}
	if pc := parse("--validate-profile").profileChecker(); pc == nil {
		t.Error("--validate-profile: no profile checker")
	}
	t.Setenv("HOCVU_VALIDATE_PROFILE", "true")
	if pc := parse().profileChecker(); pc == nil {
		t.Error("HOCVU_VALIDATE_PROFILE=true: no profile checker")
	}
}
