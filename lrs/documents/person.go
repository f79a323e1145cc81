package documents

// Person returns the Person object of the Agents resource for an Agent
// (1.0.3 Communication 2.4, 2.0 4.1.6.3): every Agent property as an array.
// Hocvu knows no other identities of a person than the one asked about,
// so the Person holds that Agent's identifier and name ("If an LRS does
// not have any additional information about an Agent to return, the LRS
// MUST still return a Person Object when queried, but that Person Object
// only includes the information associated with the requested Agent").
// agent must be a valid Agent.
func Person(agent map[string]any) map[string]any {
	p := map[string]any{"objectType": "Person"}
	for _, k := range []string{"name", "mbox", "mbox_sha1sum", "openid", "account"} {
		if v, ok := agent[k]; ok && v != nil {
			p[k] = []any{v}
		}
	}
	return p
}
