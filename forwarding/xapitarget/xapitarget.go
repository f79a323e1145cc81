// Package xapitarget delivers forwarded statements to another xAPI LRS:
// a batch is one POST of a JSON array to the target's statements resource,
// with the statements' own ids, so that a re-send is idempotent on a
// conformant LRS. When the target answers 409 Conflict, each statement is
// PUT on its own and a 409 for one of them counts as delivered when the
// statement the target holds under that id is equivalent (xAPI Statement
// Comparison); a different statement is a rejection.
//
// The target authenticates the forwarder with HTTP Basic or an OAuth2
// token from the client-credentials grant (golang.org/x/oauth2), or not at
// all.
package xapitarget

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

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/hocvu/hocvu/forwarding"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// Options tune a target.
type Options struct {
	// Client is the base HTTP client (default: a client with Timeout); it
	// is copied, and never follows redirects.
	Client *http.Client
	// Timeout bounds one request (default 60 s).
	Timeout   time.Duration
	UserAgent string
}

// Target is an xAPI LRS.
type Target struct {
	cfg      forwarding.TargetConfig
	client   *http.Client
	base     *http.Client
	username string
	password string
	agent    string
}

var (
	_ forwarding.Target = (*Target)(nil)
	_ forwarding.Prober = (*Target)(nil)
)

// New creates the target of cfg with its secret in clear.
func New(cfg *forwarding.TargetConfig, secret string, opts Options) (*Target, error) {
	if cfg.Kind != forwarding.TargetXAPI {
		return nil, fmt.Errorf("xapitarget: not an xAPI target (%s)", cfg.Kind)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	client := &http.Client{Timeout: opts.Timeout}
	if opts.Client != nil {
		c := *opts.Client
		client = &c
	}
	// Redirects are not followed: a redirected POST would turn into a GET
	// whose 2xx would pass for a delivery. A 3xx is a failure that shows
	// in the last error (fix the URL).
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	t := &Target{cfg: *cfg, client: client, base: client, agent: opts.UserAgent}
	switch cfg.Auth {
	case forwarding.AuthBasic:
		t.username, t.password = cfg.Username, secret
	case forwarding.AuthOAuth2:
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: secret, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes}
		t.client = cc.Client(context.WithValue(context.Background(), oauth2.HTTPClient, client))
		t.client.Timeout = client.Timeout
	}
	return t, nil
}

func (t *Target) request(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Experience-API-Version", t.cfg.Version)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.agent != "" {
		req.Header.Set("User-Agent", t.agent)
	}
	if t.username != "" {
		req.SetBasicAuth(t.username, t.password)
	}
	return t.client.Do(req)
}

func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	_ = res.Body.Close()
}

// Deliver POSTs the batch.
func (t *Target) Deliver(ctx context.Context, b *forwarding.Outgoing) error {
	body := make([]byte, 0, 64*len(b.Statements))
	body = append(body, '[')
	for i, st := range b.Statements {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, st...)
	}
	body = append(body, ']')
	res, err := t.request(ctx, http.MethodPost, t.cfg.StatementsURL(), body)
	if err != nil {
		return forwarding.TransportError(err)
	}
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		drain(res)
		return nil
	case res.StatusCode == http.StatusConflict:
		drain(res)
		return t.one(ctx, b)
	}
	defer drain(res)
	return forwarding.StatusError(res)
}

// one PUTs each statement of a batch the target answered 409 to.
func (t *Target) one(ctx context.Context, b *forwarding.Outgoing) error {
	for i, st := range b.Statements {
		id := b.IDs[i]
		res, err := t.request(ctx, http.MethodPut, t.cfg.StatementsURL()+"?statementId="+url.QueryEscape(id), st)
		if err != nil {
			return forwarding.TransportError(err)
		}
		switch {
		case res.StatusCode >= 200 && res.StatusCode < 300:
			drain(res)
			continue
		case res.StatusCode == http.StatusConflict:
			drain(res)
			same, err := t.same(ctx, id, st)
			if err != nil {
				return err
			}
			if !same {
				return &forwarding.DeliveryError{Status: http.StatusConflict, Rejected: true,
					Message: fmt.Sprintf("the target holds a different statement under id %s", id)}
			}
			continue
		}
		err = forwarding.StatusError(res)
		drain(res)
		return err
	}
	return nil
}

// same reports whether the target holds a statement equivalent to st
// under id (voided or not).
func (t *Target) same(ctx context.Context, id string, st []byte) (bool, error) {
	for _, param := range []string{"statementId", "voidedStatementId"} {
		res, err := t.request(ctx, http.MethodGet, t.cfg.StatementsURL()+"?"+param+"="+url.QueryEscape(id), nil)
		if err != nil {
			return false, forwarding.TransportError(err)
		}
		if res.StatusCode == http.StatusNotFound {
			drain(res)
			continue
		}
		if res.StatusCode != http.StatusOK {
			err := forwarding.StatusError(res)
			drain(res)
			return false, err
		}
		got, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
		drain(res)
		if err != nil {
			return false, forwarding.TransportError(err)
		}
		var a, b any
		if json.Unmarshal(st, &a) != nil || json.Unmarshal(got, &b) != nil {
			return false, nil
		}
		return xapi.Equivalent(a, b), nil
	}
	return false, nil
}

// Probe checks that the target's /about answers.
func (t *Target) Probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(t.cfg.URL, "/")+"/about", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Experience-API-Version", t.cfg.Version)
	res, err := t.base.Do(req)
	if err != nil {
		return err
	}
	drain(res)
	return nil
}
