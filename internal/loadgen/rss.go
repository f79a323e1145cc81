package loadgen

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatus reads a field in kB of /proc/<pid>/status (VmRSS, VmHWM)
// and returns it in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusField(bufio.NewScanner(f), field)
}

// parseStatusField finds "field:   123 kB" among the lines of sc.
func parseStatusField(sc *bufio.Scanner, field string) (int64, error) {
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s %q: %w", field, rest, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no %s in the process status", field)
}

// rssSampler samples a process's resident set (VmRSS) every interval
// and keeps the peak: the peak over a phase of the process's life, where
// VmHWM gives the peak over all of it.
type rssSampler struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	peak  int64
}

func sampleRSS(pid int, interval time.Duration) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, err := procStatus(pid, "VmRSS"); err == nil {
				s.mu.Lock()
				s.peak = max(s.peak, n)
				s.mu.Unlock()
			}
			select {
			case <-s.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends the sampling (after one last sample) and returns the peak in
// bytes (0 when no sample could be read: not Linux).
func (s *rssSampler) stop() int64 {
	close(s.stopc)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}
