package main

import (
	"net/http/httptest"
	"testing"
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
