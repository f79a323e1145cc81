package analyticsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hocvu/hocvu/analytics"
)

// Client runs named queries through a running Hocvu's analytics API, for
// tools that cannot open the analytics engine that `hocvu serve` holds
// (`hocvu report commune --url`). It is a Querier.
type Client struct {
	base, key, secret string
	client            *http.Client
	names             map[string]bool
}

var _ Querier = (*Client)(nil)

// NewClient connects to the Hocvu at base (its base URL) with a
// credential that has the analytics scope, and reads the catalogue.
func NewClient(ctx context.Context, base, key, secret string) (*Client, error) {
	h := &Client{base: strings.TrimRight(base, "/") + "/api/analytics/", key: key, secret: secret,
		client: &http.Client{Timeout: 2 * time.Minute}, names: map[string]bool{}}
	var cat struct {
		Queries []struct {
			Name string `json:"Name"`
		} `json:"queries"`
	}
	if err := h.get(ctx, "queries", nil, &cat); err != nil {
		return nil, err
	}
	for _, q := range cat.Queries {
		h.names[q.Name] = true
	}
	return h, nil
}

// Has reports whether the server's catalogue has the query name.
func (h *Client) Has(name string) bool { return h.names[name] }

// Query runs the named query with the period, commune, group, course and
// language of p; whole numbers come back as int64, others as float64.
func (h *Client) Query(ctx context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	v := url.Values{}
	for k, s := range map[string]string{"from": p.From, "to": p.To, "commune": p.Commune, "group": p.Group, "course": p.Course, "lang": p.Lang} {
		if s != "" {
			v.Set(k, s)
		}
	}
	var res analytics.Result
	if err := h.get(ctx, url.PathEscape(name), v, &res); err != nil {
		return nil, err
	}
	for _, row := range res.Rows {
		for i, cell := range row {
			if n, ok := cell.(json.Number); ok {
				if x, err := n.Int64(); err == nil {
					row[i] = x
				} else if f, err := n.Float64(); err == nil {
					row[i] = f
				}
			}
		}
	}
	return &res, nil
}

func (h *Client) get(ctx context.Context, path string, v url.Values, out any) error {
	u := h.base + path
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(h.key, h.secret)
	res, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("analytics API: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		return fmt.Errorf("analytics API %s: %s: %s", u, res.Status, strings.TrimSpace(string(body)))
	}
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("analytics API %s: decode: %w", u, err)
	}
	return nil
}
