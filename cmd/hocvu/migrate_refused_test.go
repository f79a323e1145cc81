package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hocvu/hocvu/analytics/clickhouse"
	"github.com/hocvu/hocvu/internal/chtest"
	"github.com/hocvu/hocvu/internal/proctest"
)

// A ClickHouse that refuses a migration stops `serve` and
// `analytics migrate` with a non-zero exit and a message that names the
// migration file, the statement and the server's error; the refused
// migration is not recorded.
func TestMigrationRefused(t *testing.T) {
	srv := chtest.Start(t)
	ctx := context.Background()
	for _, args := range [][]string{
		{"analytics", "migrate"},
		{"serve", "--listen=127.0.0.1:0"},
	} {
		t.Run(args[0], func(t *testing.T) {
			name := srv.NewDatabase(t)
			dsn := srv.DSN(name)
			db, err := clickhouse.Open(ctx, dsn, clickhouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// A table in the way of migration 7: its CREATE TABLE IF NOT
			// EXISTS passes, its fill from the facts cannot.
			res, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/?database=%s", srv.HTTPPort(), url.QueryEscape(name)), "text/plain",
				strings.NewReader("CREATE TABLE agg_monthly (x UInt8) ENGINE = Memory"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("create the table in the way: %d %s", res.StatusCode, body)
			}
			code, _, errOut := proctest.Run(t, creds, append(args, "--data-dir="+t.TempDir(), "--clickhouse="+dsn)...)
			if code == 0 {
				t.Fatalf("hocvu %s exited 0 on a refused migration:\n%s", args[0], errOut)
			}
			for _, want := range []string{"0007_agg_monthly.sql, statement ", "INSERT INTO agg_monthly (month", "refused: ", "code: "} {
				if !strings.Contains(errOut, want) {
					t.Errorf("hocvu %s: the message lacks %q:\n%s", args[0], want, errOut)
				}
			}
			applied, err := db.Applied(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var versions []uint32
			for _, m := range applied {
				versions = append(versions, m.Version)
			}
			if !slices.Equal(versions, []uint32{1, 2, 3, 4, 5, 6}) {
				t.Errorf("recorded versions %v, want 1-6: the refused migration 7 and those after it are not applied", versions)
			}
		})
	}
}
