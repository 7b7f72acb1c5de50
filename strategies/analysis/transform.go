package analysis

import (
	"math"
	"slices"
)

// transform appends the values Kayenta would compare to dst and sorts them:
// NaNs removed or replaced by 0, then (if configured) outliers removed with
// the reduced-sensitivity IQR detector.
func transform(dst, values []float64, cfg MetricConfig) []float64 {
	for _, v := range values {
		if math.IsNaN(v) {
			if cfg.NaNStrategy == NaNRemove {
				continue
			}
			v = 0
		}
		dst = append(dst, v)
	}
	slices.Sort(dst)
	if cfg.Outliers == OutliersRemove && len(dst) > 0 {
		factor := cfg.OutlierFactor
		if factor == 0 {
			factor = DefaultOutlierFactor
		}
		lower, upper := outlierFences(dst, factor)
		// dst is sorted, so the kept values form one run.
		lo, _ := slices.BinarySearch(dst, lower)
		hi := len(dst)
		for hi > lo && dst[hi-1] > upper {
			hi--
		}
		dst = append(dst[:0], dst[lo:hi]...)
	}
	return dst
}

// outlierFences are Kayenta's IQRDetector(factor, reduceSensitivity = true)
// fences: Tukey's fences widened to the 1st and 99th percentiles. sorted
// must be non-empty and sorted.
func outlierFences(sorted []float64, factor float64) (lower, upper float64) {
	p25, p75 := percentile(sorted, 25), percentile(sorted, 75)
	iqr := p75 - p25
	lower = min(percentile(sorted, 1), p25-factor*iqr)
	upper = max(percentile(sorted, 99), p75+factor*iqr)
	return lower, upper
}

// percentile is Apache Commons Math's default (legacy) estimator, which
// Kayenta's statistics use: position p(n+1)/100, interpolated linearly and
// clamped to the extremes. sorted must be non-empty and sorted.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	pos := p * float64(n+1) / 100
	switch {
	case n == 1 || pos < 1:
		return sorted[0]
	case pos >= float64(n):
		return sorted[n-1]
	}
	i := int(pos) // pos >= 1, so floor
	lo, hi := sorted[i-1], sorted[i]
	return lo + (pos-float64(i))*(hi-lo)
}

// summarize describes a sorted sample.
func summarize(sorted []float64) Summary {
	n := len(sorted)
	if n == 0 {
		nan := math.NaN()
		return Summary{Min: nan, Max: nan, Mean: nan, Median: nan}
	}
	return Summary{
		Count:  n,
		Min:    sorted[0],
		Max:    sorted[n-1],
		Mean:   mean(sorted),
		Median: percentile(sorted, 50),
	}
}

// mean is the corrected two-pass mean Commons Math's StatUtils.mean uses,
// which recovers most of the rounding error of the plain sum.
func mean(v []float64) float64 {
	n := float64(len(v))
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	m := sum / n
	corr := 0.0
	for _, x := range v {
		corr += x - m
	}
	return m + corr/n
}
