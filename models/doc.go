// Package models is the simulated world deploysim runs strategies against:
// versions, instances and Auto Scaling groups, an Application Load Balancer
// with weighted target groups, health checks and draining, Route 53
// weighted records behind caching resolvers, a database with a schema and
// migrations, the users and their requests, CloudWatch-style observation
// and alarms, and the fault hooks chaos schedules drive.
//
// The world implements the contract of package strategies on top of the
// event core (package sim) and measures, from the simulated requests and
// state alone, every metric a Result reports.
//
// # Order of a request
//
// arrival (Poisson, thinned for non-constant profiles) → user (uniform over
// the population) → DNS answer (the user's own cache if its client ignores
// the TTL, else its resolver's cache, refreshed by a weighted pick when the
// TTL has expired) → load balancer → target group (listener weights) →
// target (stickiness, then round robin or least outstanding requests over
// the routable targets; all registered targets when none is healthy: fail
// open) → instance (refused when the application is down; served when a
// concurrency slot is free; queued while the queue has room; else
// overload) → outcome at completion (schema, app_error, ok; timeout when
// the client gives up first; connection_reset when the instance dies
// first).
//
// Nothing on that path allocates: requests live in a slab indexed by the
// integers the events carry, and every aggregate is a fixed-size counter.
package models
