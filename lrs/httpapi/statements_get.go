package httpapi

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/attachments"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/projections/statementindex"
)

// getParams are the query parameters GET /xapi/statements recognises.
var getParams = map[string]bool{
	"statementId": true, "voidedStatementId": true, "agent": true, "verb": true, "activity": true,
	"registration": true, "related_activities": true, "related_agents": true, "since": true,
	"until": true, "limit": true, "format": true, "attachments": true, "ascending": true,
	"more": true,
}

// statementQuery is a parsed GET request.
type statementQuery struct {
	id, voidedID *uuid.UUID
	q            statementindex.Query
	format       string
	attachments  bool
	// params are the filter parameters as received, for the more link.
	params url.Values
}

// moreToken is what a "more" link carries: the filters of the first page
// (pinned to the time of the first page, so the pages are one consistent
// result) and where the next page starts.
type moreToken struct {
	Params string                `json:"p"`
	Until  int64                 `json:"u"`
	After  statementindex.Cursor `json:"a"`
}

func (a *API) parseStatementQuery(c echo.Context) (*statementQuery, error) {
	const op = "get statements"
	vals := c.QueryParams()
	for k := range vals {
		if !getParams[k] {
			return nil, invalid(op, "unknown parameter %q (xAPI: an LRS rejects parameters it does not recognise)", k)
		}
	}
	if tok := vals.Get("more"); tok != "" {
		if len(vals) > 1 {
			return nil, invalid(op, "a more link takes no other parameters")
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		var mt moreToken
		if err == nil {
			err = json.Unmarshal(raw, &mt)
		}
		if err != nil {
			return nil, invalid(op, "malformed more token")
		}
		params, err := url.ParseQuery(mt.Params)
		if err != nil {
			return nil, invalid(op, "malformed more token")
		}
		sq, err := a.parseFilters(c, params)
		if err != nil {
			return nil, err
		}
		sq.q.Until = time.Unix(0, mt.Until).UTC()
		after := mt.After
		sq.q.After = &after
		return sq, nil
	}
	return a.parseFilters(c, vals)
}

func (a *API) parseFilters(c echo.Context, vals url.Values) (*statementQuery, error) {
	const op = "get statements"
	v := version(c)
	sq := &statementQuery{format: xapi.FormatExact, params: url.Values{}}
	for k, vs := range vals {
		if len(vs) > 1 {
			return nil, invalid(op, "parameter %q given more than once", k)
		}
		if k != "more" {
			sq.params[k] = vs
		}
	}
	get := vals.Get
	parseBool := func(name string) (bool, error) {
		s := get(name)
		if s == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			return false, invalid(op, "%s must be true or false, not %q", name, s)
		}
		return b, nil
	}
	var err error
	if s := get("statementId"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, invalid(op, "statementId %q is not a UUID", s)
		}
		sq.id = &id
	}
	if s := get("voidedStatementId"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, invalid(op, "voidedStatementId %q is not a UUID", s)
		}
		sq.voidedID = &id
	}
	if sq.id != nil && sq.voidedID != nil {
		return nil, invalid(op, "give statementId or voidedStatementId, not both")
	}
	if sq.id != nil || sq.voidedID != nil {
		for k := range vals {
			if k != "statementId" && k != "voidedStatementId" && k != "format" && k != "attachments" {
				return nil, invalid(op, "with statementId or voidedStatementId only format and attachments may be given, not %q", k)
			}
		}
	}
	if s := get("agent"); s != "" {
		if ps := xapi.CheckDepth([]byte(s)); ps != nil {
			return nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent " + ps[0].Message, Problems: problems("agent", ps)}
		}
		doc, err := xapi.Decode([]byte(s))
		if err != nil {
			return nil, invalid(op, "agent is not JSON: %v", err)
		}
		if ps := xapi.ValidateActor(v, doc); len(ps) > 0 {
			return nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent is not a valid Agent or identified Group", Problems: problems("agent", ps)}
		}
		m, _ := doc.(map[string]any)
		key, ok := xapi.AgentKey(m)
		if !ok {
			return nil, invalid(op, "agent must have an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
		}
		sq.q.Agent = key
	}
	if s := get("verb"); s != "" {
		if ps := xapi.ValidateActivityID(s); len(ps) > 0 {
			return nil, invalid(op, "verb %q is not an IRI", s)
		}
		sq.q.Verb = s
	}
	if s := get("activity"); s != "" {
		if ps := xapi.ValidateActivityID(s); len(ps) > 0 {
			return nil, invalid(op, "activity %q is not an IRI", s)
		}
		sq.q.Activity = s
	}
	if s := get("registration"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, invalid(op, "registration %q is not a UUID", s)
		}
		sq.q.Registration = id.String()
	}
	if sq.q.RelatedActivities, err = parseBool("related_activities"); err != nil {
		return nil, err
	}
	if sq.q.RelatedAgents, err = parseBool("related_agents"); err != nil {
		return nil, err
	}
	if sq.q.Ascending, err = parseBool("ascending"); err != nil {
		return nil, err
	}
	if sq.attachments, err = parseBool("attachments"); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &sq.q.Since}, {"until", &sq.q.Until}} {
		if s := get(p.name); s != "" {
			t, ok := parseTimestamp(s)
			if !ok {
				return nil, invalid(op, "%s %q is not an ISO 8601 timestamp with a time zone", p.name, s)
			}
			if t.IsZero() && p.name == "until" {
				// 0001-01-01T00:00:00Z is the zero time, which the query
				// reads as "no bound": any time before every stored
				// statement means the same.
				t = statementindex.MinStored.Add(-time.Nanosecond)
			}
			*p.dst = t
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return nil, invalid(op, "limit must be a non-negative integer, not %q", s)
		}
		sq.q.Limit = n
	}
	if sq.q.Limit == 0 || sq.q.Limit > a.limits.MaxPage {
		sq.q.Limit = a.limits.MaxPage
	}
	if s := get("format"); s != "" {
		switch s {
		case xapi.FormatExact, xapi.FormatIDs, xapi.FormatCanonical:
			sq.format = s
		default:
			return nil, invalid(op, "format must be exact, ids or canonical, not %q", s)
		}
	}
	if cred := credential(c); cred != nil && !cred.HasAny(auth.ScopeStatementsRead, auth.ScopeAllRead) {
		// statements/read/mine: only what this credential stored.
		key, _ := xapi.AuthorityKey(cred.Authority())
		sq.q.Authority = key
	}
	return sq, nil
}

