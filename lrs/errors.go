package lrs

import (
	"errors"
	"fmt"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// Kind classifies an LRS error. The HTTP layer maps each kind to one
// status code in one place (lrs/httpapi).
type Kind int

// The kinds of LRS error.
const (
	KindInternal             Kind = iota // a fault of the LRS or its stores (500)
	KindInvalid                          // the request breaks a rule of the spec (400)
	KindUnauthorized                     // no or bad credentials (401)
	KindForbidden                        // the credential lacks the scope (403)
	KindNotFound                         // no such resource (404)
	KindConflict                         // conflicts with stored state (409)
	KindPrecondition                     // a concurrency header did not hold (412)
	KindTooLarge                         // the request exceeds a limit (413)
	KindUnavailable                      // the LRS cannot serve now (503)
	KindPreconditionRequired             // a concurrency header is required (428 in 2.0, 409 in 1.0.3)
)

// Error is an LRS error with a kind, the operation, and optionally the
// path of the offending field and the rule it broke.
type Error struct {
	Kind Kind
	Op   string // e.g. "store statements"
	// Problems lists per-field findings (validation).
	Problems []Problem
	Msg      string
	Err      error
}

// Problem is one finding about a request body: where (a JSON pointer such
// as /2/actor/mbox) and which rule. A statement that does not follow the
// required xAPI Profile (ProfileChecker) also names the Statement
// Template and the Location (JSONPath) in the statement; its Path is then
// the statement's place in the body.
type Problem struct {
	Path     string `json:"path"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
	Template string `json:"template,omitempty"`
	Location string `json:"location,omitempty"`
}

func (e *Error) Error() string {
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if len(e.Problems) > 0 {
		p := e.Problems[0]
		if msg == "" {
			msg = fmt.Sprintf("%s: %s (%s)", p.Path, p.Message, p.Rule)
		}
		if len(e.Problems) > 1 {
			msg += fmt.Sprintf(" (and %d more problems)", len(e.Problems)-1)
		}
	}
	if e.Op != "" {
		return e.Op + ": " + msg
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an Error of the given kind.
func Errorf(kind Kind, op, format string, args ...any) *Error {
	return &Error{Kind: kind, Op: op, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err: the innermost *Error's kind, or
// KindInternal for other errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// ProblemsOf turns xAPI rule findings into error problems, their paths
// prefixed (with "agent" for the agent parameter, say).
func ProblemsOf(prefix string, ps []xapi.Problem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = Problem{Path: prefix + p.Path, Rule: p.Rule, Message: p.Message}
	}
	return out
}
