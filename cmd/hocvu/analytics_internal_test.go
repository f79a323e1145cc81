package main

import (
	"net/url"
	"testing"
)

// TestClickHousePasswordAnyCharacters: --clickhouse-password puts any
// password into the DSN so that it parses back unchanged (written into the
// DSN by hand, @ / ? # % break it).
func TestClickHousePasswordAnyCharacters(t *testing.T) {
	const pw = "p@ss/w?rd#1%:x&password=y"
	cases := []struct{ dsn, user, query string }{
		{"clickhouse://hocvu@clickhouse:9000/hocvu?dial_timeout=5s", "hocvu", "dial_timeout=5s"},
		{"clickhouse://hocvu:old@clickhouse:9000/hocvu", "hocvu", ""},
		{"clickhouse://clickhouse:9000/hocvu?password=old&compress=lz4", "default", "compress=lz4"},
	}
	for _, c := range cases {
		got, err := analyticsConfig{ClickHouse: c.dsn, ClickHousePassword: pw}.dsn()
		if err != nil {
			t.Fatalf("%s: %v", c.dsn, err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%s became %s, which does not parse: %v", c.dsn, got, err)
		}
		p, _ := u.User.Password()
		if p != pw || u.User.Username() != c.user || u.Host != "clickhouse:9000" || u.Path != "/hocvu" || u.RawQuery != c.query {
			t.Fatalf("%s became %s: user %q password %q host %s path %s query %s", c.dsn, got, u.User.Username(), p, u.Host, u.Path, u.RawQuery)
		}
	}
	if got, _ := (analyticsConfig{ClickHouse: "clickhouse://h:9000/db"}).dsn(); got != "clickhouse://h:9000/db" {
		t.Fatalf("without a password flag the DSN changed: %s", got)
	}
}
