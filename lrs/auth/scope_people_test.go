package auth_test

import (
	"slices"
	"testing"

	"github.com/hocvu/hocvu/lrs/auth"
)

// The people scope guards erasure, which cannot be undone: it is a known
// scope, granted by itself only — not by "all".
func TestPeopleScope(t *testing.T) {
	scopes, err := auth.ParseScopes("people")
	if err != nil || !slices.Equal(scopes, []string{auth.ScopePeople}) {
		t.Fatalf("ParseScopes = %v, %v", scopes, err)
	}
	for _, c := range []struct {
		scopes []string
		want   bool
	}{
		{[]string{auth.ScopePeople}, true},
		{[]string{auth.ScopeAll}, false},
		{[]string{auth.ScopeAll, auth.ScopeForwards, auth.ScopeAnalytics}, false},
	} {
		c2 := auth.Credential{Key: "k", Scopes: c.scopes}
		if got := c2.Has(auth.ScopePeople); got != c.want {
			t.Errorf("scopes %v grant people: %v, want %v", c.scopes, got, c.want)
		}
	}
	all := auth.Credential{Key: "k", Scopes: []string{auth.ScopeAll}}
	if !all.Has(auth.ScopeForwards) || !all.Has(auth.ScopeStatementsWrite) {
		t.Error("all no longer grants the other scopes")
	}
}
