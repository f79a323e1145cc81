package lrs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// StatementStorer stores prepared statements (the StatementWriter).
type StatementStorer interface {
	Store(ctx context.Context, req *StoreRequest) (StoreResult, error)
}

// Visibility waits until the statement read model shows a log position.
type Visibility interface {
	WaitFor(ctx context.Context, pos eventstore.Position) error
}

// AttachmentStore keeps attachment data by its SHA-2 hash
// (lrs/attachments.Store); a nil error means the data is durable.
type AttachmentStore interface {
	Put(ctx context.Context, sha2 string, r io.Reader) error
	// PutScoped keeps the data in a person's scope (AttachmentScoper).
	PutScoped(ctx context.Context, scope, sha2 string, r io.Reader) error
}

// ServiceOptions configure a StatementService.
type ServiceOptions struct {
	Writer      StatementStorer
	Visibility  Visibility
	Attachments AttachmentStore
	Logger      *slog.Logger
	// Profile, when set, refuses statements that do not follow the xAPI
	// Profile it checks (400 naming the template and the rule); nil
	// accepts every valid xAPI statement.
	Profile ProfileChecker
	// MaxBatch bounds the statements of one POST (default 1000).
	MaxBatch int
	// VisibleWithin bounds how long a write waits, once its statements
	// are durable, for the read model to show them (default 10 s). Past
	// it the write still succeeds and a warning is logged.
	VisibleWithin time.Duration
}

// StatementService applies the xAPI rules of a statement write (a PUT or
// a POST of the Statement Resource) to a request its transport has read:
// it refuses what breaks the spec (and, with ServiceOptions.Profile, what
// does not follow the required xAPI Profile), stores the attachment data, sets the
// properties the LRS owns (id, authority, version), hands the statements
// to the StatementWriter and waits until queries show them. Its errors
// are *Errors whose kind the transport maps to a status, or internal
// errors wrapped with the operation. It is safe for concurrent use.
type StatementService struct {
	writer        StatementStorer
	visibility    Visibility
	attachments   AttachmentStore
	profile       ProfileChecker
	log           *slog.Logger
	maxBatch      int
	visibleWithin time.Duration
}

// NewStatementService creates the service.
func NewStatementService(opts ServiceOptions) *StatementService {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1000
	}
	if opts.VisibleWithin <= 0 {
		opts.VisibleWithin = 10 * time.Second
	}
	return &StatementService{
		writer: opts.Writer, visibility: opts.Visibility, attachments: opts.Attachments, profile: opts.Profile, log: opts.Logger,
		maxBatch: opts.MaxBatch, visibleWithin: opts.VisibleWithin,
	}
}

// Submission is one PUT or POST of statements, as its transport read it.
type Submission struct {
	// Statements is the JSON body (the first part of a multipart body): a
	// statement or an array of statements, not yet decoded or checked.
	Statements []byte
	// Parts are the attachment parts that came with it, their hashes
	// checked.
	Parts []*attachments.Part
	// PutID is the statementId of a PUT; nil for a POST.
	PutID *uuid.UUID
	// Version is the xAPI version the request speaks.
	Version xapi.Version
	// Authority is the credential's Agent, written into every statement.
	Authority map[string]any
	// Credential is the key of the credential that sends the statements.
	Credential string
	// Define reports that the credential may define activities (scope
	// define).
	Define bool
}

// op names the operation of s in errors.
func (s *Submission) op() string {
	if s.PutID != nil {
		return "put statement"
	}
	return "post statements"
}

