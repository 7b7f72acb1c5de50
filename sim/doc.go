// Package sim provides the deterministic discrete-event core of deploysim:
// a virtual clock, a pending-event set, cancelable timers, processes for
// controller-style code, and seeded random streams.
//
// It imports only the standard library and knows nothing of deployments.
//
// # Two ways to act
//
// Hot-path code (request arrivals and completions, health checks, metric
// ticks) registers a [Handler] once with [Sim.Register] and schedules plain
// events that carry a small [Kind] and two integer arguments. Scheduling and
// dispatching such an event allocates nothing in steady state and boxes no
// payload: a model keeps its state in slices indexed by the integers.
//
// Controller-style code (deployment strategies, fault schedules) runs as a
// [Proc]: sequential Go code that calls [Proc.Sleep], [Proc.Wait] or
// [Proc.WaitUntil]. Processes are coroutines (iter.Pull); exactly one piece of
// code runs at any moment and hand-off happens only at those calls, so a run
// is as deterministic as one made of plain events.
//
// # Order
//
// Events run in order of their time; events with equal times run in the
// order they were scheduled. The pending set is a radix heap on the integer
// time (see queue.go for why it beats a binary heap here); the package tests
// check it against a reference binary heap ordered by (time, sequence).
//
// # Determinism
//
// Nothing here reads the wall clock or a global random source. [Streams]
// derives one independent PCG stream per component (by name) or per
// replication (by index) from a single root seed.
package sim
