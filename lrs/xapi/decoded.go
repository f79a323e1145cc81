package xapi

// Agent is an Agent or Group as far as identifying it goes, for readers
// that decode stored statements into structs and skip the rest (the
// statement index, the analytics projection, the forwarders): much
// cheaper than a generic decode. The tags suit encoding/json and json v2.
type Agent struct {
	ObjectType  string   `json:"objectType"`
	Mbox        string   `json:"mbox"`
	MboxSHA1Sum string   `json:"mbox_sha1sum"`
	OpenID      string   `json:"openid"`
	Account     *Account `json:"account"`
	Member      []Agent  `json:"member"`
	// Sealed is set for an agent sealed by Hocvu (privacy/sealing): its
	// identifier is then known only by its subject.
	Sealed *SealedRef `json:"hocvu:sealed"`
}

// SealedMember is the member of an Agent or Group that privacy/sealing
// writes in place of the agent's identifier and name. No xAPI Agent or
// Group may hold it (the schemas refuse unknown properties).
const SealedMember = "hocvu:sealed"

// SealedRef is what a reader needs of a sealed agent: its subject, the
// keyed hash of its identifier.
type SealedRef struct {
	Subject string `json:"s"`
}

// SubjectKey is the key (as AgentKey) of the agent whose identifier has
// the keyed hash subject: what a sealed agent is indexed and queried by.
func SubjectKey(subject string) string { return "subject:" + subject }

// Account is an agent's account.
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Key is AgentKey of the decoded agent: false for an anonymous Group.
// A sealed agent's key is SubjectKey of its subject.
func (a *Agent) Key() (string, bool) {
	if a.Sealed != nil && a.Sealed.Subject != "" {
		return SubjectKey(a.Sealed.Subject), true
	}
	var home, name string
	if a.Account != nil {
		home, name = a.Account.HomePage, a.Account.Name
	}
	return IFIKey(a.Mbox, a.MboxSHA1Sum, a.OpenID, home, name)
}

// AuthorityKey is AuthorityKey of the decoded agent: its key, or for an
// anonymous Group (an OAuth authority) the key of its members.
func (a *Agent) AuthorityKey() (string, bool) {
	if k, ok := a.Key(); ok {
		return k, true
	}
	var members []string
	for i := range a.Member {
		if k, ok := a.Member[i].Key(); ok {
			members = append(members, k)
		}
	}
	return MembersKey(members)
}
