package pebblestore_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/eventstore/pebblestore"
)

// TestCrashKeepsAcknowledgedAppends runs a child process that appends
// batches from several goroutines and prints each acknowledged batch, kills
// it with SIGKILL at a random moment, reopens the store and checks that
// every acknowledged batch is there in full and that no batch is torn.
// The same directory is reused across rounds, so recovery runs on top of
// earlier recoveries.
func TestCrashKeepsAcknowledgedAppends(t *testing.T) {
	if dir := os.Getenv("HOCVU_TEST_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	rounds := 8
	if testing.Short() {
		rounds = 3
	}
	dir := t.TempDir()
	acked := map[string]int{} // batch id -> events
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := 0; round < rounds; round++ {
		kill := time.Duration(30+rng.IntN(400)) * time.Millisecond
		n := runAndKill(t, dir, kill, acked)
		t.Logf("round %d: killed after %s, %d batches acknowledged in this round", round, kill, n)
		verifyCrashDir(t, dir, acked)
	}
}

func runAndKill(t *testing.T, dir string, after time.Duration, acked map[string]int) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedAppends$")
	cmd.Env = append(os.Environ(), "HOCVU_TEST_CRASH_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// Wait until the child is appending, then kill it after a random delay.
	first, ok := <-lines
	if !ok || first != "open" {
		t.Fatalf("child did not start: %q", first)
	}
	timer := time.AfterFunc(after, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
	defer timer.Stop()
	n := 0
	for line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "ack" {
			continue // a line cut by the kill was never acknowledged
		}
		k, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		acked[f[1]] = k
		n++
	}
	_ = cmd.Wait()
	return n
}

type crashPayload struct {
	Batch string `json:"batch"`
	I     int    `json:"i"`
	N     int    `json:"n"`
}

func verifyCrashDir(t *testing.T, dir string, acked map[string]int) {
	t.Helper()
	s, err := pebblestore.Open(dir, pebblestore.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	found := map[string][]int{}
	sizes := map[string]int{}
	next := map[string]uint64{}
	var last eventstore.Position
	from := eventstore.Start
	for {
		page, err := s.ReadAll(ctx, eventstore.ReadAllOptions{From: from, Max: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if !from.IsStart() && e.Position.Compare(from) <= 0 {
				continue
			}
			if e.Position.Compare(last) <= 0 {
				t.Fatalf("position %s not after %s", e.Position, last)
			}
			last = e.Position
			if e.Revision != next[e.Stream] {
				t.Fatalf("stream %s: revision %d, want %d (gap or duplicate)", e.Stream, e.Revision, next[e.Stream])
			}
			next[e.Stream]++
			var p crashPayload
			if err := json.Unmarshal(e.Data, &p); err != nil {
				t.Fatalf("event %s: corrupt payload %q: %v", e.ID, e.Data, err)
			}
			found[p.Batch] = append(found[p.Batch], p.I)
			sizes[p.Batch] = p.N
			if len(found[p.Batch]) > p.N {
				t.Fatalf("batch %s has more than %d events", p.Batch, p.N)
			}
		}
		if len(page) < 1000 {
			break
		}
		from = page[len(page)-1].Position
	}
	for id, n := range acked {
		if len(found[id]) != n {
			t.Fatalf("acknowledged batch %s: %d of %d events after the crash", id, len(found[id]), n)
		}
	}
	// No torn batch: every batch present is complete and in order.
	for id, is := range found {
		if len(is) != sizes[id] {
			t.Fatalf("batch %s is torn: %d of %d events visible", id, len(is), sizes[id])
		}
		for j, i := range is {
			if i != j {
				t.Fatalf("batch %s: events out of order: %v", id, is)
			}
		}
	}
}

// crashChild appends until killed, printing "ack <batch> <n>" after each
// acknowledged append.
func crashChild(dir string) {
	s, err := pebblestore.Open(dir, pebblestore.Options{})
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
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), uint64(time.Now().UnixNano())))
			for {
				batch := uuid.NewString()
				n := 1 + rng.IntN(8)
				events := make([]eventstore.EventData, n)
				pad := strings.Repeat("x", rng.IntN(4096))
				for i := range events {
					data, _ := json.Marshal(map[string]any{"batch": batch, "i": i, "n": n, "pad": pad})
					events[i] = eventstore.EventData{ID: uuid.New(), Type: "test.crash", Data: data}
				}
				stream := "crash-" + strconv.Itoa(rng.IntN(20))
				if _, err := s.Append(context.Background(), stream, eventstore.Any, events...); err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(3)
				}
				say("ack " + batch + " " + strconv.Itoa(n))
			}
		}(g)
	}
	wg.Wait()
}
