package models

import (
	"math"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
)

// request is one user request in the system, from arrival to outcome.
type request struct {
	start      sim.Time
	user       int32
	inst       int32
	tg         int32
	next, prev int32 // links in the instance's service list or queue
	gen        uint32
	queued     bool
	write      bool
}

// trafficState drives arrivals.
type trafficState struct {
	timer sim.Timer // the next arrival
	max   float64   // rate bound for thinning, requests/s
	// arrived counts every request that arrived, for the conservation
	// check: arrived = completed + failed + in flight.
	arrived int64
}

// rate is the arrival rate at t (requests per second).
func (w *World) rate(t sim.Time) float64 {
	tc := &w.cfg.Traffic
	r := tc.Rate * w.faults.spike
	switch tc.Profile {
	case "diurnal":
		phase := 2 * math.Pi * (t.Seconds() - tc.DiurnalPeak.Seconds()) / (24 * 3600)
		r *= 1 + tc.DiurnalAmplitude*math.Cos(phase)
	case "spike":
		if d := t.Duration(); d >= tc.SpikeAt && d < tc.SpikeAt+tc.SpikeDuration {
			r *= tc.SpikeMultiplier
		}
	}
	return r
}

// rateBound is an upper bound of rate over the whole run at the current
// fault multiplier.
func (w *World) rateBound() float64 {
	tc := &w.cfg.Traffic
	r := tc.Rate * w.faults.spike
	switch tc.Profile {
	case "diurnal":
		r *= 1 + math.Abs(tc.DiurnalAmplitude)
	case "spike":
		r *= max(1, tc.SpikeMultiplier)
	}
	return r
}

// scheduleArrival draws the next candidate arrival of a Poisson process of
// rate rateBound; arrive thins it to the profile's rate.
func (w *World) scheduleArrival() {
	w.traffic.max = w.rateBound()
	gap := time.Duration(w.rArrive.ExpFloat64() / w.traffic.max * 1e9)
	w.traffic.timer = w.s.AfterTimer(gap, w.kArrive, 0, 0)
}

// rescheduleArrivals restarts the arrival process after a rate change;
// exact, as the exponential gap is memoryless.
func (w *World) rescheduleArrivals() {
	w.s.Cancel(w.traffic.timer)
	w.scheduleArrival()
}

// arrive is the arrival handler (the hot path's entry).
func (w *World) arrive(_, _ int64) {
	w.scheduleArrival()
	if w.cfg.Traffic.Profile != "constant" && w.rArrive.Float64()*w.traffic.max > w.rate(w.s.Now()) {
		return
	}
	w.traffic.arrived++
	u := w.rRoute.Int32N(int32(len(w.users)))
	lb := w.resolve(u)
	if lb < 0 {
		// The name led nowhere.
		w.meter.record(-1, -1, u, observe.CauseRefused, 0, false)
		return
	}
	if w.lbs[lb].deleted {
		// A cached answer led to an environment that is gone: refused, on
		// the account of the version it ran.
		w.meter.record(w.lbs[lb].ver, -1, u, observe.CauseRefused, 0, false)
		return
	}
	tg := w.pickTargetGroup(&w.lbs[lb])
	if tg < 0 {
		w.meter.record(-1, -1, u, observe.CauseNoHealthyTarget, 0, false)
		return
	}
	i := w.pickTarget(tg, u)
	if i < 0 {
		w.meter.record(-1, tg, u, observe.CauseNoHealthyTarget, 0, false)
		return
	}
	in := &w.insts[i]
	write := w.rServe.Float64() < w.cfg.DB.WriteFraction
	if !in.serving {
		w.meter.record(in.ver, tg, u, observe.CauseRefused, 0, write)
		return
	}
	if in.inflight >= int32(w.versions[in.ver].spec.Concurrency) && in.qLen >= int32(w.versions[in.ver].spec.QueueLength) {
		w.meter.record(in.ver, tg, u, observe.CauseOverload, 0, write)
		return
	}
	r := w.newRequest(u, i, tg, write)
	if in.inflight < int32(w.versions[in.ver].spec.Concurrency) {
		w.startService(r)
		return
	}
	w.enqueue(i, r)
}

func (w *World) newRequest(u, i, tg int32, write bool) int32 {
	var r int32
	if n := len(w.freeReq); n > 0 {
		r = w.freeReq[n-1]
		w.freeReq = w.freeReq[:n-1]
	} else {
		r = int32(len(w.reqs))
		w.reqs = append(w.reqs, request{})
	}
	q := &w.reqs[r]
	q.start, q.user, q.inst, q.tg, q.write = w.s.Now(), u, i, tg, write
	q.next, q.prev, q.queued = -1, -1, false
	return r
}

func (w *World) freeRequest(r int32) {
	w.reqs[r].gen++ // its completion event, if any, is now stale
	w.freeReq = append(w.freeReq, r)
}

// startService puts request r in service on its instance and schedules its
// completion, deciding now what the outcome will be.
func (w *World) startService(r int32) {
	q := &w.reqs[r]
	i := q.inst
	in := &w.insts[i]
	now := w.s.Now()
	if now.Sub(q.start) >= w.cfg.Traffic.Timeout {
		// Waited in the queue past the client's timeout.
		w.meter.record(in.ver, q.tg, q.user, observe.CauseTimeout, w.cfg.Traffic.Timeout, q.write)
		w.freeRequest(r)
		w.afterRequest(i)
		return
	}
	in.inflight++
	q.prev = -1
	q.next = in.svcHead
	if in.svcHead >= 0 {
		w.reqs[in.svcHead].prev = r
	}
	in.svcHead = r
	d := w.serviceTime(in, q)
	if left := w.cfg.Traffic.Timeout - now.Sub(q.start); d > left {
		d = left // completes as a timeout
	}
	w.s.After(d, w.kDone, int64(r), int64(q.gen))
}

