// Package analyticstest is the contract suite of analytics engines: every
// engine projects the same statements and must answer every named query
// exactly as a plain Go computation over the raw statements does.
package analyticstest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/eventstore"
	"github.com/hocvu/hocvu/lrs"
)

// Dataset is a small, deterministic campaign: statements over 2025–2026 in
// a few communes and groups, with every verb the queries count, fast
// completions, one burst, voiding in all its forms, anonymous groups,
// commune codes and groups that no reference data knows (hostile ones
// too), VNeID confirmations, a learner who moves and changes group, and
// statements sent before their learner entered the directory.
type Dataset struct {
	Events     []eventstore.RecordedEvent
	Statements []map[string]any // decoded, in log order
	// noDefine holds the statements (by index) whose credential lacked
	// the define scope; every other statement had it (the portal's), in
	// every dataset, however it was built.
	noDefine map[int]bool
	// entries interleaves statements and reference-data loads in log order.
	entries []entry
	// cache holds what Reference computes from the whole log (reset by
	// seal, when the log changes).
	cache *counted
}

// entry is one event of the dataset's log: a statement (index into
// Statements) or a reference-data set.
type entry struct {
	statement int // -1 for a reference event
	ref       *eventstore.EventData
}

var (
	communes = []string{"21172", "21175", "21178", "21181"}
	courses  = []string{"https://hoctap.example/khoa/ky-nang-so", "https://hoctap.example/khoa/dich-vu-cong"}
	// Courses beside the learners' two, for the course dimension: one
	// only an untrusted client names, one named in English only, in a
	// grouping activity.
	unnamedCourse = "https://hoctap.example/khoa/an-toan-so"
	englishCourse = "https://hoctap.example/khoa/online-safety"
)

// courseObject is a course as a statement's object, with the names the
// content gives it in round (courses[0] is renamed in Vietnamese from
// round 10; courses[1] is named only in its lessons' parent activity).
func courseObject(course string, round int) map[string]any {
	obj := activity(course, vocab.TypeCourse, "")
	def := obj["definition"].(map[string]any)
	switch {
	case course == courses[0] && round < 10:
		def["name"] = map[string]any{"vi-VN": "Kỹ năng số cơ bản", "en-US": "Digital skills basics"}
	case course == courses[0]:
		def["name"] = map[string]any{"vi-VN": "Kỹ năng số cơ bản (2026)"}
	default:
		delete(def, "name")
	}
	return obj
}

func lessonID(course string, i int) string { return fmt.Sprintf("%s/bai-%d", course, i) }

