package simulate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hocvu/hocvu/campaign/reference"
	"github.com/hocvu/hocvu/campaign/vocab"
	"github.com/hocvu/hocvu/campaign/xapiprofile"
)

// Form selects how a statement is rendered.
type Form int

const (
	// FormSend is the statement as a client POSTs it (no stored,
	// authority or version: the LRS sets them).
	FormSend Form = iota
	// FormStored is the statement as the LRS stores it in the event data
	// of xapi.statement.stored.v1: with stored, authority and version.
	FormStored
)

// renderer holds the JSON fragments that do not change between
// statements.
type renderer struct {
	seed      uint64
	homePage  string // JSON string, quoted
	platform  string // JSON string, quoted
	verbs     [numKinds]string
	lessonObj [][]string
	quizObj   []string
	courseObj []string
	certObj   []string
	ctxActs   []string // parent course + profile category
	ctxCourse string   // profile category only (course statements)
	province  string   // `"<ext province>":"51"`
	communes  []string // quoted codes
	groups    [4]string
	subgroups [128]string // JSON arrays by bitmask
	teams     []string    // quoted ids
	mentors   []string
	authority string // JSON object
}

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func newRenderer(cfg Config, prov *province, authority map[string]any) (*renderer, error) {
	base := strings.TrimSuffix(cfg.HomePage, "/") + "/xapi/"
	r := &renderer{seed: cfg.Seed, homePage: q(cfg.HomePage), platform: q(cfg.Platform)}
	verb := func(id, vi, en string) string {
		return `"verb":{"id":` + q(id) + `,"display":{"vi":` + q(vi) + `,"en":` + q(en) + `}}`
	}
	r.verbs = [numKinds]string{
		evLaunched:        verb(vocab.VerbLaunched, "đã mở", "launched"),
		evProgressed:      verb(vocab.VerbProgressed, "đã học tiếp", "progressed"),
		evLessonCompleted: verb(vocab.VerbCompleted, "đã hoàn thành", "completed"),
		evPassed:          verb(vocab.VerbPassed, "đã đạt", "passed"),
		evFailed:          verb(vocab.VerbFailed, "chưa đạt", "failed"),
		evCourseCompleted: verb(vocab.VerbCompleted, "đã hoàn thành", "completed"),
		evEarned:          verb(vocab.VerbEarned, "được cấp", "earned"),
	}
	activity := func(id, typ string, name map[string]string, ext map[string]string) string {
		def := map[string]any{"type": typ, "name": name}
		if ext != nil {
			def["extensions"] = ext
		}
		b, err := json.Marshal(map[string]any{"objectType": "Activity", "id": id, "definition": def})
		if err != nil {
			panic(err)
		}
		return `"object":` + string(b)
	}
	category := `"category":[{"objectType":"Activity","id":` + q(xapiprofile.VersionID) + `}]`
	for _, co := range Catalog {
		courseID := base + "courses/" + co.Slug
		var lessons []string
		for li, l := range co.Lessons {
			lessons = append(lessons, activity(courseID+"/lessons/"+strconv.Itoa(li+1), vocab.TypeLesson,
				map[string]string{"vi": l.NameVI}, map[string]string{vocab.ExtExpectedDuration: isoDuration(l.Expected.Milliseconds())}))
		}
		r.lessonObj = append(r.lessonObj, lessons)
		r.quizObj = append(r.quizObj, activity(courseID+"/quiz", vocab.TypeAssessment, map[string]string{"vi": "Bài kiểm tra: " + co.NameVI, "en": "Quiz: " + co.NameEN}, nil))
		r.courseObj = append(r.courseObj, activity(courseID, vocab.TypeCourse, map[string]string{"vi": co.NameVI, "en": co.NameEN}, nil))
		r.certObj = append(r.certObj, activity(base+"certificates/"+co.Slug, vocab.TypeCertificate, map[string]string{"vi": "Chứng nhận: " + co.NameVI, "en": "Certificate: " + co.NameEN}, nil))
		parent, _ := json.Marshal(map[string]any{"objectType": "Activity", "id": courseID, "definition": map[string]any{"type": vocab.TypeCourse}})
		r.ctxActs = append(r.ctxActs, `"contextActivities":{"parent":[`+string(parent)+`],`+category+`}`)
	}
	r.ctxCourse = `"contextActivities":{` + category + `}`
	r.province = q(vocab.ExtProvince) + ":" + q(prov.ref.Province.Code)
	for _, c := range prov.communes {
		r.communes = append(r.communes, q(c.Code))
	}
	for g, name := range vocab.TargetGroups {
		r.groups[g] = q(name)
	}
	for mask := range 128 {
		var subs []string
		for bit, code := range reference.Subgroups {
			if mask&(1<<bit) != 0 {
				subs = append(subs, code)
			}
		}
		b, _ := json.Marshal(subs)
		r.subgroups[mask] = string(b)
	}
	for _, t := range prov.teams {
		r.teams = append(r.teams, q(t.ID))
	}
	for _, m := range prov.mentors {
		r.mentors = append(r.mentors, q(m.ID))
	}
	if authority != nil {
		b, err := json.Marshal(authority)
		if err != nil {
			return nil, fmt.Errorf("simulate: authority: %w", err)
		}
		r.authority = string(b)
	}
	return r, nil
}

