package models

import (
	"fmt"
	"slices"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// dnsState is the authoritative side of Route 53: the application's
// weighted records, the environment names they point to, and the answer
// table derived from both.
type dnsState struct {
	records []strategies.WeightedRecord
	cnames  map[string]int32 // environment name → load balancer (-1: none)
	// The answers a resolver can get: a load balancer (-1 for a name that
	// leads nowhere) with cumulative weights.
	ansLB  []int32
	ansCum []int32
	total  int32
}

// resolver is a caching recursive resolver shared by many users.
type resolver struct {
	lb  int32
	exp sim.Time
}

// user is the state the world keeps for one member of the population:
// only what some users need (a TTL-ignoring client's own answer, a sticky
// target). Where a user's resolver is, whether its client ignores the TTL,
// and its cohort position are derived from a hash of its number instead,
// so that the common request touches no per-user memory.
type user struct {
	ownLB     int32 // the answer a TTL-ignoring client keeps
	sticky    int32 // lb_cookie target
	stickyTG  int32
	ownExp    sim.Time
	stickyExp sim.Time
}

func (w *World) initUsers() {
	n := w.cfg.Traffic.Users
	w.users = make([]user, n)
	w.resolvers = make([]resolver, w.cfg.DNS.Resolvers)
	for k := range w.resolvers {
		w.resolvers[k].exp = -1
	}
	w.userSalt = w.streams.Source("population").Uint64()
	for u := range w.users {
		us := &w.users[u]
		us.ownExp, us.stickyExp = -1, -1
		us.sticky, us.stickyTG = -1, -1
	}
	w.setIgnoreTTL(w.cfg.DNS.IgnoreTTLFraction)
}

// warmCaches starts the run as if it had been going for long: every
// resolver holds the current answer with an expiry spread uniformly over
// the TTL, and every TTL-ignoring client its own copy spread over its hold
// time. Without this all caches would expire in step and a DNS change
// would take effect for everyone at once.
func (w *World) warmCaches() {
	for k := range w.resolvers {
		w.resolvers[k].lb = w.pickAnswer()
		w.resolvers[k].exp = sim.Time(w.rDNS.Int64N(int64(w.cfg.DNS.TTL) + 1))
	}
	for u := range w.users {
		if w.ignoresTTL(int32(u)) {
			us := &w.users[u]
			us.ownLB = w.resolvers[w.userResolver(int32(u))].lb
			us.ownExp = sim.Time(w.rDNS.Int64N(int64(w.cfg.DNS.IgnoreTTLFor) + 1))
		}
	}
}

// userHash is a fixed pseudo-random 64-bit value per user (SplitMix64 of
// the user number and the world's salt).
func (w *World) userHash(u int32) uint64 {
	x := uint64(u) ^ w.userSalt
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// userResolver is the resolver user u sends its queries to.
func (w *World) userResolver(u int32) int32 {
	return int32((w.userHash(u) >> 32) * uint64(len(w.resolvers)) >> 32)
}

// ignoresTTL reports whether u's client ignores the TTL: the users whose
// hash falls below the configured share.
func (w *World) ignoresTTL(u int32) bool {
	return w.userHash(u)&0xffffffff < w.ignoreBelow
}

// cohort is u's stable position in [0, 100) for percentage rollouts;
// independent of the bits that choose its resolver and TTL behaviour.
func (w *World) cohort(u int32) float64 {
	h := w.userHash(u) * 0xd6e8feb86659fd93 // a second, independent mix
	h ^= h >> 32
	return float64(h>>40) / (1 << 24) * 100
}

// setIgnoreTTL makes a stable share of users' clients ignore the TTL.
func (w *World) setIgnoreTTL(fraction float64) {
	w.ignoreBelow = uint64(fraction * (1 << 32))
	for u := range w.users {
		if !w.ignoresTTL(int32(u)) {
			w.users[u].ownExp = -1
		}
	}
}

// refreshAnswers rebuilds the answer table after a change of records,
// names or load balancers. Route 53 rules: a record's share is
// weight / Σweights; records of weight 0 get no traffic unless every
// record has weight 0, in which case all are returned with equal
// probability.
func (w *World) refreshAnswers() {
	d := &w.dns
	d.ansLB, d.ansCum, d.total = d.ansLB[:0], d.ansCum[:0], 0
	allZero := true
	for _, r := range d.records {
		allZero = allZero && r.Weight == 0
	}
	for _, r := range d.records {
		wt := int32(r.Weight)
		if allZero {
			wt = 1
		}
		if wt == 0 {
			continue
		}
		lb, ok := d.cnames[r.Target]
		if !ok || lb < 0 || w.lbs[lb].deleted {
			lb = -1
		}
		d.total += wt
		d.ansLB = append(d.ansLB, lb)
		d.ansCum = append(d.ansCum, d.total)
	}
}

// pickAnswer is one weighted answer from the authoritative servers.
func (w *World) pickAnswer() int32 {
	d := &w.dns
	if d.total == 0 || w.faults.dnsDown {
		return -1
	}
	if len(d.ansLB) == 1 {
		return d.ansLB[0]
	}
	x := w.rDNS.Int32N(d.total)
	for k, c := range d.ansCum {
		if x < c {
			return d.ansLB[k]
		}
	}
	return -1
}

// resolve returns the load balancer user u's next request goes to.
func (w *World) resolve(u int32) int32 {
	now := w.s.Now()
	ignores := w.ignoreBelow > 0 && w.ignoresTTL(u)
	if ignores && w.users[u].ownExp > now {
		return w.users[u].ownLB
	}
	r := &w.resolvers[w.userResolver(u)]
	if r.exp <= now {
		r.lb = w.pickAnswer()
		r.exp = now.Add(w.cfg.DNS.TTL)
		if r.lb < 0 {
			r.exp = now.Add(min(w.cfg.DNS.TTL, 5*time.Second)) // negative answers are cached briefly
		}
	}
	if ignores {
		w.users[u].ownLB, w.users[u].ownExp = r.lb, now.Add(w.cfg.DNS.IgnoreTTLFor)
	}
	return r.lb
}

func (w *World) setRecords(recs []strategies.WeightedRecord) error {
	ids := map[string]bool{}
	for _, r := range recs {
		if r.Weight < 0 || r.Weight > 255 {
			return fmt.Errorf("route53: record %q weight %d: allowed 0–255", r.SetIdentifier, r.Weight)
		}
		if ids[r.SetIdentifier] || r.SetIdentifier == "" {
			return fmt.Errorf("route53: SetIdentifier %q: must be unique and non-empty", r.SetIdentifier)
		}
		ids[r.SetIdentifier] = true
		if _, ok := w.dns.cnames[r.Target]; !ok {
			return fmt.Errorf("route53: record %q target %q: %w", r.SetIdentifier, r.Target, strategies.ErrNotFound)
		}
	}
	w.dns.records = slices.Clone(recs)
	w.refreshAnswers()
	return nil
}

// staleAnswers counts the cached answers — resolvers', and TTL-ignoring
// clients' own — that lead where the current records send no one: a
// terminated load balancer, or one no record's answer names any more.
func (w *World) staleAnswers() int {
	now := w.s.Now()
	current := func(lb int32) bool {
		return slices.Contains(w.dns.ansLB, lb) && (lb < 0 || !w.lbs[lb].deleted)
	}
	n := 0
	for k := range w.resolvers {
		if r := &w.resolvers[k]; r.exp > now && !current(r.lb) {
			n++
		}
	}
	if w.ignoreBelow == 0 {
		return n
	}
	for u := range w.users {
		if us := &w.users[u]; us.ownExp > now && w.ignoresTTL(int32(u)) && !current(us.ownLB) {
			n++
		}
	}
	return n
}
