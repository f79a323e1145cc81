package statementindex

import (
	"crypto/sha256"
	"strings"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// Posting list kinds. A statement is listed under each (kind, value) it
// matches; queries intersect the lists of their filters.
const (
	kindAll           = 'T' // every statement (value: none)
	kindAgent         = 'A' // agent filter: actor, or object when it is an Agent/Group
	kindRelatedAgent  = 'a' // related_agents=true: also authority, instructor, team, context agents/groups, sub-statement, group members
	kindVerb          = 'V'
	kindActivity      = 'O' // activity filter: object when it is an Activity
	kindRelatedActiv  = 'o' // related_activities=true: also context activities and sub-statement
	kindRegistration  = 'R'
	kindAuthority     = 'U' // statements/read/mine: the statement's authority
	hashLen           = 16
	inheritableKinds  = "AaVOoR" // kinds a StatementRef inherits from its target
	voidedVerb        = "http://adlnet.gov/expapi/verbs/voided"
	objectTypeStmtRef = "StatementRef"
)

// key is one posting list: a kind and the hash of its value.
type key struct {
	kind byte
	hash [hashLen]byte
}

func newKey(kind byte, value string) key {
	k := key{kind: kind}
	if value != "" {
		sum := sha256.Sum256([]byte(value))
		copy(k.hash[:], sum[:hashLen])
	}
	return k
}

// keySet collects the keys of one statement without duplicates.
type keySet struct {
	list []key
	seen map[key]bool
}

func (s *keySet) add(kind byte, value string) {
	if value == "" && kind != kindAll {
		return
	}
	s.addKey(newKey(kind, value))
}

func (s *keySet) addKey(k key) {
	if s.seen == nil {
		s.seen = map[key]bool{}
	}
	if !s.seen[k] {
		s.seen[k] = true
		s.list = append(s.list, k)
	}
}

// extracted is what the index needs from one statement.
type extracted struct {
	keys      keySet
	target    string // the id a StatementRef object points to ("" if none)
	voiding   bool   // verb is voided and object is a StatementRef
	authority string
}

// extract computes the posting keys of a decoded statement.
func extract(st map[string]any) extracted {
	var e extracted
	e.keys.add(kindAll, "")
	if verb, ok := st["verb"].(map[string]any); ok {
		id, _ := verb["id"].(string)
		e.keys.add(kindVerb, id)
		e.voiding = id == voidedVerb
	}
	actor, _ := st["actor"].(map[string]any)
	addAgent(&e.keys, actor, kindAgent)
	addAgentBroad(&e.keys, actor)

	obj, _ := st["object"].(map[string]any)
	switch objectType(obj, "Activity") {
	case "Activity":
		id, _ := obj["id"].(string)
		e.keys.add(kindActivity, id)
		e.keys.add(kindRelatedActiv, id)
	case "Agent", "Group":
		addAgent(&e.keys, obj, kindAgent)
		addAgentBroad(&e.keys, obj)
	case objectTypeStmtRef:
		e.target, _ = obj["id"].(string)
		e.target = strings.ToLower(e.target)
	case "SubStatement":
		addSubStatement(&e.keys, obj)
	}
	if !e.voiding || e.target == "" {
		e.voiding = false
	}
	if auth, ok := st["authority"].(map[string]any); ok {
		addAgentBroad(&e.keys, auth)
		if k, ok := xapi.AuthorityKey(auth); ok {
			e.authority = k
			e.keys.add(kindAuthority, k)
		}
	}
	if ctx, ok := st["context"].(map[string]any); ok {
		addContext(&e.keys, ctx)
		if reg, ok := ctx["registration"].(string); ok {
			e.keys.add(kindRegistration, strings.ToLower(reg))
		}
	}
	return e
}

func objectType(obj map[string]any, def string) string {
	if obj == nil {
		return ""
	}
	if t, ok := obj["objectType"].(string); ok && t != "" {
		return t
	}
	return def
}

// addAgent lists an Agent or identified Group under kind.
func addAgent(s *keySet, a map[string]any, kind byte) {
	if a == nil {
		return
	}
	if k, ok := xapi.AgentKey(a); ok {
		s.add(kind, k)
	}
}

// addAgentBroad lists an Agent or Group, and a Group's members, under the
// related-agents kind.
func addAgentBroad(s *keySet, a map[string]any) {
	if a == nil {
		return
	}
	addAgent(s, a, kindRelatedAgent)
	if members, ok := a["member"].([]any); ok {
		for _, m := range members {
			if mm, ok := m.(map[string]any); ok {
				addAgent(s, mm, kindRelatedAgent)
			}
		}
	}
}

func addContext(s *keySet, ctx map[string]any) {
	if inst, ok := ctx["instructor"].(map[string]any); ok {
		addAgentBroad(s, inst)
	}
	if team, ok := ctx["team"].(map[string]any); ok {
		addAgentBroad(s, team)
	}
	// xAPI 2.0 contextAgents / contextGroups.
	if cas, ok := ctx["contextAgents"].([]any); ok {
		for _, ca := range cas {
			if m, ok := ca.(map[string]any); ok {
				if a, ok := m["agent"].(map[string]any); ok {
					addAgentBroad(s, a)
				}
			}
		}
	}
	if cgs, ok := ctx["contextGroups"].([]any); ok {
		for _, cg := range cgs {
			if m, ok := cg.(map[string]any); ok {
				if g, ok := m["group"].(map[string]any); ok {
					addAgentBroad(s, g)
				}
			}
		}
	}
	if ca, ok := ctx["contextActivities"].(map[string]any); ok {
		for _, kind := range []string{"parent", "grouping", "category", "other"} {
			switch v := ca[kind].(type) {
			case []any:
				for _, a := range v {
					if am, ok := a.(map[string]any); ok {
						id, _ := am["id"].(string)
						s.add(kindRelatedActiv, id)
					}
				}
			case map[string]any: // 1.0.x clients may send a single object
				id, _ := v["id"].(string)
				s.add(kindRelatedActiv, id)
			}
		}
	}
}

// addSubStatement lists what a SubStatement contributes under the related
// kinds (spec: related_agents and related_activities look inside it).
func addSubStatement(s *keySet, sub map[string]any) {
	if actor, ok := sub["actor"].(map[string]any); ok {
		addAgentBroad(s, actor)
	}
	obj, _ := sub["object"].(map[string]any)
	switch objectType(obj, "Activity") {
	case "Activity":
		id, _ := obj["id"].(string)
		s.add(kindRelatedActiv, id)
	case "Agent", "Group":
		addAgentBroad(s, obj)
	}
	if ctx, ok := sub["context"].(map[string]any); ok {
		addContext(s, ctx)
	}
}
