package kurrentdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

func TestParseConnectionString(t *testing.T) {
	cases := []struct {
		in          string
		address     string
		disableTLS  bool
		discover    bool
		user, pass  string
		skipVerify  bool
		maxAttempts int
	}{
		{in: "kurrentdb://127.0.0.1:2113?tls=false", address: "127.0.0.1:2113", disableTLS: true, maxAttempts: 10},
		{in: "KurrentDB://db.example?tls=false", address: "db.example:2113", disableTLS: true, maxAttempts: 10},
		{in: "esdb://db.example:1234", address: "db.example:1234", maxAttempts: 10},
		{in: "kurrentdb+discover://cluster.example:2113", address: "cluster.example:2113", discover: true, maxAttempts: 10},
		{in: "esdb+discover://cluster.example:2113?maxDiscoverAttempts=3", address: "cluster.example:2113", discover: true, maxAttempts: 3},
		{
			in:      "kurrentdb://admin:changeit@db.example:2113?tls=true&tlsVerifyCert=false",
			address: "db.example:2113", user: "admin", pass: "changeit", skipVerify: true, maxAttempts: 10,
		},
		{
			in:      "esdb://ops:s%40cret@db.example:2113?TLS=true&keepAliveInterval=20000",
			address: "db.example:2113", user: "ops", pass: "s@cret", maxAttempts: 10,
		},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			cfg, err := parseConfig(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Address != c.address || cfg.DisableTLS != c.disableTLS || cfg.DnsDiscover != c.discover ||
				cfg.Username != c.user || cfg.Password != c.pass || cfg.SkipCertificateVerification != c.skipVerify ||
				cfg.MaxDiscoverAttempts != c.maxAttempts {
				t.Fatalf("config = address %q tls-off %v discover %v user %q pass %q skip-verify %v attempts %d",
					cfg.Address, cfg.DisableTLS, cfg.DnsDiscover, cfg.Username, cfg.Password, cfg.SkipCertificateVerification, cfg.MaxDiscoverAttempts)
			}
		})
	}
}

func TestParseConnectionStringErrors(t *testing.T) {
	cases := []struct {
		in   string
		want string // in the message
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"127.0.0.1:2113", "no scheme"},
		{"http://127.0.0.1:2113", `unsupported scheme "http"`},
		{"kurrent://127.0.0.1:2113", `unsupported scheme "kurrent"`},
		{"kurrentdb://", "host"},
		{"kurrentdb://127.0.0.1:2113?tls=maybe", "tls"},
		{"kurrentdb://127.0.0.1:2113?tsl=false", `unknown setting "tsl"`},
		{"kurrentdb://127.0.0.1:port", "port"},
		{"kurrentdb://:secret@127.0.0.1:2113", "empty username"},
		{"kurrentdb://127.0.0.1:2113/path", "path"},
		{"kurrentdb://admin:hunter2@127.0.0.1:2113?tls=maybe", "tls"},
		{"kurrentdb://127.0.0.1:2113?tlsCAFile=/does/not/exist.pem", "exist.pem"},
		{"kurrentdb://127.0.0.1:2113?nodePreference=nearest", "NodePreference"},
		// Client v4.2.0 parses these and then never connects (discovery
		// dials an empty address): refused, naming the form that works.
		{"esdb+discover://node1:2113,node2:2113,node3:2113", "for a list of nodes use esdb://node1:2113,node2:2113,node3:2113"},
		{"kurrentdb+discover://admin:hunter2@node1:2113,node2:2113?tls=true", "for a list of nodes use kurrentdb://admin:xxxxx@node1:2113,node2:2113?tls=true"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			_, err := parseConfig(c.in)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadConnectionString) {
				t.Errorf("error does not wrap ErrBadConnectionString: %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "secret") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
}

// TestParseClusterConnectionString: a list of hosts without +discover is
// a list of gossip seeds, which is how client v4.2.0 connects to a
// cluster by its nodes' names.
func TestParseClusterConnectionString(t *testing.T) {
	for _, in := range []string{
		"kurrentdb://admin:s%40cret@node1:2113,node2:2113,node3:2114?tls=true&tlsVerifyCert=false",
		"esdb://admin:s%40cret@node1:2113,node2:2113,node3:2114?tls=true&tlsVerifyCert=false",
	} {
		cfg, err := parseConfig(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		var seeds []string
		for _, s := range cfg.GossipSeeds {
			seeds = append(seeds, s.String())
		}
		if got := strings.Join(seeds, ","); got != "node1:2113,node2:2113,node3:2114" || cfg.DnsDiscover || cfg.Address != "" ||
			cfg.Username != "admin" || cfg.Password != "s@cret" || cfg.DisableTLS {
			t.Fatalf("%s: seeds %s, discover %v, address %q, user %q, tls off %v", in, got, cfg.DnsDiscover, cfg.Address, cfg.Username, cfg.DisableTLS)
		}
	}
}

func TestParseCurrent(t *testing.T) {
	cases := []struct {
		msg    string
		rev    uint64
		exists bool
		ok     bool
	}{
		{"wrong expected version: expecting 'no_stream' but got '0'", 0, true, true},
		{"wrong expected version: expecting '1' but got '4'", 4, true, true},
		{"wrong expected version: expecting 'stream_exists' but got 'no_stream'", 0, false, true},
		{"wrong expected version: expecting '3' but got '-1'", 0, false, false},
		{"something else entirely", 0, false, false},
	}
	for _, c := range cases {
		rev, exists, ok := parseCurrent(c.msg)
		if rev != c.rev || exists != c.exists || ok != c.ok {
			t.Errorf("parseCurrent(%q) = %d %v %v, want %d %v %v", c.msg, rev, exists, ok, c.rev, c.exists, c.ok)
		}
	}
}

// TestWrongExpectedFallback checks that when the conflict message cannot be
// parsed, the actual revision is read from the stream.
func TestWrongExpectedFallback(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, srv.URL(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stream := "fallback-" + uuid.NewString()
	evs := []eventstore.EventData{
		{ID: uuid.New(), Type: "t", Data: []byte(`{}`)},
		{ID: uuid.New(), Type: "t", Data: []byte(`{}`)},
	}
	if _, err := s.Append(ctx, stream, eventstore.NoStream, evs...); err != nil {
		t.Fatal(err)
	}
	err = s.wrongExpected(ctx, stream, eventstore.Exact(5), "an unexpected format")
	var wer *eventstore.WrongExpectedRevisionError
	if !errors.As(err, &wer) || !wer.ActualExists || wer.Actual != 1 || wer.Stream != stream {
		t.Fatalf("fallback on an existing stream: %v (%+v)", err, wer)
	}
	err = s.wrongExpected(ctx, "missing-"+uuid.NewString(), eventstore.StreamExists, "")
	if !errors.As(err, &wer) || wer.ActualExists {
		t.Fatalf("fallback on a missing stream: %v (%+v)", err, wer)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"kurrentdb://admin:changeit@h:2113?tls=true": "kurrentdb://admin:xxxxx@h:2113?tls=true",
		"esdb://h:2113":           "esdb://h:2113",
		"esdb://user@h:2113":      "esdb://user@h:2113",
		"esdb://:p@h":             "esdb://:xxxxx@h",
		"no scheme admin:pw@host": "no scheme admin:pw@host",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
