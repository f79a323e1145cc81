package forwarding

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// PseudonymHomePage is the homePage of the account that replaces an agent
// in a pseudonymized statement; the account name is the agent's analytics
// pseudonym (16 upper-case hex digits, as the analytics show it).
const PseudonymHomePage = "https://hocvu.local/pseudonym"

// Pseudonymize returns the statement with every agent replaced by its
// analytics pseudonym: the actor, an Agent or Group object, the
// instructor and team, the members of groups, xAPI 2.0 context agents and
// groups, and the same inside a SubStatement. An identified agent becomes
// an Agent (or Group) whose only property is an account on
// PseudonymHomePage named by the pseudonym, so a receiver can still tell
// the same learner's statements apart; names and other identifiers are
// dropped. The authority (a credential, not a person) is kept. Numbers
// keep their exact text.
func Pseudonymize(ps *analytics.Pseudonymizer, data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("pseudonymize: %w", err)
	}
	pseudonymizeParts(ps, st)
	if obj, ok := st["object"].(map[string]any); ok && obj["objectType"] == "SubStatement" {
		pseudonymizeParts(ps, obj)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, fmt.Errorf("pseudonymize: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// pseudonymizeParts replaces the agents of a statement or SubStatement.
func pseudonymizeParts(ps *analytics.Pseudonymizer, st map[string]any) {
	if a, ok := st["actor"].(map[string]any); ok {
		st["actor"] = pseudoAgent(ps, a)
	}
	if obj, ok := st["object"].(map[string]any); ok && (obj["objectType"] == "Agent" || obj["objectType"] == "Group") {
		st["object"] = pseudoAgent(ps, obj)
	}
	ctx, ok := st["context"].(map[string]any)
	if !ok {
		return
	}
	for _, k := range []string{"instructor", "team"} {
		if a, ok := ctx[k].(map[string]any); ok {
			ctx[k] = pseudoAgent(ps, a)
		}
	}
	for _, k := range [][2]string{{"contextAgents", "agent"}, {"contextGroups", "group"}} {
		list, _ := ctx[k[0]].([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				if a, ok := m[k[1]].(map[string]any); ok {
					m[k[1]] = pseudoAgent(ps, a)
				}
			}
		}
	}
}

// pseudoAgent is the replacement of one Agent or Group.
func pseudoAgent(ps *analytics.Pseudonymizer, a map[string]any) map[string]any {
	typ, _ := a["objectType"].(string)
	if typ == "" {
		typ = "Agent"
	}
	out := map[string]any{"objectType": typ}
	if key, ok := xapi.AgentKey(a); ok {
		out["account"] = map[string]any{"homePage": PseudonymHomePage, "name": analytics.FormatID(ps.Agent(key))}
	}
	if members, ok := a["member"].([]any); ok && typ == "Group" {
		list := make([]any, 0, len(members))
		for _, m := range members {
			if mm, ok := m.(map[string]any); ok {
				list = append(list, pseudoAgent(ps, mm))
			}
		}
		out["member"] = list
	}
	return out
}
