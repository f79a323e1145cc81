package analyticstest

import (
	"fmt"
	"time"

	"github.com/hocvu/hocvu/analytics"
	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/lrs/xapi"
)

// The hand-computed fixture: a log of about forty statements written out
// one by one, and the answers the documented definitions give for it,
// worked out by hand (the arithmetic is in the comments of Expectations).
// Unlike the dataset, whose answers come from the plain Go reference, the
// expectations here are literal numbers: they check the definitions
// themselves, the reference included.

const (
	fxHome   = "https://fx.example"
	fxCourse = "https://fx.example/khoa/c1"
	fxVNeID  = "https://vneid.example/xac-nhan/ky-nang-so-co-ban"
)

// fxLearner is an account of the fixture, or an anonymous group when
// group is set.
type fxLearner struct{ name, group string }

func (l fxLearner) actor() map[string]any {
	if l.group != "" {
		return map[string]any{"objectType": "Group", "member": []any{map[string]any{"mbox": "mailto:" + l.group + "@fx.example"}}}
	}
	return map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": fxHome, "name": l.name}}
}

// FixtureLearner is the pseudonym of a fixture account, as the rows show
// it (analytics.FormatID).
func FixtureLearner(ps *analytics.Pseudonymizer, name string) string {
	k, _ := xapi.IFIKey("", "", "", fxHome, name)
	return analytics.FormatID(ps.Agent(k))
}

// fx builds one statement: who does verb on object at local time at, in
// commune and group ("" leaves the extension out), naming mentor ("" none).
type fxStatement struct {
	who                   fxLearner
	verb                  string
	object                map[string]any
	result                map[string]any
	at                    string // local time, "2026-01-10 09:05"
	commune, group, guide string
	id                    string
}

func (s fxStatement) build() map[string]any {
	t, err := time.ParseInLocation("2006-01-02 15:04", s.at, analytics.Local)
	if err != nil {
		panic(err)
	}
	st := map[string]any{
		"actor":     s.who.actor(),
		"verb":      map[string]any{"id": s.verb},
		"object":    s.object,
		"timestamp": t.Format(time.RFC3339),
		"authority": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://hocvu.local/", "name": "portal"}},
	}
	if s.id != "" {
		st["id"] = s.id
	}
	if s.result != nil {
		st["result"] = s.result
	}
	ext := map[string]any{vocab.ExtProvince: "51"}
	if s.commune != "" {
		ext[vocab.ExtCommune] = s.commune
	}
	if s.group != "" {
		ext[vocab.ExtTargetGroup] = s.group
	}
	if s.guide != "" {
		ext[vocab.ExtMentor] = s.guide
	}
	st["context"] = map[string]any{
		"extensions":        ext,
		"contextActivities": map[string]any{"parent": []any{map[string]any{"id": fxCourse, "definition": map[string]any{"type": vocab.TypeCourse}}}},
	}
	return st
}

func fxLesson(i int, expected string) map[string]any {
	return activity(fmt.Sprintf("%s/bai-%d", fxCourse, i), vocab.TypeLesson, expected)
}

