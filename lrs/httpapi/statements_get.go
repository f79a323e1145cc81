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
	"github.com/hocvu/hocvu/schemas"
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
	q            lrs.Query
	format       string
	attachments  bool
	// params are the filter parameters as received, for the more link.
	params url.Values
}

// moreToken is what a "more" link carries: the filters of the first page
// (pinned to the time of the first page, so the pages are one consistent
// result) and where the next page starts.
type moreToken struct {
	Params string     `json:"p"`
	Until  int64      `json:"u"`
	After  lrs.Cursor `json:"a"`
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
	if err := parseStatementIDs(op, vals, sq); err != nil {
		return nil, err
	}
	if err := parseMatch(op, version(c), get, &sq.q); err != nil {
		return nil, err
	}
	if err := parseFlags(op, get, sq); err != nil {
		return nil, err
	}
	if err := parseStoredRange(op, get, &sq.q); err != nil {
		return nil, err
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

// parseStatementIDs reads statementId and voidedStatementId, which take
// no filter parameters besides them.
func parseStatementIDs(op string, vals url.Values, sq *statementQuery) error {
	get := vals.Get
	if s := get("statementId"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return invalid(op, "statementId %q is not a UUID", s)
		}
		sq.id = &id
	}
	if s := get("voidedStatementId"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return invalid(op, "voidedStatementId %q is not a UUID", s)
		}
		sq.voidedID = &id
	}
	if sq.id != nil && sq.voidedID != nil {
		return invalid(op, "give statementId or voidedStatementId, not both")
	}
	if sq.id != nil || sq.voidedID != nil {
		for k := range vals {
			if k != "statementId" && k != "voidedStatementId" && k != "format" && k != "attachments" {
				return invalid(op, "with statementId or voidedStatementId only format and attachments may be given, not %q", k)
			}
		}
	}
	return nil
}

// parseMatch reads the filters on what statements say: agent, verb,
// activity and registration.
func parseMatch(op string, v schemas.Version, get func(string) string, q *lrs.Query) error {
	if s := get("agent"); s != "" {
		key, err := parseAgentFilter(op, v, s)
		if err != nil {
			return err
		}
		q.Agent = key
	}
	if s := get("verb"); s != "" {
		if ps := xapi.ValidateActivityID(s); len(ps) > 0 {
			return invalid(op, "verb %q is not an IRI", s)
		}
		q.Verb = s
	}
	if s := get("activity"); s != "" {
		if ps := xapi.ValidateActivityID(s); len(ps) > 0 {
			return invalid(op, "activity %q is not an IRI", s)
		}
		q.Activity = s
	}
	if s := get("registration"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return invalid(op, "registration %q is not a UUID", s)
		}
		q.Registration = id.String()
	}
	return nil
}

// parseAgentFilter reads the agent parameter of a statement query (an
// Agent or identified Group) and returns its AgentKey.
func parseAgentFilter(op string, v schemas.Version, s string) (string, error) {
	if ps := xapi.CheckDepth([]byte(s)); ps != nil {
		return "", &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent " + ps[0].Message, Problems: lrs.ProblemsOf("agent", ps)}
	}
	doc, err := xapi.Decode([]byte(s))
	if err != nil {
		return "", invalid(op, "agent is not JSON: %v", err)
	}
	if ps := xapi.ValidateActor(v, doc); len(ps) > 0 {
		return "", &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent is not a valid Agent or identified Group", Problems: lrs.ProblemsOf("agent", ps)}
	}
	m, _ := doc.(map[string]any)
	key, ok := xapi.AgentKey(m)
	if !ok {
		return "", invalid(op, "agent must have an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
	}
	return key, nil
}

// parseFlags reads the boolean parameters.
func parseFlags(op string, get func(string) string, sq *statementQuery) error {
	for _, p := range []struct {
		name string
		dst  *bool
	}{
		{"related_activities", &sq.q.RelatedActivities}, {"related_agents", &sq.q.RelatedAgents},
		{"ascending", &sq.q.Ascending}, {"attachments", &sq.attachments},
	} {
		s := get(p.name)
		if s == "" {
			continue
		}
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			return invalid(op, "%s must be true or false, not %q", p.name, s)
		}
		*p.dst = b
	}
	return nil
}

// parseStoredRange reads since and until.
func parseStoredRange(op string, get func(string) string, q *lrs.Query) error {
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &q.Since}, {"until", &q.Until}} {
		s := get(p.name)
		if s == "" {
			continue
		}
		t, ok := parseTimestamp(s)
		if !ok {
			return invalid(op, "%s %q is not an ISO 8601 timestamp with a time zone", p.name, s)
		}
		if t.IsZero() && p.name == "until" {
			// 0001-01-01T00:00:00Z is the zero time, which the query
			// reads as "no bound": any time before every stored
			// statement means the same.
			t = lrs.MinStored.Add(-time.Nanosecond)
		}
		*p.dst = t
	}
	return nil
}

