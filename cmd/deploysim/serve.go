package main

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/deploysim/deploysim/models"
	"github.com/deploysim/deploysim/report"
	"github.com/deploysim/deploysim/scenarios"
	"github.com/deploysim/deploysim/sim"
)

// serveCmd runs one scenario paced against the wall clock and serves its
// live state: Prometheus metrics, a JSON snapshot and a small page.
func (a *app) serveCmd() *cobra.Command {
	var (
		strategy string
		addr     string
		speed    float64
		exit     bool
	)
	c := &cobra.Command{
		Use:   "serve FILE|BUILTIN",
		Short: "Run one scenario live, paced, with Prometheus /metrics and a live page",
		Long: `serve runs one strategy of a scenario once, paced so that one wall second is
--speed simulated seconds, and serves the simulated world's current state:
/metrics (Prometheus/OpenMetrics: requests by version and outcome, healthy
targets, listener and DNS weights, alarm states, deployment phase, the
simulator's events/s), /state (JSON) and a live page at /. Point a real
Prometheus and your real alert rules at a simulated deployment.`,
		Example: `  deploysim serve default --strategy canary --speed 60
  deploysim serve my.yaml --addr 127.0.0.1:9100`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if math.IsNaN(speed) || speed < minSpeed || speed > maxSpeed {
				return usage("--speed %v: allowed %g to %g simulated seconds per wall second", speed, minSpeed, maxSpeed)
			}
			sc, err := a.load(args[0])
			if err != nil {
				return err
			}
			st, err := pickStrategy(sc, strategy)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			live := report.NewLive(sc.Name, st.Label)
			srv := newServer(live.Handler())
			go srv.Serve(limitListener(ln, maxConns))
			defer srv.Close()
			fmt.Fprintf(a.stderr, "serving %s / %s on http://%s (speed ×%g; Ctrl-C stops)\n", sc.Name, st.Label, ln.Addr(), speed)

			seed := sc.Seed
			if cmd.Flags().Changed("seed") {
				seed = a.seed
			}
			ctx := cmd.Context()
			res, err := sc.RunWith(ctx, st, scenarios.ReplicationSeed(seed, 0), func(w *models.World) {
				pace(ctx, w, speed, live)
			})
			live.Finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stderr, "run finished: %s (%s simulated)\n", res.Outcome, (res.Timeline.EndAt).Round(time.Second))
			if exit {
				return nil
			}
			<-ctx.Done()
			return nil
		},
	}
	c.Flags().StringVar(&strategy, "strategy", "", "the strategy (label) to run (default: the scenario's first)")
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (loopback by default)")
	c.Flags().Float64Var(&speed, "speed", 60, "simulated seconds per wall second (0.01 to 100000)")
	c.Flags().BoolVar(&exit, "exit", false, "exit when the run is over instead of serving its final state")
	a.seedFlag(c)
	a.importDirFlag(c)
	return c
}

// The live server's bounds: --speed keeps the pacer's tick (100 ms of
// wall time × speed) between 1 ms and about 3 h of simulated time; the
// timeouts and the connection limit keep slow or idle clients from
// holding the server (docs/limits.md).
const (
	minSpeed = 0.01
	maxSpeed = 100_000.0
	maxConns = 64
)

// newServer is the live page's HTTP server: every phase of a request and
// an idle keep-alive connection has a deadline, and headers are bounded.
func newServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// limitListener accepts at most n connections at once; more wait in the
// kernel's backlog until one closes.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

type limited struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func (l *limited) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limited) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func pickStrategy(sc *scenarios.Scenario, label string) (*scenarios.Strategy, error) {
	if len(sc.Strategies) == 0 {
		return nil, usage("%s has no strategies", sc.Name)
	}
	if label == "" {
		return &sc.Strategies[0], nil
	}
	for i := range sc.Strategies {
		if sc.Strategies[i].Label == label {
			return &sc.Strategies[i], nil
		}
	}
	var labels []string
	for _, s := range sc.Strategies {
		labels = append(labels, s.Label)
	}
	return nil, usage("--strategy %q: not in %s (allowed: %v)", label, sc.Name, labels)
}

// pace adds a process to the world that, every tick of simulated time,
// publishes a snapshot and sleeps until the wall clock has caught up with
// the simulated time divided by speed. Only the timing of the run
// depends on the wall clock; what happens in it does not.
func pace(ctx context.Context, w *models.World, speed float64, live *report.Live) {
	tick := time.Duration(float64(100*time.Millisecond) * speed) // ten snapshots a wall second
	start := time.Now()
	w.Sim().Go("pacer", func(p *sim.Proc) {
		for ctx.Err() == nil {
			live.Update(w.Snapshot())
			p.Sleep(tick)
			due := start.Add(time.Duration(float64(p.Now()) / speed))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
	})
}
