package erasure

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// ErrBadAgent is wrapped by the errors of ParseAgent.
var ErrBadAgent = errors.New("erasure: not an xAPI agent")

var sha1Hex = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// ParseAgent reads the person to erase or export, given as an xAPI Agent
// (or identified Group) in JSON, and returns their identifier
// (xapi.AgentKey). It must have exactly one inverse functional
// identifier: mbox (mailto:), mbox_sha1sum, openid or account (homePage
// and name).
func ParseAgent(raw []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var a struct {
		ObjectType  string `json:"objectType"`
		Name        string `json:"name"`
		Mbox        string `json:"mbox"`
		MboxSHA1Sum string `json:"mbox_sha1sum"`
		OpenID      string `json:"openid"`
		Account     *struct {
			HomePage string `json:"homePage"`
			Name     string `json:"name"`
		} `json:"account"`
		Member []json.RawMessage `json:"member"`
	}
	if err := dec.Decode(&a); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadAgent, err)
	}
	if a.ObjectType != "" && a.ObjectType != "Agent" && a.ObjectType != "Group" {
		return "", fmt.Errorf("%w: objectType %q (Agent or Group)", ErrBadAgent, a.ObjectType)
	}
	n := 0
	for _, set := range []bool{a.Mbox != "", a.MboxSHA1Sum != "", a.OpenID != "", a.Account != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", fmt.Errorf("%w: it must have exactly one of mbox, mbox_sha1sum, openid and account (it has %d)", ErrBadAgent, n)
	}
	var home, name string
	switch {
	case a.Mbox != "" && !strings.HasPrefix(a.Mbox, "mailto:"):
		return "", fmt.Errorf("%w: mbox %q is not a mailto: IRI", ErrBadAgent, a.Mbox)
	case a.MboxSHA1Sum != "" && !sha1Hex.MatchString(a.MboxSHA1Sum):
		return "", fmt.Errorf("%w: mbox_sha1sum is not 40 hex digits", ErrBadAgent)
	case a.OpenID != "":
		if u, err := url.Parse(a.OpenID); err != nil || !u.IsAbs() {
			return "", fmt.Errorf("%w: openid %q is not an absolute IRI", ErrBadAgent, a.OpenID)
		}
	case a.Account != nil:
		if a.Account.HomePage == "" || a.Account.Name == "" {
			return "", fmt.Errorf("%w: an account needs both homePage and name", ErrBadAgent)
		}
		home, name = a.Account.HomePage, a.Account.Name
	}
	key, _ := xapi.IFIKey(a.Mbox, a.MboxSHA1Sum, a.OpenID, home, name)
	return key, nil
}
