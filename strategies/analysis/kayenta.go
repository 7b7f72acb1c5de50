package analysis

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
)

// Constants NetflixACAJudge hard-codes.
const (
	// KayentaConfidence is the level of the shift confidence interval.
	KayentaConfidence = 0.98
	// KayentaTolerance scales the band ±tolerance·|estimate| that the whole
	// interval must leave for a metric to be High or Low.
	KayentaTolerance = 0.25
	// NodataThresholdPercent fails the canary when at least this share of
	// the (unmuted) metrics are Nodata.
	NodataThresholdPercent = 50.0
	// DefaultOutlierFactor is the IQR factor used when outliers are removed.
	DefaultOutlierFactor = 3.0
)

// Classification is the judge's label for one metric.
type Classification int8

const (
	ClassPass       Classification = iota // no significant difference
	ClassHigh                             // canary significantly higher than baseline
	ClassLow                              // canary significantly lower than baseline
	ClassNodata                           // a side has no data; left out of group scores
	ClassNodataFail                       // no data on a mustHaveData metric; counts as a failure
	ClassError                            // the comparison could not be computed
)

var classNames = [...]string{"Pass", "High", "Low", "Nodata", "NodataFailMetric", "Error"}

// String returns Kayenta's label ("NodataFailMetric" for ClassNodataFail).
func (c Classification) String() string {
	if int(c) < len(classNames) && c >= 0 {
		return classNames[c]
	}
	return fmt.Sprintf("Classification(%d)", int8(c))
}

// Direction says which change of a metric counts against the canary.
type Direction int8

const (
	DirectionEither   Direction = iota // High and Low both fail (Kayenta's default)
	DirectionIncrease                  // only High fails; a decrease passes
	DirectionDecrease                  // only Low fails; an increase passes
)

// NaNStrategy says what happens to NaN samples before comparison.
type NaNStrategy int8

const (
	NaNRemove  NaNStrategy = iota // drop them (default)
	NaNReplace                    // replace them by 0, e.g. for error counts
)

// OutlierStrategy says whether outliers are removed before comparison.
type OutlierStrategy int8

const (
	OutliersKeep   OutlierStrategy = iota // default
	OutliersRemove                        // drop values outside the IQR fences
)

// EffectMeasure is the effect size compared against the effectSize bounds.
type EffectMeasure int8

const (
	// MeanRatio is canary mean / baseline mean; NaN if either mean is 0.
	MeanRatio EffectMeasure = iota
	// CLES is the share of (canary, baseline) pairs where the canary is
	// higher, ties counting one half. It is 0.5 for identical distributions.
	CLES
)

// EffectSize holds Kayenta's effectSize bounds. A zero bound takes the
// measure's neutral default (1.0 for MeanRatio, 0.5 for CLES), as an absent
// key does in Kayenta.
type EffectSize struct {
	Measure EffectMeasure
	// AllowedIncrease is the least effect size for High; AllowedDecrease the
	// greatest for Low. Between them a significant change still passes.
	AllowedIncrease, AllowedDecrease float64
	// CriticalIncrease and CriticalDecrease play the same roles for the
	// critical failure of a Critical metric.
	CriticalIncrease, CriticalDecrease float64
}

func (e EffectSize) withDefaults() EffectSize {
	def := 1.0
	if e.Measure == CLES {
		def = 0.5
	}
	for _, p := range []*float64{&e.AllowedIncrease, &e.AllowedDecrease, &e.CriticalIncrease, &e.CriticalDecrease} {
		if *p == 0 {
			*p = def
		}
	}
	return e
}

// MetricConfig is the canary-analysis configuration of one metric (Kayenta's
// analysisConfigurations.canary plus the metric's name and groups). The zero
// value of every option is Kayenta's default.
type MetricConfig struct {
	Name string
	// Groups lists the groups the metric scores in. A metric in no group
	// affects only the critical and Nodata rules, as in Kayenta.
	Groups      []string
	Direction   Direction
	NaNStrategy NaNStrategy
	Outliers    OutlierStrategy
	// OutlierFactor is the IQR factor; 0 means DefaultOutlierFactor.
	OutlierFactor float64
	// Critical metrics fail the whole canary (score 0) when High or Low
	// beyond the critical bounds, or when they have no data.
	Critical bool
	// MustHaveData turns Nodata into NodataFailMetric (for non-critical
	// metrics; a critical metric without data already fails the canary).
	MustHaveData bool
	// Muted metrics are classified and reported but not scored.
	Muted      bool
	EffectSize EffectSize
}