// NewDataset builds the dataset for a seed.
func NewDataset(seed uint64) *Dataset {
	b := &datasetBuilder{
		d:      &Dataset{},
		rng:    rand.New(rand.NewPCG(seed, 42)),
		clock:  time.Date(2025, 5, 20, 1, 0, 0, 0, time.UTC),
		define: true,
	}
	var learners []dsLearner
	for i := 0; i < 40; i++ {
		learners = append(learners, dsLearner{fmt.Sprintf("hv-%03d", i), communes[i%len(communes)], vocab.TargetGroups[(i/2)%len(vocab.TargetGroups)]})
	}
	// The province's communes, populations and targets come first; teams,
	// mentors and the learner directory arrive half-way.
	b.load(provinceData())
	var lessonCompletions []string
	for round := 0; round < 14; round++ {
		lessonCompletions = append(lessonCompletions, b.round(round, learners)...)
	}
	// A burst: one account completes 25 lessons within one clock hour.
	burst := learners[3]
	hour := time.Date(2025, 10, 10, 2, 0, 0, 0, time.UTC) // 09:00 local on 10 October
	for i := 0; i < 25; i++ {
		st := stmt(burst.name, vocab.VerbCompleted, activity(lessonID(courses[0], 10+i), vocab.TypeLesson, "PT15M"),
			map[string]any{"completion": true, "duration": "PT30S"}, contextFor(burst.commune, burst.group, courses[0]))
		st["timestamp"] = hour.Add(time.Duration(i*2) * time.Minute).Format(time.RFC3339)
		b.add(st)
	}
	// Anonymous groups (no account): never a learner, never a burst, even
	// when two of them complete lessons in one commune and hour.
	for i := 0; i < 24; i++ {
		members := []any{map[string]any{"mbox": fmt.Sprintf("mailto:nhom-%d@example.com", i%2)}}
		st := stmt("", vocab.VerbCompleted, activity(lessonID(courses[1], 40+i), vocab.TypeLesson, "PT15M"),
			map[string]any{"completion": true, "duration": "PT20S"}, contextFor("21175", vocab.GroupCitizen, courses[1]))
		st["actor"] = map[string]any{"objectType": "Group", "member": members}
		st["timestamp"] = time.Date(2025, 11, 5, 3, 2*i, 0, 0, time.UTC).Format(time.RFC3339)
		b.add(st)
	}
	// Communes the reference data does not list (one hostile) and a group
	// outside the vocabulary: reported as "unknown", never as rows of their own.
	for i, odd := range []struct{ commune, group string }{
		{`=HYPERLINK("http://evil.example/?x","bấm")`, vocab.GroupCitizen},
		{"99999", "=1+1"},
		{"21172", "+cmd|' /C calc'!A0"},
	} {
		name := fmt.Sprintf("hv-odd-%d", i)
		for j := 0; j < 2; j++ {
			st := stmt(name, vocab.VerbCompleted, activity(lessonID(courses[0], j), vocab.TypeLesson, "PT15M"),
				map[string]any{"completion": true, "duration": "PT12M"}, contextFor(odd.commune, odd.group, courses[0]))
			st["timestamp"] = time.Date(2025, 12, 3+i, 2, j*3, 0, 0, time.UTC).Format(time.RFC3339)
			b.add(st)
		}
	}
	// Lesson completions without a duration or without a nominal length:
	// not checked for speed.
	for i, took := range []string{"", "PT1M"} {
		expected := "PT15M"
		res := map[string]any{"completion": true}
		if took != "" {
			res["duration"], expected = took, ""
		}
		st := stmt(learners[i].name, vocab.VerbCompleted, activity(lessonID(courses[1], 30+i), vocab.TypeLesson, expected), res,
			contextFor(learners[i].commune, learners[i].group, courses[1]))
		st["timestamp"] = time.Date(2025, 12, 10, 4, 0, 0, 0, time.UTC).Format(time.RFC3339)
		b.add(st)
	}
	// A learner who moves from Cẩm Thành (student) to Tịnh Khê (worker),
	// certified before the move, guided by both of Cẩm Thành's
	// ambassadors; and one who learns in two communes within one month.
	at := func(st map[string]any, t time.Time) map[string]any {
		st["timestamp"] = t.Format(time.RFC3339)
		return st
	}
	withMentor := func(ctx map[string]any, mentor string) map[string]any {
		ctx["extensions"].(map[string]any)[vocab.ExtMentor] = mentor
		return ctx
	}
	b.add(at(stmt("hv-mover", vocab.VerbLaunched, activity(courses[0], vocab.TypeCourse, ""), nil,
		withMentor(contextFor("21172", vocab.GroupStudent, courses[0]), "M-21172-0")), time.Date(2025, 7, 15, 2, 0, 0, 0, time.UTC)))
	b.add(at(stmt("hv-mover", vocab.VerbEarned, activity(courses[0]+"/chung-chi", vocab.TypeCertificate, ""), nil,
		withMentor(contextFor("21172", vocab.GroupStudent, courses[0]), "M-21172-0")), time.Date(2025, 7, 16, 2, 0, 0, 0, time.UTC)))
	b.add(at(stmt("hv-mover", vocab.VerbCompleted, activity(lessonID(courses[1], 0), vocab.TypeLesson, "PT15M"), map[string]any{"completion": true, "duration": "PT14M"},
		withMentor(contextFor("21175", vocab.GroupWorker, courses[1]), "M-21172-1")), time.Date(2025, 9, 10, 2, 0, 0, 0, time.UTC)))
	b.add(at(stmt("hv-tie", vocab.VerbLaunched, activity(courses[1], vocab.TypeCourse, ""), nil,
		contextFor("21178", vocab.GroupCitizen, courses[1])), time.Date(2025, 8, 3, 2, 0, 0, 0, time.UTC)))
	b.add(at(stmt("hv-tie", vocab.VerbLaunched, activity(courses[1], vocab.TypeCourse, ""), nil,
		contextFor("21175", vocab.GroupCitizen, courses[1])), time.Date(2025, 8, 20, 2, 0, 0, 0, time.UTC)))
	// VNeID confirmations: two for one citizen (one person), one for
	// another citizen, one for a public servant.
	for i, who := range []int{6, 6, 7, 0} {
		l := learners[who]
		b.add(at(stmt(l.name, vocab.VerbEarned, activity("https://vneid.example/xac-nhan/ky-nang-so-co-ban", vocab.TypeVNeIDConfirmation, ""), nil,
			contextFor(l.commune, l.group, "")), time.Date(2025, 12, 1+i, 3, 0, 0, 0, time.UTC)))
	}
	// A learner no directory knows, whose statements name no commune.
	b.add(stmt("hv-noone", vocab.VerbLaunched, activity(courses[1], vocab.TypeCourse, ""), nil, nil))
	// A statement without campaign extensions, and one about an agent.
	b.add(stmt("khach", vocab.VerbLaunched, courseObject(courses[1], 14), nil, nil))
	// Course names from clients without the define scope do not count:
	// a renaming of courses[0] and the only name of unnamedCourse.
	b.define = false
	renamed := courseObject(courses[0], 14)
	renamed["definition"].(map[string]any)["name"] = map[string]any{"vi-VN": "Khóa học bị đổi tên", "en-US": "Renamed"}
	b.add(stmt("hv-002", vocab.VerbLaunched, renamed, nil, contextFor("21172", vocab.GroupCitizen, "")))
	unnamed := contextFor("21175", vocab.GroupStudent, unnamedCourse)
	unnamed["contextActivities"].(map[string]any)["parent"].([]any)[0].(map[string]any)["definition"].(map[string]any)["name"] = map[string]any{"vi-VN": "Tên không được nhận"}
	b.add(stmt("hv-004", vocab.VerbCompleted, activity(lessonID(unnamedCourse, 0), vocab.TypeLesson, "PT10M"), map[string]any{"completion": true, "duration": "PT9M"}, unnamed))
	b.define = true
	// A course named in English only, in a grouping activity.
	english := contextFor("21178", vocab.GroupCitizen, "")
	english["contextActivities"] = map[string]any{"grouping": []any{map[string]any{"id": englishCourse,
		"definition": map[string]any{"type": vocab.TypeCourse, "name": map[string]any{"en-GB": "Online safety", "": "ignored"}}}}}
	b.add(stmt("hv-006", vocab.VerbCompleted, activity(lessonID(englishCourse, 0), vocab.TypeLesson, "PT10M"), map[string]any{"completion": true, "duration": "PT12M"}, english))
	b.add(stmt("hv-001", "http://id.tincanapi.com/verb/mentored", map[string]any{"objectType": "Agent", "mbox": "mailto:hv-002@example.com"}, nil, contextFor("21172", vocab.GroupCitizen, "")))
	// Voiding: after the target; before the target; of a voiding statement.
	voiding := b.add(void(lessonCompletions[5]))
	b.add(void(voiding))
	late := uuid.NewString()
	b.add(void(late))
	lateSt := stmt("hv-010", vocab.VerbCompleted, activity(lessonID(courses[0], 0), vocab.TypeLesson, "PT15M"), map[string]any{"completion": true, "duration": "PT10M"}, contextFor(communes[2], vocab.GroupWorker, courses[0]))
	lateSt["id"] = late
	b.add(lateSt)
	b.add(void(lessonCompletions[40]))

	b.d.seal()
	return b.d
}