// ext keys, quoted, with the colon.
var (
	extCommune   = q(vocab.ExtCommune) + ":"
	extGroup     = q(vocab.ExtTargetGroup) + ":"
	extSubgroups = q(vocab.ExtSubgroups) + ":"
	extHousehold = q(vocab.ExtHousehold) + ":"
	extTeam      = q(vocab.ExtTeam) + ":"
	extMentor    = q(vocab.ExtMentor) + ":"
	extProgress  = q(xapiprofile.ResultProgress) + ":"
)

// appendStatement renders event e of learner l.
func (r *renderer) appendStatement(b []byte, e *event, l *learner, form Form) []byte {
	b = append(b, `{"id":"`...)
	b = appendUUID(b, statementBits(r.seed, e))
	b = append(b, `","actor":{"objectType":"Agent","account":{"homePage":`...)
	b = append(b, r.homePage...)
	b = append(b, `,"name":"`...)
	b = appendAccount(b, int(e.learner))
	b = append(b, `"}},`...)
	b = append(b, r.verbs[e.kind]...)
	b = append(b, ',')
	switch e.kind {
	case evLaunched, evProgressed, evLessonCompleted:
		b = append(b, r.lessonObj[e.course][e.lesson]...)
	case evPassed, evFailed:
		b = append(b, r.quizObj[e.course]...)
	case evCourseCompleted:
		b = append(b, r.courseObj[e.course]...)
	case evEarned:
		b = append(b, r.certObj[e.course]...)
	}
	switch e.kind {
	case evProgressed:
		b = append(b, `,"result":{"extensions":{`...)
		b = append(b, extProgress...)
		b = strconv.AppendInt(b, int64(e.score), 10)
		b = append(b, `}}`...)
	case evLessonCompleted, evCourseCompleted:
		b = append(b, `,"result":{"completion":true,"duration":"`...)
		b = appendISODuration(b, int64(e.dur))
		b = append(b, `"}`...)
	case evPassed, evFailed:
		co := Catalog[e.course]
		b = append(b, `,"result":{"success":`...)
		b = strconv.AppendBool(b, e.kind == evPassed)
		b = append(b, `,"score":{"scaled":`...)
		b = strconv.AppendFloat(b, float64(e.score)/float64(co.Questions), 'f', -1, 64)
		b = append(b, `,"raw":`...)
		b = strconv.AppendInt(b, int64(e.score), 10)
		b = append(b, `,"min":0,"max":`...)
		b = strconv.AppendInt(b, int64(co.Questions), 10)
		b = append(b, `},"duration":"`...)
		b = appendISODuration(b, int64(e.dur))
		b = append(b, `"}`...)
	}
	b = append(b, `,"context":{"registration":"`...)
	b = appendUUID(b, registrationBits(r.seed, e))
	b = append(b, `","platform":`...)
	b = append(b, r.platform...)
	b = append(b, `,"language":"vi-VN",`...)
	if e.kind == evCourseCompleted {
		b = append(b, r.ctxCourse...)
	} else {
		b = append(b, r.ctxActs[e.course]...)
	}
	b = append(b, `,"extensions":{`...)
	b = append(b, r.province...)
	if l.flags&flagNoContext == 0 {
		b = append(b, ',')
		b = append(b, extCommune...)
		b = append(b, r.communes[l.commune]...)
		b = append(b, ',')
		b = append(b, extGroup...)
		b = append(b, r.groups[l.group]...)
		if l.subs != 0 {
			b = append(b, ',')
			b = append(b, extSubgroups...)
			b = append(b, r.subgroups[l.subs&127]...)
		}
		if l.flags&flagHousehold != 0 {
			b = append(b, ',')
			b = append(b, extHousehold...)
			b = append(b, '"')
			b = appendHousehold(b, r.communes[l.commune], l.household)
			b = append(b, '"')
		}
		if l.flags&flagTeamExt != 0 {
			b = append(b, ',')
			b = append(b, extTeam...)
			b = append(b, r.teams[l.team]...)
		}
		if l.mentor >= 0 {
			b = append(b, ',')
			b = append(b, extMentor...)
			b = append(b, r.mentors[l.mentor]...)
		}
	}
	b = append(b, `}},"timestamp":"`...)
	b = appendTime(b, e.ts)
	b = append(b, '"')
	if form == FormStored {
		b = append(b, `,"stored":"`...)
		b = appendTime(b, e.stored)
		b = append(b, `","authority":`...)
		b = append(b, r.authority...)
		b = append(b, `,"version":"2.0.0"`...)
	}
	return append(b, '}')
}

