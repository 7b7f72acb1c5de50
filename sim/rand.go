package sim

import "math/rand/v2"

// Streams derives independent random streams from one root seed, so that
// every component of a run (and every replication of a Monte Carlo
// experiment) draws from its own PCG stream. Adding a component, or drawing
// more from one, never shifts the numbers another component sees.
//
// A stream is a *rand.PCG: it satisfies math/rand/v2's Source, so it works
// as the Src of any gonum distuv distribution, and rand.New(stream) gives
// the usual helpers.
type Streams struct{ root uint64 }

// NewStreams returns the streams of root seed seed.
func NewStreams(seed uint64) Streams { return Streams{root: mix(seed)} }

// Seed returns the root the streams were derived from, as mixed.
func (s Streams) Seed() uint64 { return s.root }

// Source returns the PCG stream named name. The same name always yields a
// stream starting at the same state.
func (s Streams) Source(name string) *rand.PCG {
	// FNV-1a, inlined so that naming a stream allocates nothing.
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return s.pcg(h)
}

// Rand returns a *rand.Rand over Source(name).
func (s Streams) Rand(name string) *rand.Rand { return rand.New(s.Source(name)) }

// Index returns the PCG stream numbered i (e.g. per instance).
func (s Streams) Index(i uint64) *rand.PCG { return s.pcg(mix(i ^ 0x9e3779b97f4a7c15)) }

// Child returns the streams of sub-experiment i — a replication, a sweep
// point — independent of the parent's own streams and of every other child.
func (s Streams) Child(i uint64) Streams {
	return Streams{root: mix(s.root ^ mix(i+0x632be59bd9b4e019))}
}

func (s Streams) pcg(key uint64) *rand.PCG {
	a := mix(s.root ^ key)
	return rand.NewPCG(a, mix(a^0xda942042e4dd58b5))
}

// mix is the SplitMix64 finaliser: a bijection on uint64 that spreads every
// input bit over the whole output, so nearby seeds give unrelated streams.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
