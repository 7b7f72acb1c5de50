package models

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/deploysim/deploysim/sim"
	"github.com/deploysim/deploysim/strategies"
)

// World is one simulated production service. It is single-threaded, like
// the sim.Sim under it; replications use one World each.
type World struct {
	cfg Config
	s   *sim.Sim

	// One stream per component, so that changing one component's draws
	// never shifts another's.
	rArrive, rRoute, rServe, rHealth, rInfra, rDNS *rand.Rand
	streams                                        sim.Streams

	versions []version
	vIndex   map[string]int8

	insts     []instance
	groups    []group
	tgs       []targetGroup
	lbs       []loadBalancer
	dns       dnsState
	resolvers []resolver
	users     []user
	// userSalt seeds the per-user hash; ignoreBelow is the hash threshold
	// under which a user's client ignores the TTL.
	userSalt, ignoreBelow uint64

	reqs    []request
	freeReq []int32

	db        dbState
	flagNames []string
	flagPct   []float64

	// changed is notified whenever instances, targets, groups or the
	// schema change, so that processes waiting on such a condition
	// re-check it.
	changed    *sim.Signal
	genCounter uint32

	traffic trafficState
	faults  faultState
	meter   meter
	alarms  []alarm
	log     []Mark
	// err is the first input error met while running (an expression
	// that failed to evaluate): it stops the run.
	err error

	kArrive, kDone, kBoot, kCrash, kRestart, kShutdown, kHealth, kDrain, kReconcile, kTick sim.Kind
}

// version is a VersionSpec compiled for the hot path.
type version struct {
	spec               VersionSpec
	mu, sigma, expMean float64 // service time in seconds
	schemaMin          int
	schemaMax          int
	flag               int8 // feature flag slot, -1 for none
}

// New builds the world of cfg at time zero: the live fleet of cfg.Instances
// instances of cfg.From, booted, registered and healthy behind one load
// balancer ("blue") reachable through the application's weighted record.
// seed determines every random draw of the run.
func New(cfg Config, seed uint64) (*World, error) {
	return NewContext(context.Background(), cfg, seed)
}

// NewContext is New that stops building a large fleet when ctx is
// cancelled, returning ctx's error.
func NewContext(ctx context.Context, cfg Config, seed uint64) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &World{cfg: cfg, s: sim.New(), streams: sim.NewStreams(seed)}
	w.changed = w.s.NewSignal()
	w.rArrive = w.streams.Rand("arrivals")
	w.rRoute = w.streams.Rand("routing")
	w.rServe = w.streams.Rand("service")
	w.rHealth = w.streams.Rand("health")
	w.rInfra = w.streams.Rand("infrastructure")
	w.rDNS = w.streams.Rand("dns")

	w.kArrive = w.s.Register(w.arrive)
	w.kDone = w.s.Register(w.complete)
	w.kBoot = w.s.Register(w.booted)
	w.kCrash = w.s.Register(w.crash)
	w.kRestart = w.s.Register(w.restart)
	w.kShutdown = w.s.Register(w.shutdown)
	w.kHealth = w.s.Register(w.healthCheck)
	w.kDrain = w.s.Register(w.drainTimeout)
	w.kReconcile = w.s.Register(w.reconcile)
	w.kTick = w.s.Register(w.tick)

	w.vIndex = map[string]int8{}
	for _, v := range cfg.Versions {
		if len(w.versions) >= maxVersions {
			return nil, fmt.Errorf("world: at most %d versions", maxVersions)
		}
		w.vIndex[v.Name] = int8(len(w.versions))
		w.versions = append(w.versions, w.compileVersion(v))
	}
	w.deriveSchemas()
	w.db.schema = cfg.DB.Schema
	w.faults.init(len(w.versions), len(cfg.AZs))
	w.initUsers()
	w.meter.init(w)
	for k, a := range cfg.Alarms {
		al, err := parseAlarm(a)
		if err != nil {
			return nil, err
		}
		al.index = k
		w.alarms = append(w.alarms, al)
	}

	// Target group 0 stands for "no target group" in scopes, so that
	// strategies.Scope's zero value means "any".
	w.newTargetGroup("")
	w.tgs[0].deleted = true

	// The live environment, already in steady state.
	tg := w.newTargetGroup("blue")
	lb := w.newLoadBalancer("blue", tg)
	g := w.newGroup(strategies.GroupSpec{
		Name: "blue", Version: strategies.Version(cfg.From),
		Desired: cfg.Instances, Min: 0, Max: 4 * cfg.Instances,
		TargetGroups: []strategies.TargetGroupID{strategies.TargetGroupID(tg)},
	})
	for k := range cfg.Instances {
		if k%256 == 255 && ctx.Err() != nil {
			w.Close()
			return nil, ctx.Err()
		}
		i := w.launch(g, true)
		w.registerTarget(tg, i, true)
	}
	w.dns.records = []strategies.WeightedRecord{{SetIdentifier: "blue", Target: "blue", Weight: 100}}
	w.dns.cnames = map[string]int32{"blue": int32(lb)}
	w.refreshAnswers()
	w.warmCaches()

	w.s.At(0, w.kArrive, 0, 0)
	w.s.At(0, w.kTick, 0, 0)
	return w, nil
}

