package observe

import (
	"math"
	"math/bits"
	"time"
)

// Bucket layout (see doc.go for the user-facing summary).
//
// A value v in nanoseconds with 2^e ≤ v < 2^(e+1) lies in octave e. The
// octave is cut into 256 equal grid cells by the 8 bits that follow v's
// leading one (HdrHistogram's log-linear scheme: exponent from the bit
// length, linear sub-buckets from the next bits). Equal-width sub-buckets
// waste resolution at the top of an octave, where a cell is only half as wide
// relative to the value as at the bottom; so instead of keeping all 256
// cells, or the 16 of a 4-bit HDR layout (3.1 % error but 16 counters per
// octave), the cells are grouped by a 256-entry table into 12 nearly
// geometric sub-buckets. 12 counters per octave then give at most 2.96 %
// relative error, which is what lets 1 µs–18 min fit in 373 uint32 counters.
const (
	gridBits   = 8  // bits after the leading one that select a grid cell
	subBuckets = 12 // sub-buckets per octave
	minExp     = 9  // first octave: [512 ns, 1.024 µs)
	maxExp     = 39 // last octave: [2^39 ns, 2^40 ns) ≈ [9.2 min, 18.3 min)

	numBuckets = 1 + (maxExp-minExp+1)*subBuckets // bucket 0 is [0, 512 ns)
	underflow  = int64(1) << minExp
	overflow   = int64(1) << (maxExp + 1)
)

// MaxRelativeError bounds |Quantile(q) − x| / x, where x is the exact
// nearest-rank quantile of the recorded values, for every x in
// [512 ns, 2^40 ns ≈ 18.3 min). A test checks it against every bucket.
const MaxRelativeError = 0.03

// subLow holds the first grid cell (0–255) of each sub-bucket. The cuts were
// chosen, by bisection on the error bound with a greedy cut at each step, as
// the 12-bucket partition of the 256 cells with the smallest worst
// (hi−lo)/(hi+lo), i.e. the smallest worst relative error once each bucket is
// represented by the point equally far, relatively, from both of its ends.
var subLow = [subBuckets]uint16{0, 15, 31, 48, 66, 85, 105, 127, 150, 174, 200, 227}

var (
	// subOf maps a grid cell to its sub-bucket.
	subOf [1 << gridBits]uint8
	// bucketRep is the value Quantile reports for each bucket.
	bucketRep [numBuckets]int64
)

func init() {
	s := 0
	for cell := range subOf {
		if s+1 < subBuckets && cell >= int(subLow[s+1]) {
			s++
		}
		subOf[cell] = uint8(s)
	}
	for i := range bucketRep {
		lo, hi := bucketBounds(i)
		bucketRep[i] = representative(lo, hi)
	}
}

// bucketOf returns the bucket index of v ≥ 0 nanoseconds. Values from 2^40 ns
// on are clamped into the last bucket.
func bucketOf(v uint64) int {
	if v < uint64(underflow) {
		return 0
	}
	e := bits.Len64(v) - 1
	if e > maxExp {
		return numBuckets - 1
	}
	cell := (v >> uint(e-gridBits)) & (1<<gridBits - 1)
	return 1 + (e-minExp)*subBuckets + int(subOf[cell])
}

// bucketBounds returns the half-open range [lo, hi) of bucket i in
// nanoseconds (the nominal range: the last bucket also holds the values
// clamped into it).
func bucketBounds(i int) (lo, hi int64) {
	if i == 0 {
		return 0, underflow
	}
	j := i - 1
	shift := uint(minExp + j/subBuckets - gridBits)
	s := j % subBuckets
	next := int64(1 << gridBits)
	if s+1 < subBuckets {
		next = int64(subLow[s+1])
	}
	lo = (1<<gridBits + int64(subLow[s])) << shift
	hi = (1<<gridBits + next) << shift
	return lo, hi
}

