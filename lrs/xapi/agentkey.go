package xapi

import (
	"slices"
	"strings"
)

// AgentKey returns the canonical identity of an Agent or identified Group:
// its inverse functional identifier as one string. Two agents are the same
// when their keys are equal (the agent query filter, the statement index,
// analytics pseudonyms). ok is false for an object with no IFI (an
// anonymous Group). A sealed agent's key is SubjectKey of its subject.
func AgentKey(agent map[string]any) (string, bool) {
	if sealed, ok := agent[SealedMember].(map[string]any); ok {
		if s, _ := sealed["s"].(string); s != "" {
			return SubjectKey(s), true
		}
	}
	mbox, _ := agent["mbox"].(string)
	sha1, _ := agent["mbox_sha1sum"].(string)
	openid, _ := agent["openid"].(string)
	var home, name string
	acc, hasAccount := agent["account"].(map[string]any)
	if hasAccount {
		home, _ = acc["homePage"].(string)
		name, _ = acc["name"].(string)
	}
	return IFIKey(mbox, sha1, openid, home, name)
}

// IFIKey is AgentKey from the identifier fields themselves (for callers
// that decode agents into structs).
func IFIKey(mbox, mboxSHA1, openid, homePage, name string) (string, bool) {
	switch {
	case mbox != "":
		return "mbox:" + mbox, true
	case mboxSHA1 != "":
		return "mbox_sha1sum:" + strings.ToLower(mboxSHA1), true
	case openid != "":
		return "openid:" + openid, true
	case homePage != "" || name != "":
		return "account:" + homePage + "\x00" + name, true
	}
	return "", false
}

// AuthorityKey is the identity statements/read/mine matches on: the key of
// an Agent authority, or the sorted keys of the members of a Group
// authority (OAuth's two-member group).
func AuthorityKey(auth map[string]any) (string, bool) {
	if k, ok := AgentKey(auth); ok {
		return k, true
	}
	members, _ := auth["member"].([]any)
	var parts []string
	for _, m := range members {
		if mm, ok := m.(map[string]any); ok {
			if k, ok := AgentKey(mm); ok {
				parts = append(parts, k)
			}
		}
	}
	return MembersKey(parts)
}

// MembersKey is the key of an anonymous Group from its members' keys
// (sorted in place): AuthorityKey's key for an OAuth authority, false
// when no member is identified.
func MembersKey(parts []string) (string, bool) {
	if len(parts) == 0 {
		return "", false
	}
	slices.Sort(parts)
	return "group:" + strings.Join(parts, "\x01"), true
}
