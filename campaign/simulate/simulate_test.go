package simulate_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hocvu/hocvu/campaign/simulate"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
	"github.com/hocvu/hocvu/lrs/xapi"
)

func generate(t testing.TB, learners int, seed uint64) *simulate.Campaign {
	t.Helper()
	cfg := simulate.DefaultConfig()
	cfg.Learners, cfg.Seed = learners, seed
	c, err := simulate.Generate(context.Background(), cfg, simulate.Authority("https://hocvu.local/", "hocvu-simulate"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var (
	mediumOnce sync.Once
	medium     *simulate.Campaign
	mediumSts  []stmt
)

// stmt is the part of a statement the distribution tests look at.
type stmt struct {
	ID    string `json:"id"`
	Actor struct {
		Account struct{ Name string } `json:"account"`
	} `json:"actor"`
	Verb   struct{ ID string } `json:"verb"`
	Object struct {
		ID         string `json:"id"`
		Definition struct {
			Type       string            `json:"type"`
			Extensions map[string]string `json:"extensions"`
		} `json:"definition"`
	} `json:"object"`
	Result struct {
		Duration string `json:"duration"`
	} `json:"result"`
	Context struct {
		Registration string         `json:"registration"`
		Extensions   map[string]any `json:"extensions"`
	} `json:"context"`
	Timestamp time.Time `json:"timestamp"`
	Stored    time.Time `json:"stored"`
}

// mediumCampaign is a 5,000-learner campaign, decoded.
func mediumCampaign(t *testing.T) (*simulate.Campaign, []stmt) {
	mediumOnce.Do(func() {
		medium = generate(t, 5000, 7)
		mediumSts = make([]stmt, medium.Len())
		var buf []byte
		for i := range mediumSts {
			buf = medium.Append(buf[:0], i, simulate.FormStored)
			if err := json.Unmarshal(buf, &mediumSts[i]); err != nil {
				t.Fatal(err)
			}
		}
	})
	if medium == nil {
		t.Fatal("medium campaign failed")
	}
	return medium, mediumSts
}

// TestStatementsValidateAndFitTheProfile: every statement of a small
// campaign passes xAPI 2.0.0 validation as sent and as stored, and fits
// the template it claims, with no misfit.
func TestStatementsValidateAndFitTheProfile(t *testing.T) {
	c := generate(t, 400, 3)
	if c.Len() < 2000 {
		t.Fatalf("only %d statements", c.Len())
	}
	checker := xapiprofile.DefaultChecker()
	templates := map[string]int{}
	var buf []byte
	for i := 0; i < c.Len(); i++ {
		for _, form := range []simulate.Form{simulate.FormSend, simulate.FormStored} {
			buf = c.Append(buf[:0], i, form)
			doc, err := xapi.Decode(buf)
			if err != nil {
				t.Fatalf("statement %d: %v", i, err)
			}
			if ps := xapi.ValidateStatement(xapi.V200, doc); len(ps) > 0 {
				t.Fatalf("statement %d (%v): %v\n%s", i, form, ps, buf)
			}
			id, misfits := checker.Match(doc.(map[string]any))
			if len(misfits) > 0 || id != xapiprofile.TemplateBase+c.Template(i) {
				t.Fatalf("statement %d: template %s (want %s), misfits %v\n%s", i, id, c.Template(i), misfits, buf)
			}
		}
		templates[c.Template(i)]++
	}
	if len(templates) != 7 {
		t.Errorf("templates used: %v", templates)
	}
}

// TestRegistrationsFollowThePattern: the statements of each registration,
// in timestamp order, follow the profile's primary pattern and have
// distinct, increasing timestamps.
func TestRegistrationsFollowThePattern(t *testing.T) {
	c, sts := mediumCampaign(t)
	byReg := map[string][]int{}
	for i, s := range sts {
		byReg[s.Context.Registration] = append(byReg[s.Context.Registration], i)
	}
	p := xapiprofile.Default()
	for reg, idx := range byReg {
		seq := make([]string, len(idx))
		for k, i := range idx {
			seq[k] = xapiprofile.TemplateBase + c.Template(i)
			if k > 0 && !sts[i].Timestamp.After(sts[idx[k-1]].Timestamp) {
				t.Fatalf("registration %s: timestamps not increasing at %d", reg, i)
			}
		}
		ok, err := p.MatchPattern(xapiprofile.PatternCourseJourney, seq)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("registration %s does not follow the pattern: %v", reg, seq)
		}
	}
}

func TestDeterministicBySeed(t *testing.T) {
	digest := func(c *simulate.Campaign) [32]byte {
		h := sha256.New()
		var buf []byte
		for i := 0; i < c.Len(); i++ {
			buf = c.Append(buf[:0], i, simulate.FormStored)
			h.Write(buf)
		}
		var d [32]byte
		copy(d[:], h.Sum(nil))
		return d
	}
	a, b, other := generate(t, 600, 42), generate(t, 600, 42), generate(t, 600, 43)
	if a.Len() != b.Len() || digest(a) != digest(b) {
		t.Error("the same seed gave different statements")
	}
	if digest(a) == digest(other) {
		t.Error("different seeds gave the same statements")
	}
	// Campaigns of different seeds can share one LRS: no id in common.
	ids := map[string]bool{}
	for i := 0; i < a.Len(); i++ {
		ids[a.StatementID(i).String()] = true
	}
	for _, seed := range []uint64{1, 2, 3, 43} {
		o := generate(t, 600, seed)
		for i := 0; i < o.Len(); i++ {
			id := o.StatementID(i).String()
			if ids[id] {
				t.Fatalf("seed %d statement %d has the id of another seed's statement", seed, i)
			}
			ids[id] = true
		}
	}
	ra, rb := a.Reference(), b.Reference()
	if len(ra.Learners) != len(rb.Learners) || !reflect.DeepEqual(ra.Learners, rb.Learners) {
		t.Error("the same seed gave a different learner directory")
	}
}

func TestTimesAndOrder(t *testing.T) {
	c, sts := mediumCampaign(t)
	cfg := c.Config()
	for i, s := range sts {
		if s.Timestamp.Before(cfg.From) || !s.Timestamp.Before(cfg.To) {
			t.Fatalf("statement %d at %s, outside the campaign", i, s.Timestamp)
		}
		if i > 0 && (s.Timestamp.Before(sts[i-1].Timestamp) || s.Stored.Before(sts[i-1].Stored)) {
			t.Fatalf("statement %d out of order", i)
		}
		if d := s.Stored.Sub(s.Timestamp); d < 0 || d > time.Minute {
			t.Fatalf("statement %d stored %s after its timestamp", i, d)
		}
		if !c.Stored(i).Equal(s.Stored) || !c.Timestamp(i).Equal(s.Timestamp) {
			t.Fatalf("statement %d: accessors disagree with the JSON", i)
		}
	}
	ids := map[string]bool{}
	for _, s := range sts {
		if ids[s.ID] {
			t.Fatalf("duplicate statement id %s", s.ID)
		}
		ids[s.ID] = true
	}
}

// TestDistributions checks the campaign's shape on a small seed.
func TestDistributions(t *testing.T) {
	c, sts := mediumCampaign(t)
	stats := c.Stats()

	// Target groups in proportion to the weighted populations.
	groupOf := map[string]string{}
	for _, l := range c.Reference().Learners {
		groupOf[l.Name] = l.Group
	}
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, s := range sts {
		name := s.Actor.Account.Name
		if seen[name] {
			continue
		}
		seen[name] = true
		g, _ := s.Context.Extensions[vocab.ExtTargetGroup].(string)
		if g == "" {
			g = groupOf[name] // no context: the learner directory knows
		}
		if g == "" {
			t.Fatalf("learner %s has no group in statements or directory", name)
		}
		counts[g]++
	}
	for g, want := range simulate.ExpectedGroupShares(nil) {
		got := float64(counts[g]) / float64(len(seen))
		if math.Abs(got-want) > 0.025 {
			t.Errorf("group %s: %.3f of learners, want %.3f ± 0.025", g, got, want)
		}
	}

	// Lesson completions per learner: about 4 (1.6M for 400,000).
	per := float64(stats.LessonCompletions) / float64(stats.ActiveLearners)
	if per < 3.3 || per > 5 {
		t.Errorf("%.2f lesson completions per learner", per)
	}
	if stats.CertifiedLearners < stats.ActiveLearners/5 || stats.CertifiedLearners > stats.ActiveLearners*2/3 {
		t.Errorf("%d of %d learners certified", stats.CertifiedLearners, stats.ActiveLearners)
	}
	passRate := float64(stats.ByTemplate["assessment-passed"]) / float64(stats.ByTemplate["assessment-passed"]+stats.ByTemplate["assessment-failed"])
	if passRate < 0.6 || passRate > 0.9 {
		t.Errorf("quiz pass rate %.2f", passRate)
	}

	// Box-ticking: the fast and burst accounts, and only they, show the
	// integrity signals (a completion under a quarter of the lesson's
	// length; 20+ completions in one clock hour).
	fast, bursts := map[string]bool{}, map[string]bool{}
	perHour := map[string]int{}
	for _, s := range sts {
		if s.Verb.ID != vocab.VerbCompleted || s.Object.Definition.Type != vocab.TypeLesson {
			continue
		}
		name := s.Actor.Account.Name
		if seconds(t, s.Result.Duration) < seconds(t, s.Object.Definition.Extensions[vocab.ExtExpectedDuration])/4 {
			fast[name] = true
		}
		key := name + s.Timestamp.Format("2006-01-02T15")
		if perHour[key]++; perHour[key] >= 20 {
			bursts[name] = true
		}
	}
	if len(bursts) != stats.BurstAccounts || stats.BurstAccounts != 25 {
		t.Errorf("%d accounts with bursts, %d burst accounts (0.5%% of 5000 is 25)", len(bursts), stats.BurstAccounts)
	}
	if want := stats.FastAccounts + stats.BurstAccounts; len(fast) != want || stats.FastAccounts != 50 {
		t.Errorf("%d accounts with fast completions, want %d (1%% fast + bursts)", len(fast), want)
	}
	for name := range bursts {
		if !fast[name] {
			t.Errorf("burst account %s has no fast completion", name)
		}
	}

	// 5% of learners send no commune or group; all are in the directory.
	noCtx := map[string]bool{}
	for _, s := range sts {
		if _, ok := s.Context.Extensions[vocab.ExtCommune]; !ok {
			noCtx[s.Actor.Account.Name] = true
		}
		if s.Context.Extensions[vocab.ExtProvince] != "51" {
			t.Fatal("a statement without the province")
		}
	}
	if len(noCtx) != 250 || stats.NoContextAccounts != 250 || len(c.Reference().Learners) != 250 {
		t.Errorf("%d learners without context, %d in the directory", len(noCtx), len(c.Reference().Learners))
	}
	for _, l := range c.Reference().Learners {
		if !noCtx[l.Name] {
			t.Errorf("directory entry %s sends context anyway", l.Name)
		}
	}

	// Mentors: about five mentees each, some below the norm.
	mentees := map[string]map[string]bool{}
	for _, s := range sts {
		if m, ok := s.Context.Extensions[vocab.ExtMentor].(string); ok {
			if mentees[m] == nil {
				mentees[m] = map[string]bool{}
			}
			mentees[m][s.Actor.Account.Name] = true
		}
	}
	for _, l := range c.Reference().Learners {
		if l.Mentor != "" {
			if mentees[l.Mentor] == nil {
				mentees[l.Mentor] = map[string]bool{}
			}
			mentees[l.Mentor][l.Name] = true
		}
	}
	total, below := 0, 0
	for _, ms := range mentees {
		total += len(ms)
		if len(ms) < 5 {
			below++
		}
	}
	avg := float64(total) / float64(len(mentees))
	if avg < 4.3 || avg > 6.2 || below == 0 || below == len(mentees) {
		t.Errorf("%d mentors, %.2f mentees each, %d below five", len(mentees), avg, below)
	}
	if total != stats.Mentees {
		t.Errorf("%d mentees in statements, stats say %d", total, stats.Mentees)
	}

	// Participation (learners starting) peaks on the launch and on
	// 10 October, and dips over Tết.
	first := map[string]time.Time{}
	for _, s := range sts {
		if _, ok := first[s.Actor.Account.Name]; !ok {
			first[s.Actor.Account.Name] = s.Timestamp
		}
	}
	perDay := map[string]int{}
	for _, ts := range first {
		perDay[ts.In(simulate.Local).Format("2006-01-02")]++
	}
	from, to := c.Config().From, c.Config().To
	var days []int
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		days = append(days, perDay[d.Format("2006-01-02")])
	}
	sort.Ints(days)
	median := days[len(days)/2]
	for _, day := range []string{"2025-07-28", "2025-10-10", "2026-10-10"} {
		if perDay[day] < 4*median {
			t.Errorf("%d learners started on %s, the median day %d", perDay[day], day, median)
		}
	}
	if tet := perDay["2026-02-17"] + perDay["2026-02-18"] + perDay["2026-02-19"]; tet > 3*median {
		t.Errorf("%d learners started over Tết (3 days), the median day %d", tet, median)
	}
}

func seconds(t *testing.T, iso string) float64 {
	t.Helper()
	if !strings.HasPrefix(iso, "PT") {
		t.Fatalf("duration %q", iso)
	}
	var total, num float64
	frac, scale := false, 1.0
	for _, r := range iso[2:] {
		switch {
		case r >= '0' && r <= '9':
			if frac {
				scale /= 10
				num += float64(r-'0') * scale
			} else {
				num = num*10 + float64(r-'0')
			}
		case r == '.':
			frac = true
		case r == 'H':
			total, num = total+num*3600, 0
		case r == 'M':
			total, num = total+num*60, 0
		case r == 'S':
			total, num, frac, scale = total+num, 0, false, 1
		}
	}
	return total
}

func TestConfigErrors(t *testing.T) {
	for name, mutate := range map[string]func(*simulate.Config){
		"negative learners": func(c *simulate.Config) { c.Learners = -1 },
		"share above 1":     func(c *simulate.Config) { c.FastShare = 1.5 },
		"too many boxes":    func(c *simulate.Config) { c.FastShare, c.BurstShare = 0.4, 0.3 },
		"reversed window":   func(c *simulate.Config) { c.From, c.To = c.To, c.From },
	} {
		cfg := simulate.DefaultConfig()
		mutate(&cfg)
		if _, err := simulate.Generate(context.Background(), cfg, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
