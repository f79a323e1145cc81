package documents

import (
	"bytes"
	"context"
	"crypto/sha1" //nolint:gosec // xAPI 1.0.3 3.1.s4.b2 defines the ETag as a SHA-1 digest; it is not used for security
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/schemas"
)

// Log is the part of the event store the service uses.
type Log interface {
	eventstore.Appender
	eventstore.StreamReader
}

// Blobs keeps document content by SHA-256 ([attachments.Store]).
type Blobs interface {
	// Put stores r's data under its hex SHA-256 durably (nil means on
	// stable storage); storing a hash again is a no-op.
	Put(ctx context.Context, sha2 string, r io.Reader) error
	Open(sha2 string) (io.ReadCloser, int64, error)
}

// ListQuery selects the documents of one Activity and/or Agent.
type ListQuery struct {
	Resource   Resource
	ActivityID string
	Agent      string // AgentKey form
	// Registration restricts State documents to one registration, unless
	// AllRegistrations is set (a State request without registration:
	// "Activity + Agent [+ registration if specified]").
	Registration     string
	AllRegistrations bool
	// Since, when not zero, keeps only documents updated strictly after it.
	Since time.Time
}

// Entry is one current document listed by an Index.
type Entry struct {
	Registration string
	ID           string
	Updated      time.Time
}

// Index is the read model of current documents (projections/documentindex
// with its runner).
type Index interface {
	// List returns the current documents that q selects.
	List(ctx context.Context, q ListQuery) ([]Entry, error)
	// WaitFor blocks until the index reflects the log through pos.
	WaitFor(ctx context.Context, pos eventstore.Position) error
}

// Definitions is the read model of canonical Activity definitions
// (documentindex.Definitions with its runner).
type Definitions interface {
	// Definition returns the canonical definition of the Activity.
	Definition(ctx context.Context, activityID string) (def map[string]any, found bool, err error)
	WaitFor(ctx context.Context, pos eventstore.Position) error
}

// Options tune a Service.
type Options struct {
	// Definitions serves the Activities resource; without it Activities
	// come back without definition.
	Definitions Definitions
	Logger      *slog.Logger
	// Now is the clock (tests).
	Now func() time.Time
	// WaitTimeout bounds how long a request waits for a read model to
	// reach a log position (default 10s); past it the request fails with
	// KindUnavailable.
	WaitTimeout time.Duration
	// MaxAttempts bounds how often an unconditional write that lost a race
	// is decided again (default 64); past it the request gets 409.
	MaxAttempts int
	// Sealer, when set, seals the documents of a person ([Sealer]); the
	// document index must then map agents the same way
	// (documentindex.Index.UseSealer).
	Sealer Sealer
}

// Service implements the document resources over the event log, the blob
// store and the document index. It is safe for concurrent use and keeps
// no state of its own: any number of Services (API replicas) may share a
// log.
type Service struct {
	log         Log
	blobs       Blobs
	index       Index
	defs        Definitions
	logger      *slog.Logger
	now         func() time.Time
	waitTimeout time.Duration
	maxAttempts int
	sealer      Sealer
}

// New creates a Service.
func New(log Log, blobs Blobs, index Index, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WaitTimeout <= 0 {
		opts.WaitTimeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 64
	}
	return &Service{log: log, blobs: blobs, index: index, defs: opts.Definitions, logger: opts.Logger,
		now: opts.Now, waitTimeout: opts.WaitTimeout, maxAttempts: opts.MaxAttempts, sealer: opts.Sealer}
}

// Document describes a stored document (not its content).
type Document struct {
	Key         Key
	ContentType string
	Size        int64
	SHA256      string
	SHA1        string
	Updated     time.Time
	// Revision is the revision of the event that set it in its stream.
	Revision uint64
	// keyID is the person's key that seals the content ("" in clear).
	keyID string
}

// ETag is the document's ETag header value.
func (d *Document) ETag() string { return ETag(d.SHA1) }

// head is what a document's stream says now.
type head struct {
	doc      *Document // nil when absent (never written, or deleted)
	expected eventstore.ExpectedRevision
}

// current reads where a request's document stands. A document of a
// person stored in clear before sealing was turned on is read from its
// legacy stream while the sealed stream does not exist; writes and
// deletes then go to the sealed stream (expected NoStream), which
// supersedes the legacy one from then on.
func (s *Service) current(ctx context.Context, loc located) (head, error) {
	h, exists, err := s.readHead(ctx, loc.key)
	if err != nil || exists || loc.legacy == nil {
		return h, err
	}
	old, _, err := s.readHead(ctx, *loc.legacy)
	if err != nil {
		return head{}, fmt.Errorf("legacy document stream: %w", err)
	}
	return head{doc: old.doc, expected: eventstore.NoStream}, nil
}

