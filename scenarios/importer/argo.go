package importer

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deploysim/deploysim/strategies/analysis"
)

// argoTemplate is an AnalysisTemplate or ClusterAnalysisTemplate found in
// the sources.
type argoTemplate struct {
	d       doc
	name    string
	cluster bool
	used    bool
}

// importArgo maps an Argo Rollouts Rollout, with the AnalysisTemplates it
// references from the same or other files.
func importArgo(c *ctx, docs []doc) Result {
	d, ok := c.k8sDoc(docs, "Rollout")
	if !ok {
		return Result{}
	}
	a := &argo{c: c, templates: map[string]*argoTemplate{}}
	for _, x := range docs {
		k := kindOf(x)
		if k != "AnalysisTemplate" && k != "ClusterAnalysisTemplate" {
			continue
		}
		name, _ := c.root(x).obj().get("metadata").obj().get("name").str()
		a.templates[k+"/"+name] = &argoTemplate{d: x, name: name, cluster: k == "ClusterAnalysisTemplate"}
	}
	c.warnOtherDocs(docs, func(x doc) bool {
		k := kindOf(x)
		return x.root == d.root || k == "AnalysisTemplate" || k == "ClusterAnalysisTemplate"
	})
	root := c.root(d).obj()
	identity(root)
	spec := root.get("spec").obj()
	r := newResult("canary")
	a.r = &r
	if v := spec.get("replicas"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			r.World["instances"] = n
		}
	}
	strategy := spec.get("strategy").obj()
	switch {
	case strategy.has("canary") && strategy.has("blueGreen"):
		strategy.get("blueGreen").errf("set canary or blueGreen, not both")
	case strategy.has("canary"):
		a.canary(strategy.get("canary").obj())
	case strategy.has("blueGreen"):
		r.Strategy = "blue-green"
		a.blueGreen(strategy.get("blueGreen").obj())
	default:
		strategy.get("canary").errf("missing: allowed spec.strategy.canary or spec.strategy.blueGreen")
	}
	strategy.rest(msgNotSim)
	if v := spec.get("progressDeadlineSeconds"); v.ok() {
		if d, ok := v.seconds(1, math.MaxInt32); ok {
			r.rollback()["progress_deadline"] = dur(d)
		}
	}
	// Argo's default: a rollout past its deadline is Degraded, not
	// aborted.
	abort := false
	if v := spec.get("progressDeadlineAbort"); v.ok() {
		abort, _ = v.boolean()
	}
	r.rollback()["progress_deadline_abort"] = abort
	spec.warn("minReadySeconds", "not expressible: a new instance counts as available as soon as it is healthy in the load balancer")
	spec.warn("revisionHistoryLimit", "no effect: the simulation keeps the previous version for rollback")
	spec.warn("selector", msgTemplate)
	spec.warn("template", msgTemplate)
	spec.warn("workloadRef", msgTemplate+" (the referenced Deployment is not read)")
	if v := spec.get("paused"); v.ok() {
		if p, ok := v.boolean(); ok && p {
			v.warn("not simulated: a paused Rollout would not progress")
		}
	}
	spec.rest(msgNotSim)
	root.rest(msgNotSim)
	for _, k := range slices.Sorted(maps.Keys(a.templates)) {
		if t := a.templates[k]; !t.used {
			c.warnAt(t.d.file, t.d.root, "metadata.name", "%s %q is not referenced by the Rollout", kindOf(t.d), t.name)
		}
	}
	return r
}

type argo struct {
	c         *ctx
	r         *Result
	templates map[string]*argoTemplate
}

