package analysis

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// seq returns from, from+step, … (n values).
func seq(from, step float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = from + step*float64(i)
	}
	return v
}

func TestClassifyMetric(t *testing.T) {
	nan := math.NaN()
	base := seq(1, 1, 20)       // mean 10.5
	higher := seq(11, 1, 20)    // shift +10, mean 20.5
	lower := seq(-4, 0.5, 20)   // mean 0.75, clearly below
	bigBase := seq(1000, 1, 20) // mean 1009.5
	bigHigh := seq(1010, 1, 20) // shift +10, mean ratio 1.0099
	tests := []struct {
		name      string
		cfg       MetricConfig
		base, can []float64
		want      Classification
		critical  bool
		reason    string // substring
	}{
		{"higher, either", MetricConfig{Name: "m"}, base, higher, ClassHigh, false, "m was classified as High"},
		{"higher, increase", MetricConfig{Name: "m", Direction: DirectionIncrease}, base, higher, ClassHigh, false, ""},
		{"higher, decrease only", MetricConfig{Name: "m", Direction: DirectionDecrease}, base, higher, ClassPass, false, ""},
		{"lower, either", MetricConfig{Name: "m"}, base, lower, ClassLow, false, "Low"},
		{"lower, increase only", MetricConfig{Name: "m", Direction: DirectionIncrease}, base, lower, ClassPass, false, ""},
		{"same distribution", MetricConfig{Name: "m"}, seq(1, 2, 20), seq(2, 2, 20), ClassPass, false, ""},
		{"significant but within allowedIncrease", MetricConfig{Name: "m", EffectSize: EffectSize{AllowedIncrease: 1.05}}, bigBase, bigHigh, ClassPass, false, ""},
		{"significant beyond default allowedIncrease", MetricConfig{Name: "m"}, bigBase, bigHigh, ClassHigh, false, ""},
		{"CLES gate passes", MetricConfig{Name: "m", EffectSize: EffectSize{Measure: CLES, AllowedIncrease: 0.9}}, base, higher, ClassPass, false, ""},
		{"CLES gate fails", MetricConfig{Name: "m", EffectSize: EffectSize{Measure: CLES, AllowedIncrease: 0.85}}, base, higher, ClassHigh, false, ""},
		{"critical high", MetricConfig{Name: "m", Critical: true}, base, higher, ClassHigh, true, "m was classified as High (Critical)"},
		{"critical high below criticalIncrease", MetricConfig{Name: "m", Critical: true, EffectSize: EffectSize{CriticalIncrease: 2}}, base, higher, ClassHigh, false, ""},
		{"critical low", MetricConfig{Name: "m", Critical: true}, base, lower, ClassLow, true, "(Critical)"},
		{"zero baseline mean skips gates", MetricConfig{Name: "m", Critical: true, EffectSize: EffectSize{AllowedIncrease: 50, CriticalIncrease: 50}}, seq(-9.5, 1, 20), seq(20, 1, 20), ClassHigh, true, ""},
		{"no canary data", MetricConfig{Name: "m"}, base, nil, ClassNodata, false, "Missing data for m"},
		{"all NaN baseline", MetricConfig{Name: "m"}, []float64{nan, nan}, higher, ClassNodata, false, ""},
		{"no data, mustHaveData", MetricConfig{Name: "m", MustHaveData: true}, nil, higher, ClassNodataFail, false, ""},
		{"no data, critical", MetricConfig{Name: "m", Critical: true, MustHaveData: true}, nil, higher, ClassNodata, true, ""},
		{"no data, NaN replaced", MetricConfig{Name: "m", NaNStrategy: NaNReplace}, nil, higher, ClassPass, false, ""},
		// Replaced NaNs are zeros: error counts of 0 against positive ones.
		{"NaN replaced by zeros", MetricConfig{Name: "m", NaNStrategy: NaNReplace, Direction: DirectionIncrease}, slices.Repeat([]float64{nan}, 20), seq(3, 1, 20), ClassHigh, false, ""},
		{"identical data", MetricConfig{Name: "m"}, []float64{3, 1, 2}, []float64{2, 3, 1}, ClassPass, false, "identical"},
		{"one value overall", MetricConfig{Name: "m"}, []float64{4, 4}, []float64{4, 4, 4}, ClassPass, false, ""},
		{"two constants", MetricConfig{Name: "m"}, slices.Repeat([]float64{5}, 10), slices.Repeat([]float64{6}, 10), ClassHigh, false, ""},
		{"infinite value", MetricConfig{Name: "m"}, base, append(seq(1, 1, 19), math.Inf(1)), ClassError, false, "Metric Classification Failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			got := ClassifyMetric(tt.cfg, tt.base, tt.can)
			if got.Classification != tt.want || got.Critical != tt.critical || !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("got %v critical=%v reason %q (shift %+v, effect %v); want %v critical=%v reason ~%q",
					got.Classification, got.Critical, got.Reason, got.Shift, got.EffectSize, tt.want, tt.critical, tt.reason)
			}
		})
	}
}

