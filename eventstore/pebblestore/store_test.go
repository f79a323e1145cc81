package pebblestore_test

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/eventstoretest"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// harness gives each test its own directory; Reopen opens the same one.
func harness() eventstoretest.Harness {
	var mu sync.Mutex
	dirs := map[eventstore.Store]string{}
	openAt := func(t testing.TB, dir string) eventstore.Store {
		s, err := pebblestore.Open(dir, pebblestore.Options{})
		if err != nil {
			t.Fatalf("open %s: %v", dir, err)
		}
		mu.Lock()
		dirs[s] = dir
		mu.Unlock()
		return s
	}
	return eventstoretest.Harness{
		New: func(t testing.TB) eventstore.Store { return openAt(t, t.TempDir()) },
		Reopen: func(t testing.TB, s eventstore.Store) eventstore.Store {
			mu.Lock()
			dir := dirs[s]
			mu.Unlock()
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			return openAt(t, dir)
		},
		Large: true,
	}
}

func TestContract(t *testing.T) {
	eventstoretest.Run(t, harness())
}

// TestLockedDirectory opens a directory that a child process holds.
func TestLockedDirectory(t *testing.T) {
	if os.Getenv("HOCVU_TEST_HOLD_DIR") != "" {
		holdDirectory(os.Getenv("HOCVU_TEST_HOLD_DIR"))
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockedDirectory$")
	cmd.Env = append(os.Environ(), "HOCVU_TEST_HOLD_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = cmd.Wait() }()
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready" {
		t.Fatalf("child did not open the store: %q %v", buf, err)
	}
	_, err = pebblestore.Open(dir, pebblestore.Options{})
	if !errors.Is(err, pebblestore.ErrLocked) {
		t.Fatalf("open of a held directory: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), dir) {
		t.Errorf("error does not say what is wrong: %v", err)
	}
	// Once the other process is gone the directory opens.
	_ = stdin.Close()
	_ = cmd.Wait()
	s, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatalf("open after the holder exited: %v", err)
	}
	_ = s.Close()
}

func holdDirectory(dir string) {
	s, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		os.Stdout.WriteString("fail: " + err.Error())
		os.Exit(1)
	}
	os.Stdout.WriteString("ready")
	buf := make([]byte, 1)
	_, _ = os.Stdin.Read(buf) // until the parent closes stdin
	_ = s.Close()
	os.Exit(0)
}

func tempDir() (string, error) { return os.MkdirTemp("", "hocvu-bench-*") }

func TestMain(m *testing.M) {
	code := m.Run()
	if s, err := readStore(); err == nil && s != nil {
		dir := s.(*pebblestore.Store).Dir()
		_ = s.Close()
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}
