package kurrentdb

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// schemes maps the accepted connection string schemes to the ones the
// EventStore client understands.
var schemes = map[string]string{
	"esdb":               "esdb",
	"esdb+discover":      "esdb+discover",
	"kurrentdb":          "esdb",
	"kurrentdb+discover": "esdb+discover",
}

// settings are the query parameters the client understands (lower case).
// The client only warns about others; a typo such as "tsl=false" would
// then silently keep TLS on, so they are rejected here.
var settings = map[string]bool{
	"tls":                 true,
	"tlsverifycert":       true,
	"tlscafile":           true,
	"usercertfile":        true,
	"userkeyfile":         true,
	"discoveryinterval":   true,
	"gossiptimeout":       true,
	"maxdiscoverattempts": true,
	"nodepreference":      true,
	"keepaliveinterval":   true,
	"keepalivetimeout":    true,
	"defaultdeadline":     true,
}

// ErrBadConnectionString is wrapped by every error about the connection
// string itself.
var ErrBadConnectionString = errors.New("kurrentdb: invalid connection string")

// parseConfig turns a connection string into the client's configuration.
// It accepts esdb://, esdb+discover://, kurrentdb:// and
// kurrentdb+discover:// (the last two are translated for the client, which
// itself knows only esdb:// and esdb+discover://). A +discover scheme takes
// one DNS name; a list of hosts is refused, since the client would never
// connect with it. Errors never contain the password.
func parseConfig(conn string) (*esdb.Configuration, error) {
	conn = strings.TrimSpace(conn)
	if conn == "" {
		return nil, fmt.Errorf("%w: empty (want for example kurrentdb://127.0.0.1:2113?tls=false)", ErrBadConnectionString)
	}
	i := strings.Index(conn, "://")
	if i <= 0 {
		return nil, fmt.Errorf("%w: no scheme (want kurrentdb://, kurrentdb+discover://, esdb:// or esdb+discover://)", ErrBadConnectionString)
	}
	scheme := strings.ToLower(conn[:i])
	target, ok := schemes[scheme]
	if !ok {
		return nil, fmt.Errorf("%w: unsupported scheme %q (want kurrentdb://, kurrentdb+discover://, esdb:// or esdb+discover://)", ErrBadConnectionString, scheme)
	}
	rest := conn[i+3:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		values, err := url.ParseQuery(rest[q+1:])
		if err != nil {
			return nil, fmt.Errorf("%w: bad settings in %q: %v", ErrBadConnectionString, redact(conn), err)
		}
		for k := range values {
			if !settings[strings.ToLower(k)] {
				return nil, fmt.Errorf("%w: unknown setting %q (supported: %s)", ErrBadConnectionString, k, supportedSettings())
			}
		}
	}
	cfg, err := esdb.ParseConnectionString(target + "://" + rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %s", ErrBadConnectionString, redact(conn), redact(err.Error()))
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %q: %s", ErrBadConnectionString, redact(conn), err)
	}
	if cfg.DnsDiscover && len(cfg.GossipSeeds) > 0 {
		// Client v4.2.0 would accept this and then never connect: with a
		// list of hosts, discovery dials the empty Address ("invalid target
		// address") until "maximum discovery attempt count reached".
		plain := strings.TrimSuffix(scheme, "+discover")
		return nil, fmt.Errorf("%w: %q: %s:// takes one DNS name that resolves to the cluster's nodes, not a list of hosts; "+
			"for a list of nodes use %s (each host is a gossip seed)",
			ErrBadConnectionString, redact(conn), scheme, redact(plain+"://"+rest))
	}
	return cfg, nil
}

func supportedSettings() string {
	names := make([]string, 0, len(settings))
	for k := range settings {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

var userinfo = regexp.MustCompile(`(://[^:/@?]*):[^@/?]*@`)

// redact hides the password of a connection string.
func redact(s string) string { return userinfo.ReplaceAllString(s, "$1:xxxxx@") }

// target describes where cfg points, for messages.
func target(cfg *esdb.Configuration) string {
	if cfg.Address != "" {
		return cfg.Address
	}
	seeds := make([]string, len(cfg.GossipSeeds))
	for i, s := range cfg.GossipSeeds {
		seeds[i] = s.String()
	}
	return strings.Join(seeds, ",")
}