// statementBits derives statement e's id: unique per (learner, statement
// number) for a seed, and unrelated between seeds.
func statementBits(seed uint64, e *event) [2]uint64 {
	x := mix64(uint64(e.learner)<<20 | uint64(e.seq))
	return [2]uint64{mix64(x ^ mix64(seed^0xA1A1)), mix64(x ^ mix64(seed^0xB2B2))}
}

// registrationBits derives the registration of e's learner in e's course.
func registrationBits(seed uint64, e *event) [2]uint64 {
	x := mix64(uint64(e.learner)<<8 | uint64(e.course))
	return [2]uint64{mix64(x ^ mix64(seed^0xC3C3)), mix64(x ^ mix64(seed^0xD4D4))}
}

// AccountName is the account name of learner i (0-based).
func AccountName(i int) string { return string(appendAccount(nil, i)) }

func appendAccount(b []byte, i int) []byte {
	b = append(b, "hv"...)
	s := strconv.Itoa(i + 1)
	for n := len(s); n < 7; n++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// householdID is the household extension value: hh-<commune>-<number>.
func householdID(commune string, n int32) string {
	return string(appendHousehold(nil, q(commune), n))
}

func appendHousehold(b []byte, quotedCommune string, n int32) []byte {
	b = append(b, "hh-"...)
	b = append(b, quotedCommune[1:len(quotedCommune)-1]...)
	b = append(b, '-')
	s := strconv.Itoa(int(n) + 1)
	for k := len(s); k < 5; k++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

const hexDigits = "0123456789abcdef"

// appendUUID formats 128 bits as a version-4 style UUID.
func appendUUID(b []byte, bits [2]uint64) []byte {
	hi, lo := bits[0], bits[1]
	hi = hi&^(0xF<<12) | 4<<12
	lo = lo&^(0x3<<62) | 0x2<<62
	var u [16]byte
	for i := range 8 {
		u[i] = byte(hi >> (56 - 8*i))
		u[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&15])
	}
	return b
}

// appendTime formats Unix milliseconds as 2006-01-02T15:04:05.000Z.
func appendTime(b []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

func isoDuration(ms int64) string { return string(appendISODuration(nil, ms)) }

// appendISODuration formats milliseconds as an ISO 8601 duration
// (PT1H2M3.5S).
func appendISODuration(b []byte, ms int64) []byte {
	b = append(b, "PT"...)
	h, m := ms/3_600_000, ms/60_000%60
	s, frac := ms/1000%60, ms%1000
	if h > 0 {
		b = strconv.AppendInt(b, h, 10)
		b = append(b, 'H')
	}
	if m > 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	if s > 0 || frac > 0 || (h == 0 && m == 0) {
		b = strconv.AppendInt(b, s, 10)
		if frac > 0 {
			b = append(b, '.')
			f := strconv.AppendInt(nil, frac+1000, 10)[1:] // 3 digits
			for len(f) > 1 && f[len(f)-1] == '0' {
				f = f[:len(f)-1]
			}
			b = append(b, f...)
		}
		b = append(b, 'S')
	}
	return b
}