// readHead reads the last event of key's stream; exists is false when
// the stream does not exist.
func (s *Service) readHead(ctx context.Context, key Key) (h head, exists bool, err error) {
	evs, err := s.log.ReadStream(ctx, key.Stream(), eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || (err == nil && len(evs) == 0) {
		return head{expected: eventstore.NoStream}, false, nil
	}
	if err != nil {
		return head{}, false, fmt.Errorf("read document stream: %w", err)
	}
	ev := &evs[0]
	h = head{expected: eventstore.Exact(ev.Revision)}
	d, ok, err := Decode(ev)
	if err != nil {
		return head{}, true, err
	}
	if !ok {
		return head{}, true, fmt.Errorf("document stream %s ends with event type %q, which this version does not know", ev.Stream, ev.Type)
	}
	if d.Set == nil {
		return h, true, nil
	}
	doc := &Document{Key: key, ContentType: d.Set.ContentType, Size: d.Set.Size, SHA256: d.Set.SHA256,
		SHA1: d.Set.SHA1, Updated: d.Set.Updated, Revision: ev.Revision}
	if sd := d.Set.Sealed; sd != nil {
		sha1Hex, usable, err := s.openETag(ctx, key, sd)
		if err != nil {
			return head{}, true, fmt.Errorf("document stream %s: %w", ev.Stream, err)
		}
		if !usable {
			return h, true, nil // the person was erased: the document is gone
		}
		doc.SHA1, doc.keyID = sha1Hex, sd.KeyID
	}
	h.doc = doc
	return h, true, nil
}

func validateKey(op string, k Key) error {
	switch {
	case !k.Resource.Valid():
		return lrs.Errorf(lrs.KindInvalid, op, "unknown document resource %q", k.Resource)
	case k.ID == "":
		return lrs.Errorf(lrs.KindInvalid, op, "a document id is required")
	case (k.Resource == State || k.Resource == ActivityProfile) && k.ActivityID == "":
		return lrs.Errorf(lrs.KindInvalid, op, "activityId is required")
	case (k.Resource == State || k.Resource == AgentProfile) && k.Agent == "":
		return lrs.Errorf(lrs.KindInvalid, op, "agent is required")
	}
	return nil
}

// Get returns the current document and its content; the caller closes the
// reader. An absent document is a KindNotFound error.
func (s *Service) Get(ctx context.Context, key Key) (*Document, io.ReadCloser, error) {
	const op = "get document"
	if err := validateKey(op, key); err != nil {
		return nil, nil, err
	}
	h, err := s.current(ctx, s.locate(key))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	if h.doc == nil {
		return nil, nil, lrs.Errorf(lrs.KindNotFound, op, "no such document")
	}
	rc, ok, err := s.readContent(ctx, h.doc)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", op, err)
	}
	if !ok {
		return nil, nil, lrs.Errorf(lrs.KindNotFound, op, "no such document")
	}
	return h.doc, rc, nil
}

// WriteRequest is a PUT or POST of one document.
type WriteRequest struct {
	Key Key
	// Method is http.MethodPut (store as sent) or http.MethodPost (store,
	// or merge into an existing JSON document).
	Method string
	// Content is the body as received; ContentType its Content-Type
	// ("" is stored as application/octet-stream).
	Content     []byte
	ContentType string
	Conditions  Conditions
	// Version selects the rules that differ between xAPI versions.
	Version    schemas.Version
	Credential string
}

// DefaultContentType is stored for a document sent without Content-Type.
const DefaultContentType = "application/octet-stream"

