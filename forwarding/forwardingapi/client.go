package forwardingapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hocvu/hocvu/forwarding"
)

// Client calls the admin API of a running server.
type Client struct {
	base        string
	key, secret string
	http        *http.Client
}

var _ Admin = (*Client)(nil)

// NewClient creates a client of the server at base (e.g.
// http://127.0.0.1:8080) with a credential that has the forwards scope.
func NewClient(base, key, secret string) *Client {
	return &Client{base: strings.TrimSuffix(base, "/") + "/api/forwards", key: key, secret: secret, http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth(c.key, c.secret)
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("forwards API: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("forwards API: %w", err)
	}
	if res.StatusCode >= 300 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		msg := strings.TrimSpace(string(data))
		if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
			msg = e.Error.Message
		}
		switch res.StatusCode {
		case http.StatusBadRequest:
			return fmt.Errorf("%w: %s", forwarding.ErrInvalid, strings.TrimPrefix(msg, "forwarding: invalid forward: "))
		case http.StatusNotFound:
			return fmt.Errorf("%w (%s)", forwarding.ErrNotFound, msg)
		case http.StatusConflict:
			return fmt.Errorf("%w (%s)", forwarding.ErrExists, msg)
		}
		return fmt.Errorf("forwards API: HTTP %d: %s", res.StatusCode, msg)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("forwards API: bad answer: %w", err)
		}
	}
	return nil
}

func esc(name string) string { return "/" + url.PathEscape(name) }

// Create implements Admin.
func (c *Client) Create(ctx context.Context, spec forwarding.Spec) (forwarding.Status, []string, error) {
	var out Changed
	err := c.do(ctx, http.MethodPost, "", spec, &out)
	return out.Forward, out.Warnings, err
}

// Change implements Admin.
func (c *Client) Change(ctx context.Context, name string, spec forwarding.Spec) (forwarding.Status, []string, error) {
	var out Changed
	err := c.do(ctx, http.MethodPut, esc(name), spec, &out)
	return out.Forward, out.Warnings, err
}

// Pause implements Admin.
func (c *Client) Pause(ctx context.Context, name string) (forwarding.Status, error) {
	var out forwarding.Status
	err := c.do(ctx, http.MethodPost, esc(name)+"/pause", nil, &out)
	return out, err
}

// Resume implements Admin.
func (c *Client) Resume(ctx context.Context, name string) (forwarding.Status, error) {
	var out forwarding.Status
	err := c.do(ctx, http.MethodPost, esc(name)+"/resume", nil, &out)
	return out, err
}

// Delete implements Admin.
func (c *Client) Delete(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, esc(name), nil, nil)
}

// List implements Admin.
func (c *Client) List(ctx context.Context) ([]forwarding.Status, error) {
	var out []forwarding.Status
	err := c.do(ctx, http.MethodGet, "", nil, &out)
	return out, err
}

// Show implements Admin.
func (c *Client) Show(ctx context.Context, name string) (forwarding.Status, error) {
	var out forwarding.Status
	err := c.do(ctx, http.MethodGet, esc(name), nil, &out)
	return out, err
}

// DeadLetters implements Admin.
func (c *Client) DeadLetters(ctx context.Context, name string, all bool) ([]forwarding.DeadLetterState, error) {
	var out []forwarding.DeadLetterState
	q := ""
	if all {
		q = "?all=true"
	}
	err := c.do(ctx, http.MethodGet, esc(name)+"/dead-letters"+q, nil, &out)
	return out, err
}

// Retry implements Admin.
func (c *Client) Retry(ctx context.Context, name string, ids []string) (forwarding.RetryRequest, error) {
	var out forwarding.RetryRequest
	err := c.do(ctx, http.MethodPost, esc(name)+"/dead-letters/retry", RetryBody{DeadLetters: ids}, &out)
	return out, err
}
