package simulate

import (
	"math"
	"time"
)

// timeline gives the campaign's daily participation: a base that grows
// after the provincial launch, peaks on campaign days and drives, a dip
// over Tết and for students in the summer holidays, quieter weekends.
type timeline struct {
	from   time.Time // local midnight of the first day
	days   int
	cumAll []float64 // cumulative day weights (non-students)
	cumStu []float64 // for students
}

// Campaign dates (local). The launch and commune launches come from the
// seed documents (the provincial launch on 28 July 2025 to 96 commune
// sites; communes such as Tịnh Khê launched in September); 10 October is
// the national digital transformation day; the 2026 directions call a
// peak drive in the first quarter.
var (
	dayLaunch       = date(2025, 7, 28)
	dayCommunes     = date(2025, 9, 20)
	dayDigital2025  = date(2025, 10, 10)
	dayDigital2026  = date(2026, 10, 10)
	dayTet2026      = date(2026, 2, 17)
	dayPeakQ1       = date(2026, 3, 15)
	dayDriveQ2      = date(2026, 5, 20)
	dayDriveQ3      = date(2026, 8, 20)
	dayDriveQ4_2025 = date(2025, 11, 25)
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Local) }

func newTimeline(from, to time.Time) *timeline {
	from = time.Date(from.In(Local).Year(), from.In(Local).Month(), from.In(Local).Day(), 0, 0, 0, 0, Local)
	days := int(math.Ceil(to.Sub(from).Hours() / 24))
	tl := &timeline{from: from, days: days}
	all := make([]float64, days)
	stu := make([]float64, days)
	for i := range days {
		d := from.AddDate(0, 0, i)
		w := dayWeight(d)
		all[i] = w
		s := w
		if m := d.Month(); m == time.June || m == time.July {
			s *= 0.55 // summer holidays
		}
		stu[i] = s
	}
	tl.cumAll, tl.cumStu = cumulative(all), cumulative(stu)
	return tl
}

// dayWeight is the relative number of learners starting on day d.
func dayWeight(d time.Time) float64 {
	days := func(a time.Time) float64 { return d.Sub(a).Hours() / 24 }
	// Base: a trickle after the plan (May 2025), growing to a plateau
	// after the launch, slowly rising with the 2026 push.
	var base float64
	switch t := days(dayLaunch); {
	case t < 0:
		base = 0.15 + 0.25*math.Max(0, 1+t/70)
	default:
		base = 1.0 + 0.25*math.Min(t/365, 1.2)
	}
	// Pushes: a spike that decays over days, or a broad bump.
	spike := func(at time.Time, height, tau float64) float64 {
		t := days(at)
		if t < 0 {
			return height * math.Exp(t*3) // a little before (announcements)
		}
		return height * math.Exp(-t/tau)
	}
	bump := func(at time.Time, height, sigma float64) float64 {
		t := days(at)
		return height * math.Exp(-t*t/(2*sigma*sigma))
	}
	w := base +
		spike(dayLaunch, 10, 6) +
		bump(dayCommunes, 0.9, 12) +
		spike(dayDigital2025, 8, 5) +
		bump(dayDriveQ4_2025, 0.5, 12) +
		bump(dayPeakQ1, 1.2, 14) +
		bump(dayDriveQ2, 0.6, 10) +
		bump(dayDriveQ3, 0.5, 10) +
		spike(dayDigital2026, 8, 5)
	if t := days(dayTet2026); t > -4 && t < 8 {
		w *= 0.3 // Tết
	}
	switch d.Weekday() {
	case time.Saturday:
		w *= 0.85
	case time.Sunday:
		w *= 0.75
	}
	return w
}

// startDay draws a start day (local midnight) for a learner.
func (tl *timeline) startDay(r *rng, student bool) time.Time {
	cum := tl.cumAll
	if student {
		cum = tl.cumStu
	}
	return tl.from.AddDate(0, 0, r.pick(cum))
}

// Hour-of-day weights (local time) per target group.
var hourWeights = func() [5][]float64 {
	staff := []float64{0, 0, 0, 0, 0, 0.1, 0.3, 0.8, 2.5, 3, 2.6, 1.8, 0.6, 0.8, 2.4, 2.6, 2.2, 1.2, 0.6, 1, 1.2, 0.9, 0.4, 0.1}
	student := []float64{0, 0, 0, 0, 0, 0, 0.2, 0.4, 0.6, 0.7, 0.7, 0.5, 0.4, 0.8, 1.6, 1.9, 1.8, 1.2, 0.8, 1.9, 2.4, 2.2, 1.2, 0.3}
	worker := []float64{0, 0, 0, 0, 0, 0.1, 0.4, 0.5, 0.4, 0.3, 0.3, 0.6, 1, 0.6, 0.3, 0.3, 0.4, 0.8, 1.2, 2, 2.6, 2.6, 1.5, 0.5}
	citizen := []float64{0, 0, 0, 0, 0.1, 0.5, 1.2, 1.6, 1.4, 1.1, 1, 0.8, 0.6, 0.7, 0.9, 1, 1, 1, 1.1, 1.8, 2.2, 1.9, 1, 0.3}
	elderly := []float64{0, 0, 0, 0, 0.3, 1.2, 2, 2.2, 1.8, 1.5, 1.2, 0.8, 0.4, 0.5, 0.8, 1, 1, 0.9, 0.8, 1, 1, 0.6, 0.2, 0}
	return [5][]float64{cumulative(staff), cumulative(student), cumulative(worker), cumulative(citizen), cumulative(elderly)}
}()

// timeOfDay draws a local time of day for a session.
func timeOfDay(r *rng, group int, elderly bool) time.Duration {
	cum := hourWeights[group]
	if elderly {
		cum = hourWeights[4]
	}
	h := r.pick(cum)
	return time.Duration(h)*time.Hour + time.Duration(r.intn(3600))*time.Second + time.Duration(r.intn(1000))*time.Millisecond
}