// canary maps spec.strategy.canary.
func (a *argo) canary(o *obj) {
	r := a.r
	var steps []any
	for _, sv := range o.get("steps").list() {
		if st, ok := a.step(sv); ok {
			steps = append(steps, st)
		}
	}
	if len(steps) > 0 {
		r.Config["steps"] = steps
	} else {
		// No steps: Argo promotes straight to 100 %.
		r.Config["steps"] = []any{map[string]any{"set_weight": 100}}
	}
	if v := o.get("trafficRouting"); v.ok() {
		tr := v.obj()
		r.Config["traffic_routing"] = "alb"
		tr.get("alb")
		for _, k := range tr.keys() {
			if k != "alb" {
				tr.warn(k, "simulated as ALB listener weights between two target groups")
			}
		}
	} else {
		r.Config["traffic_routing"] = "replicas"
	}
	if v := o.get("scaleDownDelaySeconds"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			r.Config["scale_down_delay_seconds"] = n
		}
	}
	routed := o.has("trafficRouting")
	for _, k := range []struct{ src, dst string }{{"maxSurge", "max_surge"}, {"maxUnavailable", "max_unavailable"}} {
		if v := o.get(k.src); v.ok() {
			if x, ok := v.intOrPercent(); ok {
				r.Config[k.dst] = x
				if routed {
					v.warn("no effect with trafficRouting: the canary is added on top of the full stable fleet")
				}
			}
		}
	}
	if v := o.get("abortScaleDownDelaySeconds"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			if routed {
				r.Config["abort_scale_down_delay_seconds"] = n
			} else {
				v.warn("no effect without trafficRouting: an aborted basic canary scales down as the stable scales up")
			}
		}
	}
	if v := o.get("analysis"); v.ok() {
		ao := v.obj()
		ao.warn("startingStep", "not expressible: rollback.analysis runs from the start of the rollout")
		if ms := a.analysisRef(ao, false); len(ms) > 0 {
			r.rollback()["analysis"] = ms
		}
	}
	o.get("canaryService")
	o.get("stableService")
	o.rest(msgNotSim)
}

// step maps one canary step.
func (a *argo) step(sv val) (map[string]any, bool) {
	so := sv.obj()
	keys := so.keys()
	if len(keys) != 1 {
		sv.errf("a step sets exactly one of setWeight, pause, analysis, setCanaryScale, experiment, setHeaderRoute, setMirrorRoute, plugin (got %d)", len(keys))
		return nil, false
	}
	switch keys[0] {
	case "setWeight":
		if n, ok := so.get("setWeight").integer(0, 100); ok {
			return map[string]any{"set_weight": n}, true
		}
	case "pause":
		po := so.get("pause").obj()
		p := map[string]any{}
		if v := po.get("duration"); v.ok() {
			if d, ok := v.argoDuration(); ok {
				if d == 0 {
					// Argo: a zero duration does not pause.
					po.rest(msgNotSim)
					return nil, false
				}
				p["duration"] = dur(d)
			}
		}
		po.rest(msgNotSim)
		return map[string]any{"pause": p}, true
	case "analysis":
		v := so.get("analysis")
		ao := v.obj()
		ms := a.analysisRef(ao, true)
		if len(ms) == 0 {
			v.warn("no metric of this analysis step can be simulated: step dropped")
			return nil, false
		}
		return map[string]any{"analysis": ms}, true
	case "setCanaryScale":
		co := so.get("setCanaryScale").obj()
		out := map[string]any{}
		if v := co.get("replicas"); v.ok() {
			if n, ok := v.integer(0, math.MaxInt32); ok {
				out["replicas"] = n
			}
		}
		if v := co.get("weight"); v.ok() {
			if n, ok := v.integer(0, 100); ok {
				out["weight"] = n
			}
		}
		if v := co.get("matchTrafficWeight"); v.ok() {
			if b, ok := v.boolean(); ok {
				out["match_traffic_weight"] = b
			}
		}
		co.rest(msgNotSim)
		if len(out) == 0 {
			sv.errf("setCanaryScale sets none of replicas, weight, matchTrafficWeight")
			return nil, false
		}
		return map[string]any{"set_canary_scale": out}, true
	case "experiment":
		so.warn("experiment", "not simulated: experiments run extra ReplicaSets without user traffic; step dropped")
	case "setHeaderRoute", "setMirrorRoute":
		so.warn(keys[0], "not simulated: header-based routes and mirroring are not modelled; step dropped")
	default:
		so.warn(keys[0], "unknown step: dropped")
	}
	return nil, false
}