// serviceTime draws how long the instance takes, including waits on a
// locked or slow database.
func (w *World) serviceTime(in *instance, q *request) time.Duration {
	v := &w.versions[in.ver]
	var s float64
	if v.spec.LatencyDist == "exponential" {
		s = w.rServe.ExpFloat64() * v.expMean
	} else {
		s = math.Exp(v.mu + v.sigma*w.rServe.NormFloat64())
	}
	f := w.faults.latFactor[in.ver]
	if in.leaking && v.spec.LeakLatencyFactor > 0 {
		f *= v.spec.LeakLatencyFactor
	}
	if v.flag >= 0 && v.spec.FlagLatencyFactor > 0 && w.flagOn(v.flag, q.user) {
		f *= v.spec.FlagLatencyFactor
	}
	d := time.Duration(s*f*1e9) + w.faults.latAdd[in.ver] + w.faults.dbSlow
	if w.db.lockedUntil > w.s.Now() {
		d += w.db.lockedUntil.Sub(w.s.Now())
	}
	return d
}

// complete is the completion handler: a = request, b = its generation.
func (w *World) complete(a, b int64) {
	r := int32(a)
	q := &w.reqs[r]
	if q.gen != uint32(b) {
		return // failed earlier (the instance died or stopped)
	}
	i := q.inst
	in := &w.insts[i]
	w.unlinkService(i, r)
	lat := w.s.Now().Sub(q.start)
	w.meter.record(in.ver, q.tg, q.user, w.outcome(in, q, lat), lat, q.write)
	w.freeRequest(r)
	w.afterRequest(i)
}

// outcome decides how a request that ran to completion ends.
func (w *World) outcome(in *instance, q *request, lat time.Duration) observe.Cause {
	if lat >= w.cfg.Traffic.Timeout {
		return observe.CauseTimeout
	}
	v := &w.versions[in.ver]
	if s := w.db.schema; s < v.schemaMin || s > v.schemaMax {
		return observe.CauseSchema
	}
	if w.faults.dbDown {
		return observe.CauseAppError
	}
	p := v.spec.ErrorRate
	if in.leaking {
		p = max(p, v.spec.LeakErrorRate)
	}
	if v.flag >= 0 && w.flagOn(v.flag, q.user) {
		p = v.spec.FlagErrorRate
	}
	p += w.faults.errAdd[in.ver]
	if p > 0 && w.rServe.Float64() < p {
		return observe.CauseAppError
	}
	return observe.CauseOK
}

// afterRequest frees a slot on instance i: the next queued request starts,
// and a drain with nothing left in flight completes.
func (w *World) afterRequest(i int32) {
	in := &w.insts[i]
	for in.qHead >= 0 && in.inflight < int32(w.versions[in.ver].spec.Concurrency) {
		r := w.dequeue(i)
		w.startService(r)
	}
	if in.draining > 0 && in.inflight+in.qLen == 0 {
		w.drained(i)
	}
}

func (w *World) enqueue(i, r int32) {
	in := &w.insts[i]
	q := &w.reqs[r]
	q.queued = true
	q.prev = in.qTail
	q.next = -1
	if in.qTail >= 0 {
		w.reqs[in.qTail].next = r
	} else {
		in.qHead = r
	}
	in.qTail = r
	in.qLen++
}

func (w *World) dequeue(i int32) int32 {
	in := &w.insts[i]
	r := in.qHead
	q := &w.reqs[r]
	in.qHead = q.next
	if in.qHead >= 0 {
		w.reqs[in.qHead].prev = -1
	} else {
		in.qTail = -1
	}
	in.qLen--
	q.queued = false
	return r
}

func (w *World) unlinkService(i, r int32) {
	in := &w.insts[i]
	q := &w.reqs[r]
	if q.prev >= 0 {
		w.reqs[q.prev].next = q.next
	} else {
		in.svcHead = q.next
	}
	if q.next >= 0 {
		w.reqs[q.next].prev = q.prev
	}
	in.inflight--
}

// failAll fails every request in service or queued on instance i.
func (w *World) failAll(i int32, cause observe.Cause) {
	in := &w.insts[i]
	now := w.s.Now()
	for r := in.svcHead; r >= 0; {
		q := &w.reqs[r]
		next := q.next
		w.meter.record(in.ver, q.tg, q.user, cause, now.Sub(q.start), q.write)
		w.freeRequest(r)
		r = next
	}
	for r := in.qHead; r >= 0; {
		q := &w.reqs[r]
		next := q.next
		w.meter.record(in.ver, q.tg, q.user, cause, now.Sub(q.start), q.write)
		w.freeRequest(r)
		r = next
	}
	in.svcHead, in.qHead, in.qTail = -1, -1, -1
	in.inflight, in.qLen = 0, 0
	if in.draining > 0 {
		w.drained(i)
	}
}

// InFlight returns the number of requests in service or queued.
func (w *World) InFlight() int64 { return int64(len(w.reqs) - len(w.freeReq)) }

// Arrived returns the number of requests that have arrived.
func (w *World) Arrived() int64 { return w.traffic.arrived }
