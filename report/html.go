package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/scenarios"
)

// EChartsVersion is the charting library embedded in every report: the
// version go-echarts v2.6 targets, vendored once under assets/ with its
// license so that a report renders with no network.
const EChartsVersion = "5.4.3"

//go:embed assets/echarts-5.4.3.min.js
var echartsJS string

// maxPoints bounds the points of one timeline series; longer timelines are
// averaged into this many, so a day-long run stays a small file.
const maxPoints = 1200

// HTML writes the self-contained report of rep (from scenario sc) to w: a
// narrative, the comparison, and per strategy the timeline of its first
// replication. Identical inputs give identical bytes. Every string from the
// scenario is escaped for where it lands, and a Content-Security-Policy
// allows the report's own scripts only (see csp.go).
func HTML(w io.Writer, sc *scenarios.Scenario, rep *scenarios.Report) error {
	page := htmlPage{
		Title:      pageTitle(sc, rep),
		Story:      sc.Story,
		Lesson:     sc.Lesson,
		Scenario:   rep.Scenario,
		Seed:       rep.Seed,
		Reps:       rep.Replications,
		Complete:   rep.Complete,
		ECharts:    template.JS(echartsJS),
		ECVersion:  EChartsVersion,
		Narrative:  Narrate(sc, rep),
		Table:      comparisonRows(rep),
		TableHead:  comparisonHead(),
		Comparison: comparisonCharts(rep),
		Notes:      CutOffNotes(rep),
	}
	for k, s := range rep.Results {
		page.Strategies = append(page.Strategies, strategySection(k, s))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return err
	}
	out, err := withPolicy(buf.Bytes())
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func pageTitle(sc *scenarios.Scenario, rep *scenarios.Report) string {
	t := rep.Scenario
	if sc.Title != "" {
		t = sc.Title
	}
	if rep.Point != "" {
		t += " [" + rep.Point + "]" // one grid point of a sweep
	}
	return t
}

type htmlPage struct {
	Title, Story, Lesson, Scenario string
	Seed                           uint64
	Reps                           int
	Complete                       bool
	ECharts                        template.JS
	ECVersion                      string
	Narrative                      Narrative
	TableHead                      []string
	Table                          [][]string
	Comparison                     []chartHTML
	Strategies                     []strategyHTML
	// Notes warn where numbers are incomplete (the measurement cap).
	Notes []string
}

type strategyHTML struct {
	Label, Name string
	Lines       []string
	Charts      []chartHTML
}

type chartHTML struct {
	Element template.HTML
	Script  template.HTML
}

// snippet renders a go-echarts chart into its element and script. The
// script's JSON carries names from the scenario: its strings are escaped
// for a <script> element (go-echarts writes them unescaped).
func snippet(c interface{ RenderSnippet() render.ChartSnippet }) chartHTML {
	s := c.RenderSnippet()
	return chartHTML{Element: template.HTML(s.Element), Script: template.HTML(scriptStrings(s.Script))}
}

func initOpts(id, height string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{
		ChartID: id, Width: "100%", Height: height, Theme: "white",
	})
}

// chartID is a fixed, readable ID: reports must not differ between two
// renders of the same results.
func chartID(parts ...any) string {
	var b strings.Builder
	b.WriteString("c")
	for _, p := range parts {
		fmt.Fprintf(&b, "_%v", p)
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, b.String())
}

