package strategies

import (
	"fmt"
	"time"
)

// ABTestConfig configures ab-test: a fixed split (Route 53 weighted
// records 90/10 by default, or ALB weights) for Duration, then a Kayenta
// judgement of the new version against the old decides promote or abort.
// Iterations × Interval may set the duration instead.
type ABTestConfig struct {
	TrafficRouting string `yaml:"traffic_routing"` // dns (default) or alb
	// Weight is the new version's share: 10.
	Weight float64 `yaml:"weight"`
	// Duration of the experiment: 30m. Iterations × Interval
	// sets it too.
	Duration   time.Duration `yaml:"duration"`
	Iterations int           `yaml:"iterations"`
	Interval   time.Duration `yaml:"interval"`
	// Judge compares the versions over the whole experiment (default
	// metrics error_rate and latency_p99).
	Judge    *JudgeConfig `yaml:"judge"`
	Rollback Rollback     `yaml:"rollback"`
}

func newABTest(c ABTestConfig) (Strategy, error) {
	if c.Weight == 0 {
		c.Weight = 10
	}
	if c.Weight <= 0 || c.Weight >= 100 {
		return nil, fmt.Errorf("weight %v: allowed more than 0 and less than 100", c.Weight)
	}
	switch {
	case c.Iterations > 0 && c.Duration > 0:
		return nil, fmt.Errorf("set duration or iterations, not both")
	case c.Iterations > 0:
		if c.Interval <= 0 {
			c.Interval = time.Minute
		}
		c.Duration = time.Duration(c.Iterations) * c.Interval
	case c.Duration == 0:
		c.Duration = 30 * time.Minute
	}
	j := JudgeConfig{}
	if c.Judge != nil {
		j = *c.Judge
	}
	if j.Interval == 0 {
		j.Interval = c.Duration
	}
	if _, err := j.judge(); err != nil {
		return nil, fmt.Errorf("judge: %w", err)
	}
	s := &shifter{
		name: "ab-test", routing: c.TrafficRouting, fullFleet: true,
		steps: []cstep{
			{weight: c.Weight},
			{weight: -1, judge: &j},
		},
	}
	if s.routing == "replicas" {
		return nil, fmt.Errorf("traffic_routing replicas: allowed dns, alb")
	}
	return s.finishConfig(c.Rollback, "dns")
}
