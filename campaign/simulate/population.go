package simulate

import (
	"math"
	"slices"
	"sort"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
)

// Sub-group bits, in the order of reference.Subgroups.
const (
	subElderly uint8 = 1 << iota
	subDisability
	subEthnic
	subPoor
	subRemote
	subTrader
	subFarmer
)

// Learner flags.
const (
	flagNoContext uint8 = 1 << iota // statements carry only the province
	flagFast                        // box-ticking: implausibly fast lessons
	flagBurst                       // box-ticking: many lessons in one hour
	flagTeamExt                     // statements name the community team
	flagHousehold                   // statements name the household
)

// Group indexes follow vocab.TargetGroups.
const (
	groupStaff = iota
	groupStudent
	groupWorker
	groupCitizen
)

// groupParticipation weighs each group's population: public staff are
// asked to take part (the plan's 80% for 2025), workers least.
var groupParticipation = [4]float64{2.2, 1.0, 0.8, 0.95}

// learner is one simulated account.
type learner struct {
	commune   uint16 // index into province.communes
	group     uint8
	subs      uint8
	flags     uint8
	household int32 // household number within the commune; -1 none
	mentor    int32 // index into province.mentors; -1 none
	team      int32 // index into province.teams; -1 none
}

// province indexes the reference data the simulation uses.
type province struct {
	ref        *reference.Data
	communes   []reference.Commune
	pops       []reference.Population // aligned with communes (zero when missing)
	teams      []reference.Team
	mentors    []reference.Mentor
	teamsOf    [][]int32 // by commune index
	mentorsOf  [][]int32
	teamIndex  map[string]int32
	householdN []int // household pool size per commune (set by assign)
}

func newProvince(ref *reference.Data) *province {
	p := &province{ref: ref, communes: ref.Communes, teams: ref.Teams, mentors: ref.Mentors, teamIndex: map[string]int32{}}
	idx := map[string]int{}
	for i, c := range ref.Communes {
		idx[c.Code] = i
	}
	p.pops = make([]reference.Population, len(ref.Communes))
	for _, pop := range ref.Populations {
		if i, ok := idx[pop.Commune]; ok {
			p.pops[i] = pop
		}
	}
	p.teamsOf = make([][]int32, len(ref.Communes))
	p.mentorsOf = make([][]int32, len(ref.Communes))
	for i, t := range ref.Teams {
		p.teamIndex[t.ID] = int32(i)
		if c, ok := idx[t.Commune]; ok {
			p.teamsOf[c] = append(p.teamsOf[c], int32(i))
		}
	}
	for i, m := range ref.Mentors {
		if c, ok := idx[m.Commune]; ok {
			p.mentorsOf[c] = append(p.mentorsOf[c], int32(i))
		}
	}
	return p
}

// weights returns the relative number of learners the simulation assigns
// to each (commune, group), at index commune*4+group: the group's
// population times its participation.
func (p *province) weights() []float64 {
	w := make([]float64, len(p.communes)*4)
	for c, pop := range p.pops {
		for g, name := range vocab.TargetGroups {
			w[c*4+g] = float64(pop.Groups[name]) * groupParticipation[g]
		}
	}
	return w
}

// ExpectedGroupShares returns the share of learners per target group that
// Generate aims at for the reference data ref (nil: the default
// province): each group's population weighted by its participation.
func ExpectedGroupShares(ref *reference.Data) map[string]float64 {
	if ref == nil {
		ref = reference.Default()
	}
	w := newProvince(ref).weights()
	var total float64
	per := [4]float64{}
	for i, x := range w {
		per[i%4] += x
		total += x
	}
	out := map[string]float64{}
	for g, name := range vocab.TargetGroups {
		out[name] = per[g] / total
	}
	return out
}

// assign creates the learners: commune and group in proportion to the
// weights, sub-groups by area and group, the box-ticking and no-context
// accounts (exact counts), households, mentors and teams.
func (p *province) assign(cfg Config) []learner {
	n := cfg.Learners
	ls := make([]learner, n)
	cum := cumulative(p.weights())
	perCommune := make([]int, len(p.communes))
	for i := range ls {
		r := newRNG(cfg.Seed, uint64(i), 1)
		k := r.pick(cum)
		l := &ls[i]
		l.commune, l.group = uint16(k/4), uint8(k%4)
		l.subs = p.subgroups(&r, l)
		l.household, l.mentor, l.team = -1, -1, -1
		perCommune[l.commune]++
	}
	// Box-ticking concentrates where targets press hardest: public staff
	// are three times as likely to be chosen.
	boxWeight := func(i int) float64 {
		if ls[i].group == groupStaff {
			return 3
		}
		return 1
	}
	taken := make([]bool, n)
	for _, i := range chooseWeighted(n, count(n, cfg.BurstShare), cfg.Seed, 11, boxWeight, taken) {
		ls[i].flags |= flagBurst
		taken[i] = true
	}
	for _, i := range chooseWeighted(n, count(n, cfg.FastShare), cfg.Seed, 12, boxWeight, taken) {
		ls[i].flags |= flagFast
		taken[i] = true
	}
	for _, i := range chooseWeighted(n, count(n, cfg.NoContextShare), cfg.Seed, 13, func(int) float64 { return 1 }, nil) {
		ls[i].flags |= flagNoContext
	}
	// Households: learners of a commune draw from a pool a little smaller
	// than their number, so some households have several learners
	// ("digital family").
	p.householdN = make([]int, len(p.communes))
	for c, k := range perCommune {
		h := int(math.Max(1, math.Round(float64(k)/1.35)))
		if hh := int(p.pops[c].Households); hh > 0 && h > hh {
			h = hh
		}
		p.householdN[c] = h
	}
	for i := range ls {
		r := newRNG(cfg.Seed, uint64(i), 3)
		if r.chance(0.9) {
			ls[i].household = int32(r.intn(p.householdN[ls[i].commune]))
			ls[i].flags |= flagHousehold
		}
	}
	p.assignMentors(cfg, ls, perCommune)
	for i := range ls {
		l := &ls[i]
		r := newRNG(cfg.Seed, uint64(i), 4)
		if l.mentor >= 0 {
			if t, ok := p.teamIndex[p.mentors[l.mentor].Team]; ok {
				l.team = t
			}
		} else if teams := p.teamsOf[l.commune]; len(teams) > 0 && r.chance(0.3) {
			l.team = teams[r.intn(len(teams))]
		}
		if l.team >= 0 {
			l.flags |= flagTeamExt
		}
	}
	return ls
}

