package importer

import (
	"math"

	"github.com/deploysim/deploysim/strategies/plan"
)

// importFlagger maps a Flagger Canary.
func importFlagger(c *ctx, docs []doc) Result {
	d, ok := c.k8sDoc(docs, "Canary")
	if !ok {
		return Result{}
	}
	c.warnOtherDocs(docs, func(x doc) bool { return x.root == d.root })
	root := c.root(d).obj()
	identity(root)
	spec := root.get("spec").obj()
	r := newResult("canary")
	key := "analysis"
	if !spec.has(key) && spec.has("canaryAnalysis") {
		key = "canaryAnalysis" // Flagger before v1.0
	}
	av := spec.get(key)
	if !av.ok() {
		av.errf("missing: a Canary needs spec.analysis (interval, threshold, stepWeight or iterations)")
		return r
	}
	an := av.obj()
	fa := plan.FlaggerAnalysis{}
	f := map[string]any{}
	if v := an.get("interval"); v.ok() {
		if d, ok := v.goDuration(); ok {
			fa.Interval = d
			f["interval"] = dur(d)
		}
	}
	if v := an.get("threshold"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			fa.Threshold = n
			f["threshold"] = n
		}
	}
	weights := []struct {
		src, dst string
		out      *float64
	}{
		{"maxWeight", "max_weight", &fa.MaxWeightPercent},
		{"stepWeight", "step_weight", &fa.StepWeightPercent},
		{"stepWeightPromotion", "step_weight_promotion", &fa.StepWeightPromotionPercent},
	}
	for _, w := range weights {
		if v := an.get(w.src); v.ok() {
			if n, ok := v.integer(0, 100); ok {
				*w.out = float64(n)
				f[w.dst] = n
			}
		}
	}
	if v := an.get("stepWeights"); v.ok() {
		var list []any
		for _, e := range v.list() {
			if n, ok := e.integer(1, 100); ok {
				fa.StepWeightsPercent = append(fa.StepWeightsPercent, float64(n))
				list = append(list, n)
			}
		}
		f["step_weights"] = list
	}
	if v := an.get("iterations"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			fa.Iterations = n
			f["iterations"] = n
		}
	}
	if _, err := plan.FlaggerSchedule(fa); err != nil {
		av.planErr(err)
	}
	match := an.get("match")
	ab := fa.Iterations > 0 && match.ok() && len(match.list()) > 0
	metrics := flaggerMetrics(an)
	switch {
	case ab:
		// Flagger's A/B testing: the requests matching these conditions go
		// to the canary for iterations intervals.
		f["match_percent"] = 10
		match.warn("approximated: the share of requests matching these conditions is unknown; match_percent 10 sends 10 %% of the requests to the canary — set it to your share")
	case match.ok():
		match.warn("ignored by Flagger without iterations (match needs A/B testing)")
	}
	if len(metrics) > 0 {
		f["metrics"] = metrics
	}
	r.Config["flagger"] = f
	r.Config["traffic_routing"] = "alb"
	if v := an.get("mirror"); v.ok() {
		if b, ok := v.boolean(); ok && b {
			v.warn("not simulated: traffic mirroring (shadow requests to the canary) is not modelled")
		}
	}
	an.warn("mirrorWeight", "not simulated: traffic mirroring is not modelled")
	for _, w := range an.get("webhooks").list() {
		o := w.obj()
		typ := "rollout"
		if t := o.get("type"); t.ok() {
			typ, _ = t.str()
		}
		switch typ {
		case "confirm-rollout", "confirm-promotion", "confirm-traffic-increase":
			w.warn("not expressible: the canary's flagger form has no manual gate (%s)", typ)
		default:
			w.warn("not simulated: %s webhook (load tests, notifications, custom checks)", typ)
		}
		o.consume()
	}
	an.warn("alerts", "not simulated: notifications")
	an.warn("sessionAffinity", "not expressible: the canary strategy routes requests by weight only")
	an.warn("primaryReadyThreshold", "not expressible: canary waits for every instance to be healthy")
	an.warn("canaryReadyThreshold", "not expressible: canary waits for every instance to be healthy")
	an.rest(msgNotSim)
	if v := spec.get("provider"); v.ok() {
		if p, ok := v.str(); ok && p != "kubernetes" {
			v.warn("simulated as ALB listener weights between the primary and canary fleets")
		} else if ok && !ab && fa.Iterations == 0 {
			v.warn("provider kubernetes cannot shift traffic by weight (Flagger runs blue/green with iterations there); simulated as ALB weights")
		}
	}
	if v := spec.get("progressDeadlineSeconds"); v.ok() {
		if d, ok := v.seconds(1, math.MaxInt32); ok {
			r.rollback()["progress_deadline"] = dur(d)
		}
	}
	if v := spec.get("skipAnalysis"); v.ok() {
		if b, ok := v.boolean(); ok && b {
			v.warn("not simulated: Flagger would promote without analysis")
		}
	}
	spec.get("targetRef")
	spec.warn("service", "not simulated: the Kubernetes/mesh service definition")
	spec.warn("autoscalerRef", "not simulated: no autoscaling during the deployment")
	spec.rest(msgNotSim)
	root.rest(msgNotSim)
	return r
}

// flaggerMetrics maps the built-in metrics; custom ones (templateRef) are
// warned and dropped.
func flaggerMetrics(an *obj) []any {
	var out []any
	for _, mv := range an.get("metrics").list() {
		m := mv.obj()
		name, _ := m.get("name").str()
		if m.has("templateRef") || (name != "request-success-rate" && name != "request-duration") {
			mv.warn("custom metric %q (MetricTemplate) not simulated: dropped; built-in request-success-rate and request-duration are", name)
			m.consume()
			continue
		}
		fm := map[string]any{"name": name}
		tr := m.get("thresholdRange").obj()
		for _, k := range []string{"min", "max"} {
			if v := tr.get(k); v.ok() {
				if x, ok := v.number(-math.MaxFloat64, math.MaxFloat64); ok {
					fm[k] = x
				}
			}
		}
		tr.rest(msgNotSim)
		if v := m.get("interval"); v.ok() {
			if d, ok := v.goDuration(); ok {
				fm["interval"] = dur(d)
			}
		}
		m.rest(msgNotSim)
		out = append(out, fm)
	}
	return out
}