// Write stores a PUT or POST. It returns once the change is durable in the
// log and visible to List. Errors: KindInvalid (400), KindConflict (409),
// KindPrecondition (412), KindUnavailable (503) or an internal error.
func (s *Service) Write(ctx context.Context, req *WriteRequest) (*Document, error) {
	op := "put document"
	if req.Method == http.MethodPost {
		op = "post document"
	} else if req.Method != http.MethodPut {
		return nil, lrs.Errorf(lrs.KindInvalid, op, "method %q cannot write a document", req.Method)
	}
	if err := validateKey(op, req.Key); err != nil {
		return nil, err
	}
	contentType := req.ContentType
	if contentType == "" {
		contentType = DefaultContentType
	}
	if err := checkPostedJSON(op, req.Method, req.Content, contentType); err != nil {
		return nil, err
	}
	loc := s.locate(req.Key)
	stream := loc.key.Stream()
	meta, err := json.Marshal(Meta{Credential: req.Credential, XAPIVersion: string(req.Version), Method: req.Method})
	if err != nil {
		return nil, err
	}
	stored := "" // the blob this request already made durable
	for attempt := 1; ; attempt++ {
		h, err := s.current(ctx, loc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if err := checkWrite(op, req, h.doc); err != nil {
			return nil, err
		}
		content, ct, merged := req.Content, contentType, false
		if req.Method == http.MethodPost && h.doc != nil {
			if content, err = s.merge(ctx, op, h.doc, req.Content, contentType); err != nil {
				return nil, err
			}
			ct, merged = h.doc.ContentType, true
		}
		updated := s.now().UTC()
		if h.doc != nil && !updated.After(h.doc.Updated) {
			// A document's time never goes backwards (a clock step on this
			// or another replica), so "since" never misses a change.
			updated = h.doc.Updated.Add(time.Nanosecond)
		}
		set, err := s.setEvent(ctx, loc, content, SetData{ContentType: ct, Updated: updated, Merged: merged})
		if err != nil {
			return nil, &lrs.Error{Kind: lrs.KindUnavailable, Op: op, Msg: "the document could not be sealed under its person's key; retry", Err: err}
		}
		data, etag := set.data, set.etag
		// The content is durable before the event that refers to it.
		if data.SHA256 != stored {
			if err := s.blobs.Put(ctx, data.SHA256, bytes.NewReader(set.blob)); err != nil {
				return nil, fmt.Errorf("%s: store content: %w", op, err)
			}
			stored = data.SHA256
		}
		ev, err := newEvent(set.typ, data, meta)
		if err != nil {
			return nil, err
		}
		res, err := s.log.Append(ctx, stream, h.expected, ev)
		if err == nil {
			if err := s.waitVisible(ctx, op, res.Position); err != nil {
				return nil, err
			}
			doc := &Document{Key: loc.key, ContentType: ct, Size: data.Size, SHA256: data.SHA256, SHA1: etag,
				Updated: data.Updated, Revision: res.NextExpectedRevision}
			if data.Sealed != nil {
				doc.keyID = data.Sealed.KeyID
			}
			return doc, nil
		}
		if err := s.raced(op, err, req.Conditions, attempt); err != nil {
			return nil, err
		}
	}
}

// preparedSet is the set event of a write and the blob it refers to.
type preparedSet struct {
	typ  string
	data SetData
	blob []byte
	etag string // the SHA-1 of the content, hex
}

// setEvent completes data (ContentType, Updated and Merged given) for
// content stored at loc: in clear, or sealed for a person's document.
func (s *Service) setEvent(ctx context.Context, loc located, content []byte, data SetData) (preparedSet, error) {
	sum256 := sha256.Sum256(content)
	sum1 := sha1.Sum(content) //nolint:gosec // the ETag the spec defines
	etag := hex.EncodeToString(sum1[:])
	data.KeyData, data.Size = keyData(loc.key), int64(len(content))
	data.SHA256, data.SHA1 = hex.EncodeToString(sum256[:]), etag
	if loc.legacy == nil {
		return preparedSet{typ: EventDocumentSet, data: data, blob: content, etag: etag}, nil
	}
	sealed, sd, err := s.sealContent(ctx, loc.key, content, etag)
	if err != nil {
		return preparedSet{}, err
	}
	sum := sha256.Sum256(sealed)
	data.SHA256, data.SHA1, data.Sealed = hex.EncodeToString(sum[:]), "", sd
	return preparedSet{typ: EventDocumentSealed, data: data, blob: sealed, etag: etag}, nil
}

// checkWrite applies the concurrency rules of a PUT or POST to the current
// document (nil when absent).
func checkWrite(op string, req *WriteRequest, cur *Document) error {
	if err := checkConditions(op, req.Conditions, cur); err != nil {
		return err
	}
	if req.Method != http.MethodPut || req.Conditions.Present() {
		return nil
	}
	if cur != nil {
		if req.Key.Resource == State && req.Version == schemas.V103 {
			// 1.0.3 3.1.s3: "The State Resource will permit PUT, POST and
			// DELETE requests without concurrency headers".
			return nil
		}
		return &lrs.Error{Kind: lrs.KindConflict, Op: op, Msg: "the document already exists and the request has neither If-Match nor If-None-Match: " +
			"GET the document to check its current state, then send the PUT again with If-Match set to its ETag"}
	}
	if req.Key.Resource.IsProfile() {
		return &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "a PUT to a profile resource must carry If-Match or If-None-Match " +
			"(xAPI Communication 3.1: send If-None-Match: * to create a document, If-Match with its ETag to replace one)"}
	}
	return nil
}

