package sealing

import (
	"context"
	"fmt"

	"github.com/hocvu/hocvu/lrs/xapi"
)

// preparer is a keyring that can make many subjects' keys at once
// (privacy/keys.Keyring.Prepare).
type preparer interface {
	Prepare(ctx context.Context, subjects []string) error
}

// Prepare makes the keys of every person in statements (decoded, as
// xapi.Decode gives them) ready before they are sealed one by one, so
// that a request with many new people waits for their keys together. A
// keyring that cannot prepare makes it a no-op.
func (s Sealer) Prepare(ctx context.Context, statements []map[string]any) error {
	p, ok := s.Keys.(preparer)
	if !ok {
		return nil
	}
	var subjects []string
	for _, st := range statements {
		eachAgent(st, func(a map[string]any) {
			if k, ok := xapi.AgentKey(a); ok {
				subjects = append(subjects, s.Keys.Subject(k))
			}
		})
	}
	if len(subjects) == 0 {
		return nil
	}
	if err := p.Prepare(ctx, subjects); err != nil {
		return fmt.Errorf("sealing: prepare keys: %w: %w", ErrKeys, err)
	}
	return nil
}

// eachAgent calls fn for every Agent and Group that Seal seals in a
// decoded statement, members included.
func eachAgent(st map[string]any, fn func(map[string]any)) {
	agent := func(v any) {
		a, ok := v.(map[string]any)
		if !ok {
			return
		}
		fn(a)
		members, _ := a["member"].([]any)
		for _, m := range members {
			if mm, ok := m.(map[string]any); ok {
				fn(mm)
			}
		}
	}
	agent(st["actor"])
	if obj, ok := st["object"].(map[string]any); ok {
		switch obj["objectType"] {
		case "Agent", "Group":
			agent(obj)
		case "SubStatement":
			eachAgent(obj, fn)
		}
	}
	ctx, ok := st["context"].(map[string]any)
	if !ok {
		return
	}
	agent(ctx["instructor"])
	agent(ctx["team"])
	for _, k := range [][2]string{{"contextAgents", "agent"}, {"contextGroups", "group"}} {
		list, _ := ctx[k[0]].([]any)
		for _, item := range list {
			if m, ok := item.(map[string]any); ok {
				agent(m[k[1]])
			}
		}
	}
}
