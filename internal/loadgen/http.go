package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
)

// waitCaughtUp polls /api/projections until every projection is at the
// head, and returns how long each took from the call.
func waitCaughtUp(ctx context.Context, base string, timeout time.Duration) (map[string]time.Duration, error) {
	start := time.Now()
	done := map[string]time.Duration{}
	for {
		var st struct {
			Projections []struct {
				Name   string `json:"name"`
				Behind uint64 `json:"behind"`
			} `json:"projections"`
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/projections", nil)
		if err != nil {
			return nil, err
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			err = json.NewDecoder(res.Body).Decode(&st)
			res.Body.Close()
		}
		if err != nil {
			return nil, err
		}
		all := true
		for _, p := range st.Projections {
			if p.Behind == 0 {
				if _, ok := done[p.Name]; !ok {
					done[p.Name] = time.Since(start)
				}
			} else {
				all = false
			}
		}
		if all && len(st.Projections) > 0 {
			return done, nil
		}
		if time.Since(start) > timeout {
			return nil, fmt.Errorf("projections not caught up after %s: %+v", timeout, st.Projections)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// postSome posts the first n statements of camp, in batches of batch
// statements by clients concurrent clients, and times it.
func postSome(ctx context.Context, camp *simulate.Campaign, base string, n, clients, batch int) (int, time.Duration, error) {
	n = min(n, camp.Len())
	bodies := make([][]byte, 0, n/batch+1)
	for i := 0; i < n; i += batch {
		b := []byte{'['}
		for j := i; j < min(i+batch, n); j++ {
			if j > i {
				b = append(b, ',')
			}
			b = camp.Append(b, j, simulate.FormSend)
		}
		bodies = append(bodies, append(b, ']'))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}}
	work := make(chan []byte)
	errc := make(chan error, clients)
	start := time.Now()
	for w := 0; w < clients; w++ {
		go func() {
			for body := range work {
				if err := post(ctx, client, base, body); err != nil {
					errc <- err
					for range work {
					}
					return
				}
			}
			errc <- nil
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	for w := 0; w < clients; w++ {
		if err := <-errc; err != nil {
			return 0, 0, err
		}
	}
	return n, time.Since(start), nil
}

// post POSTs one batch of statements.
func post(ctx context.Context, client *http.Client, base string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/xapi/statements", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth(benchKey, benchSecret)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("POST answered %d", res.StatusCode)
	}
	return nil
}

// latency GETs u runs times (after one warm-up) and returns p50, p95,
// p99.
func latency(ctx context.Context, u string, runs int) (time.Duration, time.Duration, time.Duration, error) {
	get := func() (time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("X-Experience-API-Version", "2.0.0")
		req.SetBasicAuth(benchKey, benchSecret)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %d", u, res.StatusCode)
		}
		return time.Since(start), nil
	}
	if _, err := get(); err != nil {
		return 0, 0, 0, err
	}
	ds := make([]time.Duration, runs)
	for i := range ds {
		d, err := get()
		if err != nil {
			return 0, 0, 0, err
		}
		ds[i] = d
	}
	p50, p95, p99 := Percentiles(ds)
	return p50, p95, p99, nil
}

// Percentiles returns the p50, p95 and p99 of ds (sorted in place, not
// empty), rounded to 0.1 ms: the element at p·len(ds), the last for a
// p that falls past it.
func Percentiles(ds []time.Duration) (p50, p95, p99 time.Duration) {
	slices.Sort(ds)
	pct := func(p float64) time.Duration {
		return ds[min(len(ds)-1, int(p*float64(len(ds))))].Round(100 * time.Microsecond)
	}
	return pct(0.50), pct(0.95), pct(0.99)
}

type sampled struct {
	id, agent, activity string
	stored              time.Time
}

// sampleStatement picks a stored lesson completion to query by.
func sampleStatement(ctx context.Context, base string) (sampled, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/xapi/statements?limit=50&verb="+url.QueryEscape(completed), nil)
	if err != nil {
		return sampled{}, err
	}
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	req.SetBasicAuth(benchKey, benchSecret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return sampled{}, err
	}
	defer res.Body.Close()
	var page struct {
		Statements []map[string]any `json:"statements"`
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil || len(page.Statements) == 0 {
		return sampled{}, fmt.Errorf("no statement to sample (%v)", err)
	}
	st := page.Statements[rand.IntN(len(page.Statements))]
	actor, _ := json.Marshal(map[string]any{"account": st["actor"].(map[string]any)["account"]})
	obj, _ := st["object"].(map[string]any)
	stored, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(st["stored"]))
	return sampled{id: st["id"].(string), agent: string(actor), activity: fmt.Sprint(obj["id"]), stored: stored}, nil
}
