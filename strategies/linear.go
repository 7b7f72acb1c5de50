package strategies

import (
	"fmt"
	"time"

	"github.com/deploysim/deploysim/strategies/plan"
)

// LinearConfig configures linear. Set one of deployment_config (a
// CodeDeploy TimeBasedLinear or other predefined name; default
// CodeDeployDefault.ECSLinear10PercentEvery1Minutes), linear_percentage
// with linear_interval (custom CodeDeploy TimeBasedLinear), or
// step_percent with step_bake_time (ECS linear, defaults 10 % / 6m).
type LinearConfig struct {
	TrafficRouting   string         `yaml:"traffic_routing"` // alb (default) or dns
	DeploymentConfig string         `yaml:"deployment_config"`
	LinearPercentage float64        `yaml:"linear_percentage"`
	LinearInterval   time.Duration  `yaml:"linear_interval"`
	StepPercent      float64        `yaml:"step_percent"`
	StepBakeTime     *time.Duration `yaml:"step_bake_time"`
	Rollback         Rollback       `yaml:"rollback"`
}

func newLinear(c LinearConfig) (Strategy, error) {
	s := &shifter{name: "linear", routing: c.TrafficRouting}
	custom := c.LinearPercentage != 0 || c.LinearInterval != 0
	ecs := c.StepPercent != 0 || c.StepBakeTime != nil
	if (c.DeploymentConfig != "" && (custom || ecs)) || (custom && ecs) {
		return nil, fmt.Errorf("set only one of deployment_config, linear_percentage/linear_interval, step_percent/step_bake_time")
	}
	var err error
	switch {
	case custom:
		err = s.fromSchedule(plan.TrafficRouting{Type: plan.TimeBasedLinear, LinearPercent: c.LinearPercentage, LinearInterval: c.LinearInterval}.Schedule())
	case ecs:
		s.ecs = true
		e := plan.DefaultECSLinearConfiguration()
		if c.StepPercent != 0 {
			e.StepPercent = c.StepPercent
		}
		if c.StepBakeTime != nil {
			e.StepBakeTime = *c.StepBakeTime
		}
		err = s.fromSchedule(e.Schedule())
	default:
		name := c.DeploymentConfig
		if name == "" {
			name = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
		}
		var p plan.PredefinedTrafficConfig
		if p, err = plan.CodeDeployTrafficConfig(name); err == nil {
			s.ecs = p.Platform == plan.PlatformECS
			err = s.fromSchedule(p.Routing.Schedule())
		}
	}
	if err != nil {
		return nil, err
	}
	if s.routing == "replicas" {
		return nil, fmt.Errorf("traffic_routing replicas: allowed alb, dns")
	}
	return s.finishConfig(c.Rollback, "alb")
}
