package observe

import (
	"math"
	"strconv"
	"strings"
)

// AlarmState is a CloudWatch alarm state. The numeric values match
// strategies.AlarmState (InsufficientData, AlarmOK, InAlarm), so converting
// between the two is a plain conversion.
type AlarmState uint8

// The alarm states. A new alarm starts in StateInsufficientData.
const (
	StateInsufficientData AlarmState = iota
	StateOK
	StateAlarm
)

// String returns CloudWatch's spelling: "INSUFFICIENT_DATA", "OK", "ALARM".
func (s AlarmState) String() string {
	switch s {
	case StateInsufficientData:
		return "INSUFFICIENT_DATA"
	case StateOK:
		return "OK"
	case StateAlarm:
		return "ALARM"
	}
	return "AlarmState(" + strconv.Itoa(int(s)) + ")"
}

// Comparison is an alarm's ComparisonOperator. The zero value is unset and
// fails validation: CloudWatch has no default either.
type Comparison uint8

// The comparisons, named as in CloudWatch: a datapoint breaches when
// "datapoint <operator> threshold" holds.
const (
	GreaterThanThreshold Comparison = iota + 1
	GreaterThanOrEqualToThreshold
	LessThanThreshold
	LessThanOrEqualToThreshold
)

var comparisonNames = [...]string{
	GreaterThanThreshold:          "GreaterThanThreshold",
	GreaterThanOrEqualToThreshold: "GreaterThanOrEqualToThreshold",
	LessThanThreshold:             "LessThanThreshold",
	LessThanOrEqualToThreshold:    "LessThanOrEqualToThreshold",
}

var comparisonSymbols = [...]string{
	GreaterThanThreshold:          ">",
	GreaterThanOrEqualToThreshold: ">=",
	LessThanThreshold:             "<",
	LessThanOrEqualToThreshold:    "<=",
}

// String returns CloudWatch's name of the comparison.
func (c Comparison) String() string {
	if c >= GreaterThanThreshold && c <= LessThanOrEqualToThreshold {
		return comparisonNames[c]
	}
	return "Comparison(" + strconv.Itoa(int(c)) + ")"
}

// ParseComparison parses a CloudWatch ComparisonOperator name
// ("GreaterThanThreshold", …) or its symbol (">", ">=", "<", "<=").
func ParseComparison(s string) (Comparison, error) {
	for c := GreaterThanThreshold; c <= LessThanOrEqualToThreshold; c++ {
		if s == comparisonNames[c] || s == comparisonSymbols[c] {
			return c, nil
		}
	}
	return 0, fieldErr("ComparisonOperator", strconv.Quote(s),
		strings.Join(comparisonNames[1:], ", ")+" (or >, >=, <, <=)")
}

// TreatMissingData says how an alarm treats periods without a datapoint. The
// zero value is TreatMissing, CloudWatch's default.
type TreatMissingData uint8

// The missing-data treatments (see AlarmEvaluator for their exact effect).
const (
	TreatMissing      TreatMissingData = iota // missing: not considered; all missing → INSUFFICIENT_DATA
	TreatNotBreaching                         // notBreaching: missing counts as within the threshold
	TreatBreaching                            // breaching: missing counts as breaching
	TreatIgnore                               // ignore: keep the current state when data is short
)

var treatNames = [...]string{"missing", "notBreaching", "breaching", "ignore"}

// String returns CloudWatch's spelling: "missing", "notBreaching",
// "breaching", "ignore".
func (t TreatMissingData) String() string {
	if int(t) < len(treatNames) {
		return treatNames[t]
	}
	return "TreatMissingData(" + strconv.Itoa(int(t)) + ")"
}

// ParseTreatMissingData parses CloudWatch's TreatMissingData values; the
// empty string means the default, missing.
func ParseTreatMissingData(s string) (TreatMissingData, error) {
	if s == "" {
		return TreatMissing, nil
	}
	for t, name := range treatNames {
		if s == name {
			return TreatMissingData(t), nil
		}
	}
	return 0, fieldErr("TreatMissingData", strconv.Quote(s), strings.Join(treatNames[:], ", "))
}