// dsLearner is an account of the generated dataset.
type dsLearner struct {
	name, commune, group string
}

// datasetBuilder writes a Dataset's log in order: reference-data loads,
// and statements stored on a clock that moves on by a random step each.
type datasetBuilder struct {
	d      *Dataset
	rng    *rand.Rand
	clock  time.Time
	define bool // the statements added now are stored with the define scope
}

// load appends the events of a reference-data set.
func (b *datasetBuilder) load(rd *reference.Data) {
	evs, err := reference.Events(rd)
	if err != nil {
		panic(err)
	}
	for i := range evs {
		b.d.entries = append(b.d.entries, entry{statement: -1, ref: &evs[i]})
	}
}

// add appends a statement, stored at the next tick of the clock, with an
// id and a timestamp (shortly before) unless it has them, and returns its
// id.
func (b *datasetBuilder) add(st map[string]any) string {
	d := b.d
	d.entries = append(d.entries, entry{statement: len(d.Statements)})
	if !b.define {
		if d.noDefine == nil {
			d.noDefine = map[int]bool{}
		}
		d.noDefine[len(d.Statements)] = true
	}
	b.clock = b.clock.Add(time.Duration(1+b.rng.IntN(180)) * time.Minute)
	if _, ok := st["id"]; !ok {
		st["id"] = uuid.NewString()
	}
	st["stored"] = b.clock.Format("2006-01-02T15:04:05.000Z07:00")
	if _, ok := st["timestamp"]; !ok {
		st["timestamp"] = b.clock.Add(-time.Duration(b.rng.IntN(90)) * time.Second).Format(time.RFC3339)
	}
	d.Statements = append(d.Statements, st)
	return st["id"].(string)
}

