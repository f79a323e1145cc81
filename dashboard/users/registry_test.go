package users_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/hocvu/hocvu/dashboard/users"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

func openStore(t *testing.T) *pebblestore.Store {
	t.Helper()
	s, err := pebblestore.Open(t.TempDir(), pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// follow runs r.Follow until the test ends, and waits for it to return
// before the store (opened earlier, so closed later) is closed: a
// subscription still reading a closed store would panic.
func follow(t *testing.T, r *users.Registry) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Follow(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func newRegistry(t *testing.T, s users.Store) *users.Registry {
	t.Helper()
	r := users.NewRegistry(s, nil)
	r.SetCost(bcrypt.MinCost)
	if err := r.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistryLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	r := newRegistry(t, s)
	if err := r.Set(ctx, users.User{Username: "xa", Role: users.RoleCommune, Commune: "21121", DisplayName: "UBND xã"}, "commune-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify("xa", "commune-password"); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{{"xa", "wrong-password"}, {"nobody", "commune-password"}} {
		if _, err := r.Verify(c[0], c[1]); !errors.Is(err, users.ErrUnauthorized) {
			t.Errorf("Verify(%s, %s) = %v", c[0], c[1], err)
		}
	}
	// A role change keeps the password.
	if err := r.Set(ctx, users.User{Username: "xa", Role: users.RoleProvince}, ""); err != nil {
		t.Fatal(err)
	}
	u, _ := r.Get("xa")
	if u.Role != users.RoleProvince || u.Commune != "" {
		t.Fatalf("after role change: %+v", u)
	}
	if _, err := r.Verify("xa", "commune-password"); err != nil {
		t.Fatal("role change lost the password")
	}
	if err := r.SetPassword(ctx, "xa", "another-password"); err != nil {
		t.Fatal(err)
	}
	// A second registry replays the same state; a live one follows changes.
	r2 := newRegistry(t, s)
	if _, err := r2.Verify("xa", "another-password"); err != nil {
		t.Fatalf("replayed registry: %v", err)
	}
	follow(t, r2)
	if err := r.Remove(ctx, "xa"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := r2.Get("xa"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the following registry did not see the removal")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.Remove(ctx, "xa"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
}

func TestValidation(t *testing.T) {
	r := newRegistry(t, openStore(t))
	ctx := context.Background()
	for _, c := range []struct {
		u        users.User
		password string
	}{
		{users.User{Username: "Tinh", Role: users.RoleProvince}, "long-enough-1"},
		{users.User{Username: "tinh", Role: "admin"}, "long-enough-1"},
		{users.User{Username: "xa", Role: users.RoleCommune}, "long-enough-1"},
		{users.User{Username: "tinh", Role: users.RoleProvince, Commune: "21121"}, "long-enough-1"},
		{users.User{Username: "tinh", Role: users.RoleProvince}, "short"},
		{users.User{Username: "tinh", Role: users.RoleProvince}, ""},
	} {
		if err := r.Set(ctx, c.u, c.password); err == nil {
			t.Errorf("Set(%+v, %q) accepted", c.u, c.password)
		}
	}
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	r := newRegistry(t, s)
	for i := 0; i < 2; i++ {
		if err := r.Seed(ctx, "admin", "seeded-password", ""); err != nil {
			t.Fatal(err)
		}
	}
	events := func() int {
		evs, err := s.ReadStream(ctx, users.Stream, eventstore.ReadStreamOptions{Max: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	if n := events(); n != 1 {
		t.Fatalf("seeding twice wrote %d events", n)
	}
	if u, _ := r.Get("admin"); u.DisplayName != "" {
		t.Errorf("a seed without a display name gave %q", u.DisplayName)
	}
	// A display name set since survives a new seed password.
	if err := r.SetDisplayName(ctx, "admin", "UBND tỉnh Quảng Ngãi"); err != nil {
		t.Fatal(err)
	}
	if err := r.Seed(ctx, "admin", "changed-password", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify("admin", "changed-password"); err != nil {
		t.Fatal("a new seed password did not take effect")
	}
	if u, _ := r.Get("admin"); u.DisplayName != "UBND tỉnh Quảng Ngãi" {
		t.Errorf("a new seed password replaced the display name with %q", u.DisplayName)
	}
	// A configured display name is written once.
	n := events()
	for i := 0; i < 2; i++ {
		if err := r.Seed(ctx, "admin", "changed-password", "Quản trị tỉnh"); err != nil {
			t.Fatal(err)
		}
	}
	if u, _ := r.Get("admin"); u.DisplayName != "Quản trị tỉnh" || events() != n+1 {
		t.Errorf("seeding a display name twice: %q, %d events after %d", u.DisplayName, events(), n)
	}
}

// Earlier versions stored a note as the seeded admin's display name; a
// seed replaces it, and keeps the password.
func TestSeedReplacesTheLegacyNote(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t, openStore(t))
	if err := r.Set(ctx, users.User{Username: "admin", Role: users.RoleProvince, DisplayName: users.LegacySeedNote}, "seeded-password"); err != nil {
		t.Fatal(err)
	}
	if err := r.Seed(ctx, "admin", "seeded-password", ""); err != nil {
		t.Fatal(err)
	}
	u, _ := r.Get("admin")
	if u.DisplayName != "" {
		t.Errorf("display name after the seed: %q", u.DisplayName)
	}
	if _, err := r.Verify("admin", "seeded-password"); err != nil {
		t.Error("the seed changed the password")
	}
}

func TestSetDisplayName(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	r := newRegistry(t, s)
	if err := r.Set(ctx, users.User{Username: "xa", Role: users.RoleCommune, Commune: "21121"}, "commune-password"); err != nil {
		t.Fatal(err)
	}
	before, _ := r.Get("xa")
	follower := newRegistry(t, s)
	follow(t, follower)
	if err := r.SetDisplayName(ctx, "xa", "UBND xã Tịnh Khê"); err != nil {
		t.Fatal(err)
	}
	after, _ := r.Get("xa")
	if after.DisplayName != "UBND xã Tịnh Khê" || after.PasswordHash != before.PasswordHash || after.Role != before.Role || after.Commune != before.Commune {
		t.Errorf("after SetDisplayName: %+v (before %+v)", after, before)
	}
	if users.Stamp(after) != users.Stamp(before) {
		t.Error("a new display name would end the user's sessions")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if u, _ := follower.Get("xa"); u.DisplayName == "UBND xã Tịnh Khê" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the following registry did not see the new display name")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if replayed, _ := newRegistry(t, s).Get("xa"); replayed.DisplayName != "UBND xã Tịnh Khê" {
		t.Errorf("replayed display name %q", replayed.DisplayName)
	}
	for _, bad := range []string{" padded", "tab\there", strings.Repeat("x", users.MaxDisplayName+1), "\xff"} {
		if err := r.SetDisplayName(ctx, "xa", bad); err == nil {
			t.Errorf("SetDisplayName(%q) accepted", bad)
		}
	}
	if err := r.SetDisplayName(ctx, "nobody", "X"); !errors.Is(err, users.ErrNotFound) {
		t.Errorf("SetDisplayName of an unknown user: %v", err)
	}
	if err := r.SetDisplayName(ctx, "xa", ""); err != nil {
		t.Fatal(err)
	}
	if u, _ := r.Get("xa"); u.DisplayName != "" {
		t.Errorf("clearing the display name left %q", u.DisplayName)
	}
}

// Stored formats are permanent: the event encodings are golden files.
func TestEventGolden(t *testing.T) {
	created := time.Date(2025, 6, 1, 2, 3, 4, 0, time.UTC)
	set, _ := json.MarshalIndent(users.User{Username: "tinhkhe", PasswordHash: "$2a$10$abcdefghijklmnopqrstuu0123456789012345678901234567890",
		Role: users.RoleCommune, Commune: "21121", DisplayName: "UBND xã Tịnh Khê", Created: created, Updated: created}, "", "  ")
	removed, _ := json.MarshalIndent(map[string]string{"username": "tinhkhe"}, "", "  ")
	renamed, _ := json.MarshalIndent(users.DisplayNameChange{Username: "tinhkhe", DisplayName: "UBND xã Tịnh Khê", Updated: created}, "", "  ")
	for name, got := range map[string][]byte{users.EventUserSet: set, users.EventUserRemoved: removed, users.EventDisplayNameSet: renamed} {
		path := filepath.Join("testdata", name+".json")
		if os.Getenv("UPDATE_GOLDEN") != "" {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(want) != string(got)+"\n" {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, got, want)
		}
		// And the golden data still decodes.
		var u users.User
		if err := json.Unmarshal(want, &u); err != nil || u.Username != "tinhkhe" {
			t.Errorf("%s does not decode: %v", name, err)
		}
	}
}

// A display name stored before display names were checked (a version that
// took any) stays as it is when the password changes, by `users passwd` or
// a new seed password at start: neither may fail on it. A new bad name is
// still refused.
func TestUncheckedDisplayNameKeptOnNewPassword(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	hash, _ := bcrypt.GenerateFromPassword([]byte("old-password-1"), bcrypt.MinCost)
	for _, u := range []users.User{
		{Username: "tinh", Role: users.RoleProvince, DisplayName: " UBND tỉnh ", PasswordHash: string(hash)},
		{Username: "admin", Role: users.RoleProvince, DisplayName: "tab\there", PasswordHash: string(hash)},
	} {
		data, _ := json.Marshal(u)
		if _, err := s.Append(ctx, users.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: users.EventUserSet, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	r := newRegistry(t, s)
	if err := r.SetPassword(ctx, "tinh", "new-password-1"); err != nil {
		t.Fatalf("users passwd of a user with an old display name: %v", err)
	}
	if err := r.Seed(ctx, "admin", "new-password-2", ""); err != nil {
		t.Fatalf("a new seed password for a user with an old display name: %v", err)
	}
	for name, want := range map[string]string{"tinh": " UBND tỉnh ", "admin": "tab\there"} {
		if u, _ := r.Get(name); u.DisplayName != want {
			t.Errorf("%s: display name %q, want it kept as %q", name, u.DisplayName, want)
		}
	}
	if _, err := r.Verify("tinh", "new-password-1"); err != nil {
		t.Error("the new password of tinh does not verify")
	}
	u, _ := r.Get("tinh")
	u.DisplayName = " another "
	if err := r.Set(ctx, u, ""); err == nil {
		t.Error("Set accepted a new display name with surrounding spaces")
	}
}

// An undecodable user event (a set, a removal or a display-name change) is
// skipped, logged at ERROR with the poison-event alert and counted; the
// events around it apply, and the registry appends after it.
func TestUndecodableEventsAreSkipped(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	w := newRegistry(t, s)
	if err := w.Set(ctx, users.User{Username: "tinh", Role: users.RoleProvince}, "province-password"); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []struct{ typ, data string }{{users.EventUserSet, `{"username":`}, {users.EventUserRemoved, `["tinh"]`}, {users.EventDisplayNameSet, `"tinh"`}} {
		if _, err := s.Append(ctx, users.Stream, eventstore.Any, eventstore.EventData{ID: uuid.New(), Type: ev.typ, Data: []byte(ev.data)}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	r := users.NewRegistry(s, slog.New(slog.NewJSONHandler(&buf, nil)))
	r.SetCost(bcrypt.MinCost)
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Verify("tinh", "province-password"); err != nil {
		t.Fatalf("the user before the bad events: %v", err)
	}
	if r.Skipped() != 3 {
		t.Errorf("Skipped = %d, want 3", r.Skipped())
	}
	var types []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["level"] != "ERROR" || m["alert"] != eventstore.AlertRegistryPoisonEvent || m["stream"] != users.Stream {
			t.Errorf("log line %v", m)
		}
		types = append(types, fmt.Sprint(m["event_type"]))
	}
	if want := []string{users.EventUserSet, users.EventUserRemoved, users.EventDisplayNameSet}; !slices.Equal(types, want) {
		t.Errorf("logged event types %v, want %v", types, want)
	}
	if err := r.Remove(ctx, "tinh"); err != nil {
		t.Fatalf("append after skipped events: %v", err)
	}
	if _, ok := r.Get("tinh"); ok {
		t.Error("the removal read back was not applied")
	}
}
