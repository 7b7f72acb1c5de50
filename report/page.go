package report

import (
	"fmt"
	"html/template"
	"math"

	"github.com/deploysim/deploysim/scenarios"
)

// comparisonHead and comparisonRows are the comparison table: key metrics
// as mean ± half the 95 % confidence interval.
func comparisonHead() []string {
	h := []string{"strategy", "outcome", "trigger"}
	for _, m := range keyMetrics {
		h = append(h, shortName[m])
		if m == "deploy_duration_s" {
			h = append(h, "active / wait / term wait")
		}
	}
	return h
}

// shortName is how the report's table heads a metric (its full name is in
// the chart titles and metrics.md).
var shortName = map[string]string{
	"downtime_s": "downtime", "availability": "availability", "blast_radius_users": "users hit",
	"rollback_s": "rollback", "deploy_duration_s": "deploy", "capacity_floor": "capacity floor",
	"extra_instance_hours": "extra inst-h", "latency_p99_ms": "p99",
}

func comparisonRows(rep *scenarios.Report) [][]string {
	var rows [][]string
	for _, s := range rep.Results {
		row := []string{s.Label, outcomeCell(s), Triggers(s)}
		for _, m := range keyMetrics {
			row = append(row, meanCI(m, s.Metrics[m]))
			if m == "deploy_duration_s" {
				row = append(row, DeploySplit(s))
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// outcomeCell names the most common outcome and its share.
func outcomeCell(s *scenarios.Summary) string {
	best, share := "", -1.0
	for _, o := range []string{"succeeded", "rolled_back", "failed", "rollback_failed"} {
		if s.Outcomes[o] > share {
			best, share = o, s.Outcomes[o]
		}
	}
	if share >= 1 {
		return best
	}
	return fmt.Sprintf("%s %.0f%%", best, 100*share)
}

// meanCI formats a metric as "mean ± half-width" in its unit.
func meanCI(metric string, st scenarios.Stats) string {
	if st.N == 0 || math.IsNaN(st.Mean) {
		return "–"
	}
	s := withUnit(metric, st.Mean)
	if hw := (st.CIHigh - st.CILow) / 2; !math.IsNaN(hw) && hw > 0 {
		s += " ± " + num(scale(metric, hw))
	}
	return s
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="deploysim-content-security-policy">
<title>deploysim — {{.Title}}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: #666; font-size: 13px; }
.story, .lesson, .rec { background: #fff; border-left: 4px solid #5470c6; padding: 10px 14px; margin: 12px 0; }
.lesson { border-color: #91cc75; }
.rec { border-color: #fac858; font-weight: 500; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.chart { background: #fff; border: 1px solid #eee; padding: 4px; }
.container { width: 100%; }
.item { margin: 0 auto; }
.warn { color: #b00; }
ul { margin: 4px 0 8px 20px; padding: 0; }
details { margin: 0 0 12px; }
summary { cursor: pointer; color: #5470c6; font-size: 13px; }
pre.explain { white-space: pre-wrap; background: #fff; border: 1px solid #eee; padding: 8px 12px; font-size: 13px; }
</style>
<script>
// Any script error is recorded in the page itself, so that a headless
// browser test can read it back from the DOM.
window.deploysimErrors = [];
function deploysimRecord(msg) {
  window.deploysimErrors.push(String(msg));
  document.documentElement.setAttribute("data-errors", window.deploysimErrors.join(" | "));
}
window.addEventListener("error", function (e) { deploysimRecord(e.message || e); });
document.addEventListener("securitypolicyviolation", function (e) {
  deploysimRecord("Content-Security-Policy blocked " + e.violatedDirective + " " + (e.blockedURI || "inline"));
});
(function () {
  var original = console.error;
  console.error = function () {
    deploysimRecord(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
</script>
<script>{{.ECharts}}</script>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<div class="meta">scenario {{.Scenario}} · seed {{.Seed}} · {{.Reps}} replications per strategy · charts by ECharts {{.ECVersion}}{{if not .Complete}} · <span class="warn">interrupted: partial results</span>{{end}}</div>
{{if .Story}}<div class="story"><b>Story.</b> {{.Story}}</div>{{end}}
{{if .Lesson}}<div class="lesson"><b>Lesson.</b> {{.Lesson}}</div>{{end}}
{{if .Narrative.Recommendation}}<div class="rec">{{.Narrative.Recommendation}}{{if .Narrative.NotRecommended}}<div class="meta">Not recommended here:</div><ul>{{range .Narrative.NotRecommended}}<li>{{.}}</li>{{end}}</ul>{{end}}</div>{{end}}

<h2>Comparison</h2>
<div style="overflow-x:auto"><table>
<tr>{{range .TableHead}}<th>{{.}}</th>{{end}}</tr>
{{range .Table}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="meta">mean ± half the 95 % confidence interval over the replications; – where a metric did not apply. The deployment's time splits into active work, waiting (pauses, bakes, approvals, analysis) and the termination wait that keeps the old fleet for a fast rollback.</p>
{{range .Notes}}<p class="warn">{{.}}</p>
{{end}}
<h2>Why each strategy scored as it did</h2>
{{range .Narrative.Strategies}}<h3>{{.Label}}</h3>
<div class="meta">{{.Verdict}}</div>
<ul>{{range .Reasons}}<li>{{.}}</li>{{end}}</ul>
{{if .Explain}}<details><summary>How this strategy works, what it costs, when not to use it</summary><pre class="explain">{{.Explain}}</pre></details>{{end}}
{{end}}

<h2>Distributions</h2>
<div class="grid">
{{range .Comparison}}<div class="chart">{{.Element}}</div>
{{end}}</div>

{{range .Strategies}}<h2>{{.Label}} — timeline of the first replication</h2>
<div class="meta">shaded: deployment phases; vertical lines: faults, alarms, the rollback decision. Scroll or drag the slider to zoom.</div>
{{range .Charts}}<div class="chart">{{.Element}}</div>
{{end}}{{end}}
</main>
{{range .Comparison}}{{.Script}}
{{end}}{{range .Strategies}}{{range .Charts}}{{.Script}}
{{end}}{{end}}
<script>
// Mark the page once every chart has drawn, for the browser test and for
// anyone who scripts against the report.
(function () {
  var els = document.querySelectorAll(".item");
  var drawn = 0;
  els.forEach(function (el) {
    var c = echarts.getInstanceByDom(el);
    if (c && el.querySelector("canvas")) { drawn++; el.setAttribute("data-rendered", "true"); }
  });
  document.documentElement.setAttribute("data-charts", els.length);
  document.documentElement.setAttribute("data-charts-rendered", drawn);
})();
</script>
</body>
</html>
`))