// Validate reports configuration Kayenta would reject or misread.
func (m MetricConfig) Validate() error {
	if m.Name == "" {
		return errors.New("metric name is empty")
	}
	if m.Direction < DirectionEither || m.Direction > DirectionDecrease {
		return fmt.Errorf("metric %q: direction %d not one of either, increase, decrease", m.Name, m.Direction)
	}
	if m.NaNStrategy < NaNRemove || m.NaNStrategy > NaNReplace {
		return fmt.Errorf("metric %q: nanStrategy %d not one of remove, replace", m.Name, m.NaNStrategy)
	}
	if m.Outliers < OutliersKeep || m.Outliers > OutliersRemove {
		return fmt.Errorf("metric %q: outliers.strategy %d not one of keep, remove", m.Name, m.Outliers)
	}
	if m.OutlierFactor < 0 || math.IsNaN(m.OutlierFactor) || math.IsInf(m.OutlierFactor, 0) {
		return fmt.Errorf("metric %q: outliers.outlierFactor %v must be > 0 (0 for the default %v)", m.Name, m.OutlierFactor, DefaultOutlierFactor)
	}
	e := m.EffectSize
	if e.Measure < MeanRatio || e.Measure > CLES {
		return fmt.Errorf("metric %q: effectSize.measure %d not one of meanRatio, cles", m.Name, e.Measure)
	}
	for _, b := range []struct {
		name string
		v    float64
	}{
		{"allowedIncrease", e.AllowedIncrease}, {"allowedDecrease", e.AllowedDecrease},
		{"criticalIncrease", e.CriticalIncrease}, {"criticalDecrease", e.CriticalDecrease},
	} {
		if b.v < 0 || math.IsNaN(b.v) || math.IsInf(b.v, 0) {
			return fmt.Errorf("metric %q: effectSize.%s %v must be finite and >= 0", m.Name, b.name, b.v)
		}
	}
	return nil
}

// Summary describes one side of a metric after NaN handling and outlier
// removal. Min, Max, Mean and Median are NaN when Count is 0.
type Summary struct {
	Count                  int
	Min, Max, Mean, Median float64
}

// MetricResult is the judge's verdict on one metric.
type MetricResult struct {
	Name           string
	Groups         []string // shared with the MetricConfig
	Classification Classification
	Reason         string
	// Critical marks a critical failure, which sets the canary score to 0.
	Critical bool
	Muted    bool
	// Deviation is canary mean / baseline mean (Kayenta's "ratio"); NaN if
	// either mean is 0. It is 1 when the test was skipped for identical or
	// missing data.
	Deviation float64
	// EffectSize is the configured measure; NaN when not computed.
	EffectSize float64
	// Shift is canary − baseline with its KayentaConfidence interval; zero
	// when the test did not run.
	Shift                ShiftEstimate
	Baseline, Experiment Summary
}

// Scores are the thresholds on the 0–100 canary score.
type Scores struct{ Pass, Marginal float64 }

// Validate reports thresholds outside [0, 100] or Marginal above Pass.
func (s Scores) Validate() error {
	ok := func(v float64) bool { return v >= 0 && v <= 100 }
	if !ok(s.Pass) || !ok(s.Marginal) || s.Marginal > s.Pass {
		return fmt.Errorf("scoreThresholds pass %v, marginal %v: need 0 <= marginal <= pass <= 100", s.Pass, s.Marginal)
	}
	return nil
}

// Verdict classifies the canary score. The zero value is VerdictFail.
type Verdict int8

const (
	VerdictFail     Verdict = iota // score < Marginal
	VerdictMarginal                // Marginal <= score < Pass
	VerdictPass                    // score >= Pass
)

func (v Verdict) String() string {
	switch v {
	case VerdictFail:
		return "Fail"
	case VerdictMarginal:
		return "Marginal"
	case VerdictPass:
		return "Pass"
	}
	return fmt.Sprintf("Verdict(%d)", int8(v))
}

// Classify compares the score with the thresholds; both are inclusive.
func (s Scores) Classify(score float64) Verdict {
	switch {
	case score >= s.Pass:
		return VerdictPass
	case score >= s.Marginal:
		return VerdictMarginal
	}
	return VerdictFail
}

// GroupScore is the share of passing metrics in one group, in percent.
type GroupScore struct {
	Name  string
	Score float64
	// NoData is set when no metric of the group had a scorable label; the
	// group then counts as 100 in the summary score.
	NoData bool
}

