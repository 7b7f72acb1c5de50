package importer

import (
	"math"

	"github.com/deploysim/deploysim/strategies/plan"
)

// newResult starts a Result for strategy.
func newResult(strategy string) Result {
	return Result{Strategy: strategy, Config: map[string]any{}, World: map[string]any{}}
}

// rollback returns the config's rollback block, creating it.
func (r *Result) rollback() map[string]any {
	rb, ok := r.Config["rollback"].(map[string]any)
	if !ok {
		rb = map[string]any{}
		r.Config["rollback"] = rb
	}
	return rb
}

// identity consumes the fields that only identify a Kubernetes object.
func identity(o *obj) {
	for _, k := range []string{"apiVersion", "kind", "metadata", "status"} {
		o.get(k)
	}
}

const (
	msgTemplate = "pod template not simulated: the versions come from the scenario (versions:, deployment.to)"
	msgNotSim   = "not simulated"
)

// importK8s maps a Kubernetes Deployment.
func importK8s(c *ctx, docs []doc) Result {
	d, ok := c.k8sDoc(docs, "Deployment")
	if !ok {
		return Result{}
	}
	c.warnOtherDocs(docs, func(x doc) bool { return x.root == d.root })
	root := c.root(d).obj()
	identity(root)
	spec := root.get("spec").obj()
	r := newResult("rolling")
	if v := spec.get("replicas"); v.ok() {
		if n, ok := v.integer(0, math.MaxInt32); ok {
			r.World["instances"] = n
		}
	}
	strategy := spec.get("strategy").obj()
	typ := "RollingUpdate"
	if v := strategy.get("type"); v.ok() {
		typ, _ = v.oneOf("RollingUpdate", "Recreate")
	}
	ru := strategy.get("rollingUpdate")
	switch typ {
	case "Recreate":
		r.Strategy = "all-at-once"
		r.Config["variant"] = "recreate"
		if ru.ok() {
			ru.errf("may not be specified when strategy type is Recreate (allowed: remove it, or type RollingUpdate)")
		}
	case "RollingUpdate":
		r.Config["variant"] = "k8s"
		mapRollingUpdate(&r, ru.obj())
	}
	strategy.rest(msgNotSim)
	if v := spec.get("progressDeadlineSeconds"); v.ok() {
		if d, ok := v.seconds(1, math.MaxInt32); ok {
			r.rollback()["progress_deadline"] = dur(d)
		}
	}
	// A Deployment that misses its deadline only reports
	// ProgressDeadlineExceeded; nothing rolls it back.
	r.rollback()["progress_deadline_abort"] = false
	spec.warn("minReadySeconds", "not expressible: the rolling strategy counts a new instance as available as soon as it is healthy in the load balancer")
	if v := spec.get("paused"); v.ok() {
		if p, ok := v.boolean(); ok && p {
			v.warn("not simulated: a paused Deployment would not roll out at all")
		}
	}
	spec.warn("revisionHistoryLimit", "no effect: the simulation keeps the previous version for rollback")
	spec.warn("selector", msgTemplate)
	spec.warn("template", msgTemplate)
	spec.rest(msgNotSim)
	root.rest(msgNotSim)
	return r
}

// mapRollingUpdate maps maxSurge and maxUnavailable (Kubernetes and Argo
// spelling) onto rolling's k8s variant and validates them as the
// Deployment API does.
func mapRollingUpdate(r *Result, ru *obj) {
	u := plan.DefaultK8sRollingUpdate()
	for _, f := range []struct {
		src, dst string
		out      *plan.IntOrPercent
	}{{"maxSurge", "max_surge", &u.MaxSurge}, {"maxUnavailable", "max_unavailable", &u.MaxUnavailable}} {
		v := ru.get(f.src)
		if !v.ok() {
			continue
		}
		s, ok := v.intOrPercent()
		if !ok {
			continue
		}
		p, err := plan.ParseIntOrPercent(s)
		if err != nil {
			v.planErr(err)
			continue
		}
		*f.out = p
		r.Config[f.dst] = s
	}
	if err := u.Validate(); err != nil {
		at := ru.get("maxUnavailable")
		if !at.ok() {
			at = val{c: ru.c, file: ru.file, n: ru.n, path: ru.path}
		}
		at.planErr(err)
	}
	ru.rest(msgNotSim)
}
