package simulate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// PostOptions configure Post.
type PostOptions struct {
	// URL is the LRS: its base (http://127.0.0.1:8080), its xAPI root
	// (…/xapi) or the statements resource (…/xapi/statements).
	URL         string
	Key, Secret string // HTTP Basic credentials
	// Batch is the number of statements per POST (default 500).
	Batch int
	// Concurrency is the number of POSTs in flight (default 4).
	Concurrency int
	// MaxAttempts bounds the tries of one batch on 5xx, 429 and
	// connection errors (default 8), with exponential backoff.
	MaxAttempts int
	Client      *http.Client
	Logger      *slog.Logger
	// Progress, when set, is called with the number of statements
	// acknowledged so far (from several goroutines, never concurrently).
	Progress func(done int)
}

// PostResult says what Post did.
type PostResult struct {
	Statements int
	Requests   int // POSTs sent, retries included
	Retries    int
}

// StatementsURL normalises an LRS URL to its statements resource.
func StatementsURL(u string) string {
	u = strings.TrimRight(u, "/")
	switch {
	case strings.HasSuffix(u, "/xapi/statements"):
		return u
	case strings.HasSuffix(u, "/xapi"):
		return u + "/statements"
	}
	return u + "/xapi/statements"
}

// Post sends the campaign's statements, in timestamp order, as batches of
// POST /xapi/statements (xAPI 2.0.0) from Concurrency workers. A batch
// that fails with a 5xx, 429 or a connection error is sent again, with the
// same statement ids, after an exponential backoff (the LRS treats the
// re-sent statements as the same statements: idempotent). Any other
// answer than 200 stops the run with the LRS's message.
func (c *Campaign) Post(ctx context.Context, opts PostOptions) (PostResult, error) {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Concurrency * 2}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	url := StatementsURL(opts.URL)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan int)
	var res PostResult
	var requests, retries, done atomic.Int64
	var progressMu sync.Mutex
	var wg sync.WaitGroup
	for range opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var body []byte
			for lo := range batches {
				hi := min(lo+opts.Batch, len(c.events))
				body = body[:0]
				body = append(body, '[')
				for i := lo; i < hi; i++ {
					if i > lo {
						body = append(body, ',')
					}
					body = c.Append(body, i, FormSend)
				}
				body = append(body, ']')
				if err := c.postBatch(ctx, opts, url, body, lo, &requests, &retries); err != nil {
					cancel(err)
					return
				}
				n := done.Add(int64(hi - lo))
				if opts.Progress != nil {
					progressMu.Lock()
					opts.Progress(int(n))
					progressMu.Unlock()
				}
			}
		}()
	}
feed:
	for lo := 0; lo < len(c.events); lo += opts.Batch {
		select {
		case batches <- lo:
		case <-ctx.Done():
			break feed
		}
	}
	close(batches)
	wg.Wait()
	res.Statements, res.Requests, res.Retries = int(done.Load()), int(requests.Load()), int(retries.Load())
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return res, err
	}
	return res, ctx.Err()
}

// postBatch sends one batch until it is acknowledged or fails for good.
func (c *Campaign) postBatch(ctx context.Context, opts PostOptions, url string, body []byte, first int, requests, retries *atomic.Int64) error {
	backoff := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		requests.Add(1)
		status, msg, retryAfter, err := send(ctx, opts, url, body)
		if err == nil && status == http.StatusOK {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		transient := err != nil || status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
		if !transient {
			return fmt.Errorf("simulate: POST %s (statements %d–): %d %s", url, first, status, msg)
		}
		if attempt >= opts.MaxAttempts {
			if err != nil {
				return fmt.Errorf("simulate: POST %s (statements %d–) failed %d times: %w", url, first, attempt, err)
			}
			return fmt.Errorf("simulate: POST %s (statements %d–) failed %d times, last: %d %s", url, first, attempt, status, msg)
		}
		retries.Add(1)
		wait := backoff + time.Duration(mix64(uint64(first)^uint64(attempt))%uint64(backoff/2+1))
		if retryAfter > wait {
			wait = retryAfter
		}
		opts.Logger.Warn("retrying a batch", "first", first, "attempt", attempt, "status", status, "err", err, "wait", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

func send(ctx context.Context, opts PostOptions, url string, body []byte) (int, string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "2.0.0")
	if opts.Key != "" || opts.Secret != "" {
		req.SetBasicAuth(opts.Key, opts.Secret)
	}
	res, err := opts.Client.Do(req)
	if err != nil {
		return 0, "", 0, err
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
	var retryAfter time.Duration
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	if res.StatusCode == http.StatusOK {
		_, _ = io.Copy(io.Discard, res.Body)
	}
	return res.StatusCode, strings.TrimSpace(string(msg)), retryAfter, nil
}