// downsample averages consecutive timeline points so that at most
// maxPoints remain; it returns the points' times (minutes) and an index of
// the groups.
func downsample(pts []models.Point) (groups [][]models.Point) {
	k := max(1, (len(pts)+maxPoints-1)/maxPoints)
	for i := 0; i < len(pts); i += k {
		groups = append(groups, pts[i:min(i+k, len(pts))])
	}
	return groups
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// series builds one line's data: f averaged over each group.
func series(groups [][]models.Point, f func(p *models.Point) float64) []opts.LineData {
	out := make([]opts.LineData, 0, len(groups))
	for _, g := range groups {
		var s float64
		for i := range g {
			s += f(&g[i])
		}
		out = append(out, opts.LineData{Value: round(s/float64(len(g)), 3)})
	}
	return out
}

// clock formats a run time as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// axis labels each group by its start; at finds the label of the group
// holding time t. The time axis is a category axis so that stacked areas
// stack on the values, never on time.
type axis struct {
	labels []string
	starts []time.Duration
}

func newAxis(groups [][]models.Point) axis {
	var a axis
	for _, g := range groups {
		a.labels = append(a.labels, clock(g[0].At))
		a.starts = append(a.starts, g[0].At)
	}
	return a
}

func (a axis) at(t time.Duration) string {
	i, _ := slices.BinarySearch(a.starts, t)
	if i == len(a.starts) || (i > 0 && a.starts[i] > t) {
		i--
	}
	return a.labels[max(i, 0)]
}

// marks turns the run's marks into vertical lines and its phases into
// shaded areas on a timeline chart.
func marks(r *models.Result, ax axis) ([]opts.MarkLineNameXAxisItem, [][]opts.MarkAreaData) {
	var lines []opts.MarkLineNameXAxisItem
	var areas [][]opts.MarkAreaData
	var phaseAt time.Duration = -1
	var phase string
	closePhase := func(end time.Duration) {
		if phaseAt >= 0 {
			areas = append(areas, []opts.MarkAreaData{
				{Name: phase, XAxis: ax.at(phaseAt)},
				{XAxis: ax.at(end)},
			})
		}
	}
	for _, m := range r.Marks {
		switch m.Kind {
		case "phase":
			closePhase(m.At)
			phaseAt, phase = m.At, m.Text
		case "fault", "rollback", "alarm":
			lines = append(lines, opts.MarkLineNameXAxisItem{Name: m.Kind + ": " + m.Text, XAxis: ax.at(m.At)})
		}
	}
	end := r.Timeline.EndAt
	if end <= 0 && len(r.Timeline.Points) > 0 {
		end = r.Timeline.Points[len(r.Timeline.Points)-1].At
	}
	closePhase(end)
	return lines, areas
}

func timelineOpts(id, title, yName string, ax axis) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		initOpts(id, "320px"),
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "24px", Type: "scroll"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: "time"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: yName}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside"}, opts.DataZoom{Type: "slider"}),
		charts.WithGridOpts(opts.Grid{Top: "60px", Bottom: "56px", Left: "56px", Right: "56px"}),
		charts.WithAnimation(false),
	}
}

// strategySection renders the timeline charts of one strategy's sample
// run.
func strategySection(k int, s *scenarios.Summary) strategyHTML {
	sec := strategyHTML{Label: s.Label, Name: s.Strategy}
	r := s.Sample
	if r == nil || len(r.Timeline.Points) == 0 {
		return sec
	}
	tl := &r.Timeline
	groups := downsample(tl.Points)
	ax := newAxis(groups)
	lines, areas := marks(r, ax)
	decorate := func(first bool) []charts.SeriesOpts {
		if !first {
			return nil
		}
		o := []charts.SeriesOpts{charts.WithMarkAreaData(areas...),
			charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{
				ItemStyle: &opts.ItemStyle{Color: "rgba(120,120,160,0.08)"},
				// Phase names would overlap on the chart; they show on hover
				// and in the narrative.
				Label: &opts.Label{Show: opts.Bool(false)},
			})}
		if len(lines) > 0 {
			o = append(o, charts.WithMarkLineNameXAxisItemOpts(lines...),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"}, Label: &opts.Label{Show: opts.Bool(false)}}))
		}
		return o
	}
	area := func(stack string) charts.SeriesOpts {
		return charts.WithLineChartOpts(opts.LineChart{Stack: stack, ShowSymbol: opts.Bool(false)})
	}
	fill := charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.5)})

	share := charts.NewLine()
	share.SetXAxis(ax.labels)
	share.SetGlobalOptions(timelineOpts(chartID("share", k), "Traffic share by version", "%", ax)...)
	for v, name := range tl.Versions {
		if !used(tl.Points, v) {
			continue
		}
		share.AddSeries(name, series(groups, func(p *models.Point) float64 { return 100 * p.PerVersion[v].Share }),
			append([]charts.SeriesOpts{area("share"), fill}, decorate(len(share.MultiSeries) == 0)...)...)
	}
	capacity := charts.NewLine()
	capacity.SetXAxis(ax.labels)
	capacity.SetGlobalOptions(timelineOpts(chartID("capacity", k), "Healthy serving capacity by version", "instances", ax)...)
	for v, name := range tl.Versions {
		if !used(tl.Points, v) {
			continue
		}
		capacity.AddSeries(name, series(groups, func(p *models.Point) float64 { return float64(p.PerVersion[v].Healthy) }),
			append([]charts.SeriesOpts{area("capacity"), fill}, decorate(len(capacity.MultiSeries) == 0)...)...)
	}
	health := charts.NewLine()
	health.SetXAxis(ax.labels)
	health.SetGlobalOptions(append(timelineOpts(chartID("health", k), "Success ratio and p99 latency", "%", ax),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "%", Max: 100}))...)
	health.ExtendYAxis(opts.YAxis{Type: "value", Name: "p99 ms"})
	health.AddSeries("success ratio", series(groups, func(p *models.Point) float64 { return 100 * p.SuccessRatio }),
		append([]charts.SeriesOpts{charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)})}, decorate(true)...)...)
	health.AddSeries("SLO window", series(groups, func(p *models.Point) float64 { return 100 * p.WindowRatio }),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed"}))
	health.AddSeries("p99", series(groups, func(p *models.Point) float64 { return float64(p.P99) / 1e6 }),
		charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), YAxisIndex: 1}))
	inst := charts.NewLine()
	inst.SetXAxis(ax.labels)
	inst.SetGlobalOptions(timelineOpts(chartID("instances", k), "Instances by version and state", "instances", ax)...)
	for v, name := range tl.Versions {
		for _, st := range []struct {
			name string
			f    func(p *models.VersionPoint) int
		}{
			{"in service", func(p *models.VersionPoint) int { return p.InService }},
			{"pending", func(p *models.VersionPoint) int { return p.Pending }},
			{"terminating", func(p *models.VersionPoint) int { return p.Terminating }},
		} {
			any := false
			for i := range tl.Points {
				any = any || st.f(&tl.Points[i].PerVersion[v]) > 0
			}
			if !any {
				continue
			}
			inst.AddSeries(name+" "+st.name, series(groups, func(p *models.Point) float64 { return float64(st.f(&p.PerVersion[v])) }),
				append([]charts.SeriesOpts{area("instances"), fill}, decorate(len(inst.MultiSeries) == 0)...)...)
		}
	}
	sec.Charts = []chartHTML{snippet(share), snippet(capacity), snippet(health), snippet(inst)}
	return sec
}

