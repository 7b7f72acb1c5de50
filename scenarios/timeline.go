package scenarios

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/deploysim/deploysim/models"
)

// Timeline is a strategy's timeline in the JSON document (Options.Timeline,
// docs/json-output.md): the first replication's per-bucket series, and
// per-bucket quantile bands across every replication. Times are seconds
// since the start of the run (the deployment starts at DeployAtS).
type Timeline struct {
	BucketS   float64  `json:"bucket_s"`
	DeployAtS float64  `json:"deploy_at_s"`
	Versions  []string `json:"versions"`
	First     FirstRun `json:"first"`
	Bands     Bands    `json:"bands"`
}

// FirstRun is the first replication's timeline, one entry per bucket.
type FirstRun struct {
	EndAtS       float64                  `json:"end_at_s"`
	RollbackAtS  *float64                 `json:"rollback_at_s"`
	TS           []float64                `json:"t_s"`
	Requests     []int64                  `json:"requests"`
	Failed       []int64                  `json:"failed"`
	SuccessRatio []float64                `json:"success_ratio"`
	WindowRatio  []float64                `json:"window_ratio"`
	P99Ms        []float64                `json:"p99_ms"`
	Healthy      []int                    `json:"healthy"`
	Instances    []int                    `json:"instances"`
	ByVersion    map[string]VersionSeries `json:"by_version"`
	Marks        []MarkJSON               `json:"marks"`
}

// VersionSeries is one version's part of each bucket. Requests are those
// sent to the version (refusals by a terminated environment of it
// included); Served those it answered.
type VersionSeries struct {
	Requests    []int64   `json:"requests"`
	Failed      []int64   `json:"failed"`
	Served      []int64   `json:"served"`
	Share       []float64 `json:"share"`
	Healthy     []int     `json:"healthy"`
	Pending     []int     `json:"pending"`
	InService   []int     `json:"in_service"`
	Terminating []int     `json:"terminating"`
}

// MarkJSON is a phase, fault, alarm or decision of the run.
type MarkJSON struct {
	TS   float64 `json:"t_s"`
	Kind string  `json:"kind"`
	Text string  `json:"text"`
}

// BandQuantiles are the quantiles of the bands, in order.
var BandQuantiles = []float64{0.1, 0.5, 0.9}

// Bands are per-bucket quantiles (BandQuantiles) across the replications
// that were still measured at that bucket (Runs): traffic share by
// version, healthy serving capacity, success ratio. Each is indexed
// [quantile][bucket]. RollbackAtS and EndAtS are every replication's
// rollback decision (null: none) and end of the strategy.
type Bands struct {
	Quantiles    []float64              `json:"quantiles"`
	TS           []float64              `json:"t_s"`
	Runs         []int                  `json:"runs"`
	Share        map[string][][]float64 `json:"share"`
	Healthy      [][]float64            `json:"healthy"`
	SuccessRatio [][]float64            `json:"success_ratio"`
	RollbackAtS  []*float64             `json:"rollback_at_s"`
	EndAtS       []float64              `json:"end_at_s"`
}

// trace is what the bands need of one run: per bucket, each version's
// traffic share, then the healthy capacity and the success ratio. It costs
// (versions + 2) × 4 bytes a bucket, whatever the traffic.
type trace struct {
	stride     int
	values     []float32
	rollbackAt time.Duration // negative: none
	endAt      time.Duration
}

func traceOf(r *models.Result) trace {
	tl := &r.Timeline
	t := trace{stride: len(tl.Versions) + 2, rollbackAt: tl.RollbackAt, endAt: tl.EndAt}
	t.values = make([]float32, 0, len(tl.Points)*t.stride)
	for i := range tl.Points {
		p := &tl.Points[i]
		for _, vp := range p.PerVersion {
			t.values = append(t.values, float32(vp.Share))
		}
		t.values = append(t.values, float32(p.Healthy), float32(p.SuccessRatio))
	}
	return t
}

func (t *trace) buckets() int { return len(t.values) / t.stride }

// r4 rounds to 4 decimals, so that the document stays small and readable.
func r4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func seconds(d time.Duration) float64 { return r4(d.Seconds()) }

