package report

import (
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deploysim/deploysim/models"
)

// Live serves the state of a running simulation: Prometheus metrics at
// /metrics, the snapshot as JSON at /state, and a small page at /. The
// simulation pushes snapshots with Update; Live never touches the world
// itself, so serving cannot disturb a run.
type Live struct {
	mu       sync.Mutex
	snap     models.Snapshot
	scenario string
	strategy string
	done     bool
	// rate is the simulator's events per wall second over the last update.
	rate       float64
	lastEvents uint64
	lastWall   time.Time
	now        func() time.Time

	reg *prometheus.Registry
}

// NewLive returns a Live server for one scenario and strategy.
func NewLive(scenario, strategy string) *Live {
	l := &Live{scenario: scenario, strategy: strategy, now: time.Now, reg: prometheus.NewRegistry()}
	l.reg.MustRegister(liveCollector{l})
	return l
}

// Update publishes a new snapshot.
func (l *Live) Update(s models.Snapshot) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	if !l.lastWall.IsZero() {
		if dt := t.Sub(l.lastWall).Seconds(); dt > 0 {
			l.rate = float64(s.Events-l.lastEvents) / dt
		}
	}
	l.lastWall, l.lastEvents = t, s.Events
	l.snap = s
}

// Finish marks the run as over (the last snapshot stays served).
func (l *Live) Finish() {
	l.mu.Lock()
	l.done = true
	l.rate = 0
	l.mu.Unlock()
}

// Registry returns the registry behind /metrics.
func (l *Live) Registry() *prometheus.Registry { return l.reg }

// Handler serves /, /state and /metrics, to GET and HEAD only.
func (l *Live) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(l.reg, promhttp.HandlerOpts{EnableOpenMetrics: true}))
	mux.HandleFunc("/state", func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		body, err := json.Marshal(struct {
			Scenario, Strategy string
			Done               bool
			EventsPerSecond    float64
			models.Snapshot
		}{l.scenario, l.strategy, l.done, l.rate, l.snap})
		l.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		livePage.Execute(w, struct{ Scenario, Strategy string }{l.scenario, l.strategy})
	})
	return readOnly(mux)
}

// readOnly answers GET and HEAD only: the live state is read, never
// changed, so every other method is 405 Method Not Allowed.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the live state is read-only (GET, HEAD)", http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// liveCollector turns the latest snapshot into metrics at scrape time.
type liveCollector struct{ l *Live }

var (
	descRequests   = prometheus.NewDesc("deploysim_requests_total", "Simulated requests that ended, by version and outcome.", []string{"version", "outcome"}, nil)
	descInstances  = prometheus.NewDesc("deploysim_instances", "Live simulated instances by version and state.", []string{"version", "state"}, nil)
	descTargets    = prometheus.NewDesc("deploysim_targets", "Targets of each target group by health state.", []string{"target_group", "state"}, nil)
	descHealthy    = prometheus.NewDesc("deploysim_healthy_targets", "Healthy targets of each target group.", []string{"target_group"}, nil)
	descListener   = prometheus.NewDesc("deploysim_listener_weight", "Listener forward weight of each target group.", []string{"load_balancer", "target_group"}, nil)
	descDNS        = prometheus.NewDesc("deploysim_dns_weight", "Route 53 weighted record weights.", []string{"record", "target"}, nil)
	descAlarm      = prometheus.NewDesc("deploysim_alarm_state", "1 for each alarm's current state.", []string{"alarm", "state"}, nil)
	descPhase      = prometheus.NewDesc("deploysim_deployment_phase_info", "The deployment phase last announced.", []string{"phase"}, nil)
	descSimTime    = prometheus.NewDesc("deploysim_simulated_seconds", "Simulated time since the start of the run.", nil, nil)
	descEvents     = prometheus.NewDesc("deploysim_simulator_events_total", "Simulation events dispatched.", nil, nil)
	descEventsRate = prometheus.NewDesc("deploysim_simulator_events_per_second", "Simulation events per wall-clock second, lately.", nil, nil)
	descDone       = prometheus.NewDesc("deploysim_run_done", "1 once the simulated run is over.", []string{"scenario", "strategy"}, nil)
)

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descInstances, descTargets, descHealthy, descListener, descDNS, descAlarm, descPhase, descSimTime, descEvents, descEventsRate, descDone} {
		ch <- d
	}
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	l := c.l
	l.mu.Lock()
	s, rate, done := l.snap, l.rate, l.done
	l.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, vr := range s.Requests {
		causes := make([]string, 0, len(vr.ByCause))
		for c := range vr.ByCause {
			causes = append(causes, c)
		}
		sort.Strings(causes)
		for _, cause := range causes {
			ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(vr.ByCause[cause]), vr.Version, cause)
		}
	}
	for _, vi := range s.Instances {
		gauge(descInstances, float64(vi.Pending), vi.Version, "pending")
		gauge(descInstances, float64(vi.InService), vi.Version, "in_service")
		gauge(descInstances, float64(vi.Terminating), vi.Version, "terminating")
	}
	for _, tg := range s.TargetGroups {
		gauge(descHealthy, float64(tg.Healthy), tg.Name)
		gauge(descTargets, float64(tg.Initial), tg.Name, "initial")
		gauge(descTargets, float64(tg.Healthy), tg.Name, "healthy")
		gauge(descTargets, float64(tg.Unhealthy), tg.Name, "unhealthy")
		gauge(descTargets, float64(tg.Draining), tg.Name, "draining")
	}
	for _, lw := range s.Listeners {
		for _, f := range lw.Forward {
			gauge(descListener, float64(f.Weight), lw.Name, f.TargetGroup)
		}
	}
	for _, r := range s.DNS {
		gauge(descDNS, float64(r.Weight), r.SetIdentifier, r.Target)
	}
	for _, a := range s.Alarms {
		for _, st := range []string{"OK", "ALARM", "INSUFFICIENT_DATA"} {
			v := 0.0
			if a.State == st {
				v = 1
			}
			gauge(descAlarm, v, a.Name, st)
		}
	}
	if s.Phase != "" {
		gauge(descPhase, 1, s.Phase)
	}
	gauge(descSimTime, s.At.Seconds())
	ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(s.Events))
	gauge(descEventsRate, rate)
	d := 0.0
	if done {
		d = 1
	}
	gauge(descDone, d, l.scenario, l.strategy)
}

