package simulate

import (
	"math"
	"time"

	"github.com/hocvu/hocvu/campaign/reference"
)

// Statement kinds.
const (
	evLaunched uint8 = iota
	evProgressed
	evLessonCompleted
	evPassed
	evFailed
	evCourseCompleted
	evEarned
	numKinds
)

// event is one planned statement (32 bytes).
type event struct {
	ts      int64  // timestamp, Unix ms
	stored  int64  // stored, Unix ms (set after sorting)
	learner int32  // index
	seq     uint16 // the learner's statement number
	kind    uint8
	course  uint8
	lesson  uint8  // lesson index; quiz attempt for passed/failed
	score   uint8  // quiz raw score; progress percentage
	dur     uint32 // result.duration, ms
}

// planner plans learners' journeys.
type planner struct {
	cfg    Config
	tl     *timeline
	prov   *province
	toMS   int64
	staffC int // index of the public servants' course
}

func newPlanner(cfg Config, prov *province) *planner {
	pl := &planner{cfg: cfg, tl: newTimeline(cfg.From, cfg.To), prov: prov, toMS: cfg.To.UnixMilli(), staffC: -1}
	for i, c := range Catalog {
		if c.Slug == "chinh-quyen-so" {
			pl.staffC = i
		}
	}
	return pl
}

// journey collects one learner's statements.
type journey struct {
	pl      *planner
	r       rng
	l       *learner
	idx     int32
	seq     uint16
	out     []event
	stopped bool
}

func (j *journey) emit(ts time.Time, kind, course, lesson, score uint8, dur time.Duration) {
	ms := ts.UnixMilli()
	if j.stopped || ms >= j.pl.toMS || j.seq == math.MaxUint16 {
		j.stopped = true
		return
	}
	j.out = append(j.out, event{ts: ms, learner: j.idx, seq: j.seq, kind: kind, course: course, lesson: lesson, score: score, dur: uint32(dur / time.Millisecond)})
	j.seq++
}

// plan appends learner i's statements to out.
func (pl *planner) plan(i int, l *learner, out []event) []event {
	j := &journey{pl: pl, r: newRNG(pl.cfg.Seed, uint64(i), 2), l: l, idx: int32(i), out: out}
	switch {
	case l.flags&flagBurst != 0:
		j.burst()
	case l.flags&flagFast != 0:
		j.learn(true)
	default:
		j.learn(false)
	}
	return j.out
}

// nextSession moves to a later session: some days later at a time of day
// typical of the learner's group.
func (j *journey) nextSession(t time.Time, meanDays float64) time.Time {
	days := 0.3 + j.r.exp(meanDays)
	d := t.Add(time.Duration(days * 24 * float64(time.Hour))).In(Local)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Local)
	next := day.Add(timeOfDay(&j.r, int(j.l.group), j.l.subs&subElderly != 0))
	if !next.After(t) {
		next = t.Add(time.Hour + time.Duration(j.r.intn(3600))*time.Second)
	}
	return next
}

// courses picks the learner's courses, by affinity, without repetition.
func (j *journey) courses(n int) []int {
	w := make([]float64, len(Catalog))
	for c, co := range Catalog {
		w[c] = co.affinity[j.l.group]
		for bit, boost := range co.subBoost {
			if j.l.subs&bit != 0 {
				w[c] *= boost
			}
		}
	}
	var picked []int
	if j.l.group == groupStaff && j.pl.staffC >= 0 && j.r.chance(0.7) {
		picked = append(picked, j.pl.staffC)
		w[j.pl.staffC] = 0
	}
	for len(picked) < n {
		total := 0.0
		for _, x := range w {
			total += x
		}
		if total == 0 {
			break
		}
		c := j.r.pick(cumulative(w))
		picked = append(picked, c)
		w[c] = 0
	}
	return picked
}

// Behaviour by target group: persistence from one lesson to the next,
// how many courses (1 + geometric), first-attempt pass rate.
var (
	groupPersist  = [4]float64{0.86, 0.82, 0.76, 0.78}
	groupMore     = [4]float64{0.40, 0.24, 0.16, 0.19}
	groupPassRate = [4]float64{0.80, 0.80, 0.70, 0.68}
)

