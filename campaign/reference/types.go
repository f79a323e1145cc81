package reference

import (
	"fmt"
	"slices"

	"github.com/hocvu/hocvu/campaign/vocab"
)

// Kind names one kind of reference data. Each kind is loaded and
// replaced as a whole.
type Kind string

// The kinds, in dependency order (later kinds refer to earlier ones).
const (
	KindCommunes    Kind = "communes"    // the province and its communes/wards
	KindPopulations Kind = "populations" // people per target group per commune
	KindTargets     Kind = "targets"     // yearly targets per group (and commune)
	KindTeams       Kind = "teams"       // community digital-technology teams
	KindMentors     Kind = "mentors"     // digital ambassadors
	KindLearners    Kind = "learners"    // learner directory
)

// Kinds lists every kind in dependency order.
var Kinds = []Kind{KindCommunes, KindPopulations, KindTargets, KindTeams, KindMentors, KindLearners}

// ParseKind checks a kind name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown kind %q (want one of %v)", s, Kinds)
}

// UnitKind is the level of a commune-level unit.
type UnitKind string

// Commune-level units since the July 2025 reorganisation.
const (
	UnitCommune     UnitKind = "commune"      // xã
	UnitWard        UnitKind = "ward"         // phường
	UnitSpecialZone UnitKind = "special-zone" // đặc khu
)

// UnitKinds lists the valid unit kinds.
var UnitKinds = []UnitKind{UnitCommune, UnitWard, UnitSpecialZone}

// AreaType flags the kind of area a commune is; a commune may have
// several (e.g. rural, mountainous and ethnic-minority).
type AreaType string

// Area types.
const (
	AreaUrban          AreaType = "urban"           // đô thị
	AreaRural          AreaType = "rural"           // nông thôn
	AreaMountainous    AreaType = "mountainous"     // miền núi
	AreaIsland         AreaType = "island"          // hải đảo
	AreaEthnicMinority AreaType = "ethnic-minority" // vùng đồng bào dân tộc thiểu số
)

// AreaTypes lists the valid area types.
var AreaTypes = []AreaType{AreaUrban, AreaRural, AreaMountainous, AreaIsland, AreaEthnicMinority}

// Subgroups lists the valid sub-group codes (vocab.Subgroup*).
var Subgroups = []string{vocab.SubgroupElderly, vocab.SubgroupDisability, vocab.SubgroupEthnicMinority,
	vocab.SubgroupPoor, vocab.SubgroupRemote, vocab.SubgroupTrader, vocab.SubgroupFarmer}

// Target metrics.
const (
	// MetricSkilledShare is the percentage (0–100) of a group's population
	// that reaches the plan's digital-skills level.
	MetricSkilledShare = "skilled-share"
	// MetricVNeIDCertified is an absolute number of people certified on
	// the VNeID platform (the plan's "hơn 500.000 người dân ... được xác
	// nhận ... trên nền tảng VNeID").
	MetricVNeIDCertified = "vneid-certified"
)

// Metrics lists the valid target metrics.
var Metrics = []string{MetricSkilledShare, MetricVNeIDCertified}

// Province is the province the data describes.
type Province struct {
	Code string `json:"code"` // GSO code, 2 digits
	Name string `json:"name"`
}

// Commune is a commune, ward or special zone.
type Commune struct {
	Code string   `json:"code"` // GSO code, 5 digits
	Name string   `json:"name"`
	Kind UnitKind `json:"kind"`
	// District is the former district (before July 2025) the unit lies
	// in, for grouping; empty when unknown.
	District string     `json:"district,omitempty"`
	Areas    []AreaType `json:"areas"`
}

// Has reports whether the commune has area type a.
func (c Commune) Has(a AreaType) bool { return slices.Contains(c.Areas, a) }

// Population is the number of people of each target group in a commune:
// the denominators of the targets. Groups may overlap with nothing else:
// each person counts in at most one group.
type Population struct {
	Commune    string           `json:"commune"`
	Total      int64            `json:"total"`      // all residents
	Households int64            `json:"households"` // for the "digital family" goal
	Groups     map[string]int64 `json:"groups"`     // target group -> people
}

// Target is a yearly target for one group, province-wide or for one
// commune.
type Target struct {
	Year int `json:"year"`
	// Commune is empty for a province-wide target.
	Commune string `json:"commune,omitempty"`
	Group   string `json:"group"`
	Metric  string `json:"metric"`
	// Value is a percentage for skilled-share, a number of people for
	// vneid-certified.
	Value float64 `json:"value"`
	Note  string  `json:"note,omitempty"`
}

// Team is a community digital-technology team (tổ công nghệ số cộng đồng).
type Team struct {
	ID      string `json:"id"`
	Commune string `json:"commune"`
	Name    string `json:"name"`
	Members int    `json:"members"`
}

// Mentor is a digital ambassador (đại sứ số). No personal data: a label
// such as "Đại sứ số 021" identifies them to people.
type Mentor struct {
	ID      string `json:"id"`
	Commune string `json:"commune"`
	Team    string `json:"team,omitempty"`
	Label   string `json:"label"`
}