// used reports whether version v ever had instances or traffic.
func used(pts []models.Point, v int) bool {
	for i := range pts {
		p := &pts[i].PerVersion[v]
		if p.Requests > 0 || p.InService+p.Pending+p.Terminating > 0 {
			return true
		}
	}
	return false
}

// errorBars draws a 95 % confidence interval as a vertical bar with caps
// over a category axis; data items are [category index, low, high].
const errorBars = `function (params, api) {
  var lo = api.coord([api.value(0), api.value(1)]);
  var hi = api.coord([api.value(0), api.value(2)]);
  var w = api.size([1, 0])[0] * 0.12;
  var st = {stroke: '#333', lineWidth: 1.5};
  return {type: 'group', children: [
    {type: 'line', shape: {x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1]}, style: st},
    {type: 'line', shape: {x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1]}, style: st},
    {type: 'line', shape: {x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1]}, style: st}
  ]};
}`

// categoryAxis shows every strategy's name, slanted to fit.
var categoryAxis = opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Rotate: 15, FontSize: 10}}

var legendRight = opts.Legend{Show: opts.Bool(true), Right: "10px", Top: "0px"}

// metricChartOpts are the options of a per-metric comparison chart: one
// category per strategy, the metric's unit on the value axis.
func metricChartOpts(id, title, metric string, legend opts.Legend) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		initOpts(id, "260px"),
		charts.WithTitleOpts(opts.Title{Title: title, TitleStyle: &opts.TextStyle{FontSize: 13}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithXAxisOpts(categoryAxis),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: unitOf(metric)}),
		charts.WithLegendOpts(legend),
		charts.WithGridOpts(opts.Grid{Top: "40px", Bottom: "48px", Left: "56px", Right: "20px"}),
		charts.WithAnimation(false),
	}
}