// analysisRef maps an analysis block (templates and args) to metrics.
func (a *argo) analysisRef(ao *obj, inline bool) []any {
	args := map[string]string{}
	for _, av := range ao.get("args").list() {
		o := av.obj()
		name, _ := o.get("name").str()
		if v := o.get("value"); v.ok() {
			args[name], _ = v.str()
		}
		o.warn("valueFrom", "not simulated: the argument's value comes from the cluster; queries using it are matched with the placeholder left in")
		o.rest(msgNotSim)
	}
	ao.warn("dryRun", "not expressible: every simulated metric can roll back")
	ao.warn("measurementRetention", "no effect in the simulation")
	var out []any
	for _, tv := range ao.get("templates").list() {
		to := tv.obj()
		name, _ := to.get("templateName").str()
		kind := "AnalysisTemplate"
		if v := to.get("clusterScope"); v.ok() {
			if b, _ := v.boolean(); b {
				kind = "ClusterAnalysisTemplate"
			}
		}
		to.rest(msgNotSim)
		t := a.templates[kind+"/"+name]
		if t == nil {
			var names []string
			for _, k := range slices.Sorted(maps.Keys(a.templates)) {
				names = append(names, k)
			}
			found := "none"
			if len(names) > 0 {
				found = strings.Join(names, ", ")
			}
			to.get("templateName").errf("%s %q not found in the imported files (give it as another document or file); found: %s", kind, name, found)
			continue
		}
		t.used = true
		out = append(out, a.template(t, args, inline)...)
	}
	ao.rest(msgNotSim)
	return out
}

// template maps a template's metrics with the given arguments.
func (a *argo) template(t *argoTemplate, args map[string]string, inline bool) []any {
	root := a.c.root(t.d).obj()
	identity(root)
	spec := root.get("spec").obj()
	all := map[string]string{}
	for _, av := range spec.get("args").list() {
		o := av.obj()
		name, _ := o.get("name").str()
		if v := o.get("value"); v.ok() {
			all[name], _ = v.str()
		}
		o.get("valueFrom")
		o.rest(msgNotSim)
	}
	for k, v := range args {
		all[k] = v
	}
	var out []any
	for _, mv := range spec.get("metrics").list() {
		if m, ok := a.metric(mv.obj(), all, inline); ok {
			out = append(out, m)
		}
	}
	spec.warn("dryRun", "not expressible: every simulated metric can roll back")
	spec.warn("measurementRetention", "no effect in the simulation")
	spec.rest(msgNotSim)
	root.rest(msgNotSim)
	return out
}

// substitute replaces {{args.NAME}} placeholders.
func substitute(s string, args map[string]string) string {
	for k, v := range args {
		s = strings.ReplaceAll(s, "{{args."+k+"}}", v)
		s = strings.ReplaceAll(s, "{{ args."+k+" }}", v)
	}
	return s
}

