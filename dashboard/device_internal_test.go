package dashboard

import (
	"strings"
	"testing"
	"time"
)

func TestDeviceCookies(t *testing.T) {
	now := time.Date(2026, 11, 15, 3, 0, 0, 0, time.UTC)
	d := newDevices(func() time.Time { return now })
	v := d.issue("xa")
	id, ok := d.check(v, "xa")
	if !ok || id == "" {
		t.Fatalf("a fresh cookie for xa: %q %v", id, ok)
	}
	if v2 := d.issue("xa"); v2 == v {
		t.Error("two cookies are the same")
	}
	if _, ok := d.check(v, "tinh"); ok {
		t.Error("xa's cookie accepted for tinh")
	}
	parts := strings.Split(v, ".")
	parts[1] = b64.EncodeToString([]byte("tinh")) // claim another user, keep the signature
	if _, ok := d.check(strings.Join(parts, "."), "tinh"); ok {
		t.Error("a forged cookie accepted")
	}
	if _, ok := newDevices(d.now).check(v, "xa"); ok {
		t.Error("a cookie of another key (another process) accepted")
	}
	for _, bad := range []string{"", "v1", "x.y.z.w.v", v + "x"} {
		if _, ok := d.check(bad, "xa"); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	now = now.Add(deviceTTL + time.Second)
	if _, ok := d.check(v, "xa"); ok {
		t.Error("an expired cookie accepted")
	}
}