// learn is an ordinary learner's journey (fast: a box-ticking one).
func (j *journey) learn(fast bool) {
	r, l := &j.r, j.l
	mountain := j.pl.prov.communes[l.commune].Has(reference.AreaMountainous)
	elderly := l.subs&subElderly != 0
	persist := groupPersist[l.group] + 0.04*r.norm()
	if mountain {
		persist -= 0.05
	}
	if elderly {
		persist -= 0.03
	}
	if l.mentor >= 0 {
		persist += 0.05
	}
	persist = math.Max(0.55, math.Min(0.97, persist))
	n := 1
	for n < 5 && r.chance(groupMore[l.group]) {
		n++
	}
	if fast {
		persist, n = 0.98, 3+r.intn(4)
	}
	start := j.pl.tl.startDay(r, l.group == groupStudent).Add(timeOfDay(r, int(l.group), elderly))
	t := start
	for k, c := range j.courses(n) {
		if k > 0 {
			t = j.nextSession(t, 12)
			if fast {
				t = t.Add(-time.Duration(r.intn(3600)) * time.Second)
			}
		}
		t = j.course(t, c, persist, fast, mountain, elderly)
		if j.stopped {
			return
		}
	}
}

// course plays one course from t and returns when the learner left it:
// the lessons in order, then (most learners) the quiz.
func (j *journey) course(t time.Time, c int, persist float64, fast, mountain, elderly bool) time.Time {
	e := &enrolment{j: j, c: c, co: Catalog[c], persist: persist, fast: fast, mountain: mountain, elderly: elderly}
	t, finished := e.lessons(t)
	if !finished {
		return t
	}
	if !fast && !j.r.chance(0.88) {
		return t // finished the lessons, never took the quiz
	}
	return e.quiz(t)
}

// enrolment is a learner taking one course.
type enrolment struct {
	j                       *journey
	c                       int
	co                      Course
	persist                 float64 // chance of going on to the next lesson
	fast, mountain, elderly bool
	spent                   time.Duration // on lessons and quizzes so far
	inSession               int           // lessons taken since the session began, after the first
}

// lessons plays the lessons in order from t, each after a break; it
// reports false when the learner gave up before finishing them.
func (e *enrolment) lessons(t time.Time) (time.Time, bool) {
	r := &e.j.r
	for li, lesson := range e.co.Lessons {
		if li > 0 {
			if !r.chance(e.persist) {
				return t, false
			}
			t = e.lessonBreak(t)
		}
		var completed bool
		if t, completed = e.lesson(t, li, lesson.Expected); !completed {
			return t, false
		}
	}
	return t, true
}

// lessonBreak moves from one lesson to the next: seconds for a
// box-ticking learner, minutes within a session (up to three lessons
// more), else the next session.
func (e *enrolment) lessonBreak(t time.Time) time.Time {
	r := &e.j.r
	switch {
	case e.fast:
		return t.Add(time.Duration(5+r.intn(35)) * time.Second)
	case e.inSession < 3 && r.chance(0.55):
		e.inSession++
		return t.Add(time.Duration(30+r.intn(270)) * time.Second)
	default:
		e.inSession = 0
		return e.j.nextSession(t, 2.5)
	}
}

// lesson plays lesson li from t until it is completed; an attempt may be
// abandoned (at most twice) and taken up again in a later session. It
// reports false when the learner left the course instead.
func (e *enrolment) lesson(t time.Time, li int, expected time.Duration) (time.Time, bool) {
	j, r := e.j, &e.j.r
	cc := uint8(e.c)
	for attempt := 0; ; attempt++ {
		j.emit(t, evLaunched, cc, uint8(li), 0, 0)
		d := lessonDuration(r, expected, e.fast)
		if !e.fast && r.chance(0.35) {
			frac := r.between(0.4, 0.6)
			j.emit(t.Add(time.Duration(float64(d)*frac)), evProgressed, cc, uint8(li), uint8(math.Round(frac*10))*10, 0)
		}
		if !e.fast && attempt < 2 && r.chance(0.07) { // abandoned
			t = t.Add(time.Duration(float64(d) * r.between(0.6, 0.9)))
			if !r.chance(0.6) {
				return t, false
			}
			t = j.nextSession(t, 1.5)
			e.inSession = 0
			continue
		}
		t = t.Add(d)
		e.spent += d
		j.emit(t, evLessonCompleted, cc, uint8(li), 0, d)
		return t, true
	}
}

// passRate is the learner's chance of passing the quiz at the first
// attempt.
func (e *enrolment) passRate() float64 {
	pass := groupPassRate[e.j.l.group]
	if e.mountain {
		pass -= 0.08
	}
	if e.elderly {
		pass -= 0.08
	}
	if e.j.l.mentor >= 0 {
		pass += 0.05
	}
	if e.fast {
		pass = 0.92
	}
	return pass
}

