package auth_test

import (
	"slices"
	"testing"

	"github.com/hocvu/hocvu/lrs/auth"
)

// The forwards scope guards the admin API of statement forwarding: it is
// a known scope, granted by itself or by "all", and by nothing else.
func TestForwardsScope(t *testing.T) {
	scopes, err := auth.ParseScopes("statements/write, forwards")
	if err != nil || !slices.Equal(scopes, []string{auth.ScopeForwards, auth.ScopeStatementsWrite}) {
		t.Fatalf("ParseScopes = %v, %v", scopes, err)
	}
	for _, c := range []struct {
		scopes []string
		want   bool
	}{
		{[]string{auth.ScopeForwards}, true},
		{[]string{auth.ScopeAll}, true},
		{[]string{auth.ScopeAnalytics, auth.ScopeAllRead, auth.ScopeStatementsWrite, auth.ScopeStatementsRead, auth.ScopeDefine}, false},
	} {
		c2 := auth.Credential{Key: "k", Scopes: c.scopes}
		if got := c2.Has(auth.ScopeForwards); got != c.want {
			t.Errorf("scopes %v grant forwards: %v, want %v", c.scopes, got, c.want)
		}
	}
}
