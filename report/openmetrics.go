package report

import (
	"io"
	"math"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios"
)

// TimelineEpoch is the wall-clock time the simulated timeline is placed at
// when exported with timestamps: simulated second s becomes
// TimelineEpoch + s. A fixed epoch keeps the export deterministic.
var TimelineEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// OpenMetricsOptions choose what the export holds.
type OpenMetricsOptions struct {
	// Timeline adds every strategy's first replication as timestamped
	// series, for backfilling with
	// `promtool tsdb create-blocks-from openmetrics`.
	Timeline bool
}

// OpenMetrics writes the summary of reps as OpenMetrics text through
// client_golang's registry and encoder:
//
//	deploysim_metric{scenario,strategy,metric,stat}  each metric's mean, stddev, p50, p95, ci95_low, ci95_high
//	deploysim_outcome_ratio{scenario,strategy,outcome}
//	deploysim_threshold_ok{scenario,strategy,expr}   1 when the expect: held
//	deploysim_runs{scenario,strategy}
//	deploysim_complete{scenario}                     0 when interrupted: partial results
//
// With o.Timeline, the per-bucket series of each strategy's first
// replication follow with timestamps (deploysim_timeline_*). The reports
// of a sweep's grid points (Report.Point set) carry a point label
// ("world.instances=40 versions.v2.error_rate=5%") on every series.
func OpenMetrics(w io.Writer, reps []*scenarios.Report, o OpenMetricsOptions) error {
	reg := prometheus.NewPedanticRegistry()
	experiment := []string{"scenario"}
	sweep := slices.ContainsFunc(reps, func(r *scenarios.Report) bool { return r.Point != "" })
	if sweep {
		experiment = []string{"scenario", "point"}
	}
	base := append(slices.Clone(experiment), "strategy")
	labels := func(more ...string) []string { return append(slices.Clone(base), more...) }
	metric := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "deploysim_metric", Help: "Summary statistic of a metric over the Monte Carlo replications.",
	}, labels("metric", "stat"))
	outcome := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "deploysim_outcome_ratio", Help: "Share of replications ending in each outcome.",
	}, labels("outcome"))
	threshold := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "deploysim_threshold_ok", Help: "1 when the expect: threshold held, else 0.",
	}, labels("expr"))
	runs := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "deploysim_runs", Help: "Replications that finished.",
	}, labels())
	complete := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "deploysim_complete", Help: "1 when every replication finished, 0 for the partial results of an interrupted run.",
	}, experiment)
	reg.MustRegister(metric, outcome, threshold, runs, complete)
	for _, r := range reps {
		exp := []string{r.Scenario}
		if sweep {
			exp = append(exp, r.Point)
		}
		complete.WithLabelValues(exp...).Set(map[bool]float64{false: 0, true: 1}[r.Complete])
		for _, s := range r.Results {
			id := func(more ...string) []string {
				if sweep {
					return append([]string{r.Scenario, r.Point, s.Label}, more...)
				}
				return append([]string{r.Scenario, s.Label}, more...)
			}
			runs.WithLabelValues(id()...).Set(float64(s.Runs))
			for _, name := range models.MetricNames {
				st, ok := s.Metrics[name]
				if !ok {
					continue
				}
				for _, kv := range []struct {
					stat string
					v    float64
				}{{"mean", st.Mean}, {"stddev", st.StdDev}, {"p50", st.P50}, {"p95", st.P95}, {"ci95_low", st.CILow}, {"ci95_high", st.CIHigh}} {
					if !math.IsNaN(kv.v) {
						metric.WithLabelValues(id(name, kv.stat)...).Set(kv.v)
					}
				}
			}
			for _, oc := range []string{"succeeded", "rolled_back", "failed", "rollback_failed"} {
				outcome.WithLabelValues(id(oc)...).Set(s.Outcomes[oc])
			}
			for _, c := range s.Expect {
				v := 0.0
				if c.OK {
					v = 1
				}
				threshold.WithLabelValues(id(c.Expr)...).Set(v)
			}
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		return err
	}
	if o.Timeline {
		mfs = append(mfs, timelineFamilies(reps, sweep)...)
	}
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToOpenMetrics(w, mf); err != nil {
			return err
		}
	}
	_, err = expfmt.FinalizeOpenMetrics(w)
	return err
}

// timelineFamilies builds timestamped families from each strategy's
// sample run. They are built as data, not through a registry, because a
// registry rightly refuses two samples of one series, and a timeline is
// exactly that: one series with a sample per bucket.
func timelineFamilies(reps []*scenarios.Report, sweep bool) []*dto.MetricFamily {
	type fam struct {
		name, help string
		value      func(p *models.Point, v int) float64
		perVersion bool
	}
	fams := []fam{
		{"deploysim_timeline_requests", "Requests that ended in the bucket, by version.", func(p *models.Point, v int) float64 { return float64(p.PerVersion[v].Requests) }, true},
		{"deploysim_timeline_failed", "Failed requests in the bucket, by version.", func(p *models.Point, v int) float64 { return float64(p.PerVersion[v].Failed) }, true},
		{"deploysim_timeline_share", "Share of the bucket's requests served by the version.", func(p *models.Point, v int) float64 { return p.PerVersion[v].Share }, true},
		{"deploysim_timeline_healthy", "Healthy serving capacity (instances), by version.", func(p *models.Point, v int) float64 { return float64(p.PerVersion[v].Healthy) }, true},
		{"deploysim_timeline_instances", "Live instances, by version.", func(p *models.Point, v int) float64 {
			vp := &p.PerVersion[v]
			return float64(vp.Pending + vp.InService + vp.Terminating)
		}, true},
		{"deploysim_timeline_success_ratio", "Success ratio of the bucket.", func(p *models.Point, _ int) float64 { return p.SuccessRatio }, false},
		{"deploysim_timeline_p99_seconds", "p99 latency of the bucket.", func(p *models.Point, _ int) float64 { return p.P99.Seconds() }, false},
	}
	var out []*dto.MetricFamily
	for _, f := range fams {
		mf := &dto.MetricFamily{Name: proto.String(f.name), Help: proto.String(f.help), Type: dto.MetricType_GAUGE.Enum()}
		for _, r := range reps {
			for _, s := range r.Results {
				if s.Sample == nil {
					continue
				}
				tl := &s.Sample.Timeline
				versions := []int{0}
				if f.perVersion {
					versions = versions[:0]
					for v := range tl.Versions {
						versions = append(versions, v)
					}
				}
				for _, v := range versions {
					labels := []*dto.LabelPair{{Name: proto.String("scenario"), Value: proto.String(r.Scenario)}}
					if sweep {
						labels = append(labels, &dto.LabelPair{Name: proto.String("point"), Value: proto.String(r.Point)})
					}
					labels = append(labels, &dto.LabelPair{Name: proto.String("strategy"), Value: proto.String(s.Label)})
					if f.perVersion {
						labels = append(labels, &dto.LabelPair{Name: proto.String("version"), Value: proto.String(tl.Versions[v])})
					}
					for i := range tl.Points {
						p := &tl.Points[i]
						ts := TimelineEpoch.Add(p.At + tl.Bucket).UnixMilli()
						mf.Metric = append(mf.Metric, &dto.Metric{
							Label:       labels,
							Gauge:       &dto.Gauge{Value: proto.Float64(f.value(p, v))},
							TimestampMs: proto.Int64(ts),
						})
					}
				}
			}
		}
		out = append(out, mf)
	}
	return out
}