// metric maps one AnalysisTemplate metric; ok is false when it cannot be
// simulated (a warning says why).
func (a *argo) metric(m *obj, args map[string]string, inline bool) (map[string]any, bool) {
	out := map[string]any{}
	name, _ := m.get("name").str()
	out["name"] = name
	pv := m.get("provider")
	po := pv.obj()
	if !po.has("prometheus") {
		for _, k := range po.keys() {
			po.warn(k, "provider %s not simulated: metric %q dropped", k, name)
		}
		m.consume()
		return nil, false
	}
	pp := po.get("prometheus").obj()
	qv := pp.get("query")
	query, _ := qv.str()
	query = substitute(query, args)
	metric, scale, ok := promMetric(query)
	if !ok {
		qv.warn("query not recognised (see docs/importers.md for the patterns): metric %q dropped", name)
		pp.consume()
		po.consume()
		m.consume()
		return nil, false
	}
	out["metric"] = metric
	pp.get("address")
	pp.rest("not simulated: Prometheus connection setting")
	po.rest(msgNotSim)
	em := analysis.Metric{Name: name}
	if v := m.get("interval"); v.ok() {
		if d, ok := v.argoDuration(); ok {
			out["interval"] = dur(d)
			em.Interval = d
		}
	}
	if v := m.get("initialDelay"); v.ok() {
		if d, ok := v.argoDuration(); ok {
			out["initial_delay"] = dur(d)
		}
	}
	ints := []struct {
		src, dst string
		out      *int
	}{
		{"count", "count", &em.Count},
		{"failureLimit", "failure_limit", &em.FailureLimit},
		{"inconclusiveLimit", "inconclusive_limit", &em.InconclusiveLimit},
	}
	for _, f := range ints {
		if v := m.get(f.src); v.ok() {
			if n, ok := argsInt(v, args); ok {
				out[f.dst] = n
				*f.out = n
			}
		}
	}
	if v := m.get("consecutiveErrorLimit"); v.ok() {
		if n, ok := argsInt(v, args); ok {
			out["consecutive_error_limit"] = n
			em.ConsecutiveErrorLimit = &n
		}
	}
	if inline && em.Count == 0 && em.Interval > 0 {
		m.get("interval").warn("count unset: Argo measures until the metric fails, so the step never completes; deploysim's step analysis takes count 1")
	}
	for _, f := range []struct{ src, dst string }{{"successCondition", "success_condition"}, {"failureCondition", "failure_condition"}} {
		v := m.get(f.src)
		if !v.ok() {
			continue
		}
		cond, _ := v.str()
		// The sandbox's limits apply before the condition is parsed here
		// (to rescale it) and again after the arguments are substituted.
		conditions := analysis.Conditions[analysis.ResultVector]
		if err := conditions.CheckSource(cond); err != nil {
			v.errf("%v", err)
			return nil, false
		}
		cond = substitute(cond, args)
		if err := conditions.CheckSource(cond); err != nil {
			v.errf("with its arguments substituted: %v", err)
			return nil, false
		}
		if scale != 1 {
			scaled, ok := scaleCondition(cond, scale)
			if ok {
				v.warn("thresholds scaled ×%g: the query returns seconds, %s is in milliseconds", scale, metric)
			} else {
				v.warn("the query returns seconds but %s is in milliseconds, and the condition's thresholds could not be rescaled: check it", metric)
			}
			cond = scaled
		}
		out[f.dst] = cond
		if f.src == "successCondition" {
			em.SuccessCondition = cond
		} else {
			em.FailureCondition = cond
		}
	}
	m.warn("consecutiveSuccessLimit", "not expressible: deploysim's analysis metrics have no consecutive_success_limit")
	m.warn("dryRun", "not expressible: every simulated metric can roll back")
	if _, err := analysis.NewEvaluator(em); err != nil {
		at := m.get("successCondition")
		if !at.ok() {
			at = val{c: m.c, file: m.file, n: m.n, path: m.path}
		}
		at.errf("%v (conditions are expr-lang over result; helpers asInt, asFloat, isNaN, isInf)", err)
		return nil, false
	}
	m.rest(msgNotSim)
	return out, true
}

// argsInt reads an int-or-string that may be an argument placeholder.
func argsInt(v val, args map[string]string) (int, bool) {
	s, ok := v.scalar("a whole number")
	if !ok {
		return 0, false
	}
	s = substitute(s, args)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		v.errf("got %q, allowed: a whole number of 0 or more", s)
		return 0, false
	}
	return n, true
}

// blueGreen maps spec.strategy.blueGreen.
func (a *argo) blueGreen(o *obj) {
	r := a.r
	o.get("activeService")
	if v := o.get("previewService"); v.ok() {
		if s, ok := v.str(); ok && s != "" {
			r.Config["preview_service"] = true
		}
	}
	if v := o.get("autoPromotionEnabled"); v.ok() {
		if b, ok := v.boolean(); ok {
			r.Config["auto_promotion_enabled"] = b
		}
	}
	if v := o.get("autoPromotionSeconds"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			r.Config["auto_promotion_seconds"] = n
		}
	}
	// Argo's default scale-down delay is 30s; blue-green's own default
	// (CodeDeploy's 60m) must not apply.
	delay := 30
	if v := o.get("scaleDownDelaySeconds"); v.ok() {
		delay, _ = v.integer(0, int(2880*time.Minute/time.Second))
	}
	r.Config["scale_down_delay_seconds"] = delay
	for _, f := range []struct{ src, dst string }{{"prePromotionAnalysis", "pre_promotion_analysis"}, {"postPromotionAnalysis", "post_promotion_analysis"}} {
		if v := o.get(f.src); v.ok() {
			if ms := a.analysisRef(v.obj(), true); len(ms) > 0 {
				r.Config[f.dst] = ms
				if f.src == "prePromotionAnalysis" {
					v.warn("the preview fleet gets no user traffic in the simulation: canary-scoped metrics have no data and error after consecutive_error_limit (Argo would measure test traffic sent to the preview service)")
				}
			}
		}
	}
	o.warn("previewReplicaCount", "not expressible: the green fleet is always launched at full size")
	o.warn("abortScaleDownDelaySeconds", "not expressible: after an abort the green fleet is removed at once")
	o.warn("scaleDownDelayRevisionLimit", "no effect: one previous revision is simulated")
	o.rest(msgNotSim)
}
