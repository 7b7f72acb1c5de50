// Package strategies holds the deployment strategy controllers and the
// contract through which they act on a world.
//
// A strategy is written like the runbook it implements: sequential steps,
// waits and polls against the interfaces of the contract (contract.go).
// It never imports the simulator: go list -deps ./strategies contains
// neither sim nor models, and a test keeps it that way. Planning arithmetic
// (batch sizes, rounding, step schedules) lives in package plan, pure and
// table-tested; statistical and threshold analysis in package analysis.
package strategies
