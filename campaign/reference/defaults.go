package reference

import (
	"math"
	"sort"
	"strings"

	"github.com/hocvu/hocvu/campaign/vocab"
)

// Default sizes of the default province (the April 2026 conclusions,
// seeds/000: about 1,477 community teams with more than 12,000 members).
const (
	DefaultTeams         = 1477
	defaultTinhKheTeams  = 18 // one per village (seeds/002)
	defaultTinhKheName   = "Tịnh Khê"
	mentorsPerTeamMember = 0.6
)

// Default returns the default reference data: a Quảng Ngãi-like province
// with 96 communes and wards, their populations per target group, the
// plan's 2025 and 2026 targets, 1,477 community teams and their digital
// ambassadors. It has no learner directory. The data is deterministic.
func Default() *Data {
	d := &Data{Province: &Province{Code: "51", Name: "Quảng Ngãi"}}
	for _, k := range []Kind{KindCommunes, KindPopulations, KindTargets, KindTeams, KindMentors} {
		d.markGiven(k, "")
	}
	for _, s := range defaultCommunes {
		var areas []AreaType
		for _, a := range strings.Split(s.areas, ";") {
			areas = append(areas, AreaType(a))
		}
		c := Commune{Code: s.code, Name: s.name, Kind: s.kind, District: s.district, Areas: areas}
		d.Communes = append(d.Communes, c)
		d.Populations = append(d.Populations, defaultPopulation(c, s.total))
	}
	d.Targets = PlanTargets()
	d.Teams = defaultTeams(d.Communes, d.Populations)
	d.Mentors = defaultMentors(d.Teams)
	return d
}

// PlanTargets are the provincial plan's targets (seeds/001, section III),
// province-wide.
func PlanTargets() []Target {
	return []Target{
		{2025, "", vocab.GroupPublicStaff, MetricSkilledShare, 80, "80% cán bộ, công chức, viên chức và người lao động trong khu vực công có hiểu biết về chuyển đổi số, kiến thức và kỹ năng số"},
		{2025, "", vocab.GroupStudent, MetricSkilledShare, 100, "100% học sinh trung học và sinh viên được trang bị kiến thức, kỹ năng số"},
		{2025, "", vocab.GroupWorker, MetricSkilledShare, 80, "80% người lao động trong các doanh nghiệp, hợp tác xã có kiến thức cơ bản về công nghệ số, kỹ năng số"},
		{2025, "", vocab.GroupCitizen, MetricSkilledShare, 80, "80% người dân trong độ tuổi trưởng thành có tri thức cơ bản về chuyển đổi số, có kỹ năng số"},
		{2025, "", vocab.GroupCitizen, MetricVNeIDCertified, 500000, "Hơn 500.000 người dân trong độ tuổi trưởng thành được xác nhận đạt phổ cập tri thức về chuyển đổi số, kỹ năng số trên nền tảng VNeID"},
		{2026, "", vocab.GroupPublicStaff, MetricSkilledShare, 100, "100% cán bộ, công chức, viên chức và người lao động trong khu vực công"},
		{2026, "", vocab.GroupStudent, MetricSkilledShare, 100, "100% học sinh từ cấp tiểu học được trang bị kiến thức, kỹ năng số"},
		{2026, "", vocab.GroupWorker, MetricSkilledShare, 100, "100% người lao động trong các doanh nghiệp, hợp tác xã, liên hợp tác xã"},
		{2026, "", vocab.GroupCitizen, MetricSkilledShare, 100, "100% người dân trong độ tuổi trưởng thành"},
		{2026, "", vocab.GroupCitizen, MetricVNeIDCertified, 750000, "Hơn 750.000 người dân trong độ tuổi trưởng thành được xác nhận trên nền tảng VNeID"},
	}
}

