package plan

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Step is one point of a traffic-shifting schedule: from At onwards, measured
// from the start of the traffic shift, NewPercent percent of the traffic goes
// to the new version. A schedule is a slice of Steps in increasing At order;
// the last Step of a schedule that completes has NewPercent 100.
type Step struct {
	At         time.Duration
	NewPercent float64
}

// String renders a step as "+5m0s 10%" for test failures and reports.
func (s Step) String() string {
	return fmt.Sprintf("+%v %g%%", s.At, s.NewPercent)
}

// FieldError reports one invalid configuration value. Field is the name the
// user wrote (the source tool's spelling, e.g. "BatchSize" or
// "maxUnavailable"), Value the rejected value, and Allowed a short
// description of what would have been accepted.
type FieldError struct {
	Field   string
	Value   any
	Allowed string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("plan: invalid %s %v: allowed %s", e.Field, e.Value, e.Allowed)
}

// fieldErr builds a *FieldError; it exists so validation code stays one line
// per rule.
func fieldErr(field string, value any, allowed string) error {
	return &FieldError{Field: field, Value: value, Allowed: allowed}
}

// ErrNoProgress is returned (wrapped) when a configuration is valid field by
// field but, for the given fleet size, allows neither stopping nor starting
// anything, so a deployment could never make progress.
var ErrNoProgress = errors.New("plan: configuration allows no progress")

// roundingSlack absorbs floating-point noise before a percentage of a count
// is rounded, so that 10 × 70 / 100 is 7 and not 7.000000000000001 (which
// would wrongly round up to 8). Counts in a simulation are far below the
// 1e9 scale at which this slack could change a genuine fraction.
const roundingSlack = 1e-9

// ceilPercentOf returns ⌈n × percent / 100⌉.
func ceilPercentOf(n int, percent float64) int {
	return int(math.Ceil(float64(n)*percent/100 - roundingSlack))
}

// floorPercentOf returns ⌊n × percent / 100⌋.
func floorPercentOf(n int, percent float64) int {
	return int(math.Floor(float64(n)*percent/100 + roundingSlack))
}

// isWhole reports whether x has no fractional part.
func isWhole(x float64) bool {
	return !math.IsInf(x, 0) && x == math.Trunc(x)
}

// inRange reports whether lo ≤ x ≤ hi; NaN is never in range.
func inRange(x, lo, hi float64) bool {
	return x >= lo && x <= hi
}

// wholeMinutes reports whether d is a whole number of minutes, as the AWS
// APIs that take "...InMinutes" or "...Interval" integers require.
func wholeMinutes(d time.Duration) bool {
	return d%time.Minute == 0
}
