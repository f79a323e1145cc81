package attachments_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hocvu/hocvu/lrs/attachments"
)

// TestCrashKeepsAcknowledgedPuts runs a child process that Puts blobs from
// several goroutines and prints each acknowledged hash, kills it with
// SIGKILL at a random moment, reopens the store and checks that every
// acknowledged blob is there and that every file under a final name is
// complete (hashes to its name). The directory is reused across rounds.
func TestCrashKeepsAcknowledgedPuts(t *testing.T) {
	if dir := os.Getenv("HOCVU_TEST_ATTACHMENTS_CRASH_DIR"); dir != "" {
		crashPutChild(dir)
		return
	}
	rounds := 5
	if testing.Short() {
		rounds = 2
	}
	dir := t.TempDir()
	acked := map[string]bool{}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	for round := range rounds {
		kill := time.Duration(100+rng.IntN(400)) * time.Millisecond
		n := runPutsAndKill(t, dir, kill, acked)
		t.Logf("round %d: killed after %s, %d puts acknowledged in this round", round, kill, n)
		verifyStoreDir(t, dir, acked)
	}
}

func runPutsAndKill(t *testing.T, dir string, after time.Duration, acked map[string]bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedPuts$")
	cmd.Env = append(os.Environ(), "HOCVU_TEST_ATTACHMENTS_CRASH_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "open" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("child did not start: %q", sc.Text())
	}
	timer := time.AfterFunc(after, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || f[0] != "ack" || len(f[1]) != 64 {
			continue // a line cut by the kill was never acknowledged
		}
		acked[f[1]] = true
		n++
	}
	_ = cmd.Wait()
	return n
}

func verifyStoreDir(t *testing.T, dir string, acked map[string]bool) {
	t.Helper()
	s, err := attachments.OpenStore(dir)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	for sha2 := range acked {
		if !s.Has(sha2) {
			t.Fatalf("acknowledged blob %s is missing after the crash", sha2)
		}
	}
	// Every blob under a final name is complete.
	fans, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, fan := range fans {
		if !fan.IsDir() || fan.Name() == "tmp" {
			continue
		}
		files, err := os.ReadDir(filepath.Join(dir, fan.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := fan.Name() + f.Name()
			fh, err := os.Open(filepath.Join(dir, fan.Name(), f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			_, err = io.Copy(h, fh)
			fh.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != name {
				t.Fatalf("blob %s is torn: its data hashes to %s", name, got)
			}
		}
	}
	if n := dirEntries(t, filepath.Join(dir, "tmp")); n != 0 {
		t.Fatalf("OpenStore left %d files in tmp", n)
	}
}

// crashPutChild Puts random blobs until killed, printing "ack <sha2>"
// after each acknowledged Put.
func crashPutChild(dir string) {
	s, err := attachments.OpenStore(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	w := bufio.NewWriter(os.Stdout)
	say := func(line string) {
		mu.Lock()
		_, _ = w.WriteString(line + "\n")
		_ = w.Flush()
		mu.Unlock()
	}
	say("open")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seed [32]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(time.Now().UnixNano())+uint64(g))
			src := rand.NewChaCha8(seed)
			rng := rand.New(src)
			for {
				data := make([]byte, 1+rng.IntN(256<<10))
				_, _ = src.Read(data)
				sum := sha256.Sum256(data)
				sha2 := hex.EncodeToString(sum[:])
				// Small reads make many small writes, so that a kill often
				// lands in the middle of one blob.
				if err := s.Put(context.Background(), sha2, &chunkReader{data: data}); err != nil {
					fmt.Fprintln(os.Stderr, "child put:", err)
					os.Exit(3)
				}
				say("ack " + sha2)
			}
		}()
	}
	wg.Wait()
}

// chunkReader returns its data at most 512 bytes at a time.
type chunkReader struct{ data []byte }

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 512)], r.data)
	r.data = r.data[n:]
	return n, nil
}
