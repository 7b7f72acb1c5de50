package sim_test

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/sim"
)

// A hot-path handler and a process sharing one clock.
func Example() {
	s := sim.New()
	served := 0
	var arrive sim.Kind
	arrive = s.Register(func(user, _ int64) {
		served++
		s.After(time.Second, arrive, user, 0)
	})
	s.At(0, arrive, 1, 0)

	s.Go("controller", func(p *sim.Proc) {
		p.Sleep(10 * time.Second)
		fmt.Printf("at %v: %d requests served\n", p.Now(), served)
	})
	s.RunUntil(sim.At(time.Minute))
	s.Close()
	fmt.Printf("at %v: %d events\n", s.Now(), s.Events())
	// Output:
	// at 10s: 10 requests served
	// at 1m0s: 63 events
}
