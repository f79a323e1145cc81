package xapi

// VerbVoided is the verb xAPI reserves for voiding statements (Data
// 2.3.2). It belongs to the specification, not to the campaign vocabulary.
const VerbVoided = "http://adlnet.gov/expapi/verbs/voided"

// VoidingTarget returns the id of the statement that st voids, as written
// (UUIDs compare case-insensitively). st is a voiding statement when its
// verb is the reserved http://adlnet.gov/expapi/verbs/voided and its
// object a StatementRef (Data 2.3.2; IEEE 9274.1.1 4.2.5); the schemas
// refuse that verb with any other object. ok is false for every other
// statement.
//
// A voiding statement cannot itself be voided: the LRS considers a
// statement voided only if it is not a voiding statement (Data
// 2.3.2.s2.b3), and Hocvu refuses a voiding statement whose target is one
// (rule voiding.target-is-voiding, decided where the targets are known:
// the statement writer of package lrs).
func VoidingTarget(st map[string]any) (id string, ok bool) {
	verb, _ := st["verb"].(map[string]any)
	if v, _ := verb["id"].(string); v != VerbVoided {
		return "", false
	}
	obj, _ := st["object"].(map[string]any)
	if obj["objectType"] != "StatementRef" {
		return "", false
	}
	id, ok = obj["id"].(string)
	return id, ok
}