// assignMentors gives mentees to digital ambassadors. About one active
// ambassador per 5.2 mentees is drawn (where learners are: an
// ambassador's chance grows with the learners per ambassador of their
// commune), each gets an uneven share of the mentees (so some stay below
// the norm of five), taken from the learners of their commune (never a
// burst account).
func (p *province) assignMentors(cfg Config, ls []learner, perCommune []int) {
	m := count(len(ls), cfg.MenteeShare)
	if m == 0 || len(p.mentors) == 0 {
		return
	}
	communeOf := make([]int, len(p.mentors))
	for c, ms := range p.mentorsOf {
		for _, j := range ms {
			communeOf[j] = c
		}
	}
	a := min(len(p.mentors), max(1, int(math.Round(float64(m)/5.2))))
	active := chooseWeighted(len(p.mentors), a, cfg.Seed, 16, func(j int) float64 {
		c := communeOf[j]
		if perCommune[c] == 0 {
			return 0
		}
		return float64(perCommune[c]) / float64(len(p.mentorsOf[c]))
	}, nil)
	slices.Sort(active)
	r := newRNG(cfg.Seed, 17)
	w := make([]float64, len(active))
	var sum float64
	for k := range w {
		w[k] = 0.35 + 1.3*r.float()
		sum += w[k]
	}
	capacity := make([]int, len(active))
	given := 0
	for k := range w {
		capacity[k] = int(float64(m) * w[k] / sum)
		given += capacity[k]
	}
	for k := 0; given < m; k = (k + 1) % len(capacity) {
		capacity[k]++
		given++
	}
	// Each commune's eligible learners, in a deterministic random order.
	queue := make([][]int, len(p.communes))
	for i := range ls {
		if ls[i].flags&flagBurst == 0 {
			queue[ls[i].commune] = append(queue[ls[i].commune], i)
		}
	}
	for c, q := range queue {
		qr := newRNG(cfg.Seed, uint64(c), 18)
		for i := len(q) - 1; i > 0; i-- {
			j := qr.intn(i + 1)
			q[i], q[j] = q[j], q[i]
		}
	}
	for k, j := range active {
		c := communeOf[j]
		n := min(capacity[k], len(queue[c]))
		for _, i := range queue[c][:n] {
			ls[i].mentor = int32(j)
		}
		queue[c] = queue[c][n:]
	}
}

// subgroups draws a learner's sub-groups from their group and commune.
func (p *province) subgroups(r *rng, l *learner) uint8 {
	c := p.communes[l.commune]
	mountain := c.Has(reference.AreaMountainous)
	var s uint8
	set := func(bit uint8, prob float64) {
		if r.chance(prob) {
			s |= bit
		}
	}
	if l.group == groupCitizen {
		set(subElderly, 0.18)
		set(subTrader, 0.08)
		if !c.Has(reference.AreaUrban) {
			set(subFarmer, 0.35)
		}
	}
	if l.group == groupWorker {
		set(subTrader, 0.02)
	}
	set(subDisability, 0.015)
	if c.Has(reference.AreaEthnicMinority) {
		set(subEthnic, 0.75)
	} else {
		set(subEthnic, 0.01)
	}
	if mountain {
		set(subPoor, 0.2)
		set(subRemote, 0.5)
	} else {
		set(subPoor, 0.04)
		if c.Has(reference.AreaIsland) {
			set(subRemote, 0.5)
		}
	}
	return s
}

func count(n int, share float64) int { return int(math.Round(float64(n) * share)) }

// chooseWeighted picks k distinct indexes of [0, n) with probability
// growing with weight(i) (weighted sampling without replacement,
// Efraimidis–Spirakis), skipping taken ones and zero weights. The result
// depends only on seed and salt.
func chooseWeighted(n, k int, seed, salt uint64, weight func(int) float64, taken []bool) []int {
	if k <= 0 {
		return nil
	}
	type cand struct {
		i   int
		key float64
	}
	cands := make([]cand, 0, n)
	for i := 0; i < n; i++ {
		if taken != nil && taken[i] {
			continue
		}
		w := weight(i)
		if w <= 0 {
			continue
		}
		r := newRNG(seed, uint64(i), salt)
		cands = append(cands, cand{i, math.Log(1-r.float()) / w})
	}
	sort.Slice(cands, func(a, b int) bool {
		if cands[a].key != cands[b].key {
			return cands[a].key > cands[b].key
		}
		return cands[a].i < cands[b].i
	})
	if k > len(cands) {
		k = len(cands)
	}
	out := make([]int, k)
	for j := range out {
		out[j] = cands[j].i
	}
	return out
}
