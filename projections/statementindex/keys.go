package statementindex

import (
	"crypto/sha256"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

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
	// agents maps agent keys (nil: as they are); see seal.go.
	agents agentMapper
}

// agent lists an agent key under kind.
func (s *keySet) agent(kind byte, k string) {
	s.add(kind, s.agents.key(k))
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

// The parts of a statement the index reads. Decoding into these types
// (and not into a generic map) skips everything else in the document —
// results, extensions, activity definitions — without building it, which
// was most of the cost of indexing a statement (docs/benchmarks.md, "Read
// models that rebuild fast").
type (
	statementJSON struct {
		ID     string `json:"id"`
		Stored string `json:"stored"`
		Verb   struct {
			ID string `json:"id"`
		} `json:"verb"`
		Actor     *xapi.Agent  `json:"actor"`
		Object    *objectJSON  `json:"object"`
		Authority *xapi.Agent  `json:"authority"`
		Context   *contextJSON `json:"context"`
	}
	// objectJSON is any statement object: an Activity or a StatementRef
	// (id), an Agent or Group (Agent), or a SubStatement (actor, object,
	// context).
	objectJSON struct {
		ObjectType string       `json:"objectType"`
		ID         string       `json:"id"`
		Agent      xapi.Agent   `json:",embed"`
		Actor      *xapi.Agent  `json:"actor"`
		Object     *objectJSON  `json:"object"`
		Context    *contextJSON `json:"context"`
	}
	contextJSON struct {
		Registration  string      `json:"registration"`
		Instructor    *xapi.Agent `json:"instructor"`
		Team          *xapi.Agent `json:"team"`
		ContextAgents []struct {
			Agent *xapi.Agent `json:"agent"`
		} `json:"contextAgents"`
		ContextGroups []struct {
			Group *xapi.Agent `json:"group"`
		} `json:"contextGroups"`
		ContextActivities map[string]jsontext.Value `json:"contextActivities"`
	}
	activityID struct {
		ID string `json:"id"`
	}
)

// decodeOptions are lenient where encoding/json was: a repeated member
// name (the last one counts) or invalid UTF-8 in a stored statement does
// not make it undecodable.
var decodeOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// decodeIndexed decodes the parts of a statement the index reads.
func decodeIndexed(data []byte) (*statementJSON, error) {
	var st statementJSON
	if err := jsonv2.Unmarshal(data, &st, decodeOptions); err != nil {
		return nil, err
	}
	return &st, nil
}

// objectType is the object's type, Activity when not given.
func (o *objectJSON) objectType() string {
	if o.ObjectType != "" {
		return o.ObjectType
	}
	return "Activity"
}

// extract computes the posting keys of a decoded statement.
func extract(st *statementJSON, agents agentMapper) extracted {
	var e extracted
	e.keys.agents = agents
	e.keys.add(kindAll, "")
	e.keys.add(kindVerb, st.Verb.ID)
	e.voiding = st.Verb.ID == voidedVerb
	addAgent(&e.keys, st.Actor, kindAgent)
	addAgentBroad(&e.keys, st.Actor)

	if obj := st.Object; obj != nil {
		switch obj.objectType() {
		case "Activity":
			e.keys.add(kindActivity, obj.ID)
			e.keys.add(kindRelatedActiv, obj.ID)
		case "Agent", "Group":
			addAgent(&e.keys, &obj.Agent, kindAgent)
			addAgentBroad(&e.keys, &obj.Agent)
		case objectTypeStmtRef:
			e.target = strings.ToLower(obj.ID)
		case "SubStatement":
			addSubStatement(&e.keys, obj)
		}
	}
	if !e.voiding || e.target == "" {
		e.voiding = false
	}
	if auth := st.Authority; auth != nil {
		addAgentBroad(&e.keys, auth)
		if k, ok := auth.AuthorityKey(); ok {
			e.authority = agents.key(k)
			e.keys.add(kindAuthority, e.authority)
		}
	}
	if ctx := st.Context; ctx != nil {
		addContext(&e.keys, ctx)
		e.keys.add(kindRegistration, strings.ToLower(ctx.Registration))
	}
	return e
}

// addAgent lists an Agent or identified Group under kind.
func addAgent(s *keySet, a *xapi.Agent, kind byte) {
	if a == nil {
		return
	}
	if k, ok := a.Key(); ok {
		s.agent(kind, k)
	}
}

// addAgentBroad lists an Agent or Group, and a Group's members, under the
// related-agents kind.
func addAgentBroad(s *keySet, a *xapi.Agent) {
	if a == nil {
		return
	}
	addAgent(s, a, kindRelatedAgent)
	for i := range a.Member {
		addAgent(s, &a.Member[i], kindRelatedAgent)
	}
}

func addContext(s *keySet, ctx *contextJSON) {
	addAgentBroad(s, ctx.Instructor)
	addAgentBroad(s, ctx.Team)
	// xAPI 2.0 contextAgents / contextGroups.
	for _, ca := range ctx.ContextAgents {
		addAgentBroad(s, ca.Agent)
	}
	for _, cg := range ctx.ContextGroups {
		addAgentBroad(s, cg.Group)
	}
	for _, kind := range []string{"parent", "grouping", "category", "other"} {
		for _, id := range contextActivityIDs(ctx.ContextActivities[kind]) {
			s.add(kindRelatedActiv, id)
		}
	}
}

// contextActivityIDs reads the ids of one contextActivities list: an
// array, or a single object as 1.0.x clients may send.
func contextActivityIDs(raw jsontext.Value) []string {
	switch raw.Kind() {
	case '[':
		var list []activityID
		if jsonv2.Unmarshal(raw, &list, decodeOptions) != nil {
			return nil
		}
		ids := make([]string, len(list))
		for i := range list {
			ids[i] = list[i].ID
		}
		return ids
	case '{':
		var one activityID
		if jsonv2.Unmarshal(raw, &one, decodeOptions) != nil {
			return nil
		}
		return []string{one.ID}
	}
	return nil
}

// addSubStatement lists what a SubStatement contributes under the related
// kinds (spec: related_agents and related_activities look inside it).
func addSubStatement(s *keySet, sub *objectJSON) {
	addAgentBroad(s, sub.Actor)
	if obj := sub.Object; obj != nil {
		switch obj.objectType() {
		case "Activity":
			s.add(kindRelatedActiv, obj.ID)
		case "Agent", "Group":
			addAgentBroad(s, &obj.Agent)
		}
	}
	if sub.Context != nil {
		addContext(s, sub.Context)
	}
}