// round is one round of learning, then a pause of two to five weeks:
// about two learners in three learn (learn). Round 3 brings a statement
// of an account the directory does not know yet, round 7 the teams,
// mentors and learner directory. It returns the ids of the lesson
// completions.
func (b *datasetBuilder) round(round int, learners []dsLearner) []string {
	if round == 3 {
		// Before the learner directory knows this account: attributed
		// all the same, by the latest directory.
		b.add(stmt("khach", vocab.VerbLaunched, courseObject(courses[0], round), nil, nil))
	}
	if round == 7 {
		b.load(directoryData())
	}
	var completions []string
	for _, l := range learners {
		if b.rng.IntN(3) == 0 {
			continue
		}
		completions = append(completions, b.learn(l, round)...)
	}
	b.clock = b.clock.Add(time.Duration(12+b.rng.IntN(20)) * 24 * time.Hour)
	return completions
}

// learn is one learner's round: a course launched, one to three lessons
// completed (some implausibly fast), and half the time a test, passed or
// failed; a pass completes the course and, two times in three, earns the
// certificate. It returns the ids of the lesson completions.
func (b *datasetBuilder) learn(l dsLearner, round int) []string {
	var completions []string
	course := courses[b.rng.IntN(len(courses))]
	ctx := contextFor(l.commune, l.group, course)
	if l.commune != communes[3] {
		ext := ctx["extensions"].(map[string]any)
		ext[vocab.ExtTeam] = "T-" + l.commune + "-1"
		ext[vocab.ExtMentor] = fmt.Sprintf("M-%s-%d", l.commune, len(l.name)%2)
	}
	b.add(stmt(l.name, vocab.VerbLaunched, courseObject(course, round), nil, ctx))
	for i := 0; i < 1+b.rng.IntN(3); i++ {
		expected := "PT15M"
		took := fmt.Sprintf("PT%dM%dS", 2+b.rng.IntN(20), b.rng.IntN(60))
		if b.rng.IntN(10) == 0 {
			took = fmt.Sprintf("PT%dS", 20+b.rng.IntN(100)) // implausibly fast
		}
		id := b.add(stmt(l.name, vocab.VerbCompleted, activity(lessonID(course, i), vocab.TypeLesson, expected),
			map[string]any{"completion": true, "duration": took}, ctx))
		completions = append(completions, id)
	}
	if b.rng.IntN(2) == 0 {
		scaled := float64(b.rng.IntN(101)) / 100
		verb := vocab.VerbPassed
		if scaled < 0.5 {
			verb = vocab.VerbFailed
		}
		b.add(stmt(l.name, verb, activity(course+"/kiem-tra", vocab.TypeAssessment, ""),
			map[string]any{"success": verb == vocab.VerbPassed, "score": map[string]any{"scaled": scaled}}, ctx))
		if verb == vocab.VerbPassed {
			b.add(stmt(l.name, vocab.VerbCompleted, courseObject(course, round), map[string]any{"completion": true}, ctx))
			if b.rng.IntN(3) > 0 {
				b.add(stmt(l.name, vocab.VerbEarned, activity(course+"/chung-chi", vocab.TypeCertificate, ""), nil, ctx))
			}
		}
	}
	return completions
}

