package reference

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hocvu/hocvu/lrs/xapi"
	"github.com/hocvu/hocvu/privacy/keys"
)

// A sealed learner directory (crypto-shredding, docs/privacy.md) keeps no
// account in clear: each entry is known by its subject, the keyed hash of
// the account's xAPI agent key (the same subject a sealed statement
// gives the person, so the analytics attribute sealed actors by it), and
// holds the account sealed under the person's data key. Destroying the
// person's key erases the account from every copy of the event at once;
// the entry's codes (commune, group, sub-groups, household, mentor, team)
// stay, so the person's pseudonymous analytics facts keep their
// attribution and every count stays the same.

// Keys is what a sealed directory needs of a keyring
// (privacy/keys.Keyring; privacy/sealing/sealingtest.Keys in tests).
type Keys interface {
	// Subject is the keyed hash of an agent identifier (xapi.AgentKey).
	Subject(identifier string) string
	// Seal encrypts plaintext under the subject's current data key.
	Seal(ctx context.Context, subject string, plaintext, aad []byte) (keyID string, ciphertext []byte, err error)
	Opener
}

// Opener opens sealed accounts.
type Opener interface {
	// Open decrypts; an error matching keys.ErrNoKey means the key was
	// destroyed (the person erased).
	Open(ctx context.Context, keyID string, ciphertext, aad []byte) ([]byte, error)
}

// preparer is a keyring that makes many subjects' keys at once
// (privacy/keys.Keyring.Prepare).
type preparer interface {
	Prepare(ctx context.Context, subjects []string) error
}

// SealedAccount is a learner's account sealed under their key: the key
// id and the ciphertext of {"homePage":…,"name":…}, bound to the subject
// (additional data).
type SealedAccount struct {
	KeyID      string `json:"k"`
	Ciphertext []byte `json:"c"`
}

// SealedLearner is an entry of reference.learners.sealed.v1. Account is
// absent when the account was not kept: the person had been erased when
// the directory was loaded.
type SealedLearner struct {
	Subject   string         `json:"subject"`
	Account   *SealedAccount `json:"account,omitempty"`
	Commune   string         `json:"commune"`
	Group     string         `json:"group"`
	Subgroups []string       `json:"subgroups,omitempty"`
	Household string         `json:"household,omitempty"`
	Mentor    string         `json:"mentor,omitempty"`
	Team      string         `json:"team,omitempty"`
}

// ErrErased is wrapped by [Learner.Open]'s error for an entry whose
// account was erased (its key destroyed, or not kept).
var ErrErased = errors.New("reference: the learner's account was erased")

// ErrSealed is wrapped by the error of a load without a keyring that
// holds sealed entries.
var ErrSealed = errors.New("reference: sealed directory entries need the keyring (--seal-personal-data)")

// AccountSubject is the subject of an account: ks.Subject of its xAPI
// agent key.
func AccountSubject(ks interface{ Subject(string) string }, homePage, name string) string {
	k, _ := xapi.IFIKey("", "", "", homePage, name)
	return ks.Subject(k)
}

// accountAAD binds a sealed account to its subject.
func accountAAD(subject string) []byte {
	return []byte("hocvu/reference/learner\x00" + subject)
}

// account is the sealed plaintext.
type account struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

// Open returns l with its account: l itself when it is in clear, else
// the sealed account opened with ks (HomePage and Name set, Subject and
// Account kept). An erased person's entry returns an error wrapping
// [ErrErased] (and keys.ErrNoKey when their key was destroyed); any other
// error is the keyring's or a damaged entry's.
func (l Learner) Open(ctx context.Context, ks Opener) (Learner, error) {
	if !l.IsSealed() {
		return l, nil
	}
	if l.Account == nil {
		return l, fmt.Errorf("subject %s: %w (not kept)", l.Subject, ErrErased)
	}
	plain, err := ks.Open(ctx, l.Account.KeyID, l.Account.Ciphertext, accountAAD(l.Subject))
	if errors.Is(err, keys.ErrNoKey) {
		return l, fmt.Errorf("subject %s: %w: %w", l.Subject, ErrErased, err)
	}
	if err != nil {
		return l, fmt.Errorf("reference: open the account of subject %s: %w", l.Subject, err)
	}
	var a account
	if err := json.Unmarshal(plain, &a); err != nil {
		return l, fmt.Errorf("reference: the account of subject %s: %w", l.Subject, err)
	}
	l.HomePage, l.Name = a.HomePage, a.Name
	return l, nil
}

