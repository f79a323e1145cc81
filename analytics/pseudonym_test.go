package analytics_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/analytics"
)

// TestPublishedExampleKeyRefused: the key .env.example once shipped is
// public, so it is refused however it is written; other keys work.
func TestPublishedExampleKeyRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pseudonym.key")
	for _, key := range []string{analytics.PublishedExampleKey, strings.ToUpper(analytics.PublishedExampleKey), " " + analytics.PublishedExampleKey + "\n"} {
		_, _, err := analytics.LoadOrCreateKey(key, file)
		if err == nil || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Fatalf("key %q: err = %v, want it refused with how to make a key", key, err)
		}
	}
	key, created, err := analytics.LoadOrCreateKey("0123456789abcdef0123456789abcdef", file)
	if err != nil || created || len(key) != 16 {
		t.Fatalf("a hex key: %x %v %v", key, created, err)
	}
}