// checkConditions evaluates If-Match and If-None-Match against the current
// document (RFC 7232 3.1 and 3.2).
func checkConditions(op string, c Conditions, cur *Document) error {
	if c.IfMatch != nil {
		switch {
		case cur == nil:
			return lrs.Errorf(lrs.KindPrecondition, op, "If-Match does not hold: there is no such document")
		case !c.IfMatch.Any && !c.IfMatch.matchStrong(cur.SHA1):
			return lrs.Errorf(lrs.KindPrecondition, op, "If-Match does not hold: the document's ETag is now %s", cur.ETag())
		}
	}
	if c.IfNoneMatch != nil && cur != nil {
		if c.IfNoneMatch.Any {
			return lrs.Errorf(lrs.KindPrecondition, op, "If-None-Match: * does not hold: the document exists (ETag %s)", cur.ETag())
		}
		if c.IfNoneMatch.matchWeak(cur.SHA1) {
			return lrs.Errorf(lrs.KindPrecondition, op, "If-None-Match does not hold: the document's ETag is %s", cur.ETag())
		}
	}
	return nil
}

// raced decides what an append error means. It returns nil when the write
// should be decided again.
func (s *Service) raced(op string, err error, c Conditions, attempt int) error {
	if !errors.Is(err, eventstore.ErrWrongExpectedRevision) {
		return fmt.Errorf("%s: append: %w", op, err)
	}
	if c.Present() {
		return lrs.Errorf(lrs.KindPrecondition, op, "another request changed the document after this request's precondition was checked; GET it and retry with its new ETag")
	}
	if attempt >= s.maxAttempts {
		return lrs.Errorf(lrs.KindConflict, op, "the document kept changing while this request tried to apply; retry later")
	}
	s.logger.Debug("document write raced another writer; deciding again", "op", op, "attempt", attempt)
	return nil
}

func newEvent(typ string, data any, meta []byte) (eventstore.EventData, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return eventstore.EventData{}, fmt.Errorf("encode %s: %w", typ, err)
	}
	return eventstore.EventData{ID: uuid.New(), Type: typ, Data: b, Metadata: meta}, nil
}

// waitVisible waits, bounded by WaitTimeout, until the index shows pos.
func (s *Service) waitVisible(ctx context.Context, op string, pos eventstore.Position) error {
	wctx, cancel := context.WithTimeout(ctx, s.waitTimeout)
	defer cancel()
	if err := s.index.WaitFor(wctx, pos); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &lrs.Error{Kind: lrs.KindUnavailable, Op: op, Msg: "the change is stored but the document index is behind; it will show it shortly", Err: err}
	}
	return nil
}

// catchUpStatements waits, bounded by WaitTimeout, until the definitions
// reflect the last statement stored (the last event of
// lrs.StatementsStream), so that GET /activities sees a statement stored
// just before it.
func (s *Service) catchUpStatements(ctx context.Context) error {
	evs, err := s.log.ReadStream(ctx, lrs.StatementsStream, eventstore.ReadStreamOptions{Direction: eventstore.Backwards, FromEnd: true, Max: 1})
	if errors.Is(err, eventstore.ErrStreamNotFound) || (err == nil && len(evs) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the statements stream: %w", err)
	}
	wctx, cancel := context.WithTimeout(ctx, s.waitTimeout)
	defer cancel()
	return s.defs.WaitFor(wctx, evs[0].Position)
}

// DeleteRequest deletes one document.
type DeleteRequest struct {
	Key        Key
	Conditions Conditions
	Version    schemas.Version
	Credential string
}

// Delete deletes one document. Deleting an absent document succeeds
// without an event unless If-Match is given (412).
func (s *Service) Delete(ctx context.Context, req *DeleteRequest) error {
	const op = "delete document"
	if err := validateKey(op, req.Key); err != nil {
		return err
	}
	meta, err := json.Marshal(Meta{Credential: req.Credential, XAPIVersion: string(req.Version), Method: http.MethodDelete})
	if err != nil {
		return err
	}
	pos, err := s.deleteOne(ctx, op, s.locate(req.Key), req.Conditions, meta, false)
	if err != nil || pos.IsStart() {
		return err
	}
	return s.waitVisible(ctx, op, pos)
}