// isSealed reports whether a directory is in its sealed form (a set holds
// one form: [sealLearners] seals every entry).
func isSealed(ls []Learner) bool {
	for _, l := range ls {
		if l.IsSealed() {
			return true
		}
	}
	return false
}

// pseudonymous is the content of a sealed directory that ContentHash
// hashes: the entries without their ciphertexts (random on every seal),
// so that loading the same directory again is "unchanged".
func pseudonymous(ls []Learner) []SealedLearner {
	out := sealedRows(ls)
	for i := range out {
		out[i].Account = nil
	}
	return out
}

// sealedRows is the event form of sealed entries.
func sealedRows(ls []Learner) []SealedLearner {
	out := make([]SealedLearner, len(ls))
	for i, l := range ls {
		out[i] = SealedLearner{Subject: l.Subject, Account: l.Account, Commune: l.Commune, Group: l.Group,
			Subgroups: l.Subgroups, Household: l.Household, Mentor: l.Mentor, Team: l.Team}
	}
	return out
}

// fromSealed is the in-memory form of sealed entries.
func fromSealed(rows []SealedLearner) []Learner {
	out := make([]Learner, len(rows))
	for i, r := range rows {
		out[i] = Learner{Subject: r.Subject, Account: r.Account, Commune: r.Commune, Group: r.Group,
			Subgroups: r.Subgroups, Household: r.Household, Mentor: r.Mentor, Team: r.Team}
	}
	return out
}

// pseudonymize returns the learners with each account replaced by its
// subject (Account not sealed yet), and the accounts by index. Entries
// sealed already are kept as they are.
func pseudonymize(ks Keys, ls []Learner) ([]Learner, []account) {
	out := make([]Learner, len(ls))
	accts := make([]account, len(ls))
	for i, l := range ls {
		if l.IsSealed() {
			out[i] = l
			continue
		}
		accts[i] = account{HomePage: l.HomePage, Name: l.Name}
		l.Subject = AccountSubject(ks, l.HomePage, l.Name)
		l.HomePage, l.Name, l.Account = "", "", nil
		out[i] = l
	}
	return out, accts
}

// sealAccounts seals the accounts of the entries pseudonymize made, with
// every new person's key made at once (Keys.Prepare when the keyring has
// it). An entry whose subject erased reports true is left without its
// account: a directory loaded after an erasure does not bring the person
// back.
func sealAccounts(ctx context.Context, ks Keys, ls []Learner, accts []account, erased func(subject string) bool) error {
	var subjects []string
	for i, l := range ls {
		if accts[i] != (account{}) && (erased == nil || !erased(l.Subject)) {
			subjects = append(subjects, l.Subject)
		}
	}
	if p, ok := ks.(preparer); ok && len(subjects) > 0 {
		if err := p.Prepare(ctx, subjects); err != nil {
			return fmt.Errorf("reference: prepare the learners' keys: %w", err)
		}
	}
	for i := range ls {
		l := &ls[i]
		if accts[i] == (account{}) || (erased != nil && erased(l.Subject)) {
			continue
		}
		plain, err := json.Marshal(accts[i])
		if err != nil {
			return err
		}
		id, ct, err := ks.Seal(ctx, l.Subject, plain, accountAAD(l.Subject))
		if err != nil {
			return fmt.Errorf("reference: seal the account of subject %s: %w", l.Subject, err)
		}
		l.Account = &SealedAccount{KeyID: id, Ciphertext: ct}
	}
	return nil
}
