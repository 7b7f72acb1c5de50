package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AWS Systems Manager rate controls (Run Command and Automation
// MaxConcurrency and MaxErrors) and maintenance windows (schedule,
// duration, cutoff).

// RateValue is a MaxConcurrency or MaxErrors value: a count ("10") or a
// percentage of the targets ("10%").
type RateValue struct {
	N         int
	Percent   float64
	IsPercent bool
}

func (v RateValue) String() string {
	if v.IsPercent {
		return strconv.FormatFloat(v.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(v.N)
}

// ParseRateValue reads a count or a whole percentage. field names the
// source field in errors; least is the smallest allowed count (1 for
// MaxConcurrency, 0 for MaxErrors).
//
//	rate = digits | digits "%"
func ParseRateValue(field, s string, least int) (RateValue, error) {
	t := strings.TrimSpace(s)
	allowed := fmt.Sprintf("a count of %d or more (\"10\") or a whole percentage %d%%–100%% (\"10%%\")", least, least)
	if num, ok := strings.CutSuffix(t, "%"); ok {
		n, err := strconv.Atoi(num)
		if err != nil || n < least || n > 100 || strings.HasPrefix(num, "+") {
			return RateValue{}, fieldErr(field, fmt.Sprintf("%q", s), allowed)
		}
		return RateValue{Percent: float64(n), IsPercent: true}, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < least || strings.HasPrefix(t, "+") {
		return RateValue{}, fieldErr(field, fmt.Sprintf("%q", s), allowed)
	}
	return RateValue{N: n}, nil
}

// DefaultMaxConcurrency and DefaultMaxErrors are SendCommand's defaults:
// 50 targets at a time, no error tolerated.
var (
	DefaultMaxConcurrency = RateValue{N: 50}
	DefaultMaxErrors      = RateValue{N: 0}
)

// SSMMaxConcurrency resolves MaxConcurrency for a number of targets.
//
// Choice: a percentage is rounded down, but never below one target (the
// documentation gives no rounding rule; rounding down keeps the limit).
func SSMMaxConcurrency(v RateValue, targets int) int {
	if v.IsPercent {
		return max(1, floorPercentOf(targets, v.Percent))
	}
	return max(1, v.N)
}

// SSMMaxErrors resolves MaxErrors: the errors tolerated. The command stops
// going to new targets once errors exceed it ("If you specify 3, the
// system stops sending the command when the fourth error is received";
// "10 % of 50 targets: the sixth error").
//
// Choice: a percentage is rounded down (the documented example is exact).
func SSMMaxErrors(v RateValue, targets int) int {
	if v.IsPercent {
		return floorPercentOf(targets, v.Percent)
	}
	return v.N
}

// SSMStops reports whether a command with this many errors stops sending
// to new targets: errors exceed the tolerance.
func SSMStops(errors, maxErrors int) bool { return errors > maxErrors }

// SSMWindow is how many invocations may run at once after completed have
// finished: "The queueing system delivers the command to a single
// instance and waits until the initial invocation completes before
// sending the command to two more instances. The system exponentially
// sends commands to more instances until the value of max-concurrency is
// met."
//
// Choice: the window doubles each time as many invocations have finished
// as the window held (1, then 2, 4, 8, …): the largest power of two not
// above completed+1, capped at maxConcurrency.
func SSMWindow(maxConcurrency, completed int) int {
	w := 1
	for w*2 <= completed+1 && w < maxConcurrency {
		w *= 2
	}
	return min(w, max(1, maxConcurrency))
}

// CutoffBehavior is a maintenance window task's CutoffBehavior.
type CutoffBehavior string

const (
	// ContinueTask (the default): a task still running at the cutoff runs
	// on.
	ContinueTask CutoffBehavior = "CONTINUE_TASK"
	// CancelTask: at the cutoff no new invocations start (Run Command
	// sends CancelCommand); invocations already running finish.
	CancelTask CutoffBehavior = "CANCEL_TASK"
)

// Schedule is a maintenance window's schedule on the simulated clock, whose
// zero is midnight (UTC) of day 0.
type Schedule struct {
	// Expr is the expression as written.
	Expr string
	// Every and Offset: the window opens at Offset + k × Every, k ≥ 0.
	Every, Offset time.Duration
}

// ParseSchedule reads a maintenance window schedule. Accepted:
//
//	cron(M H * * ? *)     daily at H:M (day-of-month and day-of-week "*" or "?",
//	                       month and the optional year "*")
//	cron(M * * * ? *)     hourly at minute M
//	rate(N minutes|hours|days)  every N units from the start of day 0
//
// Choice: weekly, monthly and dated expressions and at(...) are refused
// with this list: a simulated run lasts hours, and the clock has no
// calendar.
func ParseSchedule(s string) (Schedule, error) {
	t := strings.TrimSpace(s)
	allowed := `cron(M H * * ? *) (daily), cron(M * * * ? *) (hourly) or rate(N minutes|hours|days)`
	bad := func() (Schedule, error) { return Schedule{}, fieldErr("Schedule", fmt.Sprintf("%q", s), allowed) }
	if body, ok := strings.CutPrefix(t, "rate("); ok {
		body, ok = strings.CutSuffix(body, ")")
		f := strings.Fields(body)
		if !ok || len(f) != 2 {
			return bad()
		}
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 {
			return bad()
		}
		unit := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour,
			"hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[f[1]]
		if unit == 0 {
			return bad()
		}
		return Schedule{Expr: t, Every: time.Duration(n) * unit}, nil
	}
	body, ok := strings.CutPrefix(t, "cron(")
	if !ok {
		return bad()
	}
	body, ok = strings.CutSuffix(body, ")")
	f := strings.Fields(body)
	if !ok || (len(f) != 6 && len(f) != 5) {
		return bad()
	}
	m, err := strconv.Atoi(f[0])
	if err != nil || m < 0 || m > 59 {
		return bad()
	}
	wild := func(x string) bool { return x == "*" || x == "?" }
	if !wild(f[2]) || f[3] != "*" || !wild(f[4]) || (len(f) == 6 && f[5] != "*") {
		return bad()
	}
	if f[1] == "*" {
		return Schedule{Expr: t, Every: time.Hour, Offset: time.Duration(m) * time.Minute}, nil
	}
	h, err := strconv.Atoi(f[1])
	if err != nil || h < 0 || h > 23 {
		return bad()
	}
	return Schedule{Expr: t, Every: 24 * time.Hour, Offset: time.Duration(h)*time.Hour + time.Duration(m)*time.Minute}, nil
}

// MaintenanceWindow is a maintenance window: its schedule, its duration
// (1–24 hours) and its cutoff (0–23 hours, less than the duration): no
// task starts in the last Cutoff of the window.
type MaintenanceWindow struct {
	Schedule Schedule
	Duration time.Duration
	Cutoff   time.Duration
}

// Validate checks the documented ranges: whole hours.
func (w MaintenanceWindow) Validate() error {
	switch {
	case w.Duration < time.Hour || w.Duration > 24*time.Hour || w.Duration%time.Hour != 0:
		return fieldErr("Duration", w.Duration, "whole hours from 1 to 24")
	case w.Cutoff < 0 || w.Cutoff > 23*time.Hour || w.Cutoff%time.Hour != 0 || w.Cutoff >= w.Duration:
		return fieldErr("Cutoff", w.Cutoff, "whole hours from 0 to 23, less than the duration")
	case w.Schedule.Every <= 0:
		return fieldErr("Schedule", fmt.Sprintf("%q", w.Schedule.Expr), "a cron or rate expression")
	}
	return nil
}

// WindowRun is one run of a maintenance window, in simulated time.
type WindowRun struct {
	Start, Cutoff, End time.Duration
}

// NextRun returns the run of w in which a task can start at or after now:
// the run now falls in, if now is before its cutoff, else the next one.
//
// Choice: a run that began before now (the deployment starts inside a
// window) still starts its tasks at once, as a window does for a task
// registered during it.
func (w MaintenanceWindow) NextRun(now time.Duration) WindowRun {
	s := w.Schedule
	k := time.Duration(0)
	if now > s.Offset {
		k = (now - s.Offset) / s.Every
	}
	for {
		start := s.Offset + k*s.Every
		r := WindowRun{Start: start, Cutoff: start + w.Duration - w.Cutoff, End: start + w.Duration}
		if now < r.Cutoff {
			return r
		}
		k++
	}
}
