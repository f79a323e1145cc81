package documentindex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/internal/storagestats"
	"github.com/hocvu/hocvu/lrs"
	"github.com/hocvu/hocvu/lrs/documents"
	"github.com/hocvu/hocvu/projections"
	"github.com/hocvu/hocvu/projections/pebblemodel"
)

var (
	_ projections.Projection = (*Definitions)(nil)
	_ projections.Resetter   = (*Definitions)(nil)
	_ documents.Definitions  = LiveDefinitions{}
)

// DefinitionsName is the name of the activity definitions projection.
const DefinitionsName = "activity-definitions"

// Layout of the definitions database:
//
//	'c'              checkpoint: commit(8) prepare(8)
//	'a' activityId   the canonical definition (JSON object)
const tagActivity = 'a'

// Definitions is the read model of canonical Activity definitions. It
// learns from statements whose credential had the "define" scope
// (lrs.StatementStoredMeta.Define): xAPI lets the LRS update its
// canonical definition of an Activity only from a Learning Record
// Provider it trusts to do so (1.0.3 Data 2.4.4.1, 2.0 4.2.2.3), which is
// what that scope grants ("(re)Define Activities and Actors"). Statements
// without it never change a definition.
//
// Every Activity of such a statement counts: its object (also inside a
// SubStatement) and its context activities. A definition merges into the
// known one in log order, so the latest statement wins property by
// property: "name" and "description" merge per language, "extensions" per
// extension IRI, and every other property (type, moreInfo, interactionType,
// correctResponsesPattern, choices, scale, source, target, steps) is
// replaced whole by the newer value. A property is never removed.
type Definitions struct {
	s *store
	// last is, per activity, the definition merged most recently. Merging
	// it again changes nothing, so a statement repeating it (the common
	// case: content sends the same definition every time) is skipped.
	// Guarded by s.mu.
	last map[string]map[string]any
}

// OpenDefinitions opens (creating if needed) the definitions in dir.
func OpenDefinitions(dir string, log *slog.Logger) (*Definitions, error) {
	return OpenDefinitionsWithMemory(dir, log, pebblemodel.Memory{})
}

// OpenDefinitionsWithMemory is OpenDefinitions with the read model's share
// of the memory budget (internal/membudget); Pebble's defaults when zero.
func OpenDefinitionsWithMemory(dir string, log *slog.Logger, mem pebblemodel.Memory) (*Definitions, error) {
	s, err := openStore(DefinitionsName, dir, log, mem)
	if err != nil {
		return nil, err
	}
	return &Definitions{s: s, last: map[string]map[string]any{}}, nil
}

// Close closes the database.
func (d *Definitions) Close() error { return d.s.close() }

// StorageStats implements storagestats.Source.
func (d *Definitions) StorageStats() (storagestats.Stats, bool) { return d.s.storageStats() }

// Name implements projections.Projection.
func (d *Definitions) Name() string { return DefinitionsName }

// Filter implements projections.Projection: statement events.
func (d *Definitions) Filter() eventstore.Filter {
	return eventstore.Filter{EventTypePrefixes: []string{lrs.EventPrefixStatement}}
}

// Checkpoint implements projections.Projection.
func (d *Definitions) Checkpoint(context.Context) (eventstore.Position, error) {
	return d.s.checkpoint(), nil
}

// Reset implements projections.Resetter.
func (d *Definitions) Reset(context.Context) error {
	d.s.mu.Lock()
	d.last = map[string]map[string]any{}
	d.s.mu.Unlock()
	return d.s.reset()
}

func activityKey(id string) []byte { return append([]byte{tagActivity}, id...) }

// Apply implements projections.Projection.
func (d *Definitions) Apply(ctx context.Context, events []eventstore.RecordedEvent, through eventstore.Position) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if d.s.db == nil {
		return fmt.Errorf("%s: closed", DefinitionsName)
	}
	b := d.s.db.NewIndexedBatch()
	defer b.Close()
	merged := map[string]map[string]any{} // becomes d.last once committed
	lastOf := func(id string) map[string]any {
		if def, ok := merged[id]; ok {
			return def
		}
		return d.last[id]
	}
	prepared := projections.Prepare(events, definedIn)
	for i := range events {
		ev := &events[i]
		acts, err := prepared[i].acts, prepared[i].err
		if err != nil {
			return err
		}
		for _, a := range acts {
			id, _ := a["id"].(string)
			def, _ := a["definition"].(map[string]any)
			if id == "" || len(def) == 0 || reflect.DeepEqual(lastOf(id), def) {
				continue
			}
			if err := mergeInto(b, id, def); err != nil {
				return fmt.Errorf("%s: event %s: activity %s: %w", DefinitionsName, ev.ID, id, err)
			}
			merged[id] = def
		}
	}
	if err := d.s.commit(b, through); err != nil {
		return err
	}
	for id, def := range merged {
		d.last[id] = def
	}
	return nil
}

func mergeInto(b *pebblemodel.Batch, id string, def map[string]any) error {
	key := activityKey(id)
	v, closer, err := b.Get(key)
	var known map[string]any
	switch {
	case errors.Is(err, pebblemodel.ErrNotFound):
	case err != nil:
		return err
	default:
		known, err = decodeJSONObject(v)
		_ = closer.Close()
		if err != nil {
			return err
		}
	}
	data, err := json.Marshal(MergeDefinition(known, def))
	if err != nil {
		return err
	}
	return b.Set(key, data)
}

