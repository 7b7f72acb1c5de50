package theory

import "math"

// validLoad reports whether c servers and offered load a = λ/μ (in Erlangs)
// make sense.
func validLoad(c int, a float64) bool {
	return c >= 1 && a >= 0 && !math.IsInf(a, 0) // NaN fails a >= 0
}

// OfferedLoad returns a = λ/μ in Erlangs: the mean number of busy servers an
// infinite-server system would have.
func OfferedLoad(lambda, mu float64) float64 {
	if !(lambda >= 0 && mu > 0) {
		return math.NaN()
	}
	return lambda / mu
}

// Utilization returns ρ = λ/(cμ), the long-run share of time a server is
// busy when the queue is stable (ρ < 1).
func Utilization(lambda, mu float64, c int) float64 {
	if c < 1 {
		return math.NaN()
	}
	return OfferedLoad(lambda, mu) / float64(c)
}

// ErlangB returns the probability that an arrival finds all c servers busy
// in an M/M/c/c loss system (no queue) with offered load a Erlangs.
//
// It uses the recurrence B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), which
// stays within [0, 1] at every step, instead of the textbook ratio of
// a^c/c! to a partial sum of the exponential series, which overflows for
// c beyond ~170.
func ErlangB(c int, a float64) float64 {
	if !validLoad(c, a) {
		return math.NaN()
	}
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC returns the probability that an arrival has to wait in an M/M/c
// queue with offered load a = λ/μ Erlangs: C = c·B / (c − a·(1 − B)) with B
// the Erlang B value. For c = 1 it is ρ. It is 1 when a ≥ c (unstable).
func ErlangC(c int, a float64) float64 {
	if !validLoad(c, a) {
		return math.NaN()
	}
	if a >= float64(c) {
		return 1
	}
	b := ErlangB(c, a)
	return float64(c) * b / (float64(c) - a*(1-b))
}

// MeanWait returns Wq, the mean time an arrival spends queueing before
// service starts in an M/M/c queue: C / (cμ − λ).
func MeanWait(lambda, mu float64, c int) float64 {
	a := OfferedLoad(lambda, mu)
	if !validLoad(c, a) {
		return math.NaN()
	}
	if a >= float64(c) {
		return math.Inf(1)
	}
	return ErlangC(c, a) / (float64(c)*mu - lambda)
}

// MeanResponse returns W = Wq + 1/μ, the mean time in the system (queueing
// plus service) of an M/M/c queue.
func MeanResponse(lambda, mu float64, c int) float64 {
	return MeanWait(lambda, mu, c) + 1/mu
}

// MeanQueueLength returns Lq = λ·Wq, the mean number of arrivals waiting
// (Little's law).
func MeanQueueLength(lambda, mu float64, c int) float64 {
	w := MeanWait(lambda, mu, c)
	if lambda == 0 && !math.IsNaN(w) {
		return 0
	}
	return lambda * w
}

// WaitTail returns P(Wq > t), the probability that an arrival waits longer
// than t before service starts in an M/M/c queue: C·e^(−(cμ−λ)t) for t ≥ 0.
// It lets a test check waiting-time quantiles, not only means.
func WaitTail(lambda, mu float64, c int, t float64) float64 {
	a := OfferedLoad(lambda, mu)
	if !validLoad(c, a) || !(t >= 0) {
		return math.NaN()
	}
	if a >= float64(c) {
		return 1
	}
	return ErlangC(c, a) * math.Exp(-(float64(c)*mu-lambda)*t)
}