// Judgement is the outcome of one canary analysis.
type Judgement struct {
	// Score is the summary score in [0, 100], rounded to two decimals.
	Score   float64
	Verdict Verdict
	// Reason explains a forced failure (critical metric, too many Nodata).
	Reason  string
	Groups  []GroupScore // sorted by name
	Metrics []MetricResult
}

// CanaryConfig configures a Judge.
type CanaryConfig struct {
	Metrics []MetricConfig
	// GroupWeights are in percent. Groups without a weight share what is
	// left of 100 equally; weights summing to 100 or more leave them nothing
	// (or less), as in Kayenta.
	GroupWeights map[string]float64
	Scores       Scores
}

// Validate checks every metric, the weights and the thresholds.
func (c CanaryConfig) Validate() error {
	seen := make(map[string]bool, len(c.Metrics))
	for i, m := range c.Metrics {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("metrics[%d]: %w", i, err)
		}
		if seen[m.Name] {
			return fmt.Errorf("metrics[%d]: duplicate name %q", i, m.Name)
		}
		seen[m.Name] = true
	}
	for _, g := range slices.Sorted(maps.Keys(c.GroupWeights)) {
		if w := c.GroupWeights[g]; w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("groupWeights[%q] = %v: must be finite and >= 0", g, w)
		}
	}
	return c.Scores.Validate()
}

// Samples are the measurements of one metric: baseline (Kayenta's "control")
// and canary ("experiment").
type Samples struct{ Baseline, Canary []float64 }

// A Judge is a NetflixACAJudge: it classifies every metric by a Mann-Whitney
// comparison and scores the canary. It reuses scratch buffers between calls
// and is not safe for concurrent use.
type Judge struct {
	cfg CanaryConfig
	r   Ranker
}

// NewJudge validates cfg and returns a Judge for it. The Judge keeps its own
// copy of the metrics and weights.
func NewJudge(cfg CanaryConfig) (*Judge, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("analysis: canary config: %w", err)
	}
	cfg.Metrics = slices.Clone(cfg.Metrics)
	cfg.GroupWeights = maps.Clone(cfg.GroupWeights)
	return &Judge{cfg: cfg}, nil
}

// Judge classifies samples[i] under the config's Metrics[i] and scores the
// canary.
func (j *Judge) Judge(samples []Samples) (Judgement, error) {
	if len(samples) != len(j.cfg.Metrics) {
		return Judgement{}, fmt.Errorf("analysis: %d sample sets for %d metrics", len(samples), len(j.cfg.Metrics))
	}
	results := make([]MetricResult, len(samples))
	for i, s := range samples {
		results[i] = j.r.classify(j.cfg.Metrics[i], s.Baseline, s.Canary)
	}
	return ScoreResults(results, j.cfg.GroupWeights, j.cfg.Scores), nil
}

// ClassifyMetric classifies one metric. cfg must be valid.
func ClassifyMetric(cfg MetricConfig, baseline, canary []float64) MetricResult {
	var r Ranker
	return r.classify(cfg, baseline, canary)
}