// Alarm is the evaluation part of a CloudWatch metric alarm: what the metric
// datapoints are compared with, and how many of them must breach.
type Alarm struct {
	Threshold  float64
	Comparison Comparison
	// EvaluationPeriods (N) is how many of the most recent datapoints are
	// evaluated.
	EvaluationPeriods int
	// DatapointsToAlarm (M) is how many of the N must breach for ALARM;
	// 0 means N.
	DatapointsToAlarm int
	// TreatMissingData defaults (zero value) to missing.
	TreatMissingData TreatMissingData
	// EvaluationRange is how many recent periods are searched for real
	// datapoints when some of the last N are missing. CloudWatch picks it
	// from the period length and resolution without publishing the rule;
	// its documented examples use 5 for N = 3. 0 means N + 2.
	EvaluationRange int
}

// Validate checks the configuration and returns a *FieldError for the first
// invalid field.
func (a Alarm) Validate() error {
	n, m, r := a.EvaluationPeriods, a.datapointsToAlarm(), a.evaluationRange()
	switch {
	case math.IsNaN(a.Threshold) || math.IsInf(a.Threshold, 0):
		return fieldErr("Threshold", a.Threshold, "a finite number")
	case a.Comparison < GreaterThanThreshold || a.Comparison > LessThanOrEqualToThreshold:
		return fieldErr("ComparisonOperator", a.Comparison, strings.Join(comparisonNames[1:], ", "))
	case n < 1:
		return fieldErr("EvaluationPeriods", n, "1 or more")
	case m < 1 || m > n:
		return fieldErr("DatapointsToAlarm", a.DatapointsToAlarm, "1 to EvaluationPeriods ("+strconv.Itoa(n)+"), or 0 for EvaluationPeriods")
	case int(a.TreatMissingData) >= len(treatNames):
		return fieldErr("TreatMissingData", a.TreatMissingData, strings.Join(treatNames[:], ", "))
	case r < n:
		return fieldErr("EvaluationRange", a.EvaluationRange, "EvaluationPeriods ("+strconv.Itoa(n)+") or more, or 0 for EvaluationPeriods + 2")
	}
	return nil
}

func (a Alarm) datapointsToAlarm() int {
	if a.DatapointsToAlarm == 0 {
		return a.EvaluationPeriods
	}
	return a.DatapointsToAlarm
}

func (a Alarm) evaluationRange() int {
	if a.EvaluationRange == 0 {
		return a.EvaluationPeriods + 2
	}
	return a.EvaluationRange
}

// Breaches reports whether datapoint v is on the alarming side of the
// threshold.
func (a Alarm) Breaches(v float64) bool {
	switch a.Comparison {
	case GreaterThanThreshold:
		return v > a.Threshold
	case GreaterThanOrEqualToThreshold:
		return v >= a.Threshold
	case LessThanThreshold:
		return v < a.Threshold
	case LessThanOrEqualToThreshold:
		return v <= a.Threshold
	}
	bug("Breaches with unvalidated comparison %d", a.Comparison)
	return false
}

// datapoint is one period's class.
type datapoint uint8

const (
	dpMissing datapoint = iota
	dpOK
	dpBreaching
)