func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// getStatements serves GET and HEAD /xapi/statements.
func (a *API) getStatements(c echo.Context) error {
	sq, err := a.parseStatementQuery(c)
	if err != nil {
		return a.fail(c, err)
	}
	c.Response().Header().Set(consistentThroughHeader, a.consistentThrough().UTC().Format(time.RFC3339Nano))
	if sq.id != nil || sq.voidedID != nil {
		return a.getStatement(c, sq)
	}
	return a.getPage(c, sq)
}

// getStatement answers a GET of one statement (statementId) or voided
// statement (voidedStatementId).
func (a *API) getStatement(c echo.Context, sq *statementQuery) error {
	id, wantVoided := sq.id, false
	if sq.voidedID != nil {
		id, wantVoided = sq.voidedID, true
	}
	st, found, err := a.statements.Get(c.Request().Context(), *id)
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
	body, doc, err := formatted(st.JSON, sq.format, acceptLanguages(c.Request()), sq.attachments)
	if err != nil {
		return a.fail(c, err)
	}
	c.Response().Header().Set(echo.HeaderLastModified, st.Stored.Format(http.TimeFormat))
	return a.respondStatements(c, body, doc, sq.attachments, st.AttachmentScope)
}

// getPage answers a query with a page of its StatementResult.
func (a *API) getPage(c echo.Context, sq *statementQuery) error {
	if sq.q.After == nil {
		// The first page: pin the result to what is visible now, so
		// further pages stay one result while new statements arrive.
		visible := a.statements.LastStored()
		if visible.IsZero() {
			visible = time.Unix(0, 0)
		}
		if sq.q.Until.IsZero() || sq.q.Until.After(visible) {
			sq.q.Until = visible
		}
	}
	sq.q.MaxBytes = a.limits.MaxPageBytes
	sts, next, err := a.statements.Query(c.Request().Context(), sq.q)
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
		c.Response().Header().Set(echo.HeaderLastModified, lastMod.Format(http.TimeFormat))
	}
	page := &resultPage{sts: sts, format: sq.format, accept: acceptLanguages(c.Request()), blobs: a.blobs}
	if next != nil {
		tok, _ := json.Marshal(moreToken{Params: sq.params.Encode(), Until: sq.q.Until.UnixNano(), After: *next})
		page.more = c.Request().URL.Path + "?more=" + base64.RawURLEncoding.EncodeToString(tok)
	}
	return a.respondPage(c, page, sq.attachments)
}

// resultPage is one page of a StatementResult, to be rendered.
type resultPage struct {
	sts    []lrs.StoredStatement
	format string
	accept []language.Tag
	more   string
	blobs  *attachments.Store
}

// write streams the StatementResult: each statement is rendered and sent
// in turn, and let go once sent, so a page costs its statements' memory
// (bounded by MaxPageBytes) once, not twice. With refs set it collects
// the attachments the statements refer to that the blob store holds.
func (p *resultPage) write(w io.Writer, refs *[]attachments.BlobRef) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	bw.WriteString(`{"statements":[`)
	for i := range p.sts {
		if i > 0 {
			bw.WriteByte(',')
		}
		body, doc, err := formatted(p.sts[i].JSON, p.format, p.accept, refs != nil)
		if err != nil {
			return err
		}
		if _, err := bw.Write(body); err != nil {
			return err
		}
		if refs != nil {
			for _, r := range attachments.Refs(doc) {
				r.Scope = p.sts[i].AttachmentScope
				if p.blobs.HasScoped(r.Scope, r.SHA2) {
					*refs = append(*refs, r)
				}
			}
		}
		p.sts[i].JSON = nil
	}
	bw.WriteString(`],"more":`)
	mb, _ := json.Marshal(p.more)
	bw.Write(mb)
	bw.WriteByte('}')
	return bw.Flush()
}

// respondPage sends page as JSON or, with attachments=true, as
// multipart/mixed with the attachment data. Once the status is sent an
// error only cuts the body, and is logged.
func (a *API) respondPage(c echo.Context, page *resultPage, withAttachments bool) error {
	res := c.Response()
	if !withAttachments {
		res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
		res.WriteHeader(http.StatusOK)
		if c.Request().Method == http.MethodHead {
			return nil
		}
		if err := page.write(res, nil); err != nil {
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
	err := attachments.WriteMultipartFrom(c.Request().Context(), res, boundary, func(w io.Writer) ([]attachments.BlobRef, error) {
		var refs []attachments.BlobRef
		err := page.write(w, &refs)
		return refs, err
	}, a.blobs)
	if err != nil {
		a.log.Error("writing multipart statements response", "err", err)
	}
	return nil
}

// mayRead applies statements/read/mine to a single-statement GET.
func (a *API) mayRead(c echo.Context, st lrs.StoredStatement) bool {
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
func (a *API) respondStatements(c echo.Context, body []byte, doc any, withAttachments bool, scope string) error {
	if !withAttachments {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	}
	var refs []attachments.BlobRef
	for _, r := range attachments.Refs(doc) {
		r.Scope = scope
		if a.blobs.HasScoped(scope, r.SHA2) {
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