// representative returns ⌊2·lo·hi/(lo+hi)⌋, the point of [lo, hi) whose
// relative distance to both ends is the same, (hi−lo)/(hi+lo); for the
// underflow bucket, whose lower end is 0, the midpoint. Integer arithmetic
// keeps the table identical on every platform.
func representative(lo, hi int64) int64 {
	if lo == 0 {
		return hi / 2
	}
	h, l := bits.Mul64(uint64(lo), 2*uint64(hi))
	q, _ := bits.Div64(h, l, uint64(lo+hi))
	return int64(q)
}

// Histogram is a fixed-bucket latency histogram. The zero value is empty and
// ready to use. It holds no pointers or slices, so it can be copied, compared
// with ==, reset by assignment and stored by value in arrays of per-period
// records; its size is 1528 bytes on 64-bit platforms (373 uint32 counters
// plus count, sum, minimum and maximum).
//
// Recording costs a few nanoseconds and never allocates: the bucket comes from
// the bit length of the value and a table look-up, with no floating-point
// logarithm. Count, Mean, Min and Max are exact; Quantile is within
// MaxRelativeError (3 %) for values from 512 ns to about 18.3 minutes. A
// bucket counter holds up to 2^32−1 values and the sum up to about 292 years
// of latency; going beyond either is reported as a bug (panic).
//
// Histogram is not safe for concurrent use; the simulator is single-threaded.
type Histogram struct {
	counts [numBuckets]uint32
	n      uint64
	sum    int64 // nanoseconds
	min    int64 // nanoseconds, valid when n > 0
	max    int64
}

// Record adds one value. A negative duration is a bug in the caller (a
// request cannot finish before it starts) and panics.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		bug("negative latency %v recorded", d)
	}
	i := bucketOf(uint64(v))
	if h.counts[i] == math.MaxUint32 {
		bug("histogram bucket %d overflows uint32", i)
	}
	h.counts[i]++
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	s := h.sum + v
	if s < h.sum {
		bug("histogram sum overflows int64 nanoseconds")
	}
	h.sum = s
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Min returns the smallest recorded value exactly, or 0 when empty.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max returns the largest recorded value exactly (even beyond the clamped top
// bucket), or 0 when empty.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the exact arithmetic mean, rounded towards zero to the
// nanosecond, or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / int64(h.n))
}

// Merge adds every value recorded in o to h, exactly as if they had been
// recorded in h: afterwards h equals (==) a histogram that recorded both
// sets. o is not changed.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		sum := h.counts[i] + c
		if sum < c {
			bug("histogram bucket %d overflows uint32 in Merge", i)
		}
		h.counts[i] = sum
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	s := h.sum + o.sum
	if s < h.sum {
		bug("histogram sum overflows int64 nanoseconds in Merge")
	}
	h.sum = s
}

// Reset empties h.
func (h *Histogram) Reset() { *h = Histogram{} }

// Quantile returns an estimate of the q-quantile (0 ≤ q ≤ 1) of the recorded
// values, or 0 when empty.
//
// The target is the nearest-rank quantile: the ⌈q·n⌉-th smallest value (the
// smallest for q = 0). The smallest and the largest value are known exactly
// and returned as they are. Any other target is estimated by the
// representative of the bucket that holds it — the point 2·lo·hi/(lo+hi) of
// the bucket [lo, hi), equally far in relative terms from both ends — clamped
// to [Min, Max], which is within MaxRelativeError of the target between
// 512 ns and 18.3 min. q outside [0, 1] is clamped; NaN panics.
func (h *Histogram) Quantile(q float64) time.Duration {
	if math.IsNaN(q) {
		bug("Quantile(NaN)")
	}
	if h.n == 0 {
		return 0
	}
	rank := uint64(1)
	if q > 0 {
		rank = min(h.n, uint64(math.Ceil(q*float64(h.n))))
	}
	switch rank {
	case 1:
		return time.Duration(h.min)
	case h.n:
		return time.Duration(h.max)
	}
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			return time.Duration(min(max(bucketRep[i], h.min), h.max))
		}
	}
	bug("histogram count %d exceeds the sum of its buckets", h.n)
	return 0
}
