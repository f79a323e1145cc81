package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// storeState is what the server's /metrics says of one storage engine
// (internal/storagestats).
type storeState struct {
	debt, compacting, flushing float64
	compactions, flushes       float64 // done since the store opened
	readAmp                    float64
}

// idle reports whether the store runs no compaction or flush now.
func (s storeState) idle() bool { return s.compacting == 0 && s.flushing == 0 }

// storageStates reads the hocvu_storage_* series of the server's /metrics,
// by store.
func storageStates(ctx context.Context, base string) (map[string]storeState, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	return parseStorageStates(res.Body)
}

// parseStorageStates reads the series `hocvu_storage_<name>{store="<s>"} <v>`
// of a Prometheus text exposition.
func parseStorageStates(r io.Reader) (map[string]storeState, error) {
	out := map[string]storeState{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), `{store="`)
		if !ok || !strings.HasPrefix(name, "hocvu_storage_") {
			continue
		}
		store, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", sc.Text(), err)
		}
		s := out[store]
		switch strings.TrimPrefix(name, "hocvu_storage_") {
		case "compaction_debt_bytes":
			s.debt = v
		case "compactions_in_progress":
			s.compacting = v
		case "flushes_in_progress":
			s.flushing = v
		case "compactions_total":
			s.compactions = v
		case "flushes_total":
			s.flushes = v
		case "read_amplification":
			s.readAmp = v
		}
		out[store] = s
	}
	return out, sc.Err()
}

// calmFor is how long the stores must stay idle, with no compaction or
// flush started, for waitSettled to call them settled; pollEvery is how
// often it looks (variables for the tests).
var calmFor, pollEvery = 10 * time.Second, time.Second

// waitSettled polls the server's storage metrics (every pollEvery) until no
// store has run or started a compaction or flush for calmFor, or until
// timeout. It returns the states last seen and whether they settled.
// The compaction debt is not part of the test: Pebble leaves some on an
// idle store (it compacts a level only once the level is enough over its
// target), so a store whose debt stays put with nothing running is as
// settled as it gets.
func waitSettled(ctx context.Context, base string, timeout time.Duration, progress io.Writer) (map[string]storeState, bool, error) {
	deadline := time.Now().Add(timeout)
	lastLog := time.Now()
	var calmSince time.Time
	var prev map[string]storeState
	for {
		states, err := storageStates(ctx, base)
		if err != nil {
			return nil, false, err
		}
		if len(states) == 0 {
			return nil, false, fmt.Errorf("the server exports no hocvu_storage_* metrics")
		}
		if calm(prev, states) {
			if calmSince.IsZero() {
				calmSince = time.Now()
			}
			if time.Since(calmSince) >= calmFor {
				return states, true, nil
			}
		} else {
			calmSince = time.Time{}
		}
		prev = states
		if time.Now().After(deadline) {
			return states, false, nil
		}
		if time.Since(lastLog) >= 30*time.Second {
			fmt.Fprintf(progress, "  settling: %s\n", describeStates(states))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// calm reports whether every store is idle now and has finished no
// compaction or flush since prev (nil: the first look, never calm).
func calm(prev, now map[string]storeState) bool {
	if prev == nil {
		return false
	}
	for name, s := range now {
		p, ok := prev[name]
		if !ok || !s.idle() || s.compactions != p.compactions || s.flushes != p.flushes {
			return false
		}
	}
	return true
}

// describeStates is a progress line: each store's compaction debt, jobs
// and read amplification.
func describeStates(states map[string]storeState) string {
	var parts []string
	for _, name := range sortedKeys(states) {
		s := states[name]
		parts = append(parts, fmt.Sprintf("%s debt %.0f MB, %g running, read amp %g", name, s.debt/1e6, s.compacting+s.flushing, s.readAmp))
	}
	return strings.Join(parts, "; ")
}