// quiz plays up to three attempts at the quiz from t, each more likely to
// pass; a pass completes the course and earns its certificate. After a
// failure some learners give up.
func (e *enrolment) quiz(t time.Time) time.Time {
	j, r := e.j, &e.j.r
	cc := uint8(e.c)
	pass := e.passRate()
	for attempt := 0; attempt < 3; attempt++ {
		t = e.quizBreak(t)
		qd := time.Duration(math.Max(3, math.Min(20, 8+2*r.norm())) * float64(time.Minute))
		if e.fast {
			qd = time.Duration(40+r.intn(80)) * time.Second
		}
		t = t.Add(qd)
		e.spent += qd
		if r.chance(pass + 0.12*float64(attempt)) {
			j.emit(t, evPassed, cc, uint8(attempt), uint8(e.co.PassScore+r.intn(e.co.Questions-e.co.PassScore+1)), qd)
			return e.complete(t)
		}
		j.emit(t, evFailed, cc, uint8(attempt), uint8(3+r.intn(e.co.PassScore-3)), qd)
		if !e.fast && !r.chance(0.75) {
			return t
		}
	}
	return t
}

// quizBreak is the time before a quiz attempt: seconds for a box-ticking
// learner, minutes for most, else the next session.
func (e *enrolment) quizBreak(t time.Time) time.Time {
	r := &e.j.r
	switch {
	case e.fast:
		return t.Add(time.Duration(5+r.intn(30)) * time.Second)
	case r.chance(0.7):
		return t.Add(time.Duration(60+r.intn(540)) * time.Second)
	default:
		return e.j.nextSession(t, 2)
	}
}

// complete records the course completed after a pass at t, and the
// certificate earned: mostly seconds later, sometimes issued days later.
func (e *enrolment) complete(t time.Time) time.Time {
	j, r := e.j, &e.j.r
	cc := uint8(e.c)
	t = t.Add(time.Duration(1000+r.intn(2000)) * time.Millisecond)
	j.emit(t, evCourseCompleted, cc, 0, 0, e.spent)
	if r.chance(0.97) {
		t = t.Add(time.Duration(2000+r.intn(8000)) * time.Millisecond)
	} else {
		t = t.Add(time.Duration(1+r.intn(14)) * 24 * time.Hour) // issued later
	}
	j.emit(t, evEarned, cc, 0, 0, 0)
	return t
}

// lessonDuration draws the time spent on a lesson: around its nominal
// length (log-normal, never under 40% of it) for ordinary learners, 5–20%
// of it for box-ticking ones.
func lessonDuration(r *rng, expected time.Duration, fast bool) time.Duration {
	f := math.Exp(math.Log(1.05) + 0.35*r.norm())
	if fast {
		f = r.between(0.05, 0.2)
	} else {
		f = math.Max(0.4, math.Min(3, f))
	}
	return time.Duration(float64(expected) * f).Round(time.Second)
}

// burst is a box-ticking account that clicks through every course in one
// sitting starting at the top of an hour: 20+ completions in that hour.
func (j *journey) burst() {
	r, l := &j.r, j.l
	day := j.pl.tl.startDay(r, l.group == groupStudent)
	t := day.Add(time.Duration(8+r.intn(13))*time.Hour + time.Duration(r.intn(150))*time.Second)
	for c, co := range Catalog {
		if c == j.pl.staffC && l.group != groupStaff {
			continue
		}
		var spent time.Duration
		for li := range co.Lessons {
			j.emit(t, evLaunched, uint8(c), uint8(li), 0, 0)
			d := time.Duration(45+r.intn(55)) * time.Second
			t = t.Add(d)
			spent += d
			j.emit(t, evLessonCompleted, uint8(c), uint8(li), 0, d)
			t = t.Add(time.Duration(3+r.intn(12)) * time.Second)
		}
		qd := time.Duration(20+r.intn(40)) * time.Second
		t = t.Add(qd)
		j.emit(t, evPassed, uint8(c), 0, uint8(co.PassScore+r.intn(co.Questions-co.PassScore+1)), qd)
		t = t.Add(time.Second)
		j.emit(t, evCourseCompleted, uint8(c), 0, 0, spent+qd)
		t = t.Add(2 * time.Second)
		j.emit(t, evEarned, uint8(c), 0, 0, 0)
		t = t.Add(time.Duration(3+r.intn(10)) * time.Second)
	}
}
