package analysis_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/analysis"
)

func ExampleMannWhitneyU() {
	males := []float64{19, 22, 16, 29, 24}
	females := []float64{20, 11, 17, 12}
	res, err := analysis.MannWhitneyU(males, females, analysis.TwoSided)
	if err != nil {
		panic(err)
	}
	fmt.Printf("U=%v z=%.4f p=%.4f\n", res.U, res.Z, res.P)
	// Output: U=17 z=1.5922 p=0.1113
}

func ExampleJudge() {
	judge, err := analysis.NewJudge(analysis.CanaryConfig{
		Metrics: []analysis.MetricConfig{
			{Name: "latency_p99_ms", Groups: []string{"latency"}, Direction: analysis.DirectionIncrease},
			{Name: "error_rate", Groups: []string{"errors"}, Direction: analysis.DirectionIncrease, Critical: true},
		},
		Scores: analysis.Scores{Pass: 95, Marginal: 75},
	})
	if err != nil {
		panic(err)
	}
	baseline := []float64{101, 98, 103, 99, 100, 102, 97, 104, 100, 99, 101, 98}
	slower := []float64{131, 128, 133, 129, 130, 132, 127, 134, 130, 129, 131, 128}
	errs := []float64{0.01, 0.02, 0.01, 0.015, 0.01, 0.02, 0.012, 0.018, 0.01, 0.015, 0.011, 0.019}
	j, err := judge.Judge([]analysis.Samples{
		{Baseline: baseline, Canary: slower},
		{Baseline: errs, Canary: errs},
	})
	if err != nil {
		panic(err)
	}
	for _, m := range j.Metrics {
		fmt.Printf("%s: %v\n", m.Name, m.Classification)
	}
	fmt.Printf("score %v: %v\n", j.Score, j.Verdict)
	// Output:
	// latency_p99_ms: High
	// error_rate: Pass
	// score 50: Fail
}

func ExampleEvaluator() {
	e, err := analysis.NewEvaluator(analysis.Metric{
		Name:             "success-rate",
		Interval:         time.Minute,
		Count:            5,
		SuccessCondition: "result[0] >= 0.95",
		FailureLimit:     1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.Observe(0.99).Metric)
	fmt.Println(e.Observe(0.90).Metric) // first failure: within failureLimit
	fmt.Println(e.ObserveError(errors.New("prometheus timeout")).Metric)
	fmt.Println(e.Observe(0.80).Metric) // second failure
	// Output:
	// Running
	// Running
	// Running
	// Failed
}

func ExampleFlaggerChecker() {
	c, err := analysis.NewFlaggerChecker(analysis.FlaggerAnalysis{
		Interval:  time.Minute,
		Threshold: 2,
		Metrics: []analysis.FlaggerMetric{
			{Name: analysis.RequestSuccessRate, ThresholdRange: analysis.ThresholdRange{Min: new(99.0)}},
			{Name: analysis.RequestDuration, ThresholdRange: analysis.ThresholdRange{Max: new(500.0)}},
		},
	})
	if err != nil {
		panic(err)
	}
	for _, r := range [][]analysis.Reading{
		{{Value: 99.8}, {Value: 310}},
		{{Value: 99.9}, {Value: 740}},
		{{Value: 97.0}, {Value: 300}},
	} {
		res, _ := c.Check(r)
		fmt.Println(res.Passed, res.Reason, "rollback:", c.RollbackDue())
	}
	// Output:
	// true  rollback: false
	// false request-duration 740ms > 500ms rollback: false
	// false request-success-rate 97% < 99% rollback: true
}
