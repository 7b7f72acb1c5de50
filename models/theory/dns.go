package theory

import (
	"fmt"
	"math"
)

// Route53Shares returns the expected traffic share of each record of a
// Route 53 weighted record set: weight / Σ weights, or an equal split when
// every weight is 0. Weights are 0–255. (Route 53 also answers with a
// weight-0 record when every other record is unhealthy; health is not
// modelled here.)
func Route53Shares(weights []int) ([]float64, error) {
	if len(weights) == 0 {
		return nil, fmt.Errorf("theory: Route 53 weighted record set is empty")
	}
	total := 0
	for i, w := range weights {
		if w < 0 || w > 255 {
			return nil, fmt.Errorf("theory: weight %d of record %d: allowed 0 to 255", w, i)
		}
		total += w
	}
	shares := make([]float64, len(weights))
	for i, w := range weights {
		if total == 0 {
			shares[i] = 1 / float64(len(weights))
		} else {
			shares[i] = float64(w) / float64(total)
		}
	}
	return shares, nil
}

// WeightedShareMean returns the expected share of users that reach a
// version whose weighted DNS record has share p, when the users are spread
// evenly over resolvers that each cache one answer: p itself, whatever the
// number of resolvers — caching makes the split lumpy, not biased.
func WeightedShareMean(p float64, resolvers int) float64 {
	if !validShare(p, resolvers) {
		return math.NaN()
	}
	return p
}

// WeightedShareStdDev returns the standard deviation of that share: each of
// the R resolvers independently caches the version's answer with
// probability p, so the number that do is Binomial(R, p) and the share is
// that number over R, with standard deviation √(p(1−p)/R). With 10 resolvers
// a 10 % canary gets 10 % ± 9.5 % of the users.
func WeightedShareStdDev(p float64, resolvers int) float64 {
	if !validShare(p, resolvers) {
		return math.NaN()
	}
	return math.Sqrt(p * (1 - p) / float64(resolvers))
}

// WeightedShareStdDevLoads is WeightedShareStdDev for resolvers serving
// unequal numbers of users: loads[i] is resolver i's share of the users (any
// non-negative scale). The share's standard deviation is
// √(p(1−p)·Σ loadᵢ²) / Σ loadᵢ, which equals √(p(1−p)/R) for equal loads
// and grows as a few resolvers carry most users.
func WeightedShareStdDevLoads(p float64, loads []float64) float64 {
	if !validShare(p, len(loads)) {
		return math.NaN()
	}
	var sum, sumSq float64
	for _, l := range loads {
		if !(l >= 0) || math.IsInf(l, 0) {
			return math.NaN()
		}
		sum += l
		sumSq += l * l
	}
	if sum == 0 {
		return math.NaN()
	}
	return math.Sqrt(p*(1-p)*sumSq) / sum
}

// WeightedShareZeroProbability returns the probability that none of R
// resolvers caches the version's answer, (1−p)^R: the chance that a canary
// with share p gets no traffic at all for a TTL.
func WeightedShareZeroProbability(p float64, resolvers int) float64 {
	if !validShare(p, resolvers) {
		return math.NaN()
	}
	return math.Pow(1-p, float64(resolvers))
}

func validShare(p float64, resolvers int) bool {
	return p >= 0 && p <= 1 && resolvers >= 1
}