// Learner is a learner directory entry: what the campaign knows about an
// account whose statements may lack the context extensions. HomePage and
// Name are the xAPI account of the actor.
type Learner struct {
	HomePage  string   `json:"homePage"`
	Name      string   `json:"name"`
	Commune   string   `json:"commune"`
	Group     string   `json:"group"`
	Subgroups []string `json:"subgroups,omitempty"`
	Household string   `json:"household,omitempty"`
	Mentor    string   `json:"mentor,omitempty"`
	Team      string   `json:"team,omitempty"`

	// Subject is set on an entry of a sealed directory (sealed.go): the
	// keyed hash of the account (the keyring's Subject of its xAPI agent
	// key). HomePage and Name are then empty until [Learner.Open] opens
	// Account. Neither is part of the files' formats.
	Subject string `json:"-"`
	// Account is the account sealed under the person's key; nil on a
	// sealed entry whose account was not kept (the person was erased
	// before the load).
	Account *SealedAccount `json:"-"`
}

// Key is the directory key of the learner (homePage, NUL, name).
func (l Learner) Key() string { return AccountKey(l.HomePage, l.Name) }

// IsSealed reports whether l is an entry of a sealed directory: known by
// its subject, its account sealed or erased.
func (l Learner) IsSealed() bool { return l.Subject != "" }

// ID names the learner in messages: the account name, or the subject of
// a sealed entry.
func (l Learner) ID() string {
	if l.IsSealed() {
		return "subject " + l.Subject
	}
	return l.Name
}

// AccountKey is the directory key of an xAPI account.
func AccountKey(homePage, name string) string { return homePage + "\x00" + name }

// Data is a set of reference data kinds, as read from files or built in
// Go. A kind is present when it was given (possibly empty, which clears
// it on load) or has rows.
type Data struct {
	Province    *Province    `json:"province,omitempty"`
	Communes    []Commune    `json:"communes,omitempty"`
	Populations []Population `json:"populations,omitempty"`
	Targets     []Target     `json:"targets,omitempty"`
	Teams       []Team       `json:"teams,omitempty"`
	Mentors     []Mentor     `json:"mentors,omitempty"`
	Learners    []Learner    `json:"learners,omitempty"`

	given         map[Kind]bool
	locs          map[Kind][]rowLoc
	provinceLoc   *rowLoc
	files         map[Kind]string
	parseProblems Problems // cell problems found while parsing
}

// Has reports whether kind k is present.
func (d *Data) Has(k Kind) bool {
	if d.given[k] {
		return true
	}
	return d.Len(k) > 0 || (k == KindCommunes && d.Province != nil)
}

// Len is the number of rows of kind k.
func (d *Data) Len(k Kind) int {
	switch k {
	case KindCommunes:
		return len(d.Communes)
	case KindPopulations:
		return len(d.Populations)
	case KindTargets:
		return len(d.Targets)
	case KindTeams:
		return len(d.Teams)
	case KindMentors:
		return len(d.Mentors)
	case KindLearners:
		return len(d.Learners)
	}
	return 0
}

// Kinds returns the kinds present, in dependency order.
func (d *Data) Kinds() []Kind {
	var ks []Kind
	for _, k := range Kinds {
		if d.Has(k) {
			ks = append(ks, k)
		}
	}
	return ks
}

// Include marks kind k as present even when it has no rows: loading d
// then clears the kind.
func (d *Data) Include(k Kind) { d.markGiven(k, d.Source(k)) }

// Source returns the file a kind was read from ("" when built in Go).
func (d *Data) Source(k Kind) string { return d.files[k] }

func (d *Data) markGiven(k Kind, file string) {
	if d.given == nil {
		d.given = map[Kind]bool{}
		d.files = map[Kind]string{}
	}
	d.given[k] = true
	d.files[k] = file
}

// Merge adds the kinds of other to d. A kind given in both is an error
// (two files for one kind).
func (d *Data) Merge(other *Data) error {
	for _, k := range other.Kinds() {
		if d.Has(k) {
			return fmt.Errorf("%s given twice (%s and %s)", k, orBuiltIn(d.Source(k)), orBuiltIn(other.Source(k)))
		}
	}
	d.parseProblems = append(d.parseProblems, other.parseProblems...)
	for _, k := range other.Kinds() {
		d.markGiven(k, other.Source(k))
		if locs := other.locs[k]; locs != nil {
			if d.locs == nil {
				d.locs = map[Kind][]rowLoc{}
			}
			d.locs[k] = locs
		}
		switch k {
		case KindCommunes:
			d.Province, d.Communes, d.provinceLoc = other.Province, other.Communes, other.provinceLoc
		case KindPopulations:
			d.Populations = other.Populations
		case KindTargets:
			d.Targets = other.Targets
		case KindTeams:
			d.Teams = other.Teams
		case KindMentors:
			d.Mentors = other.Mentors
		case KindLearners:
			d.Learners = other.Learners
		}
	}
	return nil
}

func orBuiltIn(s string) string {
	if s == "" {
		return "built-in data"
	}
	return s
}