// defaultPopulation splits a commune's residents into the target groups
// by area type, with a deterministic jitter of up to ±8% per group.
func defaultPopulation(c Commune, total int64) Population {
	// Shares of the total: public staff, students (from primary), workers
	// in enterprises and cooperatives, other adults.
	shares := [4]float64{0.020, 0.19, 0.11, 0.50} // rural plain
	perHousehold := 3.7
	switch {
	case c.Has(AreaUrban):
		shares, perHousehold = [4]float64{0.040, 0.19, 0.17, 0.42}, 3.5
	case c.Has(AreaIsland):
		shares, perHousehold = [4]float64{0.030, 0.18, 0.06, 0.52}, 3.9
	case c.Has(AreaMountainous):
		shares, perHousehold = [4]float64{0.026, 0.23, 0.04, 0.50}, 4.3
	case c.Has(AreaEthnicMinority):
		shares, perHousehold = [4]float64{0.022, 0.21, 0.08, 0.50}, 4.0
	}
	p := Population{Commune: c.Code, Total: total, Households: int64(math.Round(float64(total) / perHousehold)), Groups: map[string]int64{}}
	h := hashString(c.Code)
	for i, g := range vocab.TargetGroups {
		jitter := 1 + (float64((h>>(i*12))%1601)/10000 - 0.08)
		p.Groups[g] = int64(math.Round(float64(total) * shares[i] * jitter))
	}
	return p
}

// defaultTeams spreads DefaultTeams teams over the communes: Tịnh Khê
// gets one per village, the others a share growing with population
// (mountain communes have more, smaller villages).
func defaultTeams(communes []Commune, pops []Population) []Team {
	weights := make([]float64, len(communes))
	counts := make([]int, len(communes))
	remaining := DefaultTeams
	var sum float64
	for i, c := range communes {
		if c.Name == defaultTinhKheName {
			counts[i] = defaultTinhKheTeams
			remaining -= defaultTinhKheTeams
			continue
		}
		w := math.Pow(float64(pops[i].Total), 0.6)
		if c.Has(AreaMountainous) {
			w *= 1.35
		}
		weights[i] = w
		sum += w
	}
	// Largest remainder, so the total is exact.
	type rem struct {
		i int
		r float64
	}
	var rems []rem
	given := 0
	for i, w := range weights {
		if w == 0 {
			continue
		}
		exact := w / sum * float64(remaining)
		counts[i] = int(exact)
		given += counts[i]
		rems = append(rems, rem{i, exact - float64(counts[i])})
	}
	sort.Slice(rems, func(a, b int) bool {
		if rems[a].r != rems[b].r {
			return rems[a].r > rems[b].r
		}
		return rems[a].i < rems[b].i
	})
	for j := 0; j < remaining-given; j++ {
		counts[rems[j].i]++
	}
	var teams []Team
	for i, c := range communes {
		villages := villageNames(counts[i], c.Has(AreaMountainous), c.Has(AreaUrban) || c.Kind == UnitWard, hashString(c.Code))
		for j, v := range villages {
			id := "TCN-" + c.Code + "-" + pad2(j+1)
			members := 5 + int(hashString(id)%8) // 5..12
			teams = append(teams, Team{ID: id, Commune: c.Code, Name: "Tổ công nghệ số cộng đồng " + v, Members: members})
		}
	}
	return teams
}

// defaultMentors makes about 60% of each team's members digital
// ambassadors, numbered per commune.
func defaultMentors(teams []Team) []Mentor {
	var mentors []Mentor
	perCommune := map[string]int{}
	for _, t := range teams {
		n := max(1, int(math.Round(float64(t.Members)*mentorsPerTeamMember)))
		for k := 0; k < n; k++ {
			perCommune[t.Commune]++
			seq := perCommune[t.Commune]
			mentors = append(mentors, Mentor{ID: "DS-" + t.Commune + "-" + pad3(seq), Commune: t.Commune, Team: t.ID, Label: "Đại sứ số " + pad3(seq)})
		}
	}
	return mentors
}

func pad2(n int) string {
	s := itoa(n)
	if len(s) < 2 {
		s = "0" + s
	}
	return s
}