// deleteOne appends a deleted event for key unless it is absent; it
// returns the event's position (Start when nothing was appended).
func (s *Service) deleteOne(ctx context.Context, op string, loc located, c Conditions, meta []byte, all bool) (eventstore.Position, error) {
	stream := loc.key.Stream()
	for attempt := 1; ; attempt++ {
		h, err := s.current(ctx, loc)
		if err != nil {
			return eventstore.Start, fmt.Errorf("%s: %w", op, err)
		}
		if err := checkConditions(op, c, h.doc); err != nil {
			return eventstore.Start, err
		}
		if h.doc == nil {
			return eventstore.Start, nil
		}
		ev, err := newEvent(EventDocumentDeleted, DeletedData{KeyData: keyData(loc.key), Updated: s.now().UTC(), All: all}, meta)
		if err != nil {
			return eventstore.Start, err
		}
		res, err := s.log.Append(ctx, stream, h.expected, ev)
		if err == nil {
			return res.Position, nil
		}
		if err := s.raced(op, err, c, attempt); err != nil {
			return eventstore.Start, err
		}
	}
}

// DeleteAll deletes every State document of an Activity and Agent (and
// registration, unless q.AllRegistrations): State DELETE without stateId.
// It deletes what the index lists — every document whose write this
// process acknowledged (writes wait for the index) and those written
// through other API replicas that the index has applied. Each document
// gets its own deleted event, appended at the revision read for it (the
// log has no multi-stream transaction); documents written after the
// request started may survive.
func (s *Service) DeleteAll(ctx context.Context, q ListQuery, version schemas.Version, credential string) error {
	const op = "delete documents"
	if q.Resource != State {
		return lrs.Errorf(lrs.KindInvalid, op, "only the State resource deletes several documents at once")
	}
	if q.ActivityID == "" || q.Agent == "" {
		return lrs.Errorf(lrs.KindInvalid, op, "activityId and agent are required")
	}
	q.Since = time.Time{}
	clearAgent := q.Agent
	entries, err := s.index.List(ctx, s.locateQuery(q))
	if err != nil {
		return fmt.Errorf("%s: list: %w", op, err)
	}
	meta, err := json.Marshal(Meta{Credential: credential, XAPIVersion: string(version), Method: http.MethodDelete})
	if err != nil {
		return err
	}
	last := eventstore.Start
	for _, e := range entries {
		key := Key{Resource: State, ActivityID: q.ActivityID, Agent: clearAgent, Registration: e.Registration, ID: e.ID}
		pos, err := s.deleteOne(ctx, op, s.locate(key), Conditions{}, meta, true)
		if err != nil {
			return err
		}
		if pos.Compare(last) > 0 {
			last = pos
		}
	}
	if last.IsStart() {
		return nil
	}
	return s.waitVisible(ctx, op, last)
}

// List returns the ids of the current documents that q selects, sorted
// and without repetition (a stateId used under several registrations is
// listed once). It reads the index, which shows every write this process
// acknowledged and, within the projection's lag, those of other replicas.
func (s *Service) List(ctx context.Context, q ListQuery) ([]string, error) {
	const op = "list documents"
	if !q.Resource.Valid() {
		return nil, lrs.Errorf(lrs.KindInvalid, op, "unknown document resource %q", q.Resource)
	}
	entries, err := s.index.List(ctx, s.locateQuery(q))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	seen := map[string]bool{}
	ids := make([]string, 0, len(entries))
	for _, e := range entries {
		if !q.Since.IsZero() && !e.Updated.After(q.Since) {
			continue
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			ids = append(ids, e.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// Activity returns the Activity object for the Activities resource: the
// canonical definition the LRS has learned, or only id and objectType when
// it knows none (1.0.3 2.5, 2.0 4.1.6.4: an Activity object is returned in
// any case). It first waits, briefly, for the definitions to reflect the
// whole log, so a statement stored just before is taken into account.
func (s *Service) Activity(ctx context.Context, activityID string) (map[string]any, error) {
	const op = "get activity"
	obj := map[string]any{"objectType": "Activity", "id": activityID}
	if s.defs == nil {
		return obj, nil
	}
	if err := s.catchUpStatements(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// A stale definition is better than none: serve what is known.
		s.logger.Warn("activity definitions are behind the statements; serving what they hold", "err", err)
	}
	def, found, err := s.defs.Definition(ctx, activityID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if found && len(def) > 0 {
		obj["definition"] = def
	}
	return obj, nil
}
