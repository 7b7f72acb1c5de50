package models

import (
	"fmt"
	"math"
	"math/bits"
	"time"

	"github.com/deploysim/deploysim/models/observe"
	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// meter measures the run from the simulated requests and state. Its memory
// grows with versions, target groups, users and timeline buckets — never
// with requests: every request is folded into fixed-size counters and
// histograms the moment it ends.
type meter struct {
	w      *World
	bucket time.Duration // timeline resolution
	slot   time.Duration // observation period (the SLO window)
	hist   int           // observation slots kept

	// The bucket being filled, by version index + 1 (0: no version):
	// requests, failed ones, and those the version answered.
	bReq, bFail, bSrv [maxVersions + 1]int64
	bHist             [maxVersions + 1]observe.Histogram

	// The SLO window as a ring of buckets, for downtime.
	sloOK, sloTotal []int64
	sloPos          int

	// Observation: the slot being filled and the closed slots, per scope
	// [target group][version+1]; rings are allocated when a scope first
	// sees a request.
	cur     [][maxVersions + 1]observe.Period
	rings   [][maxVersions + 1]*ring
	slotAll observe.Histogram
	slots   int64 // slots closed

	recorded int64 // requests ended (conservation: arrived = recorded + in flight)
	// ended counts every ended request since the start by version + 1 and
	// cause, for live monitoring.
	ended  [maxVersions + 1][observe.NumCauses]int64
	writes int64

	// The measurement window, from the deployment's start.
	measuring                    bool
	start                        sim.Time
	from, to                     int8
	flag                         int8 // the release's feature flag slot, -1 for none
	flagOnAtRollback             bool // the rollback had a flag to turn off
	run                          [maxVersions + 1]observe.Period
	active, failed               bitset
	dataErrors                   int64
	firstNew, firstFault         sim.Time
	rollbackAt, endAt, recovered sim.Time
	rollbackTrigger              strategies.Trigger // what fired at rollbackAt
	expNew, expAll               int64
	baseCap, baseInst            int
	capFloor                     float64
	peak                         int
	extraInstSeconds             float64
	mixed, downtime              time.Duration
	worstP99                     time.Duration
	// activeFaults counts the faults in effect; a deployment that starts
	// while one is in effect has its problem from its first moment.
	activeFaults int
	// The strategy's time by kind: the kind it is spending time on since
	// kindSince, and the waits so far.
	kind              strategies.PhaseKind
	kindSince         sim.Time
	waiting, termWait time.Duration
	// cutOff says what was still going on when the measurement cap ended
	// the run ("" when the world was quiet before it).
	cutOff string

	timeline []Point
	vpool    []VersionPoint
	vchunk   int
	stamp    []uint32 // per instance: last tick that counted it
	tickNo   uint32
}

func (m *meter) init(w *World) {
	m.w = w
	c := &w.cfg.Measure
	m.bucket = c.Bucket
	m.slot = max(m.bucket, c.Window/m.bucket*m.bucket)
	m.hist = max(1, int(c.History/m.slot))
	k := int(c.Window / m.bucket)
	m.sloOK, m.sloTotal = make([]int64, max(1, k)), make([]int64, max(1, k))
	m.active, m.failed = newBitset(w.cfg.Traffic.Users), newBitset(w.cfg.Traffic.Users)
	m.firstNew, m.firstFault, m.rollbackAt, m.endAt, m.recovered = -1, -1, -1, -1, -1
	m.from, m.to, m.flag = -1, -1, -1
	m.capFloor = math.Inf(1)
}

func (m *meter) addTargetGroup() {
	m.cur = append(m.cur, [maxVersions + 1]observe.Period{})
	m.rings = append(m.rings, [maxVersions + 1]*ring{})
}

// served reports whether a cause is an answer from the application (its
// latency counts) rather than a failure to reach it.
func served(c observe.Cause) bool {
	return c == observe.CauseOK || c == observe.CauseAppError || c == observe.CauseSchema || c == observe.CauseTimeout
}

// record folds one ended request into every aggregate. ver is the version
// that handled it (-1: none), tg its target group (-1: none), u its user.
func (m *meter) record(ver int8, tg int32, u int32, c observe.Cause, lat time.Duration, write bool) {
	m.recorded++
	vi := int(ver) + 1
	m.ended[vi][c]++
	ok := c == observe.CauseOK
	srv := served(c)
	m.bReq[vi]++
	// Monitoring sees a request under the version that handled it; one
	// that reached no target group (refused by a terminated environment)
	// reached no monitored version either.
	ov := vi
	if tg < 0 {
		ov = 0
	}
	p := &m.cur[max(tg, 0)][ov]
	if srv {
		m.bSrv[vi]++
		m.bHist[vi].Record(lat)
		m.slotAll.Record(lat)
		p.Add(c, lat)
	} else {
		p.ByCause[c]++
	}
	if !ok {
		m.bFail[vi]++
	}
	if write {
		m.writes++
	}
	if !m.measuring {
		return
	}
	r := &m.run[vi]
	if srv {
		r.Add(c, lat)
	} else {
		r.ByCause[c]++
	}
	m.active.set(u)
	if !ok {
		m.failed.set(u)
	}
	if write && c == observe.CauseSchema {
		m.dataErrors++
	}
	if ver == m.to && m.firstNew < 0 && srv {
		m.firstNew = m.w.s.Now()
	}
	if m.rollbackAt < 0 && m.endAt < 0 {
		m.expAll++
		if ver == m.to {
			m.expNew++
		}
	}
}

// tick closes a timeline bucket, and an observation slot when one ends.
func (w *World) tick(_, _ int64) {
	m := &w.meter
	now := w.s.Now()
	w.s.After(m.bucket, w.kTick, 0, 0)
	if now == 0 {
		return
	}
	m.closeBucket(now)
	if now.Duration()%m.slot == 0 {
		m.closeSlot()
		w.evaluateAlarms(m.slots - 1)
	}
}

func (m *meter) closeBucket(now sim.Time) {
	w := m.w
	if arrived := w.traffic.arrived; arrived != m.recorded+w.InFlight() {
		sim.Bug("requests not conserved at %v: arrived %d, ended %d, in flight %d", now, arrived, m.recorded, w.InFlight())
	}
	nv := len(w.versions)
	if len(m.vpool) < nv {
		// Points share backing arrays, growing to 1024 buckets at a time,
		// so that the timeline costs an allocation per thousand buckets,
		// not per bucket, and a short run allocates little.
		m.vchunk = min(max(2*m.vchunk, 64), 1024)
		m.vpool = make([]VersionPoint, m.vchunk*nv)
	}
	pt := Point{At: now.Duration() - m.bucket, PerVersion: m.vpool[:nv:nv]}
	m.vpool = m.vpool[nv:]
	var all observe.Histogram
	var served int64
	for v := range nv + 1 {
		pt.Requests += m.bReq[v]
		pt.Failed += m.bFail[v]
		all.Merge(&m.bHist[v])
		if v > 0 {
			vp := &pt.PerVersion[v-1]
			vp.Requests, vp.Failed, vp.Served = m.bReq[v], m.bFail[v], m.bSrv[v]
			vp.P99 = m.bHist[v].Quantile(0.99)
			served += m.bReq[v]
		}
	}
	pt.P99 = all.Quantile(0.99)
	pt.SuccessRatio = 1
	if pt.Requests > 0 {
		pt.SuccessRatio = float64(pt.Requests-pt.Failed) / float64(pt.Requests)
	}
	for v := range pt.PerVersion {
		if served > 0 {
			pt.PerVersion[v].Share = float64(pt.PerVersion[v].Requests) / float64(served)
		}
	}
	total, live := m.census(&pt)
	pt.Healthy, pt.Instances = total, live

	// The SLO window slides one bucket.
	m.sloOK[m.sloPos], m.sloTotal[m.sloPos] = pt.Requests-pt.Failed, pt.Requests
	m.sloPos = (m.sloPos + 1) % len(m.sloOK)
	var ok, tot int64
	for k := range m.sloOK {
		ok, tot = ok+m.sloOK[k], tot+m.sloTotal[k]
	}
	pt.WindowRatio = 1
	if tot > 0 {
		pt.WindowRatio = float64(ok) / float64(tot)
	}
	if m.measuring {
		m.measureBucket(&pt)
	}
	m.timeline = append(m.timeline, pt)
	m.bReq, m.bFail, m.bSrv = [maxVersions + 1]int64{}, [maxVersions + 1]int64{}, [maxVersions + 1]int64{}
	for v := range m.bHist {
		m.bHist[v].Reset()
	}
}

// census counts, per version, the live instances by state and the healthy
// serving capacity: instances that serve and are healthy in a target group
// some live load balancer forwards to with a non-zero weight.
func (m *meter) census(pt *Point) (healthy, live int) {
	w := m.w
	m.tickNo++
	if len(m.stamp) < len(w.insts) {
		m.stamp = append(m.stamp, make([]uint32, len(w.insts)-len(m.stamp))...)
	}
	for g := range w.groups {
		for _, i := range w.groups[g].members {
			in := &w.insts[i]
			vp := &pt.PerVersion[in.ver]
			switch in.state {
			case strategies.Pending:
				vp.Pending++
			case strategies.InService:
				vp.InService++
			case strategies.Terminating:
				vp.Terminating++
			}
			live++
		}
	}
	for lb := range w.lbs {
		l := &w.lbs[lb]
		if l.deleted {
			continue
		}
		for _, f := range l.fwd {
			if f.Weight == 0 {
				continue
			}
			for _, t := range w.tgs[f.TargetGroup].targets {
				in := &w.insts[t.inst]
				if t.state != strategies.TargetHealthy || !in.serving || m.stamp[t.inst] == m.tickNo {
					continue
				}
				m.stamp[t.inst] = m.tickNo
				pt.PerVersion[in.ver].Healthy++
				healthy++
			}
		}
	}
	return healthy, live
}

// measureBucket folds a closed bucket into the deployment's measurements.
func (m *meter) measureBucket(pt *Point) {
	if pt.WindowRatio < m.w.cfg.Measure.AvailabilityFloor {
		m.downtime += m.bucket
	}
	if m.baseCap > 0 {
		m.capFloor = min(m.capFloor, float64(pt.Healthy)/float64(m.baseCap))
	}
	m.peak = max(m.peak, pt.Instances)
	if extra := pt.Instances - m.baseInst; extra > 0 {
		m.extraInstSeconds += float64(extra) * m.bucket.Seconds()
	}
	if m.from >= 0 && m.to >= 0 && pt.PerVersion[m.from].Served > 0 && pt.PerVersion[m.to].Served > 0 {
		m.mixed += m.bucket
	}
	if m.rollbackAt >= 0 && m.recovered < 0 && m.from >= 0 {
		if what, _ := m.unrestored(pt); what == "" {
			m.recovered = m.w.s.Now()
		}
	}
}

// unrestored says why users are not served again after a rollback as of
// bucket pt, or "" once they are: no request goes to the new version and
// the live configuration routes none there (for a feature flag that was
// on: the flag is off, the new version may serve dark), the success ratio
// over the SLO window is at least the availability floor, and the old
// version's healthy serving capacity is back at the baseline. A switch
// back onto a fleet that still fails is not a recovery. what is the kind of shortfall (stable, for counting), detail
// the same with the measured values.
func (m *meter) unrestored(pt *Point) (what, detail string) {
	floor := m.w.cfg.Measure.AvailabilityFloor
	capacity := pt.PerVersion[m.from].Healthy
	switch {
	case m.flagOnAtRollback && m.w.flagPct[m.flag] == 0:
		capacity = pt.Healthy
	case m.flagOnAtRollback:
		return "the feature flag still on", fmt.Sprintf("feature flag %s still on", m.w.flagNames[m.flag])
	case m.to >= 0 && (pt.PerVersion[m.to].Requests > 0 || m.w.routed()&(1<<uint(m.to)) != 0):
		return "the new version still gets traffic", fmt.Sprintf("%s still got %.0f %% of requests",
			m.w.versions[m.to].spec.Name, 100*float64(pt.PerVersion[m.to].Requests)/float64(pt.Requests))
	}
	switch {
	case pt.Requests == 0:
		return "no requests", "no requests"
	case pt.WindowRatio < floor:
		return "success ratio below the floor", fmt.Sprintf("success ratio %.1f %% over the SLO window, below the %.1f %% floor",
			100*pt.WindowRatio, 100*floor)
	case capacity < m.baseCap:
		return "healthy capacity below the baseline", fmt.Sprintf("healthy capacity %d of the %d at the start", capacity, m.baseCap)
	}
	return "", ""
}

// ring keeps one scope's closed slots: from base, growing to hist
// entries and then overwriting the oldest. It grows instead of being
// allocated whole because most runs are far shorter than the history.
type ring struct {
	base int64 // the slot stored first
	data []observe.Period
}

func (r *ring) put(slot int64, p *observe.Period, hist int) {
	if len(r.data) < hist {
		r.data = append(r.data, *p)
		return
	}
	r.data[(slot-r.base)%int64(hist)] = *p
}

func (r *ring) get(slot int64, hist int) *observe.Period {
	if slot < r.base {
		return nil
	}
	return &r.data[(slot-r.base)%int64(hist)]
}

// closeSlot ends an observation slot: every scope's aggregate moves into
// its ring.
func (m *meter) closeSlot() {
	for tg := range m.cur {
		for v := range m.cur[tg] {
			c := &m.cur[tg][v]
			r := m.rings[tg][v]
			if r == nil {
				if c.Requests() == 0 {
					continue
				}
				r = &ring{base: m.slots}
				m.rings[tg][v] = r
			}
			r.put(m.slots, c, m.hist)
			c.Reset()
		}
	}
	if m.measuring && m.slotAll.Count() > 0 {
		m.worstP99 = max(m.worstP99, m.slotAll.Quantile(0.99))
	}
	m.slotAll.Reset()
	m.slots++
}

// window merges the last n closed slots of every scope that matches s.
func (m *meter) window(s strategies.Scope, n int) observe.Period {
	var out observe.Period
	m.forSlots(s, n, 0, func(_ int, p *observe.Period) { out.Merge(p) })
	return out
}

// forSlots calls f for every matching scope's slot among the last n closed
// ones, skipping the newest skip; age 0 is the newest.
func (m *meter) forSlots(s strategies.Scope, n, skip int, f func(age int, p *observe.Period)) {
	w := m.w
	n = min(n, m.hist, int(m.slots))
	for tg := range m.rings {
		if s.TargetGroup != 0 && tg != int(s.TargetGroup) {
			continue
		}
		for v, r := range m.rings[tg] {
			if r == nil {
				continue
			}
			if s.Version != "" && (v == 0 || w.versions[v-1].spec.Name != string(s.Version)) {
				continue
			}
			for age := skip; age < n; age++ {
				if p := r.get(m.slots-1-int64(age), m.hist); p != nil {
					f(age, p)
				}
			}
		}
	}
}

// begin starts measuring a deployment from from to to.
func (m *meter) begin(from, to int8) {
	w := m.w
	m.measuring = true
	m.start = w.s.Now()
	m.from, m.to = from, to
	var pt Point
	pt.PerVersion = make([]VersionPoint, len(w.versions))
	m.baseCap, m.baseInst = m.census(&pt)
	m.peak = m.baseInst
	m.kindSince = m.start
	if m.activeFaults > 0 {
		m.firstFault = m.start
	}
}

// faultStarted and faultEnded track the faults in effect: the first one in
// effect during the deployment is where a problem may have begun.
func (m *meter) faultStarted() {
	m.activeFaults++
	if m.measuring && m.firstFault < 0 {
		m.firstFault = m.w.s.Now()
	}
}

func (m *meter) faultEnded() { m.activeFaults = max(0, m.activeFaults-1) }

// spend accounts the strategy's time since the last change of kind and
// switches to kind.
func (m *meter) spend(kind strategies.PhaseKind) {
	if !m.measuring || m.endAt >= 0 {
		return
	}
	now := m.w.s.Now()
	switch d := now.Sub(m.kindSince); m.kind {
	case strategies.PhaseWaiting:
		m.waiting += d
	case strategies.PhaseTerminationWait:
		m.termWait += d
	}
	m.kind, m.kindSince = kind, now
}

func (w *World) rollbackStarted(t strategies.Trigger, reason string) {
	m := &w.meter
	if m.rollbackAt < 0 {
		m.rollbackAt = w.s.Now()
		m.rollbackTrigger = t
		m.flagOnAtRollback = m.flag >= 0 && w.flagPct[m.flag] > 0
	}
	w.mark("rollback", "%s", reason)
}

// bitset is a fixed set of small integers.
type bitset []uint64

func newBitset(n int) bitset      { return make(bitset, (n+63)/64) }
func (b bitset) set(i int32)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) has(i int32) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) count() int {
	n := 0
	for _, x := range b {
		n += bits.OnesCount64(x)
	}
	return n
}
