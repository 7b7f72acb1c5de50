package observe

import (
	"math"
	"strconv"
	"strings"
)

// Statistic is a CloudWatch statistic: one of the named statistics or a
// percentile ("extended statistic") with up to two decimals. The zero value
// is not a valid statistic. Statistics are small comparable values.
type Statistic uint32

// The named statistics, spelt as CloudWatch spells them.
const (
	StatSum Statistic = iota + 1
	StatAverage
	StatMinimum
	StatMaximum
	StatSampleCount
)

// A percentile is statPercentile plus the percentile in hundredths
// (p99.9 is statPercentile + 9990), so that equal percentiles compare equal
// however they were written.
const statPercentile Statistic = 1 << 16

var statNames = [...]string{
	StatSum:         "Sum",
	StatAverage:     "Average",
	StatMinimum:     "Minimum",
	StatMaximum:     "Maximum",
	StatSampleCount: "SampleCount",
}

const statAllowed = "Sum, Average, Minimum, Maximum, SampleCount, or a percentile p0–p100 with at most two decimals (e.g. p50, p90, p99, p99.9)"

// Percentile returns the statistic pP for 0 ≤ p ≤ 100 with at most two
// decimals (CloudWatch's limit for extended statistics).
func Percentile(p float64) (Statistic, error) {
	h := math.Round(p * 100)
	if !(p >= 0 && p <= 100) || math.Abs(h-p*100) > 1e-6 {
		return 0, fieldErr("percentile", p, "0 to 100 with at most two decimals")
	}
	return statPercentile + Statistic(h), nil
}

// ParseStatistic parses a statistic name. The named statistics are matched
// without regard to case; a percentile is
//
//	percentile = ("p" | "P") integer [ "." digit [ digit ] ]   ; 0 ≤ value ≤ 100
//
// as in CloudWatch's extended statistics ("p99", "p99.9").
func ParseStatistic(s string) (Statistic, error) {
	for st := StatSum; st <= StatSampleCount; st++ {
		if strings.EqualFold(s, statNames[st]) {
			return st, nil
		}
	}
	if len(s) > 1 && (s[0] == 'p' || s[0] == 'P') {
		if h, ok := parseHundredths(s[1:]); ok && h <= 10000 {
			return statPercentile + Statistic(h), nil
		}
	}
	return 0, fieldErr("statistic", strconv.Quote(s), statAllowed)
}

// parseHundredths parses "99", "99.9" or "99.99" into hundredths without
// going through floating point, so that parsing is exact.
func parseHundredths(t string) (uint32, bool) {
	whole, frac, dotted := strings.Cut(t, ".")
	if len(whole) == 0 || len(whole) > 3 || (dotted && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	var h uint32
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, false
		}
		h = h*10 + uint32(c-'0')
	}
	for range 2 - len(frac) {
		h *= 10
	}
	return h, true
}

// IsPercentile reports whether s is a percentile.
func (s Statistic) IsPercentile() bool {
	return s >= statPercentile && s <= statPercentile+10000
}

// Percentile returns the percentile of a percentile statistic (99.9 for
// p99.9), or 0 for the named statistics.
func (s Statistic) Percentile() float64 {
	if !s.IsPercentile() {
		return 0
	}
	return float64(s-statPercentile) / 100
}

// quantile returns the percentile as a fraction in [0, 1].
func (s Statistic) quantile() float64 {
	return float64(s-statPercentile) / 10000
}

// String returns CloudWatch's spelling: "Average", "p99", "p99.9".
func (s Statistic) String() string {
	switch {
	case s >= StatSum && s <= StatSampleCount:
		return statNames[s]
	case s.IsPercentile():
		h := uint32(s - statPercentile)
		out := "p" + strconv.FormatUint(uint64(h/100), 10)
		if f := h % 100; f != 0 {
			frac := strings.TrimRight(strconv.FormatUint(uint64(100+f), 10)[1:], "0")
			out += "." + frac
		}
		return out
	default:
		return "Statistic(" + strconv.FormatUint(uint64(s), 10) + ")"
	}
}
