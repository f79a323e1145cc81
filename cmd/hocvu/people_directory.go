package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/privacy/keys"
)

// directoryLookup finds a person's learner-directory entry for an access
// export (privacy/export.Directory): the directory in force, replayed
// from the log, looked up by account in clear or by subject when sealed.
type directoryLookup struct {
	store   eventstore.StreamReader
	keyring *keys.Keyring // nil when sealing is off
}

// Learner implements export.Directory. Only accounts are in the directory.
func (d directoryLookup) Learner(ctx context.Context, agentKey string) (any, bool, error) {
	rest, ok := strings.CutPrefix(agentKey, "account:")
	if !ok {
		return nil, false, nil
	}
	home, name, ok := strings.Cut(rest, "\x00")
	if !ok {
		return nil, false, nil
	}
	st, err := reference.Replay(ctx, d.store)
	if err != nil {
		return nil, false, fmt.Errorf("read the learner directory: %w", err)
	}
	l, found := st.Learner(home, name)
	if !found && d.keyring != nil {
		l, found = st.LearnerBySubject(reference.AccountSubject(d.keyring, home, name))
	}
	if !found {
		return nil, false, nil
	}
	if l.IsSealed() {
		if d.keyring == nil {
			return nil, false, errors.New("the learner directory is sealed: give --seal-personal-data and the master key")
		}
		if l, err = l.Open(ctx, d.keyring); errors.Is(err, reference.ErrErased) {
			return nil, false, nil
		} else if err != nil {
			return nil, false, err
		}
	}
	// The entry's JSON is the directory file's format: account and codes
	// (the subject and the sealed account are not part of it).
	return l, true, nil
}
