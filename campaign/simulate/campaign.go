package simulate

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// Campaign is a generated campaign: learners and their statements in
// timestamp order. It is immutable and safe for concurrent use.
type Campaign struct {
	cfg      Config
	prov     *province
	learners []learner
	events   []event
	render   *renderer
	ref      *reference.Data
	stats    Stats
}

// Stats summarises a campaign.
type Stats struct {
	Learners       int // accounts
	ActiveLearners int // accounts with at least one statement
	Statements     int
	// ByTemplate counts statements per template: lesson-launched,
	// lesson-progressed, lesson-completed, assessment-passed,
	// assessment-failed, course-completed, certificate-earned.
	ByTemplate        map[string]int
	LessonCompletions int
	Certificates      int
	CertifiedLearners int
	FastAccounts      int
	BurstAccounts     int
	NoContextAccounts int
	Mentees           int
	ActiveMentors     int // mentors with at least one mentee
	First, Last       time.Time
}

var templateNames = [numKinds]string{"lesson-launched", "lesson-progressed", "lesson-completed", "assessment-passed", "assessment-failed", "course-completed", "certificate-earned"}

// Authority is the authority of statements rendered in FormStored: the
// Agent the LRS would set from the credential that wrote them.
func Authority(authorityHome, credentialKey string) map[string]any {
	return map[string]any{"objectType": "Agent", "name": "hocvu simulate",
		"account": map[string]any{"homePage": authorityHome, "name": credentialKey}}
}

// Generate plans the campaign: it assigns the learners, plans every
// journey (in parallel; each learner has its own random stream, so the
// result does not depend on scheduling) and sorts the statements by
// timestamp, giving each a stored time a little after it that never
// decreases. authority is the Agent put in FormStored statements (nil
// for FormSend only).
func Generate(ctx context.Context, cfg Config, authority map[string]any) (*Campaign, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	prov := newProvince(cfg.Reference)
	c := &Campaign{cfg: cfg, prov: prov}
	c.learners = prov.assign(cfg)
	if c.render, err = newRenderer(cfg, prov, authority); err != nil {
		return nil, err
	}
	pl := newPlanner(cfg, prov)
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(c.learners) + workers*8 - 1) / (workers * 8)
	parts := make([][]event, (len(c.learners)+chunk-1)/chunk)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				lo, hi := p*chunk, min((p+1)*chunk, len(c.learners))
				out := make([]event, 0, (hi-lo)*14)
				for i := lo; i < hi; i++ {
					out = pl.plan(i, &c.learners[i], out)
				}
				parts[p] = out
			}
		}()
	}
	for p := range parts {
		if ctx.Err() != nil {
			break
		}
		next <- p
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	c.events = make([]event, 0, total)
	for p := range parts {
		c.events = append(c.events, parts[p]...)
		parts[p] = nil
	}
	c.events = sortEvents(c.events, workers)
	var last int64
	for i := range c.events {
		e := &c.events[i]
		delay := 300 + int64(mix64(cfg.Seed^uint64(e.learner)<<16^uint64(e.seq))%2700)
		e.stored = max(e.ts+delay, last)
		last = e.stored
	}
	c.ref = c.reference()
	c.stats = c.computeStats()
	return c, nil
}

// sortEvents orders events by timestamp (then learner and statement
// number): a bucket pass by hour, then the buckets sorted in parallel.
func sortEvents(evs []event, workers int) []event {
	if len(evs) == 0 {
		return evs
	}
	lo, hi := evs[0].ts, evs[0].ts
	for i := range evs {
		lo, hi = min(lo, evs[i].ts), max(hi, evs[i].ts)
	}
	const bucketMS = 3_600_000
	n := int((hi-lo)/bucketMS) + 1
	starts := make([]int, n+1)
	for i := range evs {
		starts[(evs[i].ts-lo)/bucketMS+1]++
	}
	for b := 1; b <= n; b++ {
		starts[b] += starts[b-1]
	}
	out := make([]event, len(evs))
	fill := slices.Clone(starts[:n])
	for i := range evs {
		b := (evs[i].ts - lo) / bucketMS
		out[fill[b]] = evs[i]
		fill[b]++
	}
	byTime := func(a, b event) int {
		if a.ts != b.ts {
			return cmp.Compare(a.ts, b.ts)
		}
		if a.learner != b.learner {
			return cmp.Compare(a.learner, b.learner)
		}
		return cmp.Compare(a.seq, b.seq)
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for b := range n {
		next <- b
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				slices.SortFunc(out[starts[b]:starts[b+1]], byTime)
			}
		}()
	}
	wg.Wait()
	return out
}

