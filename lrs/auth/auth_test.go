package auth_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/lrs/auth"
)

func TestParseScopes(t *testing.T) {
	got, err := auth.ParseScopes("statements/write, statements/read statements/write")
	if err != nil || !reflect.DeepEqual(got, []string{"statements/read", "statements/write"}) {
		t.Fatalf("ParseScopes = %v, %v", got, err)
	}
	for _, bad := range []string{"", " , ", "statements/write,root"} {
		if _, err := auth.ParseScopes(bad); err == nil {
			t.Errorf("ParseScopes(%q) accepted", bad)
		}
	}
}

func TestScopes(t *testing.T) {
	all := auth.Credential{Scopes: []string{auth.ScopeAll}}
	w := auth.Credential{Scopes: []string{auth.ScopeStatementsWrite}}
	if !all.Has(auth.ScopeAnalytics) || !all.HasAny(auth.ScopeState) {
		t.Error("all does not imply every scope")
	}
	if w.Has(auth.ScopeStatementsRead) || w.HasAny(auth.ScopeAllRead, auth.ScopeState) || !w.HasAny(auth.ScopeState, auth.ScopeStatementsWrite) {
		t.Error("statements/write grants the wrong scopes")
	}
}

func TestNewKeysAndSecretsAreRandom(t *testing.T) {
	k1, k2 := auth.NewKey(), auth.NewKey()
	s1, s2 := auth.NewSecret(), auth.NewSecret()
	if k1 == k2 || s1 == s2 || !strings.HasPrefix(k1, "hv_") || len(s1) < 32 {
		t.Fatalf("keys %q %q, secrets %q %q", k1, k2, s1, s2)
	}
}

func TestSetRevokeAndAuthority(t *testing.T) {
	r := newRegistry(t, auth.Options{})
	ctx := context.Background()
	if err := r.Set(ctx, auth.Credential{Key: "hv_x", Scopes: []string{"root"}}, "s"); err == nil {
		t.Error("unknown scope accepted")
	}
	if err := r.Set(ctx, auth.Credential{Key: "hv_x", Scopes: []string{auth.ScopeAll}}, ""); err == nil {
		t.Error("empty secret accepted")
	}
	if err := r.Revoke(ctx, "hv_none"); err == nil {
		t.Error("revoking an unknown key succeeded")
	}
	c, ok := r.Get(key)
	if !ok || strings.Contains(c.SecretHash, secret) || !strings.HasPrefix(c.SecretHash, "$2") {
		t.Fatalf("stored credential %+v", c)
	}
	a := c.Authority()
	if acc := a["account"].(map[string]any); acc["name"] != key || acc["homePage"] != "https://lrs.test/" {
		t.Errorf("authority %v", a)
	}
	// Seeding again with the same secret writes nothing.
	before := len(r.List())
	if err := r.Seed(ctx, key, secret, "test", "https://lrs.test/"); err != nil || len(r.List()) != before {
		t.Fatalf("re-seed: %v", err)
	}
	if err := r.Revoke(ctx, key); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Get(key); !c.Revoked {
		t.Error("not revoked")
	}
}
