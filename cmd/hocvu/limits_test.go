package main_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/internal/proctest"
)

// A client that stops sending its body is answered 408 once the read
// timeout (set here through the environment) has passed; the xAPI and
// the metrics count it as a client error, not a 500.
func TestStalledUploadGets408(t *testing.T) {
	p := proctest.Start(t, []string{"HOCVU_READ_TIMEOUT=1s", "HOCVU_API_KEY=k", "HOCVU_API_SECRET=s"},
		"serve", "--listen=127.0.0.1:0", "--data-dir="+t.TempDir(), "--no-analytics-projector")
	conn, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second)) // a failsafe, not the assertion
	req := "POST /xapi/statements HTTP/1.1\r\nHost: lrs\r\nAuthorization: Basic azpz\r\n" +
		"X-Experience-API-Version: 2.0.0\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"actor\":"
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(conn) // the body never comes
	if line, _, _ := strings.Cut(string(data), "\r\n"); !strings.HasPrefix(line, "HTTP/1.1 408") {
		t.Fatalf("stalled upload: %q, want 408\n%s", line, p.Logs())
	}
	res, body := get(t, p.URL()+"/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `hocvu_http_requests_total{code="408",method="POST",route="/xapi/statements"} 1`) {
		t.Errorf("metrics lack the 408:\n%s", grepLines(string(body), "hocvu_http_requests_total"))
	}
	if strings.Contains(p.Logs(), `"level":"ERROR"`) {
		t.Errorf("a stalled client logged an error:\n%s", p.Logs())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