// classify follows MannWhitneyClassifier.classify; see the package doc.
func (r *Ranker) classify(cfg MetricConfig, baseline, canary []float64) MetricResult {
	res := MetricResult{Name: cfg.Name, Groups: cfg.Groups, Muted: cfg.Muted, Deviation: 1, EffectSize: math.NaN()}
	r.xs = transform(r.xs[:0], canary, cfg)
	r.ys = transform(r.ys[:0], baseline, cfg)
	xs, ys := r.xs, r.ys
	res.Experiment, res.Baseline = summarize(xs), summarize(ys)

	switch {
	case len(xs) == 0 || len(ys) == 0:
		res.Reason = "Missing data for " + cfg.Name
		switch {
		case cfg.NaNStrategy == NaNReplace:
			res.Classification, res.Reason = ClassPass, ""
		case cfg.MustHaveData && !cfg.Critical:
			res.Classification = ClassNodataFail
		default:
			res.Classification, res.Critical = ClassNodata, cfg.Critical
		}
		return res
	case slices.Equal(xs, ys):
		res.Reason = "The Canary and Baseline data are identical"
		return res
	case xs[0] == xs[len(xs)-1] && ys[0] == ys[len(ys)-1] && xs[0] == ys[0]:
		return res // a single distinct value on both sides
	}

	shift, err := shiftIntervalSorted(xs, ys, KayentaConfidence)
	if err != nil {
		res.Classification, res.Reason = ClassError, "Metric Classification Failed: "+err.Error()
		return res
	}
	res.Shift = shift
	res.Deviation = meanRatio(res.Baseline.Mean, res.Experiment.Mean)
	es := cfg.EffectSize.withDefaults()
	res.EffectSize = res.Deviation
	if es.Measure == CLES {
		res.EffectSize = rankStats(xs, ys, 0).u / (float64(len(xs)) * float64(len(ys)))
	}

	// The effect-size bounds are secondary gates, skipped when the effect
	// size is undefined (a zero mean).
	bound := KayentaTolerance * math.Abs(shift.Estimate)
	nan := math.IsNaN(res.EffectSize)
	switch {
	case cfg.Direction != DirectionDecrease && shift.Lower > bound && (nan || res.EffectSize >= es.AllowedIncrease):
		res.Classification = ClassHigh
		res.Critical = cfg.Critical && (nan || res.EffectSize >= es.CriticalIncrease)
	case cfg.Direction != DirectionIncrease && shift.Upper < -bound && (nan || res.EffectSize <= es.AllowedDecrease):
		res.Classification = ClassLow
		res.Critical = cfg.Critical && (nan || res.EffectSize <= es.CriticalDecrease)
	default:
		return res
	}
	res.Reason = fmt.Sprintf("%s was classified as %s", cfg.Name, res.Classification)
	if res.Critical {
		res.Reason = fmt.Sprintf("The metric %s was classified as %s (Critical)", cfg.Name, res.Classification)
	}
	return res
}

func meanRatio(baseline, canary float64) float64 {
	if baseline == 0 || canary == 0 {
		return math.NaN()
	}
	return canary / baseline
}

// ScoreResults turns metric results into group scores, the summary score and
// the verdict, as Kayenta's WeightedSumScorer and ThresholdScoreClassifier
// do. Muted results are reported but not scored.
func ScoreResults(results []MetricResult, groupWeights map[string]float64, scores Scores) Judgement {
	j := Judgement{Metrics: results}
	type tally struct{ pass, scored int }
	tallies := map[string]*tally{}
	live, nodata := 0, 0
	for _, m := range results {
		if m.Muted {
			continue
		}
		live++
		if m.Classification == ClassNodata {
			nodata++
		}
		for _, g := range m.Groups {
			t := tallies[g]
			if t == nil {
				t = &tally{}
				tallies[g] = t
			}
			switch m.Classification {
			case ClassPass:
				t.pass++
				t.scored++
			case ClassHigh, ClassLow, ClassNodataFail:
				t.scored++
			}
		}
	}
	for _, g := range slices.Sorted(maps.Keys(tallies)) {
		t := tallies[g]
		gs := GroupScore{Name: g, NoData: t.scored == 0}
		if !gs.NoData {
			gs.Score = float64(t.pass) / float64(t.scored) * 100
		}
		j.Groups = append(j.Groups, gs)
	}

	if i := slices.IndexFunc(results, func(m MetricResult) bool {
		return !m.Muted && m.Critical && m.Classification != ClassPass
	}); i >= 0 {
		j.Reason = "Canary Failed: " + results[i].Reason
	} else if live > 0 && float64(nodata)/float64(live)*100 >= NodataThresholdPercent {
		j.Reason = fmt.Sprintf("Canary Failed: %v%% or more metrics returned NODATA", NodataThresholdPercent)
	} else {
		j.Score = summaryScore(j.Groups, groupWeights)
	}
	j.Verdict = scores.Classify(j.Score)
	return j
}

// summaryScore weights the group scores; groups sorted by name.
func summaryScore(groups []GroupScore, weights map[string]float64) float64 {
	sum, unweighted := 0.0, 0
	for _, g := range slices.Sorted(maps.Keys(weights)) {
		sum += weights[g]
	}
	for _, g := range groups {
		if _, ok := weights[g.Name]; !ok {
			unweighted++
		}
	}
	share := 0.0
	if unweighted > 0 {
		share = (100 - sum) / float64(unweighted)
	}
	score := 0.0
	for _, g := range groups {
		w, ok := weights[g.Name]
		if !ok {
			w = share
		}
		eff := g.Score
		if g.NoData {
			eff = 100
		}
		score += eff * w / 100
	}
	return math.Round(score*100) / 100
}