const maxVersions = 8

func (w *World) compileVersion(v VersionSpec) version {
	cv := version{spec: v, flag: -1}
	if v.Flag != "" {
		cv.flag = w.flagIndex(v.Flag)
	}
	p50 := v.LatencyP50.Seconds()
	p99 := v.LatencyP99.Seconds()
	cv.mu = math.Log(p50)
	// z(0.99) = 2.3263478740408408: the log-normal through p50 and p99.
	cv.sigma = math.Log(p99/p50) / 2.3263478740408408
	cv.expMean = p50 / math.Ln2
	return cv
}

// deriveSchemas fills in the schema range of versions that did not set
// one: the live version works with the start schema and every leading
// expand migration; any other version needs every migration of the release
// (it is the code the migrations were written for).
func (w *World) deriveSchemas() {
	base := w.cfg.DB.Schema
	n := len(w.cfg.DB.Migrations)
	expands := 0
	for _, m := range w.cfg.DB.Migrations {
		if m.Kind != Expand {
			break
		}
		expands++
	}
	for i := range w.versions {
		v := &w.versions[i]
		if v.spec.SchemaMin != 0 || v.spec.SchemaMax != 0 {
			v.schemaMin, v.schemaMax = v.spec.SchemaMin, v.spec.SchemaMax
			if v.schemaMax == 0 {
				v.schemaMax = math.MaxInt32
			}
			continue
		}
		if v.spec.Name == w.cfg.From {
			v.schemaMin, v.schemaMax = math.MinInt32, base+expands
			continue
		}
		// New code runs on the expanded schema and on everything after.
		v.schemaMin, v.schemaMax = base+min(n, 1), math.MaxInt32
		if n == 0 {
			v.schemaMin = math.MinInt32
		}
	}
}

// Sim returns the event core the world runs on.
func (w *World) Sim() *sim.Sim { return w.s }

// Now returns the current virtual time.
func (w *World) Now() time.Duration { return w.s.Now().Duration() }

// Config returns the world's configuration.
func (w *World) Config() Config { return w.cfg }

// Close releases the processes of the world.
func (w *World) Close() { w.s.Close() }

// Streams returns the world's random streams, from which callers (fault
// schedules, strategies) derive their own by name.
func (w *World) Streams() sim.Streams { return w.streams }

// versionOf returns the index of a version name, or -1.
func (w *World) versionOf(name strategies.Version) int8 {
	if i, ok := w.vIndex[string(name)]; ok {
		return i
	}
	return -1
}

// sample draws from d with r.
func sample(r *rand.Rand, d Dist) time.Duration {
	if d.StdDev <= 0 || d.Mean <= 0 {
		return d.Mean
	}
	m, s := d.Mean.Seconds(), d.StdDev.Seconds()
	s2 := math.Log(1 + (s*s)/(m*m))
	mu := math.Log(m) - s2/2
	return time.Duration(math.Exp(mu+math.Sqrt(s2)*r.NormFloat64()) * 1e9)
}

// Mark is a point of the run worth showing: a phase, a fault, an alarm, a
// decision.
type Mark struct {
	At   time.Duration
	Kind string // "phase", "fault", "alarm", "rollback", "note", "deploy"
	Text string
}

func (w *World) mark(kind, format string, args ...any) {
	w.log = append(w.log, Mark{At: w.Now(), Kind: kind, Text: fmt.Sprintf(format, args...)})
}

// Marks returns the marks so far, in time order.
func (w *World) Marks() []Mark { return slices.Clone(w.log) }