// provinceData is the province's reference data: communes, populations
// and targets.
func provinceData() *reference.Data {
	return &reference.Data{
		Province: &reference.Province{Code: "51", Name: "Quảng Ngãi"},
		Communes: []reference.Commune{
			{Code: "21172", Name: "Phường Cẩm Thành", Kind: reference.UnitWard, Areas: []reference.AreaType{reference.AreaUrban}},
			{Code: "21175", Name: "Xã Tịnh Khê", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaRural}},
			{Code: "21178", Name: "Xã Ba Tơ", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaMountainous, reference.AreaEthnicMinority}},
			{Code: "21181", Name: "Đặc khu Lý Sơn", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaIsland}},
			{Code: "21184", Name: "Xã Không Học", Kind: reference.UnitCommune, Areas: []reference.AreaType{reference.AreaRural}},
		},
		Populations: []reference.Population{
			{Commune: "21172", Total: 100, Groups: map[string]int64{vocab.GroupPublicStaff: 10, vocab.GroupStudent: 20, vocab.GroupWorker: 30, vocab.GroupCitizen: 40}},
			{Commune: "21175", Total: 60, Groups: map[string]int64{vocab.GroupPublicStaff: 5, vocab.GroupStudent: 15, vocab.GroupWorker: 10, vocab.GroupCitizen: 30}},
			{Commune: "21178", Total: 50, Groups: map[string]int64{vocab.GroupPublicStaff: 4, vocab.GroupStudent: 12, vocab.GroupCitizen: 34}},
			{Commune: "21181", Total: 30, Groups: map[string]int64{vocab.GroupPublicStaff: 3, vocab.GroupStudent: 7, vocab.GroupWorker: 5, vocab.GroupCitizen: 15}},
			{Commune: "21184", Total: 10, Groups: map[string]int64{vocab.GroupCitizen: 10}},
		},
		Targets: []reference.Target{
			{Year: 2025, Group: vocab.GroupPublicStaff, Metric: reference.MetricSkilledShare, Value: 80},
			{Year: 2025, Group: vocab.GroupStudent, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2025, Group: vocab.GroupWorker, Metric: reference.MetricSkilledShare, Value: 80},
			{Year: 2025, Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 80},
			{Year: 2025, Group: vocab.GroupCitizen, Metric: reference.MetricVNeIDCertified, Value: 500000},
			{Year: 2026, Group: vocab.GroupPublicStaff, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2026, Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 100},
			{Year: 2026, Commune: "21178", Group: vocab.GroupCitizen, Metric: reference.MetricSkilledShare, Value: 70},
		},
	}
}

// directoryData is the reference data that arrives half-way: teams,
// mentors and the learner directory.
func directoryData() *reference.Data {
	return &reference.Data{
		Teams: []reference.Team{
			{ID: "T-21172-1", Commune: "21172", Name: "Tổ CNS khu phố 1", Members: 9},
			{ID: "T-21175-1", Commune: "21175", Name: "Tổ CNS thôn Khê Tây", Members: 7},
			{ID: "T-21178-1", Commune: "21178", Name: "Tổ CNS làng Teng", Members: 6},
		},
		Mentors: []reference.Mentor{
			{ID: "M-21172-0", Commune: "21172", Team: "T-21172-1", Label: "Đại sứ số 001"},
			{ID: "M-21172-1", Commune: "21172", Team: "T-21172-1", Label: "Đại sứ số 002"},
			{ID: "M-21175-0", Commune: "21175", Team: "T-21175-1", Label: "Đại sứ số 003"},
			{ID: "M-21178-0", Commune: "21178", Team: "T-21178-1", Label: "Đại sứ số 004"},
		},
		Learners: []reference.Learner{
			{HomePage: "https://vneid.example", Name: "khach", Commune: "21181", Group: vocab.GroupCitizen, Household: "ho-21181-1", Mentor: "M-21175-0"},
		},
	}
}

// defines reports whether statement i was stored with the define scope.
func (d *Dataset) defines(i int) bool { return !d.noDefine[i] }

// seal numbers the entries into the log's events (positions from 1).
func (d *Dataset) seal() {
	d.Events, d.cache = nil, nil
	var stRev, refRev uint64
	for i, e := range d.entries {
		pos := eventstore.Position{Commit: uint64(i + 1), Prepare: uint64(i + 1)}
		if e.ref != nil {
			d.Events = append(d.Events, eventstore.RecordedEvent{
				ID: e.ref.ID, Type: e.ref.Type, Stream: reference.Stream, Revision: refRev,
				Position: pos, Recorded: time.Now().UTC(), Data: e.ref.Data, Metadata: e.ref.Metadata,
			})
			refRev++
			continue
		}
		st := d.Statements[e.statement]
		data, err := json.Marshal(st)
		if err != nil {
			panic(err)
		}
		id, _ := uuid.Parse(st["id"].(string))
		meta, err := json.Marshal(lrs.StatementStoredMeta{Batch: "b-" + st["id"].(string), XAPIVersion: "2.0.0", Define: d.defines(e.statement)})
		if err != nil {
			panic(err)
		}
		d.Events = append(d.Events, eventstore.RecordedEvent{
			ID: id, Type: lrs.EventStatementStored, Stream: lrs.StatementsStream, Revision: stRev,
			Position: pos, Recorded: time.Now().UTC(), Data: data, Metadata: meta,
		})
		stRev++
	}
}