// Store checks, prepares and stores the statements of sub, all or
// nothing, and returns their ids in order once they are durable and (or
// once VisibleWithin has passed) visible to queries.
func (svc *StatementService) Store(ctx context.Context, sub *Submission) ([]string, error) {
	op := sub.op()
	doc, list, err := svc.decode(op, sub)
	if err != nil {
		return nil, err
	}
	if err := validate(op, sub.Version, doc); err != nil {
		return nil, err
	}
	_, isArray := doc.([]any)
	if err := svc.checkProfile(op, list, isArray); err != nil {
		return nil, err
	}
	if err := attachments.CheckParts(doc, sub.Parts); err != nil {
		return nil, ErrorFromAttachments(op, err)
	}
	if err := attachments.CheckSignatures(doc, sub.Parts, xapi.Equivalent); err != nil {
		return nil, ErrorFromAttachments(op, err)
	}
	// Attachment data is made durable before the events that refer to it.
	if err := svc.storeParts(ctx, op, sub.Parts, list); err != nil {
		return nil, err
	}
	req := prepare(sub, list)
	res, err := svc.writer.Store(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := svc.awaitVisible(ctx, op, res.Position); err != nil {
		return nil, err
	}
	return res.IDs, nil
}

// decode refuses JSON the LRS does not read, decodes the statements and
// checks the shape of the body: one statement, or for a POST a non-empty
// array of at most MaxBatch statements; a PUT's statement id, when
// given, must be its statementId.
func (svc *StatementService) decode(op string, sub *Submission) (any, []map[string]any, error) {
	// Depth first (constant memory), then repeated property names.
	if ps := xapi.CheckJSON(sub.Statements); len(ps) > 0 {
		return nil, nil, &Error{Kind: KindInvalid, Op: op, Msg: "the JSON is refused: " + describe(ps[0]), Problems: ProblemsOf("", ps)}
	}
	doc, err := xapi.Decode(sub.Statements)
	if err != nil {
		return nil, nil, Errorf(KindInvalid, op, "the body is not valid JSON: %v", err)
	}
	list, err := svc.statementList(op, doc, sub.PutID != nil)
	if err != nil {
		return nil, nil, err
	}
	if sub.PutID != nil {
		if got, ok := list[0]["id"].(string); ok {
			if gid, err := uuid.Parse(got); err != nil || gid != *sub.PutID {
				return nil, nil, Errorf(KindInvalid, op, "the statement's id %q differs from statementId %s", got, sub.PutID)
			}
		}
	}
	return doc, list, nil
}

// statementList returns the statement objects of a decoded body.
func (svc *StatementService) statementList(op string, doc any, put bool) ([]map[string]any, error) {
	switch d := doc.(type) {
	case map[string]any:
		return []map[string]any{d}, nil
	case []any:
		if put {
			return nil, Errorf(KindInvalid, op, "PUT takes one statement, not an array")
		}
		if len(d) == 0 {
			return nil, Errorf(KindInvalid, op, "the array of statements is empty")
		}
		if len(d) > svc.maxBatch {
			return nil, Errorf(KindTooLarge, op, "%d statements in one request; the limit is %d", len(d), svc.maxBatch)
		}
		list := make([]map[string]any, 0, len(d))
		for i, e := range d {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, Errorf(KindInvalid, op, "item %d of the array is not a statement object", i)
			}
			list = append(list, m)
		}
		return list, nil
	}
	return nil, Errorf(KindInvalid, op, "the body must be a statement object or an array of statements")
}

// validate checks the statements against the schemas and rules of v.
func validate(op string, v xapi.Version, doc any) error {
	var ps []xapi.Problem
	if _, isArray := doc.([]any); isArray {
		ps = xapi.ValidateStatements(v, doc)
	} else {
		ps = xapi.ValidateStatement(v, doc)
	}
	if len(ps) > 0 {
		return &Error{Kind: KindInvalid, Op: op, Msg: "statement rejected: " + describe(ps[0]), Problems: ProblemsOf("", ps)}
	}
	return nil
}

