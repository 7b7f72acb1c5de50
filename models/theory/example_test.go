package theory_test

import (
	"fmt"

	"github.com/deploysim/deploysim/models/theory"
)

func ExampleErlangC() {
	// Two servers, each busy half the time: a third of arrivals wait.
	fmt.Printf("%.4f\n", theory.ErlangC(2, 1))
	// Output: 0.3333
}

func ExampleMeanResponse() {
	// 8 instances serving 70 requests/s at 10 requests/s each (100 ms).
	lambda, mu, c := 70.0, 10.0, 8
	fmt.Printf("ρ = %.3f, P(wait) = %.3f, W = %.1f ms\n",
		theory.Utilization(lambda, mu, c), theory.ErlangC(c, lambda/mu), 1000*theory.MeanResponse(lambda, mu, c))
	// Output: ρ = 0.875, P(wait) = 0.635, W = 163.5 ms
}

func ExampleWeightedShareStdDev() {
	// A 10 % canary record behind 10 caching resolvers.
	fmt.Printf("%.3f ± %.3f\n", theory.WeightedShareMean(0.1, 10), theory.WeightedShareStdDev(0.1, 10))
	// Output: 0.100 ± 0.095
}
