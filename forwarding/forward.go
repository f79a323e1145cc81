package forwarding

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// TargetKind is what a forward delivers to.
type TargetKind string

// The target kinds.
const (
	// TargetXAPI is another xAPI LRS: statements are POSTed to its
	// statements resource with their ids.
	TargetXAPI TargetKind = "xapi"
	// TargetWebhook is an HTTPS endpoint that receives signed JSON batches.
	TargetWebhook TargetKind = "webhook"
)

// AuthKind is how an xAPI target authenticates the forwarder.
type AuthKind string

// The authentication kinds of an xAPI target.
const (
	AuthNone   AuthKind = "none"
	AuthBasic  AuthKind = "basic"
	AuthOAuth2 AuthKind = "oauth2" // client credentials grant
)

// xAPI versions a target can be spoken to in.
var xapiVersions = []string{"1.0.3", "2.0.0"}

// Reject policies: what a forward does after a batch went to the dead
// letters.
const (
	// OnRejectContinue goes on with the next batch (the default).
	OnRejectContinue = "continue"
	// OnRejectPause pauses the forward until an operator resumes it.
	OnRejectPause = "pause"
)

// Start kinds.
const (
	StartNow       = "now"
	StartBeginning = "beginning"
	StartDate      = "date"
)

// Limits and defaults of a forward's settings.
const (
	DefaultBatchSize   = 100
	MaxBatchSize       = 1000
	DefaultMaxAttempts = 5
	MaxMaxAttempts     = 100
)

// TargetConfig is where a forward delivers, as stored in its configuration
// events. Secret is never stored in clear (see Secret).
type TargetConfig struct {
	Kind TargetKind `json:"kind"`
	// URL is the xAPI endpoint (the base under which /statements is, e.g.
	// https://lrs.example/xapi) or the webhook URL.
	URL string `json:"url"`
	// Version is the xAPI version the target is spoken to in (xAPI only).
	Version string `json:"version,omitempty"`
	// Auth is how an xAPI target authenticates the forwarder.
	Auth AuthKind `json:"auth,omitempty"`
	// Username is the HTTP Basic user name (Auth basic).
	Username string `json:"username,omitempty"`
	// TokenURL, ClientID and Scopes configure the OAuth2 client
	// credentials grant (Auth oauth2); Secret is the client secret.
	TokenURL string   `json:"tokenUrl,omitempty"`
	ClientID string   `json:"clientId,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// Secret is the Basic password, the OAuth2 client secret or the
	// webhook signing key.
	Secret Secret `json:"secret"`
}

// Start says where in the log a forward begins.
type Start struct {
	// From is "now", "beginning" or "date".
	From string `json:"from"`
	// Date, for From "date": statements stored before it are skipped.
	Date time.Time `json:"date,omitzero"`
	// After is the position delivery starts after: the head of the log
	// when a "now" forward was created, the start of the log otherwise.
	After string `json:"after"`
}

// Forward is a forward's configuration: the data of forward.created.v1 and
// forward.changed.v1.
type Forward struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Target    TargetConfig `json:"target"`
	Filter    Filter       `json:"filter"`
	BatchSize int          `json:"batchSize"`
	Start     Start        `json:"start"`
	// Pseudonymize replaces every agent of a statement by its analytics
	// pseudonym (on by default for webhooks).
	Pseudonymize bool `json:"pseudonymize"`
	// OnReject is what happens after a batch went to the dead letters.
	OnReject string `json:"onReject"`
	// MaxAttempts is how often a batch the target rejects is tried before
	// it goes to the dead letters.
	MaxAttempts int       `json:"maxAttempts"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// ErrInvalid marks a configuration that is refused.
var ErrInvalid = errors.New("forwarding: invalid forward")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Validate checks a forward's configuration (not whether its secret can be
// resolved) and returns warnings for settings that work but are unwise.
func (f *Forward) Validate() (warnings []string, err error) {
	if !nameRE.MatchString(f.Name) {
		return nil, invalid("name %q: use 2–64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit", f.Name)
	}
	if warnings, err = f.Target.validate(); err != nil {
		return nil, err
	}
	if err := f.Filter.Validate(); err != nil {
		return nil, err
	}
	if f.BatchSize < 1 || f.BatchSize > MaxBatchSize {
		return nil, invalid("batch size %d: want 1 to %d", f.BatchSize, MaxBatchSize)
	}
	if f.MaxAttempts < 1 || f.MaxAttempts > MaxMaxAttempts {
		return nil, invalid("max attempts %d: want 1 to %d", f.MaxAttempts, MaxMaxAttempts)
	}
	switch f.OnReject {
	case OnRejectContinue, OnRejectPause:
	default:
		return nil, invalid("on-reject %q: want %s or %s", f.OnReject, OnRejectContinue, OnRejectPause)
	}
	switch f.Start.From {
	case StartNow, StartBeginning:
	case StartDate:
		if f.Start.Date.IsZero() {
			return nil, invalid("a start from a date needs the date")
		}
	default:
		return nil, invalid("start %q: want now, beginning or a date", f.Start.From)
	}
	if f.Target.Kind == TargetWebhook && !f.Pseudonymize {
		warnings = append(warnings, "this webhook receives statements with the learners' identities (pseudonymize is off)")
	}
	return warnings, nil
}

// validate checks a target's configuration, in steps: its URL
// (targetURL), then the settings of its kind (validateXAPI with
// validateAuth, or validateWebhook).
func (t *TargetConfig) validate() (warnings []string, err error) {
	u, err := t.targetURL()
	if err != nil {
		return nil, err
	}
	switch t.Kind {
	case TargetXAPI:
		return t.validateXAPI(u)
	case TargetWebhook:
		return nil, t.validateWebhook(u)
	default:
		return nil, invalid("target kind %q: want xapi or webhook", t.Kind)
	}
}

// targetURL parses the target URL: absolute http(s), without credentials
// or a fragment, and without a query for an xAPI endpoint.
func (t *TargetConfig) targetURL() (*url.URL, error) {
	u, err := url.Parse(t.URL)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, invalid("target URL %q is not an absolute http(s) URL", redactURL(t.URL))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, invalid("target URL scheme %q: want https (or http)", u.Scheme)
	}
	if u.User != nil {
		return nil, invalid("target URL must not hold credentials; give them with the username and secret")
	}
	if u.Fragment != "" {
		return nil, invalid("target URL %q has a fragment", redactURL(t.URL))
	}
	if u.RawQuery != "" && t.Kind == TargetXAPI {
		return nil, invalid("target URL %q: an xAPI endpoint has no query", redactURL(t.URL))
	}
	return u, nil
}

