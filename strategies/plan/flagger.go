package plan

import (
	"fmt"
	"time"
)

// FlaggerAnalysis is the part of a Flagger Canary's spec.analysis that
// shapes the schedule. Weights are whole percentages, as in Flagger.
type FlaggerAnalysis struct {
	// Interval is interval: the schedule tick. Default 60s; Flagger raises
	// anything below 10s to 10s.
	Interval time.Duration
	// Threshold is threshold: failed checks before rollback. Default 1 in
	// Flagger's code when unset.
	Threshold int
	// MaxWeightPercent is maxWeight: the canary weight after which Flagger
	// promotes. Default 100 (50 is only the value in Flagger's examples).
	// Ignored when StepWeightsPercent is set: the last entry is the maximum.
	MaxWeightPercent float64
	// StepWeightPercent is stepWeight: the increment per tick.
	StepWeightPercent float64
	// StepWeightsPercent is stepWeights: an explicit list of canary weights.
	// Used only when StepWeightPercent is 0.
	StepWeightsPercent []float64
	// StepWeightPromotionPercent is stepWeightPromotion: when set, after
	// promotion the canary's weight goes down (and the primary's, now
	// running the new version, up) by this much per tick instead of at once.
	StepWeightPromotionPercent float64
	// Iterations is iterations: when set, Flagger runs that many analysis
	// ticks without progressive weights — A/B testing when the analysis has
	// HTTP match conditions (matching requests go to the canary), blue/green
	// otherwise — then promotes. maxWeight and stepWeight are ignored.
	Iterations int
}

// FlaggerMode says which of Flagger's strategies an analysis selects.
type FlaggerMode string

const (
	// FlaggerProgressive: canary release with progressive traffic weights.
	FlaggerProgressive FlaggerMode = "progressive"
	// FlaggerIterations: A/B testing or blue/green, a fixed number of
	// analysis iterations.
	FlaggerIterations FlaggerMode = "iterations"
)

// FlaggerPlan is the timetable of a Flagger analysis that never fails a
// check. Times are measured from the first tick that routes traffic to the
// canary.
type FlaggerPlan struct {
	Mode FlaggerMode
	// Steps are the canary weights of a progressive analysis; empty in
	// iterations mode.
	Steps []Step
	// PromotionAt is the tick at which the analysis has passed and Flagger
	// starts promoting (copies the canary spec to the primary).
	PromotionAt time.Duration
	// PromotionSteps, when stepWeightPromotion is set, are the canary
	// weights during the promotion traffic shift, one tick apart starting one
	// tick after PromotionAt; the primary then already runs the new version,
	// so the new version keeps 100 % of the traffic throughout. Without
	// stepWeightPromotion the canary goes to 0 in one step one tick after
	// PromotionAt. Waiting for the primary's own rolling update is not
	// included.
	PromotionSteps []Step
	// MinDuration is Flagger's documented minimum analysis time:
	// interval × (maxWeight / stepWeight) for progressive analysis — here the
	// number of weight steps × interval, which is the same when maxWeight is
	// a multiple of stepWeight — and interval × iterations otherwise.
	MinDuration time.Duration
	// RollbackAfter is Flagger's documented time to roll back when every
	// check fails: interval × threshold.
	RollbackAfter time.Duration
}

// FlaggerSchedule plans an analysis.
//
// Progressive with stepWeight: each tick, while the canary weight is below
// maxWeight, it grows by stepWeight (capped at 100 only), so with a
// maxWeight that stepWeight does not divide the last step overshoots it:
// stepWeight 20, maxWeight 50 gives 20, 40, 60. With stepWeights the
// weights are the list itself. The tick after the last weight, the
// analysis is complete and promotion starts.
//
// Documented example: interval 1m, maxWeight 50, stepWeight 2 runs for 25
// minutes before promotion.
func FlaggerSchedule(a FlaggerAnalysis) (FlaggerPlan, error) {
	a, err := a.withDefaults()
	if err != nil {
		return FlaggerPlan{}, err
	}
	p := FlaggerPlan{RollbackAfter: time.Duration(a.Threshold) * a.Interval}
	if a.Iterations > 0 {
		p.Mode = FlaggerIterations
		p.MinDuration = time.Duration(a.Iterations) * a.Interval
		p.PromotionAt = p.MinDuration
		return p, nil
	}
	p.Mode = FlaggerProgressive
	weights := a.StepWeightsPercent
	if a.StepWeightPercent > 0 {
		weights = nil
		for w := a.StepWeightPercent; ; w += a.StepWeightPercent {
			weights = append(weights, min(100, w))
			if w >= a.MaxWeightPercent || w >= 100 {
				break
			}
		}
	}
	for i, w := range weights {
		p.Steps = append(p.Steps, Step{At: time.Duration(i) * a.Interval, NewPercent: w})
	}
	p.MinDuration = time.Duration(len(weights)) * a.Interval
	p.PromotionAt = p.MinDuration
	if a.StepWeightPromotionPercent > 0 {
		at := p.PromotionAt
		for w := weights[len(weights)-1]; w > 0; {
			w = max(0, w-a.StepWeightPromotionPercent)
			at += a.Interval
			p.PromotionSteps = append(p.PromotionSteps, Step{At: at, NewPercent: w})
		}
	}
	return p, nil
}

// withDefaults validates a and fills Flagger's defaults.
//
// Choice: Flagger accepts an analysis that sets neither stepWeight,
// stepWeights nor iterations and then never advances; we reject it. We also
// require stepWeights to increase strictly, which Flagger assumes.
func (a FlaggerAnalysis) withDefaults() (FlaggerAnalysis, error) {
	switch {
	case a.Interval == 0:
		a.Interval = time.Minute
	case a.Interval < 0:
		return a, fieldErr("interval", a.Interval, "a positive duration (default 60s, minimum 10s)")
	case a.Interval < 10*time.Second:
		a.Interval = 10 * time.Second
	}
	if a.Threshold < 0 {
		return a, fieldErr("threshold", a.Threshold, "0 (default 1) or more failed checks")
	}
	if a.Threshold == 0 {
		a.Threshold = 1
	}
	if a.Iterations < 0 {
		return a, fieldErr("iterations", a.Iterations, "0 or more")
	}
	checks := []struct {
		field string
		v     float64
	}{
		{"maxWeight", a.MaxWeightPercent},
		{"stepWeight", a.StepWeightPercent},
		{"stepWeightPromotion", a.StepWeightPromotionPercent},
	}
	for _, c := range checks {
		if !isWhole(c.v) || !inRange(c.v, 0, 100) {
			return a, fieldErr(c.field, c.v, "a whole percentage from 0 to 100")
		}
	}
	prev := 0.0
	for i, w := range a.StepWeightsPercent {
		if !isWhole(w) || !inRange(w, 1, 100) || w <= prev {
			return a, fieldErr(fmt.Sprintf("stepWeights[%d]", i), w, "whole percentages from 1 to 100, strictly increasing")
		}
		prev = w
	}
	if a.MaxWeightPercent == 0 {
		a.MaxWeightPercent = 100
	}
	if a.Iterations == 0 && a.StepWeightPercent == 0 && len(a.StepWeightsPercent) == 0 {
		return a, fieldErr("stepWeight", a.StepWeightPercent, "1 to 100, or set stepWeights or iterations")
	}
	return a, nil
}