func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func problems(prefix string, ps []xapi.Problem) []lrs.Problem {
	out := make([]lrs.Problem, len(ps))
	for i, p := range ps {
		out[i] = lrs.Problem{Path: prefix + p.Path, Rule: p.Rule, Message: p.Message}
	}
	return out
}

// getStatements serves GET and HEAD /xapi/statements.
func (a *API) getStatements(c echo.Context) error {
	sq, err := a.parseStatementQuery(c)
	if err != nil {
		return a.fail(c, err)
	}
	ctx := c.Request().Context()
	accept := acceptLanguages(c.Request())
	h := c.Response().Header()
	h.Set(consistentThroughHeader, a.consistentThrough().UTC().Format(time.RFC3339Nano))

	if sq.id != nil || sq.voidedID != nil {
		id, wantVoided := sq.id, false
		if sq.voidedID != nil {
			id, wantVoided = sq.voidedID, true
		}
		st, found, err := a.statements.Get(ctx, *id)
		if err != nil {
			return a.fail(c, err)
		}
		if !found || st.Voided != wantVoided || !a.mayRead(c, st) {
			what := "statement"
			if wantVoided {
				what = "voided statement"
			}
			return a.fail(c, lrs.Errorf(lrs.KindNotFound, "get statement", "no %s with id %s", what, id))
		}
		body, doc, err := formatted(st.JSON, sq.format, accept, sq.attachments)
		if err != nil {
			return a.fail(c, err)
		}
		h.Set(echo.HeaderLastModified, st.Stored.Format(http.TimeFormat))
		return a.respondStatements(c, body, doc, sq.attachments)
	}

	first := sq.q.After == nil
	if first {
		// Pin the result to what is visible now, so further pages stay one
		// result while new statements arrive.
		visible := a.statements.LastStored()
		if visible.IsZero() {
			visible = time.Unix(0, 0)
		}
		if sq.q.Until.IsZero() || sq.q.Until.After(visible) {
			sq.q.Until = visible
		}
	}
	sq.q.MaxBytes = a.limits.MaxPageBytes
	sts, next, err := a.statements.Query(ctx, sq.q)
	if err != nil {
		return a.fail(c, err)
	}
	lastMod := time.Time{}
	for _, st := range sts {
		if st.Stored.After(lastMod) {
			lastMod = st.Stored
		}
	}
	if !lastMod.IsZero() {
		h.Set(echo.HeaderLastModified, lastMod.Format(http.TimeFormat))
	}
	more := ""
	if next != nil {
		tok, _ := json.Marshal(moreToken{Params: sq.params.Encode(), Until: sq.q.Until.UnixNano(), After: *next})
		more = c.Request().URL.Path + "?more=" + base64.RawURLEncoding.EncodeToString(tok)
	}
	// The StatementResult is streamed: each statement is rendered and
	// sent in turn, and let go once sent, so a page costs its statements'
	// memory (bounded by MaxPageBytes) once, not twice.
	write := func(w io.Writer, refs *[]attachments.BlobRef) error {
		bw := bufio.NewWriterSize(w, 32<<10)
		bw.WriteString(`{"statements":[`)
		for i := range sts {
			if i > 0 {
				bw.WriteByte(',')
			}
			body, doc, err := formatted(sts[i].JSON, sq.format, accept, refs != nil)
			if err != nil {
				return err
			}
			if _, err := bw.Write(body); err != nil {
				return err
			}
			if refs != nil {
				for _, r := range attachments.Refs(doc) {
					if a.blobs.Has(r.SHA2) {
						*refs = append(*refs, r)
					}
				}
			}
			sts[i].JSON = nil
		}
		bw.WriteString(`],"more":`)
		mb, _ := json.Marshal(more)
		bw.Write(mb)
		bw.WriteByte('}')
		return bw.Flush()
	}
	res := c.Response()
	if !sq.attachments {
		res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		res.WriteHeader(http.StatusOK)
		if c.Request().Method == http.MethodHead {
			return nil
		}
		if err := write(res, nil); err != nil {
			// The status is sent: the client sees a cut body.
			a.log.Error("writing statements response", "err", err)
		}
		return nil
	}
	boundary := attachments.NewBoundary()
	res.Header().Set(echo.HeaderContentType, attachments.MultipartContentType(boundary))
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	res.WriteHeader(http.StatusOK)
	err = attachments.WriteMultipartFrom(ctx, res, boundary, func(w io.Writer) ([]attachments.BlobRef, error) {
		var refs []attachments.BlobRef
		err := write(w, &refs)
		return refs, err
	}, a.blobs)
	if err != nil {
		a.log.Error("writing multipart statements response", "err", err)
	}
	return nil
}

