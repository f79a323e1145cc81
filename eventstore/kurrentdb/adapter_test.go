package kurrentdb_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/kurrentdb"
	"github.com/hocvu/hocvu/eventstore/kurrentdb/kurrenttest"
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newEvent(typ string) eventstore.EventData {
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: []byte(`{}`)}
}

// TestWrongExpectedRevisionMapping checks every field of the typed error
// for the ways an expected revision can fail.
func TestWrongExpectedRevisionMapping(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx := testCtx(t)
	existing := "wer-" + uuid.NewString()
	if _, err := st.Append(ctx, existing, eventstore.NoStream, newEvent("t"), newEvent("t"), newEvent("t")); err != nil {
		t.Fatal(err)
	}
	missing := "wer-missing-" + uuid.NewString()
	cases := []struct {
		name         string
		stream       string
		expected     eventstore.ExpectedRevision
		actual       uint64
		actualExists bool
	}{
		{"no-stream on existing", existing, eventstore.NoStream, 2, true},
		{"exact behind", existing, eventstore.Exact(0), 2, true},
		{"exact ahead", existing, eventstore.Exact(7), 2, true},
		{"exact on missing", missing, eventstore.Exact(0), 0, false},
		{"stream-exists on missing", missing, eventstore.StreamExists, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := st.Append(ctx, c.stream, c.expected, newEvent("t"))
			if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
				t.Fatalf("err = %v, want ErrWrongExpectedRevision", err)
			}
			var wer *eventstore.WrongExpectedRevisionError
			if !errors.As(err, &wer) {
				t.Fatalf("err = %T, want *WrongExpectedRevisionError", err)
			}
			if wer.Stream != c.stream || wer.Expected != c.expected || wer.Actual != c.actual || wer.ActualExists != c.actualExists {
				t.Fatalf("error = %+v, want stream %s expected %s actual %d exists %v", *wer, c.stream, c.expected, c.actual, c.actualExists)
			}
		})
	}
}

// TestSystemEventsSkipped stores events with a "$" type (standing for
// KurrentDB's own events) and checks that reads, Head and subscriptions
// leave them out.
func TestSystemEventsSkipped(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx := testCtx(t)
	backing := srv.Store()
	stream := "sys-" + uuid.NewString()
	user1, user2 := newEvent("test.user"), newEvent("test.user")
	for _, e := range []eventstore.EventData{user1, newEvent("$statsCollected"), user2} {
		if _, err := backing.Append(ctx, stream, eventstore.Any, e); err != nil {
			t.Fatal(err)
		}
	}
	// Several system events last: Head must look past them.
	for range 70 {
		if _, err := backing.Append(ctx, stream, eventstore.Any, newEvent("$statsCollected")); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.ReadAll(ctx, eventstore.ReadAllOptions{Max: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != user1.ID || all[1].ID != user2.ID {
		t.Fatalf("ReadAll returned %d events %v, want the 2 user events", len(all), all)
	}
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head != all[1].Position {
		t.Fatalf("Head = %s, want %s (the last user event)", head, all[1].Position)
	}
	sub, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	var got []uuid.UUID
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Event != nil {
			got = append(got, m.Event.ID)
		}
		if m.CaughtUp {
			break
		}
	}
	if len(got) != 2 || got[0] != user1.ID || got[1] != user2.ID {
		t.Fatalf("subscription delivered %v, want the 2 user events", got)
	}
}

// TestIdleCheckpoint checks that a caught-up subscription whose filter
// matches nothing reports a checkpoint at the head once things are quiet,
// even though the server's checkpoint interval was not reached.
func TestIdleCheckpoint(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	opts := testOptions()
	opts.IdleCheckpoint = 20 * time.Millisecond
	st := openStore(t, srv.URL(), opts)
	defer st.Close()
	ctx := testCtx(t)
	sub, err := st.SubscribeAll(ctx, eventstore.SubscribeOptions{Filter: eventstore.Filter{StreamPrefixes: []string{"nothing-" + uuid.NewString()}}})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	res, err := st.Append(ctx, "other-"+uuid.NewString(), eventstore.Any, newEvent("t"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Event != nil {
			t.Fatalf("filter let through %s", m.Event.Stream)
		}
		if m.Checkpoint != nil && m.Checkpoint.Compare(res.Position) >= 0 {
			return
		}
	}
}

// TestTLSAndCredentials connects with tls=true, a CA file and credentials
// taken from a kurrentdb:// connection string, and checks that wrong or
// missing credentials are refused.
func TestTLSAndCredentials(t *testing.T) {
	caFile, serverCert := testCertificates(t)
	srv := kurrenttest.New(t, kurrenttest.Options{
		TLS:   &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12},
		Users: map[string]string{"admin": "changeit"},
	})
	base := "kurrentdb://%s127.0.0.1:" + portOf(t, srv.Addr()) + "?tls=true&tlsCAFile=" + caFile + "&maxDiscoverAttempts=1"
	ctx := testCtx(t)

	st := openStore(t, strings.Replace(base, "%s", "admin:changeit@", 1), testOptions())
	defer st.Close()
	stream := "tls-" + uuid.NewString()
	ev := newEvent("test.tls")
	if _, err := st.Append(ctx, stream, eventstore.NoStream, ev); err != nil {
		t.Fatal(err)
	}
	got, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil || len(got) != 1 || got[0].ID != ev.ID {
		t.Fatalf("read back over TLS: %v %v", got, err)
	}

	for _, userinfo := range []string{"admin:wrong@", ""} {
		_, err := kurrentdb.Open(ctx, strings.Replace(base, "%s", userinfo, 1), testOptions())
		if err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
			t.Fatalf("open with credentials %q: err = %v, want it refused", userinfo, err)
		}
		if strings.Contains(err.Error(), "wrong") {
			t.Fatalf("error shows the password: %v", err)
		}
	}
	// Without the CA the server's certificate is not trusted.
	noCA := "kurrentdb://admin:changeit@127.0.0.1:" + portOf(t, srv.Addr()) + "?tls=true&maxDiscoverAttempts=1"
	if _, err := kurrentdb.Open(ctx, noCA, testOptions()); err == nil {
		t.Fatal("open without the CA succeeded")
	}
}

// TestAccessDeniedOnAll: a user who may not read $all (KurrentDB allows it
// only to $admins by default) is refused at Open with a message that names
// the missing permission and how to grant it; no retry would help.
func TestAccessDeniedOnAll(t *testing.T) {
	caFile, serverCert := testCertificates(t)
	srv := kurrenttest.New(t, kurrenttest.Options{
		TLS:        &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12},
		Users:      map[string]string{"admin": "changeit", "hocvu": "s3cret"},
		AllReaders: map[string]bool{"admin": true},
	})
	url := "kurrentdb://%s@127.0.0.1:" + portOf(t, srv.Addr()) + "?tls=true&tlsCAFile=" + caFile + "&maxDiscoverAttempts=1"
	ctx := testCtx(t)
	_, err := kurrentdb.Open(ctx, strings.Replace(url, "%s", "hocvu:s3cret", 1), testOptions())
	for _, want := range []string{`user "hocvu" may not read $all`, "$admins", `the stream $$$all`, `{"$acl":{"$r":["hocvu"]}}`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("open as a user who may not read $all: %v\nwant it to say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error shows the password: %v", err)
	}
	if kurrentdb.Unreachable(err) {
		t.Fatalf("Unreachable(%v) = true: retrying cannot fix a permission", err)
	}
	st := openStore(t, strings.Replace(url, "%s", "admin:changeit", 1), testOptions())
	_ = st.Close()
}

