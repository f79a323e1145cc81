package xapi

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hocvu/hocvu/schemas"
)

// ValidateStatement checks one statement under the rules of version v and
// returns nil if it is valid. doc is the decoded statement (see [Decode]).
//
// Problems come from the JSON Schemas (rule ids schema:<keyword> or the
// x-rule annotations such as ifi.exactly-one, format.timestamp,
// voiding.statement-ref) and from the Go rules of this package
// (score.min-max, score.raw-range, interaction.component-id-unique). They
// are sorted by path, then rule. Numbers the LRS cannot represent (rule
// json.number-range, see [NumberProblem]) are checked first and reported
// alone: the schema and the rules compare numbers exactly, which such
// numbers would make costly.
func ValidateStatement(v Version, doc any) []Problem {
	if ps := CheckNumbers(doc, ""); ps != nil {
		return ps
	}
	problems := schemas.MustLoad().Validate(v, schemas.Statement, doc)
	problems = append(problems, statementRules(doc, "")...)
	return sorted(problems)
}

// ValidateStatements checks a batch (a JSON array of statements, as posted
// to the Statement Resource). Paths start with the index of the statement,
// as in /3/actor/mbox. Besides the rules of [ValidateStatement], two
// statements of one batch must not share an id (rule batch.duplicate-id;
// Communication 2.1.2, "SHOULD*" in 1.0.3, "shall" in 2.0.0).
func ValidateStatements(v Version, doc any) []Problem {
	if ps := CheckNumbers(doc, ""); ps != nil {
		return ps
	}
	problems := schemas.MustLoad().Validate(v, schemas.Statements, doc)
	list, _ := doc.([]any)
	firstByID := map[string]int{}
	for i, st := range list {
		prefix := fmt.Sprintf("/%d", i)
		problems = append(problems, statementRules(st, prefix)...)
		m, _ := st.(map[string]any)
		id, ok := m["id"].(string)
		if !ok || !schemas.IsUUID(id) {
			continue
		}
		key := strings.ToLower(id)
		if j, dup := firstByID[key]; dup {
			problems = append(problems, Problem{
				Path:    prefix + "/id",
				Rule:    "batch.duplicate-id",
				Message: fmt.Sprintf("statement %d has the same id; ids within one batch must be distinct", j),
			})
			continue
		}
		firstByID[key] = i
	}
	return sorted(problems)
}

// ValidateAgent checks an Agent, such as the agent parameter of the Agents
// and Agent Profile resources (Data 2.2.s4.b4: parameters are validated like
// the same values in statements).
func ValidateAgent(v Version, doc any) []Problem {
	if ps := CheckNumbers(doc, ""); ps != nil {
		return ps
	}
	return schemas.MustLoad().Validate(v, schemas.Agent, doc)
}

// ValidateActor checks an Agent or a Group, such as the agent parameter of
// GET /statements.
func ValidateActor(v Version, doc any) []Problem {
	if ps := CheckNumbers(doc, ""); ps != nil {
		return ps
	}
	return schemas.MustLoad().Validate(v, schemas.Actor, doc)
}

// ValidateActivity checks an Activity object, including its definition.
func ValidateActivity(v Version, doc any) []Problem {
	if ps := CheckNumbers(doc, ""); ps != nil {
		return ps
	}
	problems := schemas.MustLoad().Validate(v, schemas.Activity, doc)
	if m, ok := doc.(map[string]any); ok {
		if def, ok := m["definition"].(map[string]any); ok {
			problems = append(problems, componentRules(def, "/definition")...)
		}
	}
	return sorted(problems)
}

// ValidateActivityID checks an activityId parameter: it must be an absolute
// IRI (rule format.iri).
func ValidateActivityID(id string) []Problem {
	if schemas.IsIRI(id) {
		return nil
	}
	return []Problem{{Rule: "format.iri", Message: "must be an absolute IRI that starts with a scheme, such as http://example.com/path"}}
}

// ValidateUUID checks a statementId, voidedStatementId or registration
// parameter: it must be a UUID in standard string form (rule format.uuid).
func ValidateUUID(id string) []Problem {
	if schemas.IsUUID(id) {
		return nil
	}
	return []Problem{{Rule: "format.uuid", Message: "must be a UUID in standard string form, such as 6690e6c9-3ef0-4ed3-8b37-7f3964730bee"}}
}

// ValidateTimestamp checks a since or until parameter with the Timestamp
// rules of version v (rule format.timestamp).
func ValidateTimestamp(v Version, ts string) []Problem {
	if schemas.IsTimestamp(v, ts) {
		return nil
	}
	return []Problem{{Rule: "format.timestamp", Message: "must be an ISO 8601 timestamp, such as 2024-05-01T13:45:00.000Z"}}
}

func sorted(ps []Problem) []Problem {
	if len(ps) == 0 {
		return nil
	}
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Rule < ps[j].Rule
	})
	return ps
}