// ReadStream serves the dataset's streams, forwards, to a projection that
// rereads the reference data (eventstore.StreamReader).
func (d *Dataset) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	return Log(d.Events).ReadStream(ctx, stream, opts)
}

// Log serves the streams of a slice of events, forwards
// (eventstore.StreamReader), for projections under test.
type Log []eventstore.RecordedEvent

// ReadStream implements eventstore.StreamReader (forwards only).
func (l Log) ReadStream(ctx context.Context, stream string, opts eventstore.ReadStreamOptions) ([]eventstore.RecordedEvent, error) {
	var out []eventstore.RecordedEvent
	found := false
	for _, ev := range l {
		if ev.Stream != stream {
			continue
		}
		found = true
		if ev.Revision >= opts.From && (opts.Max <= 0 || len(out) < opts.Max) {
			out = append(out, ev)
		}
	}
	if !found {
		return nil, eventstore.ErrStreamNotFound
	}
	return out, nil
}
func stmt(actor, verb string, obj map[string]any, result map[string]any, ctx map[string]any) map[string]any {
	st := map[string]any{
		"actor":     map[string]any{"objectType": "Agent", "name": "Người học " + actor, "account": map[string]any{"homePage": "https://vneid.example", "name": actor}},
		"verb":      map[string]any{"id": verb},
		"object":    obj,
		"authority": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://hocvu.local/", "name": "portal"}},
		"version":   "2.0.0",
	}
	if result != nil {
		st["result"] = result
	}
	if ctx != nil {
		st["context"] = ctx
	}
	return st
}

func activity(id, typ, expected string) map[string]any {
	def := map[string]any{"type": typ, "name": map[string]any{"vi-VN": id}}
	if expected != "" {
		def["extensions"] = map[string]any{vocab.ExtExpectedDuration: expected}
	}
	return map[string]any{"objectType": "Activity", "id": id, "definition": def}
}

func contextFor(commune, group, course string) map[string]any {
	ctx := map[string]any{
		"platform": "Cổng học tập",
		"language": "vi-VN",
		"extensions": map[string]any{
			vocab.ExtProvince:              "51",
			vocab.ExtCommune:               commune,
			vocab.ExtTargetGroup:           group,
			vocab.ExtHousehold:             "ho-" + commune + "-7",
			"https://example.com/ext/cccd": "001234567890", // personal: must not reach analytics
		},
	}
	if course != "" {
		def := map[string]any{"type": vocab.TypeCourse}
		if course == courses[1] {
			def["name"] = map[string]any{"vi": "Dịch vụ công trực tuyến", "fr": "Services publics en ligne"}
		}
		ctx["contextActivities"] = map[string]any{"parent": []any{map[string]any{"id": course, "definition": def}}}
	}
	return ctx
}

func void(target string) map[string]any {
	return map[string]any{
		"actor":     map[string]any{"mbox": "mailto:admin@example.com"},
		"verb":      map[string]any{"id": vocab.VerbVoided},
		"object":    map[string]any{"objectType": "StatementRef", "id": target},
		"authority": map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": "https://hocvu.local/", "name": "admin"}},
	}
}

// Concat joins datasets into one log, a after b after …, renumbering
// positions and stream revisions.
func Concat(ds ...*Dataset) *Dataset {
	out := &Dataset{}
	revs := map[string]uint64{}
	for _, d := range ds {
		base := len(out.Statements)
		for i, e := range d.entries {
			ev := d.Events[i]
			pos := uint64(len(out.Events) + 1)
			ev.Position = eventstore.Position{Commit: pos, Prepare: pos}
			ev.Revision = revs[ev.Stream]
			revs[ev.Stream]++
			out.Events = append(out.Events, ev)
			if e.ref != nil {
				out.entries = append(out.entries, e)
			} else {
				out.entries = append(out.entries, entry{statement: base + e.statement})
			}
		}
		out.Statements = append(out.Statements, d.Statements...)
		for i := range d.noDefine {
			if out.noDefine == nil {
				out.noDefine = map[int]bool{}
			}
			out.noDefine[base+i] = true
		}
	}
	return out
}
