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
}

// Account is an agent's account.
type Account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Key is AgentKey of the decoded agent: false for an anonymous Group.
func (a *Agent) Key() (string, bool) {
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