func TestClassifyMetricDetails(t *testing.T) {
	got := ClassifyMetric(MetricConfig{Name: "latency"}, seq(1, 1, 20), seq(11, 1, 20))
	if !near(got.Deviation, 20.5/10.5, 1e-12) || got.EffectSize != got.Deviation {
		t.Errorf("Deviation %v, EffectSize %v, want %v", got.Deviation, got.EffectSize, 20.5/10.5)
	}
	if got.Shift.Estimate != 10 || got.Shift.Confidence != KayentaConfidence || !(got.Shift.Lower > 2.5) {
		t.Errorf("Shift = %+v, want estimate 10 with lower bound above 0.25·10", got.Shift)
	}
	want := Summary{Count: 20, Min: 11, Max: 30, Mean: 20.5, Median: 20.5}
	if got.Experiment != want {
		t.Errorf("Experiment = %+v, want %+v", got.Experiment, want)
	}
	cles := ClassifyMetric(MetricConfig{Name: "m", EffectSize: EffectSize{Measure: CLES}}, seq(1, 1, 20), seq(11, 1, 20))
	// Canary 11..20 each beat c−1 baselines and tie one: Σ(c − ½) = 150;
	// canary 21..30 beat all 20: 200. CLES = 350/400.
	if !near(cles.EffectSize, 350.0/400, 1e-12) {
		t.Errorf("CLES = %v", cles.EffectSize)
	}
}

