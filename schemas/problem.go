package schemas

import "fmt"

// Kind names the kind of document to validate.
type Kind int

// The document kinds that have a root schema.
const (
	// Statement is a single statement (statement.json).
	Statement Kind = iota
	// Statements is a batch, a JSON array of statements (statements.json).
	Statements
	// Agent is an Agent, as in the agent parameter of the Agents and
	// Agent Profile resources (agent.json).
	Agent
	// Group is a Group (group.json).
	Group
	// Actor is an Agent or a Group, as in the agent parameter of
	// GET /statements (actor.json).
	Actor
	// Activity is an Activity (activity.json).
	Activity
)

var kindFiles = [...]string{
	Statement:  "statement.json",
	Statements: "statements.json",
	Agent:      "agent.json",
	Group:      "group.json",
	Actor:      "actor.json",
	Activity:   "activity.json",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindFiles) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindFiles[k]
}

// Problem is one reason why a document is invalid.
type Problem struct {
	// Path is a JSON pointer (RFC 6901) to the offending value, such as
	// /actor/mbox, or /3/actor/mbox inside a batch. The empty string is the
	// document itself.
	Path string `json:"path"`
	// Rule is a short, stable rule id, such as ifi.exactly-one or
	// schema:required.
	Rule string `json:"rule"`
	// Message is a short human-readable explanation.
	Message string `json:"message"`
}

func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(document)"
	}
	return fmt.Sprintf("%s: %s [%s]", path, p.Message, p.Rule)
}
