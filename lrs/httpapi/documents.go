package httpapi

import (
	"context"
	"crypto/sha1" //nolint:gosec // the ETag the xAPI defines
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/auth"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/schemas"
)

// DocumentService serves the document resources (State, Activity Profile,
// Agent Profile) and the Activities and Agents resources
// (lrs/documents.Service).
type DocumentService interface {
	Get(ctx context.Context, key documents.Key) (*documents.Document, io.ReadCloser, error)
	Write(ctx context.Context, req *documents.WriteRequest) (*documents.Document, error)
	Delete(ctx context.Context, req *documents.DeleteRequest) error
	DeleteAll(ctx context.Context, q documents.ListQuery, v schemas.Version, credential string) error
	List(ctx context.Context, q documents.ListQuery) ([]string, error)
	Activity(ctx context.Context, activityID string) (map[string]any, error)
}

var _ DocumentService = (*documents.Service)(nil)

// mountDocuments installs the document, Activities and Agents routes on the
// authenticated, versioned group. Without a DocumentService they are not
// served (404).
//
// Scopes (1.0.3 4.2, 2.0 "Authorization Scope"): "state" reads and writes
// State documents, "profile" Activity and Agent Profile documents,
// "all/read" reads them all and "all" does everything. The Activities and
// Agents resources are reads: any of "all/read", "profile", "state",
// "define" or "statements/read" lets them through.
func (a *API) mountDocuments(g *echo.Group) {
	if a.documents == nil {
		return
	}
	stateRead := a.requireAny(auth.ScopeState, auth.ScopeAllRead)
	stateWrite := a.requireAny(auth.ScopeState)
	profileRead := a.requireAny(auth.ScopeProfile, auth.ScopeAllRead)
	profileWrite := a.requireAny(auth.ScopeProfile)
	for _, r := range []struct {
		path        string
		res         documents.Resource
		read, write echo.MiddlewareFunc
	}{
		{"/activities/state", documents.State, stateRead, stateWrite},
		{"/activities/profile", documents.ActivityProfile, profileRead, profileWrite},
		{"/agents/profile", documents.AgentProfile, profileRead, profileWrite},
	} {
		h := &docHandler{a: a, res: r.res}
		g.GET(r.path, h.get, r.read)
		g.HEAD(r.path, h.get, r.read)
		g.PUT(r.path, h.write, r.write)
		g.POST(r.path, h.write, r.write)
		g.DELETE(r.path, h.delete, r.write)
	}
	lookup := a.requireAny(auth.ScopeAllRead, auth.ScopeProfile, auth.ScopeState, auth.ScopeDefine, auth.ScopeStatementsRead)
	g.GET("/activities", a.getActivity, lookup)
	g.HEAD("/activities", a.getActivity, lookup)
	g.GET("/agents", a.getAgents, lookup)
	g.HEAD("/agents", a.getAgents, lookup)
}

// docHandler serves one document resource.
type docHandler struct {
	a   *API
	res documents.Resource
}

// idParam is the name of the document id parameter of the resource.
func (h *docHandler) idParam() string {
	if h.res == documents.State {
		return "stateId"
	}
	return "profileId"
}

// docParams are the parsed parameters of a document request.
type docParams struct {
	key      documents.Key
	hasID    bool
	hasReg   bool
	since    time.Time
	hasSince bool
}

