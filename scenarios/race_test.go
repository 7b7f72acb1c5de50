//go:build race

package scenarios

// raceEnabled: the race detector slows the simulator about tenfold, too
// much for tests that run every built-in scenario in full.
const raceEnabled = true