// Len is the number of statements.
func (c *Campaign) Len() int { return len(c.events) }

// Config is the campaign's configuration, with defaults filled in.
func (c *Campaign) Config() Config { return c.cfg }

// Stats returns the campaign's summary.
func (c *Campaign) Stats() Stats { return c.stats }

// Timestamp is statement i's timestamp.
func (c *Campaign) Timestamp(i int) time.Time { return time.UnixMilli(c.events[i].ts).UTC() }

// Stored is statement i's stored time (FormStored); it never decreases
// with i.
func (c *Campaign) Stored(i int) time.Time { return time.UnixMilli(c.events[i].stored).UTC() }

// Template is the id suffix of the profile template statement i follows
// (e.g. "lesson-completed").
func (c *Campaign) Template(i int) string { return templateNames[c.events[i].kind] }

// Append renders statement i as JSON onto b.
func (c *Campaign) Append(b []byte, i int, form Form) []byte {
	e := &c.events[i]
	return c.render.appendStatement(b, e, &c.learners[e.learner], form)
}

// Reference returns the reference data of the campaign: the province
// it ran on plus the learner directory of the learners whose statements
// carry no context. Do not modify it.
func (c *Campaign) Reference() *reference.Data { return c.ref }

func (c *Campaign) reference() *reference.Data {
	base := c.cfg.Reference
	d := &reference.Data{}
	_ = d.Merge(base)
	dir := &reference.Data{Learners: []reference.Learner{}}
	for i, l := range c.learners {
		if l.flags&flagNoContext == 0 {
			continue
		}
		code := c.prov.communes[l.commune].Code
		e := reference.Learner{HomePage: c.cfg.HomePage, Name: AccountName(i), Commune: code, Group: vocab.TargetGroups[l.group]}
		for bit, s := range reference.Subgroups {
			if l.subs&(1<<bit) != 0 {
				e.Subgroups = append(e.Subgroups, s)
			}
		}
		if l.flags&flagHousehold != 0 {
			e.Household = householdID(code, l.household)
		}
		if l.mentor >= 0 {
			e.Mentor = c.prov.mentors[l.mentor].ID
		}
		if l.team >= 0 {
			e.Team = c.prov.teams[l.team].ID
		}
		dir.Learners = append(dir.Learners, e)
	}
	if !base.Has(reference.KindLearners) {
		_ = d.Merge(dir)
		return d
	}
	// Keep the base directory; the campaign's entries replace the ones
	// for the same accounts (a re-run on its own reference data).
	d.Learners = slices.Clone(base.Learners)
	at := make(map[string]int, len(d.Learners))
	for i, l := range d.Learners {
		at[l.Key()] = i
	}
	for _, l := range dir.Learners {
		if i, ok := at[l.Key()]; ok {
			d.Learners[i] = l
		} else {
			d.Learners = append(d.Learners, l)
		}
	}
	return d
}

func (c *Campaign) computeStats() Stats {
	s := Stats{Learners: len(c.learners), Statements: len(c.events), ByTemplate: map[string]int{}}
	active := make([]bool, len(c.learners))
	certified := make([]bool, len(c.learners))
	var byKind [numKinds]int
	for i := range c.events {
		e := &c.events[i]
		byKind[e.kind]++
		active[e.learner] = true
		if e.kind == evEarned {
			certified[e.learner] = true
		}
	}
	for k, n := range byKind {
		s.ByTemplate[templateNames[k]] = n
	}
	s.LessonCompletions, s.Certificates = byKind[evLessonCompleted], byKind[evEarned]
	mentors := map[int32]bool{}
	for i, l := range c.learners {
		if active[i] {
			s.ActiveLearners++
		}
		if certified[i] {
			s.CertifiedLearners++
		}
		if l.flags&flagFast != 0 {
			s.FastAccounts++
		}
		if l.flags&flagBurst != 0 {
			s.BurstAccounts++
		}
		if l.flags&flagNoContext != 0 {
			s.NoContextAccounts++
		}
		if l.mentor >= 0 {
			s.Mentees++
			mentors[l.mentor] = true
		}
	}
	s.ActiveMentors = len(mentors)
	if len(c.events) > 0 {
		s.First, s.Last = c.Timestamp(0), c.Timestamp(len(c.events)-1)
	}
	return s
}