// params parses and checks the query parameters for a request with the
// given method (1.0.3 Communication 2.3, 2.6, 2.7; 2.0 4.1.6.2, 4.1.6.5,
// 4.1.6.6): unknown or repeated parameters, missing required ones and
// malformed values are 400.
func (h *docHandler) params(c echo.Context, op string) (*docParams, error) {
	method := c.Request().Method
	v := version(c)
	allowed := map[string]bool{h.idParam(): true}
	switch h.res {
	case documents.State:
		allowed["activityId"], allowed["agent"], allowed["registration"] = true, true, true
	case documents.ActivityProfile:
		allowed["activityId"] = true
	case documents.AgentProfile:
		allowed["agent"] = true
	}
	if method == http.MethodGet || method == http.MethodHead {
		allowed["since"] = true
	}
	vals := c.QueryParams()
	for k, vs := range vals {
		if !allowed[k] {
			return nil, invalid(op, "unknown parameter %q (xAPI: an LRS rejects parameters it does not recognise; names are case-sensitive)", k)
		}
		if len(vs) > 1 {
			return nil, invalid(op, "parameter %q given more than once", k)
		}
	}
	p := &docParams{key: documents.Key{Resource: h.res}}
	if allowed["activityId"] {
		id, ok := vals["activityId"]
		if !ok || id[0] == "" {
			return nil, invalid(op, "activityId is required")
		}
		if ps := xapi.ValidateActivityID(id[0]); len(ps) > 0 {
			return nil, invalid(op, "activityId %q is not an IRI: %s", id[0], ps[0].Message)
		}
		p.key.ActivityID = id[0]
	}
	if allowed["agent"] {
		key, _, err := parseAgent(op, v, vals.Get("agent"), vals.Has("agent"))
		if err != nil {
			return nil, err
		}
		p.key.Agent = key
	}
	if vals.Has("registration") {
		reg := vals.Get("registration")
		if ps := xapi.ValidateUUID(reg); len(ps) > 0 {
			return nil, invalid(op, "registration %q is not a UUID", reg)
		}
		p.key.Registration = strings.ToLower(reg)
		p.hasReg = true
	}
	if vals.Has(h.idParam()) {
		p.key.ID = vals.Get(h.idParam())
		if p.key.ID == "" {
			return nil, invalid(op, "%s must not be empty", h.idParam())
		}
		p.hasID = true
	}
	if vals.Has("since") {
		s := vals.Get("since")
		t, ok := parseTimestamp(s)
		if !ok || len(xapi.ValidateTimestamp(v, s)) > 0 {
			return nil, invalid(op, "since %q is not an ISO 8601 timestamp with a time zone", s)
		}
		p.since, p.hasSince = t, true
	}
	needID := method == http.MethodPut || method == http.MethodPost ||
		(method == http.MethodDelete && h.res != documents.State)
	if needID && !p.hasID {
		return nil, invalid(op, "%s is required", h.idParam())
	}
	if p.hasID && p.hasSince {
		if v != schemas.V103 {
			// 2.0 4.1.6.2: since is "Not Allowed" with the id parameter.
			return nil, invalid(op, "since is not allowed with %s (it filters the list of ids)", h.idParam())
		}
		// 1.0.3 sets no rule; the ADL suite sends both and expects the
		// document: since is ignored.
		p.hasSince, p.since = false, time.Time{}
	}
	return p, nil
}