func TestPercentileCommonsLegacy(t *testing.T) {
	data := seq(1, 1, 10)
	tests := []struct{ p, want float64 }{
		{1, 1},     // position 0.11 < 1: the minimum
		{25, 2.75}, // position 2.75
		{50, 5.5},  // the median
		{75, 8.25}, // position 8.25
		{99, 10},   // position 10.89 >= n: the maximum
	}
	for _, tt := range tests {
		if got := percentile(data, tt.p); !near(got, tt.want, 1e-12) {
			t.Errorf("percentile(1..10, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile([]float64{7}, 25); got != 7 {
		t.Errorf("percentile of one value = %v", got)
	}
}

func TestOutlierRemoval(t *testing.T) {
	// 1..19 and 1000: Q1 = 5.25, Q3 = 15.75 (positions 5.25, 15.75), IQR
	// 10.5, fences [min(1, −26.25), max(1000, 47.25)] = [1, 1000]: the
	// reduced-sensitivity detector keeps everything within P1..P99, and P99
	// of 20 values is the maximum.
	data := append(seq(1, 1, 19), 1000)
	cfg := MetricConfig{Name: "m", Outliers: OutliersRemove}
	if got := transform(nil, data, cfg); len(got) != 20 {
		t.Errorf("20 values: kept %d, want 20", len(got))
	}
	// With 200 values P99 is below the outlier, which is then removed.
	data = append(seq(1, 0.1, 199), 1000)
	got := transform(nil, data, cfg)
	if len(got) != 199 || slices.Contains(got, 1000) {
		t.Errorf("200 values: kept %d, max %v; want 199 without 1000", len(got), got[len(got)-1])
	}
	if got := transform(nil, data, MetricConfig{Name: "m"}); len(got) != 200 {
		t.Errorf("outliers kept by default: got %d values", len(got))
	}
}

func res(name string, c Classification, groups ...string) MetricResult {
	return MetricResult{Name: name, Classification: c, Groups: groups}
}

func TestScoreResults(t *testing.T) {
	critical := res("c", ClassHigh, "g")
	critical.Critical, critical.Reason = true, "The metric c was classified as High (Critical)"
	muted := res("muted", ClassHigh, "g")
	muted.Muted = true
	scores := Scores{Pass: 95, Marginal: 75}
	tests := []struct {
		name    string
		results []MetricResult
		weights map[string]float64
		score   float64
		verdict Verdict
		reason  string
	}{
		{"all pass", []MetricResult{res("a", ClassPass, "g"), res("b", ClassPass, "g")}, nil, 100, VerdictPass, ""},
		{"one of two fails", []MetricResult{res("a", ClassPass, "g"), res("b", ClassHigh, "g")}, nil, 50, VerdictFail, ""},
		{"two of three round", []MetricResult{res("a", ClassPass, "g"), res("b", ClassPass, "g"), res("c", ClassLow, "g")}, nil, 66.67, VerdictFail, ""},
		{"weighted groups", []MetricResult{res("a", ClassPass, "lat"), res("b", ClassHigh, "lat"), res("c", ClassPass, "err")},
			map[string]float64{"lat": 60, "err": 40}, 70, VerdictFail, ""},
		{"unweighted groups share the rest", []MetricResult{res("a", ClassPass, "lat"), res("b", ClassHigh, "lat"), res("c", ClassPass, "err"), res("d", ClassLow, "sat")},
			map[string]float64{"lat": 50}, 50, VerdictFail, ""},
		{"equal shares", []MetricResult{res("a", ClassPass, "x"), res("b", ClassPass, "y"), res("c", ClassHigh, "y"), res("d", ClassHigh, "z")}, nil, 50, VerdictFail, ""},
		{"nodata group counts 100", []MetricResult{res("a", ClassPass, "x"), res("b", ClassNodata, "y"), res("c", ClassPass, "x")}, nil, 100, VerdictPass, ""},
		{"nodata fail counts", []MetricResult{res("a", ClassPass, "g"), res("b", ClassNodataFail, "g"), res("c", ClassPass, "g"), res("d", ClassPass, "g")}, nil, 75, VerdictMarginal, ""},
		{"error is not scored", []MetricResult{res("a", ClassPass, "g"), res("b", ClassError, "g")}, nil, 100, VerdictPass, ""},
		{"metric in two groups", []MetricResult{res("a", ClassHigh, "x", "y"), res("b", ClassPass, "y")}, nil, 25, VerdictFail, ""},
		{"muted not scored", []MetricResult{res("a", ClassPass, "g"), muted}, nil, 100, VerdictPass, ""},
		{"critical failure", []MetricResult{res("a", ClassPass, "g"), critical}, nil, 0, VerdictFail, "Canary Failed: The metric c was classified as High (Critical)"},
		{"half nodata", []MetricResult{res("a", ClassPass, "g"), res("b", ClassNodata, "g")}, nil, 0, VerdictFail, "Canary Failed: 50% or more metrics returned NODATA"},
		{"under half nodata", []MetricResult{res("a", ClassPass, "g"), res("b", ClassNodata, "g"), res("c", ClassPass, "g")}, nil, 100, VerdictPass, ""},
		{"no metrics", nil, nil, 0, VerdictFail, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := ScoreResults(tt.results, tt.weights, scores)
			if j.Score != tt.score || j.Verdict != tt.verdict || j.Reason != tt.reason {
				t.Errorf("got score %v %v %q, want %v %v %q (groups %+v)", j.Score, j.Verdict, j.Reason, tt.score, tt.verdict, tt.reason, j.Groups)
			}
		})
	}
}

func TestScoresClassify(t *testing.T) {
	s := Scores{Pass: 90, Marginal: 75}
	tests := []struct {
		score float64
		want  Verdict
	}{{100, VerdictPass}, {90, VerdictPass}, {89.99, VerdictMarginal}, {75, VerdictMarginal}, {74.99, VerdictFail}, {0, VerdictFail}}
	for _, tt := range tests {
		if got := s.Classify(tt.score); got != tt.want {
			t.Errorf("Classify(%v) = %v, want %v", tt.score, got, tt.want)
		}
	}
}

func TestJudge(t *testing.T) {
	cfg := CanaryConfig{
		Metrics: []MetricConfig{
			{Name: "latency", Groups: []string{"performance"}, Direction: DirectionIncrease},
			{Name: "cpu", Groups: []string{"performance"}},
			{Name: "errors", Groups: []string{"errors"}, NaNStrategy: NaNReplace, Direction: DirectionIncrease},
		},
		GroupWeights: map[string]float64{"errors": 50, "performance": 50},
		Scores:       Scores{Pass: 95, Marginal: 75},
	}
	j, err := NewJudge(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := j.Judge([]Samples{
		{Baseline: seq(100, 1, 30), Canary: seq(150, 1, 30)}, // latency up: High
		{Baseline: seq(40, 1, 30), Canary: seq(40.5, 1, 30)}, // cpu unchanged
		{Baseline: []float64{math.NaN(), 0, 0}, Canary: []float64{0, math.NaN(), 0}},
	})
	if err != nil {
		t.Fatal(err)
	}
	classes := []Classification{got.Metrics[0].Classification, got.Metrics[1].Classification, got.Metrics[2].Classification}
	if !slices.Equal(classes, []Classification{ClassHigh, ClassPass, ClassPass}) {
		t.Errorf("classifications %v", classes)
	}
	wantGroups := []GroupScore{{Name: "errors", Score: 100}, {Name: "performance", Score: 50}}
	if got.Score != 75 || got.Verdict != VerdictMarginal || !slices.Equal(got.Groups, wantGroups) {
		t.Errorf("got score %v %v groups %+v", got.Score, got.Verdict, got.Groups)
	}
	if _, err := j.Judge(nil); err == nil {
		t.Error("Judge with missing samples: want an error")
	}
}

func TestCanaryConfigValidate(t *testing.T) {
	ok := Scores{Pass: 90, Marginal: 75}
	tests := []struct {
		name string
		cfg  CanaryConfig
		want string
	}{
		{"empty metric name", CanaryConfig{Metrics: []MetricConfig{{}}, Scores: ok}, "metric name is empty"},
		{"duplicate", CanaryConfig{Metrics: []MetricConfig{{Name: "a"}, {Name: "a"}}, Scores: ok}, `duplicate name "a"`},
		{"bad direction", CanaryConfig{Metrics: []MetricConfig{{Name: "a", Direction: 7}}, Scores: ok}, "direction"},
		{"negative outlier factor", CanaryConfig{Metrics: []MetricConfig{{Name: "a", OutlierFactor: -1}}, Scores: ok}, "outlierFactor"},
		{"NaN effect bound", CanaryConfig{Metrics: []MetricConfig{{Name: "a", EffectSize: EffectSize{AllowedDecrease: math.NaN()}}}, Scores: ok}, "allowedDecrease"},
		{"negative weight", CanaryConfig{GroupWeights: map[string]float64{"g": -5}, Scores: ok}, `groupWeights["g"]`},
		{"marginal above pass", CanaryConfig{Scores: Scores{Pass: 50, Marginal: 75}}, "marginal <= pass"},
		{"pass above 100", CanaryConfig{Scores: Scores{Pass: 101, Marginal: 75}}, "marginal <= pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJudge(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// The same inputs give the same judgement, byte for byte, however often the
// judge is reused.
func TestJudgeDeterministic(t *testing.T) {
	cfg := CanaryConfig{
		Metrics: []MetricConfig{
			{Name: "a", Groups: []string{"z", "y", "x"}},
			{Name: "b", Groups: []string{"x"}, Outliers: OutliersRemove},
		},
		GroupWeights: map[string]float64{"y": 10, "x": 20},
		Scores:       Scores{Pass: 90, Marginal: 50},
	}
	samples := []Samples{
		{Baseline: seq(1, 0.3, 40), Canary: seq(2, 0.31, 40)},
		{Baseline: append(seq(5, 0.01, 300), 90), Canary: seq(5.2, 0.01, 300)},
	}
	j, err := NewJudge(cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := j.Judge(samples)
	for range 3 {
		again, _ := j.Judge(samples)
		if a, b := first.Score, again.Score; a != b || !slices.Equal(first.Groups, again.Groups) ||
			first.Metrics[0].Shift != again.Metrics[0].Shift || first.Metrics[1].Shift != again.Metrics[1].Shift {
			t.Fatalf("judgements differ: %+v vs %+v", first, again)
		}
	}
}
