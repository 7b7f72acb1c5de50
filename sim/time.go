package sim

import (
	"math"
	"time"
)

// Time is a point in virtual time: nanoseconds since the start of a run.
// It converts to and from time.Duration without loss.
type Time int64

// Never is later than any time a run reaches; Sim.RunUntil(Never) runs until
// the pending set is empty.
const Never Time = math.MaxInt64

// At returns the virtual time d after the start of the run.
func At(d time.Duration) Time { return Time(d) }

// Add returns t+d.
func (t Time) Add(d time.Duration) Time { return t + Time(d) }

// Sub returns the duration t-u.
func (t Time) Sub(u Time) time.Duration { return time.Duration(t - u) }

// Duration returns t as the duration since the start of the run.
func (t Time) Duration() time.Duration { return time.Duration(t) }

// Seconds returns t in seconds since the start of the run.
func (t Time) Seconds() float64 { return time.Duration(t).Seconds() }

// String formats t like a time.Duration ("1m30s").
func (t Time) String() string {
	if t == Never {
		return "never"
	}
	return time.Duration(t).String()
}