// AlarmEvaluator evaluates one Alarm over a stream of per-period datapoints,
// as CloudWatch does once per period. It is deterministic and allocates only
// in NewAlarmEvaluator.
//
// After each datapoint it looks at the last EvaluationRange periods (R; the
// periods before the first Observe count as missing) and sets the state:
//
//  1. At least N real datapoints in the range: the N most recent real ones are
//     evaluated (older real ones stand in for missing recent ones) and the
//     missing-data treatment plays no part: ALARM if at least M breach,
//     otherwise OK.
//  2. No real datapoint in the range: missing → INSUFFICIENT_DATA,
//     ignore → unchanged, breaching → ALARM, notBreaching → OK.
//  3. Some but fewer than N real datapoints: all of them are evaluated and
//     the shortfall is filled according to the treatment.
//     breaching: ALARM if real breaching + shortfall ≥ M, else OK.
//     notBreaching: ALARM if real breaching ≥ M, else OK.
//     missing and ignore: ALARM if real breaching ≥ M; else OK if any real
//     datapoint is within the threshold; else (every real datapoint breaches,
//     but fewer than M) this is CloudWatch's "premature alarm" case: with
//     missing, ALARM if the oldest breaching datapoint is at least M periods
//     old, otherwise INSUFFICIENT_DATA; with ignore, the state is unchanged.
//
// This reproduces every example row of the CloudWatch user guide ("How alarm
// state is evaluated when data is missing" and "Avoiding premature
// transitions to alarm state"); where the guide is silent, the rule above is
// the simplest one consistent with those rows.
type AlarmEvaluator struct {
	alarm Alarm
	n, m  int
	ring  []datapoint // the last R datapoints; next is the slot to write
	next  int
	state AlarmState
}

// NewAlarmEvaluator validates a and returns an evaluator in state
// INSUFFICIENT_DATA, as a newly created CloudWatch alarm is.
func NewAlarmEvaluator(a Alarm) (*AlarmEvaluator, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &AlarmEvaluator{
		alarm: a,
		n:     a.EvaluationPeriods,
		m:     a.datapointsToAlarm(),
		ring:  make([]datapoint, a.evaluationRange()),
	}, nil
}

// State returns the current state.
func (e *AlarmEvaluator) State() AlarmState { return e.state }

// Alarm returns the evaluated configuration.
func (e *AlarmEvaluator) Alarm() Alarm { return e.alarm }

// Observe takes the datapoint of the period that just ended — value, or
// present = false when the metric had no datapoint — and returns the new
// state. A NaN value counts as missing.
func (e *AlarmEvaluator) Observe(value float64, present bool) AlarmState {
	dp := dpMissing
	if present && !math.IsNaN(value) {
		dp = dpOK
		if e.alarm.Breaches(value) {
			dp = dpBreaching
		}
	}
	e.ring[e.next] = dp
	e.next = (e.next + 1) % len(e.ring)
	e.state = e.evaluate()
	return e.state
}

// evaluate applies the rules in the AlarmEvaluator comment to the ring.
func (e *AlarmEvaluator) evaluate() AlarmState {
	var real, realBreaching, recentBreaching, oldestBreachingAge int
	for age := 1; age <= len(e.ring); age++ {
		i := e.next - age
		if i < 0 {
			i += len(e.ring)
		}
		dp := e.ring[i]
		if dp == dpMissing {
			continue
		}
		real++
		if dp == dpBreaching {
			realBreaching++
			oldestBreachingAge = age
			if real <= e.n {
				recentBreaching++
			}
		}
	}
	switch {
	case real >= e.n:
		return e.verdict(recentBreaching)
	case real == 0:
		switch e.alarm.TreatMissingData {
		case TreatMissing:
			return StateInsufficientData
		case TreatIgnore:
			return e.state
		case TreatBreaching:
			return StateAlarm
		default:
			return StateOK
		}
	}
	switch e.alarm.TreatMissingData {
	case TreatBreaching:
		return e.verdict(realBreaching + e.n - real)
	case TreatNotBreaching:
		return e.verdict(realBreaching)
	}
	switch {
	case realBreaching >= e.m:
		return StateAlarm
	case realBreaching < real:
		return StateOK
	case e.alarm.TreatMissingData == TreatIgnore:
		return e.state
	case oldestBreachingAge >= e.m:
		return StateAlarm
	default:
		return StateInsufficientData
	}
}

// verdict is the M-out-of-N rule for a full set of N datapoints.
func (e *AlarmEvaluator) verdict(breaching int) AlarmState {
	if breaching >= e.m {
		return StateAlarm
	}
	return StateOK
}