// mayRead applies statements/read/mine to a single-statement GET.
func (a *API) mayRead(c echo.Context, st statementindex.Statement) bool {
	cred := credential(c)
	if cred == nil || cred.HasAny(auth.ScopeStatementsRead, auth.ScopeAllRead) {
		return true
	}
	var doc struct {
		Authority map[string]any `json:"authority"`
	}
	if json.Unmarshal(st.JSON, &doc) != nil {
		return false
	}
	mine, _ := xapi.AuthorityKey(cred.Authority())
	theirs, _ := xapi.AuthorityKey(doc.Authority)
	return mine != "" && mine == theirs
}

// formatted renders a stored statement in the requested format, and
// returns the rendered document too when needDoc (for attachment refs).
// The exact format without needDoc is the stored bytes, undecoded.
func formatted(stored []byte, format string, accept []language.Tag, needDoc bool) ([]byte, any, error) {
	if format == xapi.FormatExact {
		// Statements stored before the LRS wrote them as arrays may hold a
		// single context Activity (Data 2.4.6.2.s4.b3); Format wraps them
		// in the other formats.
		var err error
		if stored, err = xapi.ContextActivitiesAsArraysJSON(stored); err != nil {
			return nil, nil, fmt.Errorf("stored statement: %w", err)
		}
	}
	if format == xapi.FormatExact && !needDoc {
		return stored, nil, nil
	}
	doc, err := xapi.Decode(stored)
	if err != nil {
		return nil, nil, fmt.Errorf("decode stored statement: %w", err)
	}
	if format == xapi.FormatExact {
		return stored, doc, nil
	}
	out := xapi.Format(doc, format, accept)
	b, err := json.Marshal(out)
	return b, out, err
}

func acceptLanguages(r *http.Request) []language.Tag {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil {
		return nil
	}
	return tags
}

// respondStatements writes a statement or StatementResult, as JSON or, with
// attachments=true, as multipart/mixed with the attachment data.
func (a *API) respondStatements(c echo.Context, body []byte, doc any, withAttachments bool) error {
	if !withAttachments {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	}
	var refs []attachments.BlobRef
	for _, r := range attachments.Refs(doc) {
		if a.blobs.Has(r.SHA2) {
			refs = append(refs, r)
		}
	}
	boundary := attachments.NewBoundary()
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, attachments.MultipartContentType(boundary))
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	res.WriteHeader(http.StatusOK)
	if err := attachments.WriteMultipart(c.Request().Context(), res, boundary, body, refs, a.blobs); err != nil {
		a.log.Error("writing multipart statements response", "err", err)
	}
	return nil
}

func (a *API) consistentThrough() time.Time {
	if a.consistent == nil {
		return time.Now()
	}
	return a.consistent()
}