var livePage = template.Must(template.New("live").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>deploysim live — {{.Scenario}}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 6px; }
.meta { color: #666; font-size: 13px; margin-bottom: 12px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; }
td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.bar { display: inline-block; height: 10px; background: #5470c6; vertical-align: middle; }
.bad { color: #b00; }
</style></head>
<body>
<h1>{{.Scenario}} — {{.Strategy}}</h1>
<div class="meta">simulated <span id="t">–</span> · phase <b id="phase">–</b> · <span id="rate">–</span> events/s · metrics at <a href="/metrics">/metrics</a></div>
<div id="body">waiting for the first snapshot…</div>
<script>
"use strict";
function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;"}[c]; }); }
var last = null;
function render(s) {
  document.getElementById("t").textContent = (s.At / 1e9).toFixed(0) + " s" + (s.Done ? " (finished)" : "");
  document.getElementById("phase").textContent = s.Phase || "–";
  document.getElementById("rate").textContent = Math.round(s.EventsPerSecond).toLocaleString();
  var h = "<h3>Requests by version (since the last refresh)</h3><table><tr><th>version</th><th>requests</th><th>failed</th><th>share</th></tr>";
  var tot = 0, rows = [];
  (s.Requests || []).forEach(function (v) {
    var n = 0, f = 0;
    for (var c in v.ByCause) { n += v.ByCause[c]; if (c !== "ok") f += v.ByCause[c]; }
    var p = last ? (last[v.Version] || {n: 0, f: 0}) : {n: 0, f: 0};
    rows.push({v: v.Version || "(none)", n: n - p.n, f: f - p.f, key: v.Version, tn: n, tf: f});
    tot += n - p.n;
  });
  var next = {};
  rows.forEach(function (r) {
    next[r.key] = {n: r.tn, f: r.tf};
    var share = tot ? r.n / tot : 0;
    h += "<tr><td>" + esc(r.v) + "</td><td>" + r.n + "</td><td class='" + (r.f ? "bad" : "") + "'>" + r.f + "</td><td><span class='bar' style='width:" + (200 * share) + "px'></span> " + (100 * share).toFixed(1) + "%</td></tr>";
  });
  last = next;
  h += "</table><h3>Target groups</h3><table><tr><th>target group</th><th>healthy</th><th>initial</th><th>unhealthy</th><th>draining</th></tr>";
  (s.TargetGroups || []).forEach(function (g) { h += "<tr><td>" + esc(g.Name) + "</td><td>" + g.Healthy + "</td><td>" + g.Initial + "</td><td>" + g.Unhealthy + "</td><td>" + g.Draining + "</td></tr>"; });
  h += "</table><h3>Routing</h3><table><tr><th>where</th><th>weights</th></tr>";
  (s.Listeners || []).forEach(function (l) { h += "<tr><td>listener " + esc(l.Name) + "</td><td>" + (l.Forward || []).map(function (f) { return esc(f.TargetGroup) + "=" + f.Weight; }).join(" ") + "</td></tr>"; });
  h += "<tr><td>DNS</td><td>" + (s.DNS || []).map(function (r) { return esc(r.SetIdentifier) + "=" + r.Weight; }).join(" ") + "</td></tr></table>";
  if ((s.Alarms || []).length) {
    h += "<h3>Alarms</h3><table>";
    s.Alarms.forEach(function (a) { h += "<tr><td>" + esc(a.Name) + "</td><td class='" + (a.State === "ALARM" ? "bad" : "") + "'>" + esc(a.State) + "</td></tr>"; });
    h += "</table>";
  }
  document.getElementById("body").innerHTML = h;
}
function poll() {
  fetch("/state").then(function (r) { return r.json(); }).then(render).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
}
poll();
</script>
</body></html>
`))