// buildTimeline assembles the timeline of one strategy from its first
// replication's result and every replication's trace.
func buildTimeline(first *models.Result, traces []trace) *Timeline {
	if first == nil {
		return nil
	}
	tl := &first.Timeline
	out := &Timeline{
		BucketS: tl.Bucket.Seconds(), DeployAtS: seconds(tl.DeployAt), Versions: slices.Clone(tl.Versions),
		First: firstRun(first), Bands: bands(tl, traces),
	}
	return out
}

func firstRun(r *models.Result) FirstRun {
	tl := &r.Timeline
	f := FirstRun{EndAtS: seconds(tl.EndAt), ByVersion: map[string]VersionSeries{}, Marks: []MarkJSON{}}
	if tl.RollbackAt >= 0 {
		f.RollbackAtS = new(seconds(tl.RollbackAt))
	}
	vs := make([]VersionSeries, len(tl.Versions))
	for i := range tl.Points {
		p := &tl.Points[i]
		f.TS = append(f.TS, seconds(p.At))
		f.Requests = append(f.Requests, p.Requests)
		f.Failed = append(f.Failed, p.Failed)
		f.SuccessRatio = append(f.SuccessRatio, r4(p.SuccessRatio))
		f.WindowRatio = append(f.WindowRatio, r4(p.WindowRatio))
		f.P99Ms = append(f.P99Ms, r4(float64(p.P99)/float64(time.Millisecond)))
		f.Healthy = append(f.Healthy, p.Healthy)
		f.Instances = append(f.Instances, p.Instances)
		for v, vp := range p.PerVersion {
			s := &vs[v]
			s.Requests = append(s.Requests, vp.Requests)
			s.Failed = append(s.Failed, vp.Failed)
			s.Served = append(s.Served, vp.Served)
			s.Share = append(s.Share, r4(vp.Share))
			s.Healthy = append(s.Healthy, vp.Healthy)
			s.Pending = append(s.Pending, vp.Pending)
			s.InService = append(s.InService, vp.InService)
			s.Terminating = append(s.Terminating, vp.Terminating)
		}
	}
	for v, name := range tl.Versions {
		f.ByVersion[name] = vs[v]
	}
	for _, m := range r.Marks {
		f.Marks = append(f.Marks, MarkJSON{TS: seconds(m.At), Kind: m.Kind, Text: m.Text})
	}
	return f
}

// bands computes the per-bucket quantiles across traces; a bucket's
// quantiles come from the runs still measured then.
func bands(tl *models.Timeline, traces []trace) Bands {
	nv := len(tl.Versions)
	b := Bands{Quantiles: BandQuantiles, Share: map[string][][]float64{}}
	n := 0
	for i := range traces {
		n = max(n, traces[i].buckets())
		if t := traces[i].rollbackAt; t >= 0 {
			b.RollbackAtS = append(b.RollbackAtS, new(seconds(t)))
		} else {
			b.RollbackAtS = append(b.RollbackAtS, nil)
		}
		b.EndAtS = append(b.EndAtS, seconds(traces[i].endAt))
	}
	grid := func() [][]float64 {
		g := make([][]float64, len(BandQuantiles))
		for q := range g {
			g[q] = make([]float64, n)
		}
		return g
	}
	share := make([][][]float64, nv)
	for v := range share {
		share[v] = grid()
	}
	b.Healthy, b.SuccessRatio = grid(), grid()
	b.TS, b.Runs = make([]float64, n), make([]int, n)
	col := make([]float64, 0, len(traces))
	for k := range n {
		b.TS[k] = seconds(time.Duration(k) * tl.Bucket)
		for j := range nv + 2 {
			col = col[:0]
			for i := range traces {
				if t := &traces[i]; k < t.buckets() {
					col = append(col, float64(t.values[k*t.stride+j]))
				}
			}
			b.Runs[k] = len(col)
			slices.Sort(col)
			dst := b.SuccessRatio
			switch {
			case j < nv:
				dst = share[j]
			case j == nv:
				dst = b.Healthy
			}
			for q, p := range BandQuantiles {
				dst[q][k] = r4(stat.Quantile(p, stat.LinInterp, col, nil))
			}
		}
	}
	for v, name := range tl.Versions {
		b.Share[name] = share[v]
	}
	return b
}