// validateXAPI checks the settings of an xAPI target at u: the endpoint
// (not its statements resource), the version and the authentication.
func (t *TargetConfig) validateXAPI(u *url.URL) (warnings []string, err error) {
	if strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/statements") {
		return nil, invalid("target URL %q: give the xAPI endpoint (e.g. https://lrs.example/xapi), not its statements resource", t.URL)
	}
	if !slices.Contains(xapiVersions, t.Version) {
		return nil, invalid("xAPI version %q: want %s", t.Version, strings.Join(xapiVersions, " or "))
	}
	if warnings, err = t.validateAuth(); err != nil {
		return nil, err
	}
	if t.Auth != AuthOAuth2 && (t.TokenURL != "" || t.ClientID != "" || len(t.Scopes) > 0) {
		return nil, invalid("token URL, client id and scopes are for auth oauth2 only")
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) && t.Auth != AuthNone {
		warnings = append(warnings, "the target is plain http: credentials and statements travel unencrypted")
	}
	return warnings, nil
}

// validateAuth checks that an xAPI target has what its kind of
// authentication needs.
func (t *TargetConfig) validateAuth() (warnings []string, err error) {
	switch t.Auth {
	case AuthNone:
		if !t.Secret.IsZero() || t.Username != "" {
			return nil, invalid("auth none takes no username or secret")
		}
	case AuthBasic:
		if t.Username == "" {
			return nil, invalid("basic auth needs a username")
		}
		if t.Secret.IsZero() {
			return nil, invalid("basic auth needs a secret (the password)")
		}
	case AuthOAuth2:
		return t.validateOAuth2()
	default:
		return nil, invalid("auth %q: want none, basic or oauth2", t.Auth)
	}
	return nil, nil
}

// validateOAuth2 checks the client credentials grant of an xAPI target.
func (t *TargetConfig) validateOAuth2() (warnings []string, err error) {
	tu, err := url.Parse(t.TokenURL)
	if t.TokenURL == "" || err != nil || !tu.IsAbs() || tu.Host == "" || (tu.Scheme != "https" && tu.Scheme != "http") || tu.User != nil {
		return nil, invalid("OAuth2 needs an absolute token URL (got %q)", redactURL(t.TokenURL))
	}
	if t.ClientID == "" {
		return nil, invalid("OAuth2 needs a client id")
	}
	if t.Secret.IsZero() {
		return nil, invalid("OAuth2 needs a secret (the client secret)")
	}
	if tu.Scheme == "http" && !loopback(tu.Hostname()) {
		warnings = append(warnings, "the OAuth2 token URL is plain http: the client secret travels unencrypted")
	}
	return warnings, nil
}

// validateWebhook checks the settings of a webhook target at u: https
// (plain http only to this machine), a signing key and nothing else.
func (t *TargetConfig) validateWebhook(u *url.URL) error {
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return invalid("a webhook URL must be https (plain http is allowed only to this machine, for development)")
	}
	if t.Secret.IsZero() {
		return invalid("a webhook needs a secret (the signing key)")
	}
	if t.Auth != "" && t.Auth != AuthNone || t.Username != "" || t.TokenURL != "" || t.ClientID != "" || len(t.Scopes) > 0 || t.Version != "" {
		return invalid("a webhook takes a URL and a secret only (no auth, username, OAuth2 or version)")
	}
	return nil
}

// loopback reports whether host names this machine.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactURL removes credentials from a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "…" + raw[i:]
		}
		return raw
	}
	return u.Redacted()
}

// StatementsURL is the statements resource of an xAPI target.
func (t *TargetConfig) StatementsURL() string {
	return strings.TrimSuffix(t.URL, "/") + "/statements"
}

// ParseStart parses a start given on the command line: now, beginning, a
// date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func ParseStart(s string) (Start, error) {
	switch s {
	case "", StartNow:
		return Start{From: StartNow}, nil
	case StartBeginning:
		return Start{From: StartBeginning}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Start{From: StartDate, Date: t.UTC()}, nil
		}
	}
	return Start{}, invalid("start %q: want now, beginning, a date (2025-09-01) or an RFC 3339 time", s)
}