// storeParts makes the attachment data durable.
func (svc *StatementService) storeParts(ctx context.Context, op string, parts []*attachments.Part, list []map[string]any) error {
	if len(parts) == 0 {
		return nil
	}
	scoper, ok := svc.writer.(AttachmentScoper)
	if !ok {
		for _, p := range parts {
			if err := svc.putPart(ctx, op, "", p); err != nil {
				return err
			}
		}
		return nil
	}
	// With sealing, each statement's attachments go to its actor's scope
	// (a copy per person's key), so that an erasure deletes them.
	byHash := make(map[string]*attachments.Part, len(parts))
	for _, p := range parts {
		byHash[strings.ToLower(p.SHA2)] = p
	}
	stored := map[[2]string]bool{}
	for _, st := range list {
		refs := attachments.Refs(st)
		if len(refs) == 0 {
			continue
		}
		actor, _ := st["actor"].(map[string]any)
		scope, err := scoper.AttachmentScope(ctx, actor)
		if err != nil {
			return &Error{Kind: KindUnavailable, Op: op, Msg: "the key of a statement's actor could not be made for its attachments", Err: err}
		}
		for _, r := range refs {
			p := byHash[r.SHA2]
			if p == nil || stored[[2]string{scope, r.SHA2}] {
				continue // sent by fileUrl, or stored already
			}
			stored[[2]string{scope, r.SHA2}] = true
			if err := svc.putPart(ctx, op, scope, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// putPart stores one part, in a scope or ("") the shared store.
func (svc *StatementService) putPart(ctx context.Context, op, scope string, p *attachments.Part) error {
	r, err := p.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if scope == "" {
		err = svc.attachments.Put(ctx, p.SHA2, r)
	} else {
		err = svc.attachments.PutScoped(ctx, scope, p.SHA2, r)
	}
	_ = r.Close()
	if err != nil {
		return fmt.Errorf("%s: store attachment %s: %w", op, p.SHA2, err)
	}
	return nil
}

// prepare sets the properties the LRS owns in the statements of list
// (decoded from sub) and returns the request for the writer: the id
// (statementId for a PUT, a random UUID for a POSTed statement without
// one), the authority (always the credential's) and a missing version
// (after the request's xAPI version).
func prepare(sub *Submission, list []map[string]any) *StoreRequest {
	defaultVersion := "2.0.0"
	if sub.Version == xapi.V103 {
		defaultVersion = "1.0.0"
	}
	sts := make([]Statement, len(list))
	assigned := make([]bool, len(list))
	for i, st := range list {
		if sub.PutID != nil {
			st["id"] = sub.PutID.String()
		} else if _, ok := st["id"]; !ok {
			st["id"] = uuid.NewString()
			assigned[i] = true
		}
		st["authority"] = sub.Authority
		if _, ok := st["version"]; !ok {
			st["version"] = defaultVersion
		}
		sts[i] = st
	}
	raw, err := xapi.SplitArray(sub.Statements)
	if err != nil || len(raw) != len(sts) {
		raw = nil // stored from the decoded statements instead
	}
	return &StoreRequest{
		Statements: sts, Raw: raw, Assigned: assigned, Credential: sub.Credential,
		XAPIVersion: string(sub.Version), Define: sub.Define,
	}
}

// awaitVisible waits, for at most VisibleWithin, until the read model
// shows pos (nothing when the write stored nothing new).
func (svc *StatementService) awaitVisible(ctx context.Context, op string, pos eventstore.Position) error {
	if pos.IsStart() {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, svc.visibleWithin)
	err := svc.visibility.WaitFor(wctx, pos)
	cancel()
	switch {
	case err == nil:
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		// Stored and durable: answer, rather than hold the client while
		// the statement index lags (or is stuck).
		svc.log.Warn("statements stored but not yet visible to queries; answering without waiting longer",
			"op", op, "position", pos.String(), "waited", svc.visibleWithin)
	default:
		return fmt.Errorf("%s: stored, but waiting for it to become visible: %w", op, err)
	}
	return nil
}

// describe renders a problem for an error message.
func describe(p xapi.Problem) string {
	if p.Path == "" {
		return fmt.Sprintf("%s (%s)", p.Message, p.Rule)
	}
	return fmt.Sprintf("%s: %s (%s)", p.Path, p.Message, p.Rule)
}

// ErrorFromAttachments maps an error of lrs/attachments to an Error of
// its kind (KindTooLarge for a limit, KindInvalid for anything else the
// request did wrong); other errors are wrapped with op.
func ErrorFromAttachments(op string, err error) error {
	var ae *attachments.Error
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: %w", op, err)
	}
	le := &Error{Kind: KindInvalid, Op: op, Msg: ae.Error(), Err: err}
	if ae.Kind == attachments.KindTooLarge {
		le.Kind = KindTooLarge
	}
	return le
}