// parseAgent parses and validates an agent parameter as an Agent (Data
// 2.2.s4.b4: parameters are validated like the same values in statements)
// and returns its AgentKey and the decoded object.
func parseAgent(op string, v schemas.Version, raw string, present bool) (string, map[string]any, error) {
	if !present || raw == "" {
		return "", nil, invalid(op, "agent is required")
	}
	if ps := xapi.CheckDepth([]byte(raw)); ps != nil {
		return "", nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent " + ps[0].Message, Problems: lrs.ProblemsOf("agent", ps)}
	}
	doc, err := xapi.Decode([]byte(raw))
	if err != nil {
		return "", nil, invalid(op, "agent is not JSON: %v", err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return "", nil, invalid(op, "agent must be an Agent object")
	}
	if ps := xapi.ValidateAgent(v, doc); len(ps) > 0 {
		return "", nil, &lrs.Error{Kind: lrs.KindInvalid, Op: op, Msg: "agent is not a valid Agent: " + ps[0].Path + ": " + ps[0].Message, Problems: lrs.ProblemsOf("agent", ps)}
	}
	key, ok := documents.AgentKey(m)
	if !ok {
		return "", nil, invalid(op, "agent must have an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
	}
	return key, m, nil
}

func (h *docHandler) get(c echo.Context) error {
	op := "get " + string(h.res) + " document"
	p, err := h.params(c, op)
	if err != nil {
		return h.a.fail(c, err)
	}
	ctx := c.Request().Context()
	if !p.hasID {
		q := documents.ListQuery{Resource: h.res, ActivityID: p.key.ActivityID, Agent: p.key.Agent,
			Registration: p.key.Registration, AllRegistrations: h.res == documents.State && !p.hasReg, Since: p.since}
		ids, err := h.a.documents.List(ctx, q)
		if err != nil {
			return h.a.fail(c, err)
		}
		body, err := json.Marshal(ids)
		if err != nil {
			return h.a.fail(c, err)
		}
		sum := sha1.Sum(body) //nolint:gosec // the ETag the xAPI defines
		c.Response().Header().Set("ETag", documents.ETag(hex.EncodeToString(sum[:])))
		if c.Request().Method == http.MethodHead {
			c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			return c.NoContent(http.StatusOK)
		}
		return c.JSONBlob(http.StatusOK, body)
	}
	doc, rc, err := h.a.documents.Get(ctx, p.key)
	if err != nil {
		return h.a.fail(c, err)
	}
	defer rc.Close()
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, doc.ContentType)
	hd.Set(echo.HeaderContentLength, strconv.FormatInt(doc.Size, 10))
	hd.Set("ETag", doc.ETag())
	hd.Set(echo.HeaderLastModified, doc.Updated.UTC().Format(http.TimeFormat))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(c.Response(), rc); err != nil {
		// The status is sent; the client sees a short body.
		h.a.log.Warn("sending document failed", "path", c.Request().URL.Path, "err", err)
	}
	return nil
}

func (h *docHandler) write(c echo.Context) error {
	req := c.Request()
	op := strings.ToLower(req.Method) + " " + string(h.res) + " document"
	p, err := h.params(c, op)
	if err != nil {
		return h.a.fail(c, err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, h.a.limits.MaxBody))
	if err != nil {
		return h.a.fail(c, bodyError(op, err))
	}
	doc, err := h.a.documents.Write(req.Context(), &documents.WriteRequest{
		Key: p.key, Method: req.Method, Content: body, ContentType: req.Header.Get(echo.HeaderContentType),
		Conditions: conditions(req), Version: version(c), Credential: credential(c).Key,
	})
	if err != nil {
		return h.a.fail(c, err)
	}
	c.Response().Header().Set("ETag", doc.ETag())
	c.Response().Header().Set(echo.HeaderLastModified, doc.Updated.UTC().Format(http.TimeFormat))
	return c.NoContent(http.StatusNoContent)
}

func (h *docHandler) delete(c echo.Context) error {
	req := c.Request()
	op := "delete " + string(h.res) + " document"
	p, err := h.params(c, op)
	if err != nil {
		return h.a.fail(c, err)
	}
	cond := conditions(req)
	if !p.hasID {
		// State only (params requires the id elsewhere).
		if cond.Present() {
			return h.a.fail(c, invalid(op, "If-Match and If-None-Match apply to one document; send stateId, or no concurrency header to delete them all"))
		}
		q := documents.ListQuery{Resource: h.res, ActivityID: p.key.ActivityID, Agent: p.key.Agent,
			Registration: p.key.Registration, AllRegistrations: !p.hasReg}
		if err := h.a.documents.DeleteAll(req.Context(), q, version(c), credential(c).Key); err != nil {
			return h.a.fail(c, err)
		}
		return c.NoContent(http.StatusNoContent)
	}
	err = h.a.documents.Delete(req.Context(), &documents.DeleteRequest{Key: p.key, Conditions: cond, Version: version(c), Credential: credential(c).Key})
	if err != nil {
		return h.a.fail(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// conditions reads If-Match and If-None-Match (several header lines of
// one name form one list).
func conditions(req *http.Request) documents.Conditions {
	return documents.ParseConditions(strings.Join(req.Header.Values("If-Match"), ","), strings.Join(req.Header.Values("If-None-Match"), ","))
}