// comparisonCharts: per key metric the mean with its 95 % confidence
// interval and the distribution over replications (box plot), then the
// share of each outcome.
func comparisonCharts(rep *scenarios.Report) []chartHTML {
	var labels []string
	for _, s := range rep.Results {
		labels = append(labels, s.Label)
	}
	var out []chartHTML
	for _, m := range keyMetrics {
		idx := slices.Index(models.MetricNames, m)
		bar := charts.NewBar()
		bar.SetGlobalOptions(metricChartOpts(chartID("mean", m), m+" — mean and 95 % CI", m, legendRight)...)
		bar.SetXAxis(labels)
		var means []opts.BarData
		var cis []opts.CustomData
		for k, s := range rep.Results {
			st := s.Metrics[m]
			means = append(means, opts.BarData{Value: jsNum(scale(m, st.Mean))})
			if !math.IsNaN(st.CILow) && !math.IsNaN(st.CIHigh) {
				cis = append(cis, opts.CustomData{Value: []any{k, jsNum(scale(m, st.CILow)), jsNum(scale(m, st.CIHigh))}})
			}
		}
		bar.AddSeries("mean", means)
		ci := charts.NewCustom()
		ci.AddSeries("95% CI", cis, charts.WithCustomChartOpts(opts.CustomChart{RenderItem: opts.FuncOpts(errorBars)}))
		bar.Overlap(ci)

		box := charts.NewBoxPlot()
		box.SetGlobalOptions(metricChartOpts(chartID("box", m), m+" — distribution over replications", m, opts.Legend{Show: opts.Bool(false)})...)
		box.SetXAxis(labels)
		var boxes []opts.BoxPlotData
		for _, s := range rep.Results {
			var xs []float64
			for _, row := range s.Values {
				if v := row[idx]; !math.IsNaN(v) {
					xs = append(xs, scale(m, v))
				}
			}
			boxes = append(boxes, opts.BoxPlotData{Value: fiveNumbers(xs)})
		}
		box.AddSeries(m, boxes)
		out = append(out, snippet(bar), snippet(box))
	}
	out = append(out, snippet(outcomeChart(rep, labels)), snippet(deployChart(rep, labels)))
	return out
}

// deployChart stacks each strategy's mean deployment time: active,
// waiting, termination wait.
func deployChart(rep *scenarios.Report, labels []string) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		initOpts(chartID("deploy_split"), fmt.Sprintf("%dpx", 80+40*len(labels))),
		charts.WithTitleOpts(opts.Title{Title: "Deployment time: active, waiting, termination wait (mean)", TitleStyle: &opts.TextStyle{FontSize: 13}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "22px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "s"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels}),
		charts.WithGridOpts(opts.Grid{Top: "50px", Bottom: "20px", Left: "150px", Right: "30px"}),
		charts.WithAnimation(false),
	)
	for _, part := range []struct{ name, metric string }{
		{"active", "deploy_active_s"}, {"waiting", "deploy_waiting_s"}, {"termination wait", "deploy_termination_wait_s"},
	} {
		var data []opts.BarData
		for _, s := range rep.Results {
			data = append(data, opts.BarData{Value: jsNum(s.Metrics[part.metric].Mean)})
		}
		bar.AddSeries(part.name, data, charts.WithBarChartOpts(opts.BarChart{Stack: "deploy"}))
	}
	return bar
}

func outcomeChart(rep *scenarios.Report, labels []string) *charts.Bar {
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		initOpts(chartID("outcomes"), fmt.Sprintf("%dpx", 80+40*len(labels))),
		charts.WithTitleOpts(opts.Title{Title: "Outcomes over replications", TitleStyle: &opts.TextStyle{FontSize: 13}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "22px"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Max: 100, Name: "%"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels}),
		charts.WithGridOpts(opts.Grid{Top: "50px", Bottom: "20px", Left: "150px", Right: "30px"}),
		charts.WithAnimation(false),
	)
	for _, o := range []string{"succeeded", "rolled_back", "failed", "rollback_failed"} {
		var data []opts.BarData
		for _, s := range rep.Results {
			data = append(data, opts.BarData{Value: round(100*s.Outcomes[o], 1)})
		}
		bar.AddSeries(o, data, charts.WithBarChartOpts(opts.BarChart{Stack: "outcome"}))
	}
	return bar
}

// fiveNumbers is a box plot's min, lower quartile, median, upper quartile
// and max.
func fiveNumbers(xs []float64) []float64 {
	if len(xs) == 0 {
		return []float64{0, 0, 0, 0, 0}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		x := p * float64(len(s)-1)
		i := int(x)
		if i+1 >= len(s) {
			return s[len(s)-1]
		}
		return s[i] + (x-float64(i))*(s[i+1]-s[i])
	}
	return []float64{round(s[0], 4), round(q(.25), 4), round(q(.5), 4), round(q(.75), 4), round(s[len(s)-1], 4)}
}

// jsNum makes a value safe for JSON: NaN and ±Inf become null.
func jsNum(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return round(v, 4)
}