// TestUnreachable classifies Open's errors for start-up retries.
func TestUnreachable(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	url := srv.URL() + "&maxDiscoverAttempts=1"
	srv.Stop()
	ctx := testCtx(t)
	_, err := kurrentdb.Open(ctx, url, testOptions())
	if !kurrentdb.Unreachable(err) {
		t.Errorf("no server: Unreachable(%v) = false", err)
	}
	_, err = kurrentdb.Open(ctx, "kurrentdb://127.0.0.1:2113?tsl=false", testOptions())
	if err == nil || kurrentdb.Unreachable(err) {
		t.Errorf("bad connection string: Unreachable(%v) = true", err)
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, url, testOptions())
	_ = st.Close()
}

func portOf(t testing.TB, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// testCertificates makes a CA and a server certificate for 127.0.0.1, and
// writes the CA to a file for tlsCAFile.
func testCertificates(t testing.TB) (caFile string, server tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hocvu test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestEmptyMetadataRoundTrip checks that data and metadata come back
// byte for byte, and that no metadata stays no metadata.
func TestEmptyMetadataRoundTrip(t *testing.T) {
	srv := kurrenttest.New(t, kurrenttest.Options{})
	st := openStore(t, srv.URL(), testOptions())
	defer st.Close()
	ctx := testCtx(t)
	stream := "meta-" + uuid.NewString()
	in := []eventstore.EventData{
		{ID: uuid.New(), Type: "t", Data: []byte(`{"a":"đã hoàn thành"}`), Metadata: []byte(`{"m":1}`)},
		{ID: uuid.New(), Type: "t", Data: []byte(`{}`)},
	}
	if _, err := st.Append(ctx, stream, eventstore.NoStream, in...); err != nil {
		t.Fatal(err)
	}
	got, err := st.ReadStream(ctx, stream, eventstore.ReadStreamOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got[0].Data, in[0].Data) || !bytes.Equal(got[0].Metadata, in[0].Metadata) || got[1].Metadata != nil {
		t.Fatalf("round trip: %q %q / %q", got[0].Data, got[0].Metadata, got[1].Metadata)
	}
}
