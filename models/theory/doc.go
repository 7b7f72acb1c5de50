// Package theory holds the closed-form results the simulator's fidelity tests
// check it against: the M/M/c queue (Erlang B and C, mean waiting and
// response times, utilisation) and the lumpiness of weighted DNS when each
// resolver caches one weighted answer for all its users.
//
// The functions are pure and take plain float64 rates: λ (arrivals per unit
// time) and μ (services per unit time per server); times come back in the
// same unit. Invalid arguments (negative or NaN rates, c < 1, p outside
// [0, 1]) give NaN, as math.Sqrt(-1) does, so a broken fixture shows up in
// the comparison rather than as a plausible number. An unstable queue
// (λ ≥ cμ) waits forever: ErlangC is 1 and the mean times are +Inf.
package theory
