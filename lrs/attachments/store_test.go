package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/lrs/attachments"
)

func openStore(t testing.TB) (*attachments.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "attachments")
	s, err := attachments.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func readBlob(t testing.TB, s *attachments.Store, sha2 string) []byte {
	t.Helper()
	rc, size, err := s.Open(sha2)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size {
		t.Fatalf("Open reported size %d for %d bytes", size, len(b))
	}
	return b
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, dir := openStore(t)
	sum := sha512.Sum512([]byte("sha-512 data"))
	tests := []struct {
		name string
		data []byte
		sha2 string
	}{
		{"text", []byte("here is a simple attachment"), sha256Hex([]byte("here is a simple attachment"))},
		{"empty", nil, sha256Hex(nil)},
		{"binary, 1 MiB", bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18), sha256Hex(bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18))},
		{"upper-case SHA-512", []byte("sha-512 data"), strings.ToUpper(hex.EncodeToString(sum[:]))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if s.Has(tt.sha2) {
				t.Fatal("Has before Put")
			}
			if err := s.Put(ctx, tt.sha2, bytes.NewReader(tt.data)); err != nil {
				t.Fatal(err)
			}
			if !s.Has(tt.sha2) || !s.Has(strings.ToLower(tt.sha2)) {
				t.Fatal("Has after Put is false")
			}
			if got := readBlob(t, s, tt.sha2); !bytes.Equal(got, tt.data) {
				t.Fatal("data differs")
			}
			key := strings.ToLower(tt.sha2)
			if _, err := os.Stat(filepath.Join(dir, key[:2], key[2:])); err != nil {
				t.Fatalf("not at dir/ab/cdef…: %v", err)
			}
		})
	}
	if n := dirEntries(t, filepath.Join(dir, "tmp")); n != 0 {
		t.Fatalf("%d files left in tmp", n)
	}

	// A reopened store has the data.
	s2, err := attachments.OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, s2, tests[0].sha2); !bytes.Equal(got, tests[0].data) {
		t.Fatal("data differs after reopening")
	}
}

// failReader fails the test if Put reads it.
type failReader struct{ t testing.TB }

func (r failReader) Read([]byte) (int, error) {
	r.t.Error("Put read the data of a blob it already holds")
	return 0, io.EOF
}

func TestStorePutIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	data := []byte("once")
	for range 3 {
		if err := s.Put(ctx, sha256Hex(data), bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(ctx, strings.ToUpper(sha256Hex(data)), failReader{t}); err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, s, sha256Hex(data)); !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
}

// errReader returns some data, then an error.
type errReader struct{ n int }

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func TestStorePutFailuresLeaveNothing(t *testing.T) {
	data := []byte("the real data")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		sha2 string
		r    io.Reader
		kind attachments.Kind
	}{
		{"hash mismatch", context.Background(), sha256Hex(data), strings.NewReader("other data"), attachments.KindInvalid},
		{"truncated data", context.Background(), sha256Hex(data), bytes.NewReader(data[:5]), attachments.KindInvalid},
		{"reader error", context.Background(), sha256Hex(data), &errReader{n: 5}, 0},
		{"cancelled", cancelled, sha256Hex(data), bytes.NewReader(data), 0},
		{"not a hash", context.Background(), "../../etc/passwd", bytes.NewReader(data), attachments.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := openStore(t)
			err := s.Put(tt.ctx, tt.sha2, tt.r)
			if err == nil {
				t.Fatal("Put succeeded")
			}
			if got := attachments.KindOf(err); got != tt.kind {
				t.Fatalf("error %q has kind %v, want %v", err, got, tt.kind)
			}
			if s.Has(tt.sha2) {
				t.Fatal("Has after a failed Put")
			}
			if n := dirEntries(t, filepath.Join(dir, "tmp")); n != 0 {
				t.Fatalf("%d files left in tmp", n)
			}
			if n := blobCount(t, dir); n != 0 {
				t.Fatalf("%d blobs after a failed Put", n)
			}
		})
	}
}

func TestStoreOpenMissing(t *testing.T) {
	s, _ := openStore(t)
	for _, sha2 := range []string{sha256Hex([]byte("absent")), "zz", "../../../etc/passwd", ""} {
		if s.Has(sha2) {
			t.Fatalf("Has(%q)", sha2)
		}
		if _, _, err := s.Open(sha2); !errors.Is(err, attachments.ErrNotFound) {
			t.Fatalf("Open(%q) = %v, want ErrNotFound", sha2, err)
		}
	}
}

func TestStoreConcurrentPutsOfOneBlob(t *testing.T) {
	ctx := context.Background()
	s, dir := openStore(t)
	data := bytes.Repeat([]byte("concurrent "), 50000)
	sha2 := sha256Hex(data)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.Put(ctx, sha2, bytes.NewReader(data))
		}()
	}
	// Readers during the Puts see either nothing or the whole blob.
	for range 50 {
		if rc, _, err := s.Open(sha2); err == nil {
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(b, data) {
				t.Fatal("a reader saw a partial blob")
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := readBlob(t, s, sha2); !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
	if n := dirEntries(t, filepath.Join(dir, "tmp")); n != 0 {
		t.Fatalf("%d files left in tmp", n)
	}
	if n := blobCount(t, dir); n != 1 {
		t.Fatalf("%d blobs, want 1", n)
	}
}

func TestOpenStoreClearsLeftovers(t *testing.T) {
	_, dir := openStore(t)
	leftover := filepath.Join(dir, "tmp", "interrupted-put")
	if err := os.WriteFile(leftover, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := attachments.OpenStore(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("leftover still there: %v", err)
	}
}

// blobCount counts the files under the fan-out directories of a store.
func blobCount(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	fans, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fans {
		if f.Name() == "tmp" || !f.IsDir() {
			continue
		}
		n += dirEntries(t, filepath.Join(dir, f.Name()))
	}
	return n
}
