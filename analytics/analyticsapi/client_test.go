package analyticsapi_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/analytics/analyticsapi"
)

// echoQuerier answers every query with one row holding what it was asked.
type echoQuerier struct{}

func (echoQuerier) Query(_ context.Context, name string, p analytics.Params) (*analytics.Result, error) {
	return &analytics.Result{Query: name, Columns: []string{"from", "commune", "n", "rate"},
		Rows: [][]any{{p.From, p.Commune, int64(12345678901), 0.25}}}, nil
}

// The client reads the server's catalogue, sends the parameters, turns
// numbers back into int64 and float64, and reports a refusal with its
// status.
func TestClientRoundTrip(t *testing.T) {
	e := echo.New()
	g := e.Group("/api/analytics", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if k, s, ok := c.Request().BasicAuth(); !ok || k != "key" || s != "secret" {
				return echo.NewHTTPError(401, "credentials required")
			}
			return next(c)
		}
	})
	analyticsapi.New(echoQuerier{}).Mount(g)
	srv := httptest.NewServer(e)
	defer srv.Close()

	ctx := context.Background()
	c, err := analyticsapi.NewClient(ctx, srv.URL+"/", "key", "secret")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Has(analytics.Catalog[0].Name) || c.Has("no-such-query") {
		t.Errorf("catalogue: Has(%s)=%v, Has(no-such-query)=%v", analytics.Catalog[0].Name, c.Has(analytics.Catalog[0].Name), c.Has("no-such-query"))
	}
	name := analytics.Catalog[0].Name
	res, err := c.Query(ctx, name, analytics.Params{From: "2026-01", Commune: "51001"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]any{{"2026-01", "51001", int64(12345678901), 0.25}}
	if res.Query != name || !reflect.DeepEqual(res.Rows, want) {
		t.Errorf("result %s %#v, want %s %#v", res.Query, res.Rows, name, want)
	}

	if _, err := analyticsapi.NewClient(ctx, srv.URL, "key", "wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong secret: %v, want a 401 error", err)
	}
}
