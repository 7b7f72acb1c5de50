package plan_test

import (
	"fmt"

	"github.com/deploysim/deploysim/strategies/plan"
)

func ExampleCodeDeployTrafficConfig() {
	cfg, err := plan.CodeDeployTrafficConfig("CodeDeployDefault.LambdaLinear10PercentEvery1Minute")
	if err != nil {
		fmt.Println(err)
		return
	}
	steps, _ := cfg.Routing.Schedule()
	last := steps[len(steps)-1]
	fmt.Printf("%d shifts, 100%% at %v\n", len(steps), last.At)
	// Output: 10 shifts, 100% at 9m0s
}

func ExampleResolveK8sRollingUpdate() {
	limits, _ := plan.ResolveK8sRollingUpdate(plan.DefaultK8sRollingUpdate(), 10)
	fmt.Printf("surge %d, unavailable %d\n", limits.MaxSurgePods, limits.MaxUnavailablePods)
	// Output: surge 3, unavailable 2
}

func ExampleCodeDeployMaxConcurrent() {
	half, _ := plan.CodeDeployServerConfig(plan.CodeDeployHalfAtATime)
	n, _ := plan.CodeDeployMaxConcurrent(half, 9)
	fmt.Println(n)
	// Output: 4
}

func ExampleArgoBasicCanaryReplicas() {
	canary, stable, _ := plan.ArgoBasicCanaryReplicas(10, 41, 3)
	fmt.Println(canary, stable)
	// Output: 4 6
}

func ExampleECSCircuitBreakerThreshold() {
	for _, desired := range []int{1, 6, 10, 500} {
		fmt.Print(plan.ECSCircuitBreakerThreshold(desired), " ")
	}
	fmt.Println()
	// Output: 3 3 5 200
}