// MergeDefinition merges a newer Activity definition into a known one (nil
// when none) by the rules of [Definitions] and returns the result; it does
// not modify its arguments.
func MergeDefinition(known, newer map[string]any) map[string]any {
	out := make(map[string]any, len(known)+len(newer))
	for k, v := range known {
		out[k] = v
	}
	for k, v := range newer {
		switch k {
		case "name", "description", "extensions":
			old, ok1 := out[k].(map[string]any)
			add, ok2 := v.(map[string]any)
			if ok1 && ok2 {
				m := make(map[string]any, len(old)+len(add))
				for lk, lv := range old {
					m[lk] = lv
				}
				for lk, lv := range add {
					m[lk] = lv
				}
				out[k] = m
				continue
			}
		}
		out[k] = v
	}
	return out
}

// decodeJSONObject decodes a JSON object keeping numbers exact.
func decodeJSONObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return m, nil
}

// Definition returns the canonical definition of an Activity.
func (d *Definitions) Definition(ctx context.Context, activityID string) (map[string]any, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	d.s.mu.RLock()
	defer d.s.mu.RUnlock()
	if d.s.db == nil {
		return nil, false, fmt.Errorf("%s: closed", DefinitionsName)
	}
	v, closer, err := d.s.db.Get(activityKey(activityID))
	if errors.Is(err, pebblemodel.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", DefinitionsName, err)
	}
	defer closer.Close()
	def, err := decodeJSONObject(v)
	if err != nil {
		return nil, false, fmt.Errorf("%s: corrupt definition of %s: %w", DefinitionsName, activityID, err)
	}
	return def, true, nil
}

// LiveDefinitions is the definitions with the runner that feeds them: the
// documents.Definitions that lrs/documents needs.
type LiveDefinitions struct {
	*Definitions
	Runner *projections.Runner
}

// WaitFor blocks until the runner has applied the log through pos.
func (l LiveDefinitions) WaitFor(ctx context.Context, pos eventstore.Position) error {
	return l.Runner.WaitFor(ctx, pos)
}

// defined is what one event brings to the definitions, decoded in
// parallel with the rest of its batch (projections.Prepare).
type defined struct {
	acts []map[string]any
	err  error
}

// definedIn lists the activities with a definition that a statement
// event defines (its metadata says whether the statement's credential may
// define activities).
func definedIn(ev *eventstore.RecordedEvent) defined {
	if !lrs.IsStatementEvent(ev.Type) {
		return defined{}
	}
	var meta lrs.StatementStoredMeta
	if len(ev.Metadata) > 0 {
		if err := json.Unmarshal(ev.Metadata, &meta); err != nil {
			return defined{err: fmt.Errorf("%s: %w", DefinitionsName, projections.Poison(ev, fmt.Errorf("metadata: %w", err)))}
		}
	}
	if !meta.Define || !bytes.Contains(ev.Data, []byte(`"definition"`)) {
		return defined{}
	}
	acts, err := activitiesWithDefinitions(ev.Data)
	if err != nil {
		return defined{err: fmt.Errorf("%s: %w", DefinitionsName, projections.Poison(ev, err))}
	}
	return defined{acts: acts}
}

// activityParts is the part of a statement that can hold activity
// definitions; the rest is skipped without being decoded.
type activityParts struct {
	Object  jsontext.Value `json:"object"`
	Context *struct {
		ContextActivities map[string]jsontext.Value `json:"contextActivities"`
	} `json:"context"`
}

// partsOptions are as lenient as encoding/json: a repeated member name
// (the last counts) or invalid UTF-8 does not make a stored statement
// undecodable.
var partsOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// activitiesWithDefinitions lists the Activity objects of a stored
// statement that carry a definition (as statementActivities does for a
// decoded one), decoding only those.
func activitiesWithDefinitions(data []byte) ([]map[string]any, error) {
	var c definedActivities
	err := c.statement(data, false)
	return c.list, err
}

// definedActivities collects the Activity objects that carry a
// definition, in statement order.
type definedActivities struct {
	list []map[string]any
}

// statement collects from a statement's object and then from its context
// activities. sub marks a SubStatement, whose object is never another
// SubStatement.
func (c *definedActivities) statement(data []byte, sub bool) error {
	var st activityParts
	if err := jsonv2.Unmarshal(data, &st, partsOptions); err != nil {
		return err
	}
	if err := c.object(st.Object, sub); err != nil {
		return err
	}
	if st.Context == nil {
		return nil
	}
	for _, kind := range []string{"parent", "grouping", "category", "other"} {
		if err := c.contextActivities(st.Context.ContextActivities[kind]); err != nil {
			return err
		}
	}
	return nil
}

// mentionsDefinition reports whether raw may hold a definition: raw that
// does not is skipped without being decoded.
func mentionsDefinition(raw []byte) bool {
	return len(raw) > 0 && bytes.Contains(raw, []byte(`"definition"`))
}

// object collects a statement's object when it is an Activity with a
// definition, and from a SubStatement object as from a statement.
func (c *definedActivities) object(raw []byte, sub bool) error {
	if !mentionsDefinition(raw) {
		return nil
	}
	obj, err := decodeJSONObject(raw)
	if err != nil {
		return err
	}
	switch t, _ := obj["objectType"].(string); t {
	case "", "Activity":
		c.list = append(c.list, obj)
	case "SubStatement":
		if !sub {
			return c.statement(raw, true)
		}
	}
	return nil
}

// contextActivities collects the activities of one kind of context
// activities: a list, or (1.0.x) a single activity.
func (c *definedActivities) contextActivities(raw []byte) error {
	if !mentionsDefinition(raw) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case []any:
		for _, a := range v {
			if m, ok := a.(map[string]any); ok {
				c.list = append(c.list, m)
			}
		}
	case map[string]any: // 1.0.x single activity
		c.list = append(c.list, v)
	}
	return nil
}
