package forwarding

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
)

// Spec is a forward as an operator describes it, to create or change it:
// the body of the admin API's POST and PUT and what `hocvu forwards
// create` builds from its flags. Absent settings take their defaults.
type Spec struct {
	Name   string     `json:"name"`
	Target TargetSpec `json:"target"`
	Filter Filter     `json:"filter"`
	// BatchSize defaults to 100 (at most 1000).
	BatchSize int `json:"batchSize,omitempty"`
	// Start is now (the default), beginning, a date (2025-09-01) or an
	// RFC 3339 time. Only used at creation.
	Start string `json:"start,omitempty"`
	// Pseudonymize defaults to true for webhooks, false for xAPI targets.
	Pseudonymize *bool `json:"pseudonymize,omitempty"`
	// OnReject is continue (the default) or pause.
	OnReject string `json:"onReject,omitempty"`
	// MaxAttempts defaults to 5.
	MaxAttempts int `json:"maxAttempts,omitempty"`
}

// TargetSpec is a target as an operator gives it: the secret in clear
// (sealed before it is stored) or as a reference.
type TargetSpec struct {
	Kind TargetKind `json:"kind"`
	URL  string     `json:"url"`
	// Version defaults to 2.0.0 for xAPI targets.
	Version string `json:"version,omitempty"`
	// Auth defaults to basic when a username is given, oauth2 when a
	// token URL is, else none.
	Auth     AuthKind `json:"auth,omitempty"`
	Username string   `json:"username,omitempty"`
	TokenURL string   `json:"tokenUrl,omitempty"`
	ClientID string   `json:"clientId,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// Secret in clear; or SecretRef, env:NAME or file:PATH. On a change,
	// leaving both out keeps the current secret.
	Secret    string `json:"secret,omitempty"`
	SecretRef string `json:"secretRef,omitempty"`
}

// Status is a forward with its progress, for listings.
type Status struct {
	// Forward is the configuration; its secret shows only its reference or
	// the id of the key it is sealed with.
	Forward      Forward `json:"forward"`
	State        string  `json:"state"` // active, paused
	PausedReason string  `json:"pausedReason,omitempty"`
	// Through is the position the forward has handled through; Lag the
	// distance from there to the newest statement in the log (events for
	// the embedded store, bytes of log for KurrentDB; 0: nothing left to
	// deliver).
	Through      string `json:"through"`
	Lag          uint64 `json:"lag"`
	Pending      int    `json:"pending"`
	Delivered    uint64 `json:"delivered"`
	Failed       uint64 `json:"failed"`
	Retried      uint64 `json:"retried"`
	DeadLettered uint64 `json:"deadLettered"`
	DeadLetters  int    `json:"openDeadLetters"`
	// Quarantined counts the poison events the forward skipped
	// (hocvu projections quarantine --projection forward-NAME).
	Quarantined  uint64    `json:"quarantined"`
	LastError    *Failure  `json:"lastError,omitempty"`
	LastDelivery time.Time `json:"lastDelivery,omitzero"`
	// Live is true when this process delivers the forward (the progress
	// is then its memory, else the log's).
	Live bool `json:"live"`
	// RunError is why this process is restarting the forward, if it is.
	RunError string `json:"runError,omitempty"`
}

// ServiceStore is what the service needs of the event store.
type ServiceStore interface {
	eventstore.StreamReader
	eventstore.LogReader
}

// Service creates, changes and inspects forwards: the admin API and the
// `hocvu forwards` commands.
type Service struct {
	reg     *Registry
	store   ServiceStore
	box     *SecretBox
	targets TargetFactory
	live    func(id string) (Live, bool)
}

// ServiceOptions configure a Service.
type ServiceOptions struct {
	// Secrets seals secrets given in clear (nil: only references).
	Secrets *SecretBox
	// Targets builds targets, to probe them at creation (nil: no probe).
	Targets TargetFactory
	// Supervisor, when this process delivers forwards, provides their
	// live progress.
	Supervisor *Supervisor
}

// NewService creates the service over a loaded (and followed) registry.
func NewService(reg *Registry, store ServiceStore, opts ServiceOptions) *Service {
	s := &Service{reg: reg, store: store, box: opts.Secrets, targets: opts.Targets}
	if opts.Supervisor != nil {
		s.live = opts.Supervisor.Live
	}
	return s
}

// Create validates and stores a new forward. Warnings (an unreachable
// target, plain http) do not stop it.
func (s *Service) Create(ctx context.Context, spec Spec) (Status, []string, error) {
	start, err := ParseStart(spec.Start)
	if err != nil {
		return Status{}, nil, err
	}
	now := time.Now().UTC()
	f := Forward{ID: uuid.NewString(), Created: now, Updated: now, Start: start}
	warnings, plain, err := s.build(&f, spec, nil)
	if err != nil {
		return Status{}, nil, err
	}
	if f.Start.From == StartNow {
		head, err := s.store.Head(ctx)
		if err != nil {
			return Status{}, nil, fmt.Errorf("forwarding: read the head of the log: %w", err)
		}
		if !head.IsStart() {
			f.Start.After = head.String()
		}
	}
	warnings = append(warnings, s.probe(ctx, &f, plain)...)
	if err := s.reg.Create(ctx, f); err != nil {
		return Status{}, nil, err
	}
	st, err := s.Show(ctx, f.ID)
	return st, warnings, err
}

// Change replaces a forward's settings (not its start or checkpoint). A
// target without a secret keeps the current one.
func (s *Service) Change(ctx context.Context, nameOrID string, spec Spec) (Status, []string, error) {
	old, ok := s.reg.Get(nameOrID)
	if !ok {
		return Status{}, nil, fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	f := old.Forward
	f.Updated = time.Now().UTC()
	warnings, plain, err := s.build(&f, spec, &old.Forward)
	if err != nil {
		return Status{}, nil, err
	}
	if f.Target.URL != old.Target.URL || spec.Target.Secret != "" || spec.Target.SecretRef != "" {
		warnings = append(warnings, s.probe(ctx, &f, plain)...)
	}
	if err := s.reg.Change(ctx, f); err != nil {
		return Status{}, nil, err
	}
	st, err := s.Show(ctx, f.ID)
	return st, warnings, err
}

// build fills f from spec (keeping old's secret when spec has none) and
// validates it; plain is the secret in clear when known.
func (s *Service) build(f *Forward, spec Spec, old *Forward) (warnings []string, plain string, err error) {
	t := spec.Target
	f.Name = strings.TrimSpace(spec.Name)
	if f.Name == "" && old != nil {
		f.Name = old.Name
	}
	f.Filter = spec.Filter
	f.BatchSize = cmp0(spec.BatchSize, DefaultBatchSize)
	f.MaxAttempts = cmp0(spec.MaxAttempts, DefaultMaxAttempts)
	f.OnReject = spec.OnReject
	if f.OnReject == "" {
		f.OnReject = OnRejectContinue
	}
	f.Pseudonymize = t.Kind == TargetWebhook
	if spec.Pseudonymize != nil {
		f.Pseudonymize = *spec.Pseudonymize
	}
	auth := t.Auth
	if auth == "" && t.Kind == TargetXAPI {
		switch {
		case t.Username != "":
			auth = AuthBasic
		case t.TokenURL != "":
			auth = AuthOAuth2
		default:
			auth = AuthNone
		}
	}
	version := t.Version
	if version == "" && t.Kind == TargetXAPI {
		version = "2.0.0"
	}
	f.Target = TargetConfig{Kind: t.Kind, URL: t.URL, Version: version, Auth: auth, Username: t.Username, TokenURL: t.TokenURL, ClientID: t.ClientID, Scopes: t.Scopes}
	switch {
	case t.Secret != "" && t.SecretRef != "":
		return nil, "", invalid("give the secret or a secret reference, not both")
	case t.Secret != "":
		if s.box == nil {
			return nil, "", invalid("this process has no forward-secrets key to seal the secret; give a secret reference (env:NAME or file:PATH)")
		}
		f.Target.Secret, plain = s.box.Seal(f.ID, t.Secret), t.Secret
	case t.SecretRef != "":
		if f.Target.Secret, err = ParseSecretRef(t.SecretRef); err != nil {
			return nil, "", err
		}
		if v, err := resolveRef(t.SecretRef); err != nil {
			warnings = append(warnings, fmt.Sprintf("the secret reference %s does not resolve in this process; every process that may deliver the forward needs it", t.SecretRef))
		} else {
			plain = v
		}
	case old != nil && old.Target.Kind == t.Kind && old.Target.Auth == auth:
		f.Target.Secret = old.Target.Secret
		if v, err := s.box.Open(f.ID, f.Target.Secret); err == nil {
			plain = v
		}
	}
	w, err := f.Validate()
	if err != nil {
		return nil, "", err
	}
	return append(warnings, w...), plain, nil
}

// SpecOf describes an existing forward as a Spec without its secret
// (which a change then keeps), for changes of a few settings.
func SpecOf(f Forward) Spec {
	ps := f.Pseudonymize
	t := f.Target
	return Spec{
		Name: f.Name,
		Target: TargetSpec{Kind: t.Kind, URL: t.URL, Version: t.Version, Auth: t.Auth, Username: t.Username,
			TokenURL: t.TokenURL, ClientID: t.ClientID, Scopes: t.Scopes},
		Filter: f.Filter, BatchSize: f.BatchSize, Pseudonymize: &ps, OnReject: f.OnReject, MaxAttempts: f.MaxAttempts,
	}
}

func cmp0(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// probe checks that the target answers; a failure is a warning.
func (s *Service) probe(ctx context.Context, f *Forward, secret string) []string {
	if s.targets == nil {
		return nil
	}
	t, err := s.targets(f, secret)
	if err != nil {
		return []string{"target: " + err.Error()}
	}
	p, ok := t.(Prober)
	if !ok {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Probe(pctx); err != nil {
		return []string{"the target is unreachable for now (the forward is created and will retry): " + err.Error()}
	}
	return nil
}

// Pause stops a forward's delivery until Resume.
func (s *Service) Pause(ctx context.Context, nameOrID string) (Status, error) {
	return s.stateChange(ctx, nameOrID, func(id string) error { return s.reg.Pause(ctx, id, "paused by an operator") })
}

// Resume restarts a paused forward from its checkpoint.
func (s *Service) Resume(ctx context.Context, nameOrID string) (Status, error) {
	return s.stateChange(ctx, nameOrID, func(id string) error { return s.reg.Resume(ctx, id) })
}

// Delete stops a forward for good; its history stays in the log.
func (s *Service) Delete(ctx context.Context, nameOrID string) error {
	st, ok := s.reg.Get(nameOrID)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	return s.reg.Delete(ctx, st.ID)
}

func (s *Service) stateChange(ctx context.Context, nameOrID string, change func(id string) error) (Status, error) {
	st, ok := s.reg.Get(nameOrID)
	if !ok {
		return Status{}, fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	if err := change(st.ID); err != nil {
		return Status{}, err
	}
	return s.Show(ctx, st.ID)
}

// List returns every forward that is not deleted, with its progress.
func (s *Service) List(ctx context.Context) ([]Status, error) {
	head, err := LastStatement(ctx, s.store)
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, st := range s.reg.List() {
		status, err := s.status(ctx, st, head)
		if err != nil {
			return nil, err
		}
		out = append(out, status)
	}
	return out, nil
}

// Show returns one forward with its progress.
func (s *Service) Show(ctx context.Context, nameOrID string) (Status, error) {
	st, ok := s.reg.Get(nameOrID)
	if !ok {
		return Status{}, fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	head, err := LastStatement(ctx, s.store)
	if err != nil {
		return Status{}, err
	}
	return s.status(ctx, st, head)
}

func (s *Service) status(ctx context.Context, st State, head eventstore.Position) (Status, error) {
	f := st.Forward
	f.Target.Secret = Secret{Ref: f.Target.Secret.Ref, Key: f.Target.Secret.Key}
	out := Status{Forward: f, State: "active"}
	if st.Paused {
		out.State, out.PausedReason = "paused", st.PausedReason
	}
	var (
		p       Progress
		scanned eventstore.Position
	)
	l, live := Live{}, false
	if s.live != nil {
		l, live = s.live(st.ID)
	}
	if live {
		p, scanned, out.Live = l.Progress, l.Scanned, true
		if l.Err != nil {
			out.RunError = l.Err.Error()
		}
	} else {
		var err error
		if p, _, _, err = ReadProgress(ctx, s.store, st.ID); err != nil {
			return Status{}, err
		}
		through := p.Through
		if through == "" {
			through = f.Start.After
		}
		if through != "" {
			if scanned, err = eventstore.ParsePosition(through); err != nil {
				return Status{}, fmt.Errorf("forwarding: progress of %s: %w", f.Name, err)
			}
		}
	}
	out.Through, out.Lag = scanned.String(), Lag(head, scanned)
	if p.Pending != nil {
		out.Pending = len(p.Pending.Events)
	}
	out.Delivered, out.Failed, out.Retried, out.DeadLettered, out.Quarantined = p.Delivered, p.Failed, p.Retried, p.DeadLettered, p.Quarantined
	out.LastError, out.LastDelivery = p.LastError, p.LastDelivery
	dls, err := ReadDeadLetters(ctx, s.store, st.ID)
	if err != nil {
		return Status{}, err
	}
	for _, dl := range dls {
		if dl.Open {
			out.DeadLetters++
		}
	}
	return out, nil
}

// DeadLetters returns a forward's dead letters (open ones only unless all).
func (s *Service) DeadLetters(ctx context.Context, nameOrID string, all bool) ([]DeadLetterState, error) {
	st, ok := s.reg.Get(nameOrID)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	dls, err := ReadDeadLetters(ctx, s.store, st.ID)
	if err != nil {
		return nil, err
	}
	out := dls[:0]
	for _, dl := range dls {
		if all || dl.Open {
			out = append(out, dl)
		}
	}
	return out, nil
}

// ErrNoDeadLetter is returned by Retry for an unknown or closed dead letter.
var ErrNoDeadLetter = errors.New("forwarding: no such open dead letter")

// Retry asks the delivering process to re-drive dead letters: the given
// ones, or every open one. It returns at once; the outcome shows in the
// dead letters.
func (s *Service) Retry(ctx context.Context, nameOrID string, ids []string) (RetryRequest, error) {
	st, ok := s.reg.Get(nameOrID)
	if !ok {
		return RetryRequest{}, fmt.Errorf("%w: %s", ErrNotFound, nameOrID)
	}
	dls, err := ReadDeadLetters(ctx, s.store, st.ID)
	if err != nil {
		return RetryRequest{}, err
	}
	open := map[string]bool{}
	for _, dl := range dls {
		if dl.Open {
			open[dl.ID] = true
		}
	}
	for _, id := range ids {
		if !open[id] {
			return RetryRequest{}, fmt.Errorf("%w: %s", ErrNoDeadLetter, id)
		}
	}
	if len(open) == 0 {
		return RetryRequest{}, fmt.Errorf("%w: %s has none", ErrNoDeadLetter, st.Name)
	}
	return s.reg.RequestRetry(ctx, st.ID, ids)
}
