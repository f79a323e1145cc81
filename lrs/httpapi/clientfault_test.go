package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hocvu/hocvu/lrs/httpapi"
)

// rawStatus sends head and part of a body over a socket, closes its
// writing side (the upload is cut), and returns the status line.
func rawStatus(t *testing.T, base, head, body string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // a failsafe, not the assertion
	if _, err := io.WriteString(conn, head+body); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(conn)
	if len(data) == 0 {
		t.Fatalf("no answer: %v", err)
	}
	line, _, _ := strings.Cut(string(data), "\r\n")
	return line
}

// An upload cut before its Content-Length is the client's fault: 400,
// never 500.
func TestCutUploadsAre400(t *testing.T) {
	s := newLRS(t, httpapi.Limits{})
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(testKey+":"+testSecret))
	q := url.Values{"activityId": {"https://hoctap.example/bai-1"}, "agent": {`{"mbox":"mailto:an@example.com"}`}, "stateId": {"s1"}}
	for _, c := range []struct{ name, path, ctype string }{
		{"state document", "/xapi/activities/state?" + q.Encode(), "application/json"},
		{"statement", "/xapi/statements", "application/json"},
	} {
		method := "PUT"
		if c.path == "/xapi/statements" {
			method = "POST"
		}
		head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: lrs\r\nAuthorization: %s\r\nX-Experience-API-Version: 2.0.0\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n",
			method, c.path, auth, c.ctype)
		if line := rawStatus(t, s.URL, head, `{"actor": {"mbox": "mailto:a@example.com"`); !strings.HasPrefix(line, "HTTP/1.1 400") {
			t.Errorf("%s cut short: %q, want 400", c.name, line)
		}
	}
}