// Fixture returns the hand-made log: the reference data first, the
// statements, the learner directory after the statements of the learner
// it names (a late load), a void, and one statement after the load.
func Fixture() *Dataset {
	d := &Dataset{}
	load := func(rd *reference.Data) {
		evs, err := reference.Events(rd)
		if err != nil {
			panic(err)
		}
		for i := range evs {
			d.entries = append(d.entries, entry{statement: -1, ref: &evs[i]})
		}
	}
	add := func(s fxStatement) {
		st := s.build()
		if _, ok := st["id"]; !ok {
			st["id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", len(d.Statements)+1)
		}
		st["stored"] = "2026-04-01T00:00:00.000Z"
		d.entries = append(d.entries, entry{statement: len(d.Statements)})
		d.Statements = append(d.Statements, st)
	}
	load(&reference.Data{
		Province: &reference.Province{Code: "51", Name: "Quảng Ngãi"},
		Communes: []reference.Commune{
			{Code: "21172", Name: "Phường Cẩm Thành", Kind: reference.UnitWard, Areas: []reference.AreaType{reference.AreaUrban}},
			{Code: "21175", Name: "Xã Tịnh Khê", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaRural}},
			{Code: "21178", Name: "Xã Ba Tơ", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaMountainous}},
			{Code: "21184", Name: "Xã Không Học", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaRural}},
		},
		Populations: []reference.Population{
			{Commune: "21172", Total: 1010, Groups: map[string]int64{vocab.GroupStudent: 10, vocab.GroupCitizen: 1000}},
			{Commune: "21175", Total: 12, Groups: map[string]int64{vocab.GroupWorker: 5, vocab.GroupCitizen: 7}},
			{Commune: "21178", Total: 20000, Groups: map[string]int64{vocab.GroupCitizen: 20000}},
			{Commune: "21184", Total: 50, Groups: map[string]int64{vocab.GroupCitizen: 50}},
		},
		Targets: []reference.Target{
			{Year: 2025, Group: vocab.GroupStudent, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2025, Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 80},
			{Year: 2025, Group: vocab.GroupWorker, Metric: reference.MetricSkilledShare, Value: 80},
			{Year: 2026, Group: vocab.GroupStudent, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2026, Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2026, Commune: "21172", Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 33.3},
			{Year: 2026, Commune: "21175", Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 70},
			{Year: 2026, Group: vocab.GroupCitizen, Metric: reference.MetricVNeIDCertified, Value: 500000},
			// No worker target for 2026: its rows say "no target".
		},
		Teams: []reference.Team{{ID: "T1", Commune: "21172", Name: "Tổ 1", Members: 4}},
		Mentors: []reference.Mentor{
			{ID: "M1", Commune: "21172", Team: "T1", Label: "Đại sứ 1"},
			{ID: "M2", Commune: "21172", Team: "T1", Label: "Đại sứ 2"},
			{ID: "M3", Commune: "21175", Label: "Đại sứ 3"},
		},
	})
	var (
		a, b, c, dd = fxLearner{name: "a"}, fxLearner{name: "b"}, fxLearner{name: "c"}, fxLearner{name: "d"}
		e, m, n     = fxLearner{name: "e"}, fxLearner{name: "m"}, fxLearner{name: "n"}
		late, x, y  = fxLearner{name: "late"}, fxLearner{name: "x"}, fxLearner{name: "y"}
		g1, g2      = fxLearner{group: "g1"}, fxLearner{group: "g2"}
		course      = activity(fxCourse, vocab.TypeCourse, "")
		cert        = activity(fxCourse+"/chung-chi", vocab.TypeCertificate, "")
		vneid       = activity(fxVNeID, vocab.TypeVNeIDConfirmation, "")
		done        = func(took string) map[string]any {
			r := map[string]any{"completion": true}
			if took != "" {
				r["duration"] = took
			}
			return r
		}
	)
	const cit, wrk, stu = vocab.GroupCitizen, vocab.GroupWorker, vocab.GroupStudent
	for _, s := range []fxStatement{
		// 2025.
		{who: dd, verb: vocab.VerbLaunched, object: course, at: "2025-06-10 10:00", commune: "21172", group: cit, guide: "M1"},
		{who: m, verb: vocab.VerbLaunched, object: course, at: "2025-06-12 10:00", commune: "21172", group: stu},
		{who: m, verb: vocab.VerbEarned, object: cert, at: "2025-06-20 10:00", commune: "21172", group: stu},
		// January 2026: "late" is not in the directory yet.
		{who: late, verb: vocab.VerbLaunched, object: course, at: "2026-01-05 08:00"},
		{who: late, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT14M"), at: "2026-01-05 08:30"},
		// One hour of a's: 3 lessons, each in 30 s of 15 min.
		{who: a, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:05", commune: "21172", group: cit, guide: "M1"},
		{who: a, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:20", commune: "21172", group: cit, guide: "M2"},
		{who: a, verb: vocab.VerbCompleted, object: fxLesson(3, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:40", commune: "21172", group: cit},
		// Two anonymous groups in the same commune and hour.
		{who: g1, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:10", commune: "21172", group: cit},
		{who: g1, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:25", commune: "21172", group: cit},
		{who: g1, verb: vocab.VerbCompleted, object: fxLesson(3, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:45", commune: "21172", group: cit},
		{who: g2, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:12", commune: "21172", group: cit},
		{who: g2, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:27", commune: "21172", group: cit},
		{who: g2, verb: vocab.VerbCompleted, object: fxLesson(3, "PT15M"), result: done("PT30S"), at: "2026-01-10 09:47", commune: "21172", group: cit},
		// Two hours of b's, 3 lessons each at a normal pace.
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT10M"), at: "2026-01-11 14:00", commune: "21175", group: wrk},
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done("PT10M"), at: "2026-01-11 14:10", commune: "21175", group: wrk},
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(3, "PT15M"), result: done("PT10M"), at: "2026-01-11 14:20", commune: "21175", group: wrk},
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(4, "PT15M"), result: done("PT10M"), at: "2026-01-12 14:00", commune: "21175", group: wrk},
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(5, "PT15M"), result: done("PT10M"), at: "2026-01-12 14:10", commune: "21175", group: wrk},
		{who: b, verb: vocab.VerbCompleted, object: fxLesson(6, "PT15M"), result: done("PT10M"), at: "2026-01-12 14:20", commune: "21175", group: wrk},
		// February: c's completion voided below, one without a duration
		// (unchecked), c's certificate; m moves to Tịnh Khê as a worker.
		{who: c, verb: vocab.VerbCompleted, object: fxLesson(1, ""), result: done("PT5M"), at: "2026-02-03 10:00", commune: "21172", group: cit, id: "00000000-0000-4000-8000-0000000000c1"},
		{who: c, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done(""), at: "2026-02-03 11:00", commune: "21172", group: cit},
		{who: c, verb: vocab.VerbEarned, object: cert, at: "2026-02-04 10:00", commune: "21172", group: cit, guide: "M1"},
		{who: m, verb: vocab.VerbCompleted, object: fxLesson(1, "PT15M"), result: done("PT14M"), at: "2026-02-15 10:00", commune: "21175", group: wrk},
		// March: VNeID confirmations (a twice), odd communes and groups,
		// a learner nobody can place, two certificates.
		{who: a, verb: vocab.VerbEarned, object: vneid, at: "2026-03-01 10:00", commune: "21172", group: cit},
		{who: a, verb: vocab.VerbEarned, object: vneid, at: "2026-03-02 10:00", commune: "21172", group: cit},
		{who: c, verb: vocab.VerbEarned, object: vneid, at: "2026-03-03 10:00", commune: "21172", group: cit},
		{who: b, verb: vocab.VerbEarned, object: vneid, at: "2026-03-04 10:00", commune: "21175", group: wrk},
		{who: x, verb: vocab.VerbLaunched, object: course, at: "2026-03-05 10:00", commune: "=1+1", group: "+cmd|' /C calc'!A0"},
		{who: y, verb: vocab.VerbLaunched, object: course, at: "2026-03-06 10:00", commune: "99999", group: cit},
		{who: n, verb: vocab.VerbLaunched, object: course, at: "2026-03-07 10:00"},
		{who: a, verb: vocab.VerbEarned, object: cert, at: "2026-03-08 10:00", commune: "21172", group: cit},
		{who: e, verb: vocab.VerbEarned, object: cert, at: "2026-03-09 10:00", commune: "21178", group: cit},
	} {
		add(s)
	}
	// The learner directory arrives after late's first statements.
	load(&reference.Data{Learners: []reference.Learner{{HomePage: fxHome, Name: "late", Commune: "21175", Group: vocab.GroupCitizen}}})
	// A void of c's first completion, then late learns again.
	d.entries = append(d.entries, entry{statement: len(d.Statements)})
	vd := void("00000000-0000-4000-8000-0000000000c1")
	vd["id"], vd["timestamp"], vd["stored"] = "00000000-0000-4000-8000-0000000000d1", "2026-03-10T03:00:00Z", "2026-04-01T00:00:00.000Z"
	d.Statements = append(d.Statements, vd)
	add(fxStatement{who: late, verb: vocab.VerbCompleted, object: fxLesson(2, "PT15M"), result: done("PT14M"), at: "2026-03-11 10:00"})
	d.seal()
	return d
}

// Expectation is one named query's answer on the fixture, worked out by
// hand.
type Expectation struct {
	Why    string
	Query  string
	Params analytics.Params
	Rows   [][]any
	// Total and Limit, for a query that caps its rows.
	Total *int64
	Limit int
}

// Expectations are the fixture's answers. learner renders an account's
// pseudonym (FixtureLearner).
func Expectations(learner func(name string) string) []Expectation {
	i := func(n int64) int64 { return n }
	total := func(n int64) *int64 { return &n }
	year := analytics.Params{From: "2026-01", To: "2026-12"}
	return []Expectation{
		{
			// 2026 statements: 35 in the log minus 3 of 2025, c's voided
			// completion and the voiding statement: 30. Learners: late, a,
			// b, c, m, x, y, n, e (the groups are no learner, the voider
			// sent only a void): 9. Lesson completions: late 2, a 3,
			// groups 6, b 6, c 1 (the other voided), m 1: 19.
			// Certificates: c, a, e: 3, by 3 people.
			Why: "voiding statements count nowhere; anonymous groups are no learner", Query: "summary", Params: year,
			Rows: [][]any{{i(30), i(9), i(19), i(0), i(0), i(3), i(3)}},
		},
		{
			// "": n. 21172: a 3 + groups 6 + c 2 + a's and c's VNeID 3 +
			// a's certificate 1 = 15, by a and c; lessons 3+6+1 = 10;
			// certificates c, a. 21175: late 3 (the latest directory
			// places them) + b 6 + m 1 + b's VNeID 1 = 11, by late, b, m;
			// lessons 2+6+1 = 9. 21178: e's certificate. "=1+1" and
			// "99999" are not in the reference data: one "unknown" row.
			Why: "unknown communes are one row; the latest directory attributes earlier statements", Query: "by_commune", Params: year,
			Rows: [][]any{
				{"", i(1), i(1), i(0), i(0), i(0), i(0), i(0)},
				{"21172", i(15), i(2), i(10), i(0), i(0), i(2), i(2)},
				{"21175", i(11), i(3), i(9), i(0), i(0), i(0), i(0)},
				{"21178", i(1), i(1), i(0), i(0), i(0), i(1), i(1)},
				{analytics.UnknownCommune, i(2), i(2), i(0), i(0), i(0), i(0), i(0)},
			},
		},
		{
			// Per month, c's voided completion and the voiding statement
			// left out. January: late 2 (a launch, a lesson), a 3, the
			// groups 6, b 6 = 17 by late, a, b; lessons 1+3+6+6 = 16.
			// February: c's other completion and certificate, m's
			// completion = 3 by c and m; 2 lessons; c certified. March: 4
			// VNeID confirmations (a twice, c, b), x, y and n's launches,
			// a's and e's certificates, late's lesson = 10 by a, c, b, x,
			// y, n, e, late; 1 lesson; 2 certificates. 17+3+10 = 30, the
			// summary's.
			Why: "voiding statements count in no month", Query: "trend", Params: year,
			Rows: [][]any{
				{"2026-01", i(17), i(3), i(16), i(0), i(0), i(0), i(0)},
				{"2026-02", i(3), i(2), i(2), i(0), i(0), i(1), i(1)},
				{"2026-03", i(10), i(8), i(1), i(0), i(0), i(2), i(2)},
			},
		},
		{
			// Every statement names the course as its parent; the voiding
			// statement names none, and must not make a course-less row.
			Why: "a voiding statement makes no unnamed row", Query: "by_course", Params: year,
			Rows: [][]any{{fxCourse, i(30), i(9), i(19), i(0), i(0), i(3), i(3)}},
		},
		{
			// citizen: 21172's 15 + late 3 + y 1 + e 1 = 20 by a, c, late,
			// y, e; lessons 10 + late 2 = 12; certificates c, a, e.
			// worker: b 6 + m 1 + b's VNeID 1 = 8 by b and m, 7 lessons.
			// x's group is outside the vocabulary: "unknown".
			Why: "a group outside the vocabulary is reported as unknown", Query: "by_group", Params: year,
			Rows: [][]any{
				{"", i(1), i(1), i(0), i(0), i(0), i(0), i(0)},
				{vocab.GroupCitizen, i(20), i(5), i(12), i(0), i(0), i(3), i(3)},
				{analytics.UnknownGroup, i(1), i(1), i(0), i(0), i(0), i(0), i(0)},
				{vocab.GroupWorker, i(8), i(2), i(7), i(0), i(0), i(0), i(0)},
			},
		},
		{
			// Threshold 3 in January: a's hour (3), b's two hours (3
			// each); the two anonymous groups (6 together in a's hour) are
			// no account. Largest first, then by hour: the cap of 2 keeps
			// a and b's first hour, and the total says 3.
			Why: "bursts leave anonymous groups out and say how many they cap", Query: "bursts",
			Params: analytics.Params{From: "2026-01", To: "2026-01", Threshold: 3, Limit: 2},
			Rows: [][]any{
				{"21172", "2026-01-10 09:00", learner("a"), i(3)},
				{"21175", "2026-01-11 14:00", learner("b"), i(3)},
			},
			Total: total(3), Limit: 2,
		},
		{
			// 21172: a 3 and the groups 6 took 30 s of 15 min (fast), c's
			// remaining completion has no duration (unchecked). 21175:
			// late 2, b 6, m 1, none fast.
			Why: "fast completions count the completions they could not check", Query: "fast_completions", Params: year,
			Rows: [][]any{
				{"21172", fxCourse, i(10), i(9), i(1)},
				{"21175", fxCourse, i(9), i(0), i(0)},
			},
		},
		{
			// Each learner once, in the latest month's cell: 21172
			// citizen a, c, d (a, c certified); m moved to 21175 worker
			// and takes their 2025 certificate along; late is a 21175
			// citizen. Targets of 2026: 21172's own 33.3 % of 1000 is
			// 333 people (not 334), 21175's own 70 % of 7 is 4.9, so 5;
			// no worker target (null) but last year's 80; 1 of 20,000 is
			// 0.005 %, not 0.
			Why: "no target is null; targets rounded up to whole people; small shares kept; each learner counted once", Query: "progress",
			Params: analytics.Params{To: "2026-12"},
			Rows: [][]any{
				{"21172", "Phường Cẩm Thành", "urban", vocab.GroupCitizen, i(1000), 33.3, 80.0, i(333), i(3), i(2), 0.2},
				{"21172", "Phường Cẩm Thành", "urban", vocab.GroupStudent, i(10), 100.0, 100.0, i(10), i(0), i(0), 0.0},
				{"21175", "Xã Tịnh Khê", "rural", vocab.GroupCitizen, i(7), 70.0, 80.0, i(5), i(1), i(0), 0.0},
				{"21175", "Xã Tịnh Khê", "rural", vocab.GroupWorker, i(5), nil, 80.0, nil, i(2), i(1), 20.0},
				{"21178", "Xã Ba Tơ", "mountainous", vocab.GroupCitizen, i(20000), 100.0, 80.0, i(20000), i(1), i(1), 0.005},
				{"21184", "Xã Không Học", "rural", vocab.GroupCitizen, i(50), 100.0, 80.0, i(50), i(0), i(0), 0.0},
			},
		},
		{
			// In 2025 m was still a 21172 student: certified, 1 of 10.
			// Targets of 2025, the year before had none (null).
			Why: "the cell is the latest month up to the end of the period", Query: "progress",
			Params: analytics.Params{To: "2025-12", Commune: "21172"},
			Rows: [][]any{
				{"21172", "Phường Cẩm Thành", "urban", vocab.GroupCitizen, i(1000), 80.0, nil, i(800), i(1), i(0), 0.0},
				{"21172", "Phường Cẩm Thành", "urban", vocab.GroupStudent, i(10), 100.0, nil, i(10), i(1), i(1), 10.0},
			},
		},
		{
			// 2026 mentees: M1 a and c, M2 a; M3 none. 21172 has 2
			// ambassadors and 2 distinct mentees (not 3); d's 2025 mention
			// of M1 is outside the period.
			Why: "mentees are distinct people, in the period", Query: "mentoring", Params: year,
			Rows: [][]any{
				{"21172", "Phường Cẩm Thành", i(2), i(0), i(2)},
				{"21175", "Xã Tịnh Khê", i(1), i(0), i(0)},
				{"21178", "Xã Ba Tơ", i(0), i(0), i(0)},
				{"21184", "Xã Không Học", i(0), i(0), i(0)},
			},
		},
		{
			Why: "mentors count their mentees in the period", Query: "mentors", Params: analytics.Params{From: "2026-01", To: "2026-12", Commune: "21172"},
			Rows: [][]any{
				{"M1", "21172", "T1", "Đại sứ 1", i(2), i(0)},
				{"M2", "21172", "T1", "Đại sứ 2", i(1), i(0)},
			},
		},
		{
			// a (twice) and c are citizens, b a worker.
			Why: "VNeID confirmations are distinct people", Query: "vneid", Params: analytics.Params{To: "2026-12"},
			Rows: [][]any{{vocab.GroupCitizen, i(2)}, {vocab.GroupWorker, i(1)}},
		},
		{
			Why: "VNeID confirmations by group", Query: "vneid", Params: analytics.Params{To: "2026-03", Group: vocab.GroupCitizen},
			Rows: [][]any{{vocab.GroupCitizen, i(2)}},
		},
		{
			// Started: d, m (2025), late, x, y, n: 6; completed a course:
			// none; certified: m, c, a, e: 4.
			Why: "the funnel's completed stage is a course completion", Query: "funnel", Params: analytics.Params{},
			Rows: [][]any{{"started", i(6)}, {"completed", i(0)}, {"passed", i(0)}, {"certified", i(4)}},
		},
	}
}

// Load appends a reference-data load to the end of the log.
func (d *Dataset) Load(rd *reference.Data) {
	evs, err := reference.Events(rd)
	if err != nil {
		panic(err)
	}
	for i := range evs {
		d.entries = append(d.entries, entry{statement: -1, ref: &evs[i]})
	}
	d.seal()
}
