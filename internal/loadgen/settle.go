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
	readAmp                    float64
}

func (s storeState) settled() bool { return s.debt == 0 && s.compacting == 0 && s.flushing == 0 }

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
		case "read_amplification":
			s.readAmp = v
		}
		out[store] = s
	}
	return out, sc.Err()
}

// waitSettled polls the server's storage metrics until no store owes or
// runs a compaction or flush, seen twice a second apart, or until
// timeout. It returns the states last seen and whether they settled.
func waitSettled(ctx context.Context, base string, timeout time.Duration, progress io.Writer) (map[string]storeState, bool, error) {
	deadline := time.Now().Add(timeout)
	lastLog := time.Now()
	calm := 0
	for {
		states, err := storageStates(ctx, base)
		if err != nil {
			return nil, false, err
		}
		if len(states) == 0 {
			return nil, false, fmt.Errorf("the server exports no hocvu_storage_* metrics")
		}
		settled := true
		for _, s := range states {
			settled = settled && s.settled()
		}
		if !settled {
			calm = 0
		} else if calm++; calm >= 2 {
			return states, true, nil
		}
		if time.Now().After(deadline) {
			return states, false, nil
		}
		if time.Since(lastLog) >= 30*time.Second {
			fmt.Fprintf(progress, "  compacting: %s\n", describeStates(states))
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(time.Second):
		}
	}
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
