package simulate

import (
	"errors"
	"fmt"
	"time"

	"github.com/hocvu/hocvu/campaign/reference"
)

// Local is the campaign's time zone (UTC+7).
var Local = time.FixedZone("ICT", 7*60*60)

// Defaults of the campaign (the April 2026 conclusions, seeds/000: 400,000+
// participants and 1.6M+ learning sessions).
const (
	DefaultLearners = 400_000
	DefaultHomePage = "https://binhdanhocvuso.quangngai.example"
	DefaultPlatform = "Cổng Bình dân học vụ số Quảng Ngãi"
)

// Config describes a campaign to generate. The zero value of a field
// means its default (see DefaultConfig), except the shares, which are
// taken as given.
type Config struct {
	// Seed makes the campaign: the same seed and config give the same
	// statements, byte for byte.
	Seed uint64
	// Learners is the number of learner accounts.
	Learners int
	// From and To bound the campaign (local dates; To exclusive). No
	// statement is timestamped outside.
	From, To time.Time
	// FastShare is the share of accounts that complete lessons in a tiny
	// fraction of their nominal length (box-ticking).
	FastShare float64
	// BurstShare is the share of accounts that complete 20 or more
	// lessons within one clock hour.
	BurstShare float64
	// NoContextShare is the share of learners whose statements carry no
	// commune, group, household, team or mentor (only the province): the
	// learner directory resolves them.
	NoContextShare float64
	// MenteeShare is the share of learners guided by a digital ambassador.
	MenteeShare float64
	// HomePage is the homePage of the learners' accounts and the base of
	// the activity IRIs.
	HomePage string
	// Platform is context.platform.
	Platform string
	// Reference is the province (communes, populations, teams, mentors);
	// nil means reference.Default().
	Reference *reference.Data
}

// DefaultConfig returns the default campaign: 400,000 learners from
// 20 May 2025 to 20 November 2026, 1% fast and 0.5% burst accounts, 5%
// without context, 10% mentees, on the default province.
func DefaultConfig() Config {
	return Config{
		Seed:           1,
		Learners:       DefaultLearners,
		From:           time.Date(2025, 5, 20, 0, 0, 0, 0, Local),
		To:             time.Date(2026, 11, 21, 0, 0, 0, 0, Local),
		FastShare:      0.01,
		BurstShare:     0.005,
		NoContextShare: 0.05,
		MenteeShare:    0.10,
		HomePage:       DefaultHomePage,
		Platform:       DefaultPlatform,
	}
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	def := DefaultConfig()
	if c.Learners == 0 {
		c.Learners = def.Learners
	}
	if c.From.IsZero() {
		c.From = def.From
	}
	if c.To.IsZero() {
		c.To = def.To
	}
	if c.HomePage == "" {
		c.HomePage = def.HomePage
	}
	if c.Platform == "" {
		c.Platform = def.Platform
	}
	if c.Reference == nil {
		c.Reference = reference.Default()
	}
	switch {
	case c.Learners < 1 || c.Learners > 50_000_000:
		return c, fmt.Errorf("simulate: learners %d out of range (1 to 50,000,000)", c.Learners)
	case !c.From.Before(c.To):
		return c, errors.New("simulate: the campaign must start before it ends")
	case c.To.Sub(c.From) > 20*365*24*time.Hour:
		return c, errors.New("simulate: a campaign of more than 20 years")
	}
	for name, s := range map[string]float64{"fast share": c.FastShare, "burst share": c.BurstShare, "no-context share": c.NoContextShare, "mentee share": c.MenteeShare} {
		if s < 0 || s > 1 {
			return c, fmt.Errorf("simulate: %s %v is not between 0 and 1", name, s)
		}
	}
	if c.FastShare+c.BurstShare > 0.5 {
		return c, errors.New("simulate: fast and burst accounts together cannot exceed half the learners")
	}
	if len(c.Reference.Communes) == 0 || len(c.Reference.Populations) == 0 || c.Reference.Province == nil {
		return c, errors.New("simulate: the reference data needs the province, communes and populations")
	}
	return c, nil
}
