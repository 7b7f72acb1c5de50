package observe_test

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/models/observe"
)

func ExampleHistogram() {
	var h observe.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	fmt.Println(h.Count(), h.Mean(), h.Quantile(0), h.Quantile(1))
	p99 := h.Quantile(0.99)
	fmt.Println(p99 > 960*time.Millisecond && p99 < 1020*time.Millisecond) // within 3 % of 990 ms
	// Output:
	// 1000 500.5ms 1ms 1s
	// true
}

func ExamplePeriod_Value() {
	var p observe.Period
	p.Add(observe.CauseOK, 20*time.Millisecond)
	p.Add(observe.CauseOK, 20*time.Millisecond)
	p.Add(observe.CauseOK, 20*time.Millisecond)
	p.Add(observe.CauseConnectionReset, 5*time.Millisecond)

	stat, _ := observe.ParseStatistic("Average")
	metric, _ := observe.ParseMetric("error_rate")
	if err := metric.CheckStatistic(stat); err != nil {
		panic(err)
	}
	v, ok := p.Value(stat, metric)
	fmt.Println(v, ok)
	// Output: 0.25 true
}

func ExampleAlarmEvaluator() {
	// Alarm when 2 of the last 3 one-minute error rates exceed 5 %.
	e, err := observe.NewAlarmEvaluator(observe.Alarm{
		Threshold:         0.05,
		Comparison:        observe.GreaterThanThreshold,
		EvaluationPeriods: 3,
		DatapointsToAlarm: 2,
		TreatMissingData:  observe.TreatNotBreaching,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(e.State())
	for _, v := range []float64{0.01, 0.09, 0.02, 0.12, 0.08, 0.0, 0.0} {
		fmt.Print(e.Observe(v, true), " ")
	}
	fmt.Println()
	// Output:
	// INSUFFICIENT_DATA
	// OK OK OK ALARM ALARM ALARM OK
}

func ExampleParseStatistic() {
	_, err := observe.ParseStatistic("p99.999")
	fmt.Println(err)
	// Output: observe: invalid statistic "p99.999": allowed Sum, Average, Minimum, Maximum, SampleCount, or a percentile p0–p100 with at most two decimals (e.g. p50, p90, p99, p99.9)
}
