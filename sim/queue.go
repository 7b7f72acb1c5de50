package sim

import "math/bits"

// event is one pending callback. It is a plain value (32 bytes): the queue
// stores events inline, so scheduling never allocates once the buckets have
// grown to the working-set size, and no payload is boxed.
type event struct {
	at    Time
	a, b  int64
	kind  Kind
	timer uint32 // slot in Sim.timers; 0 for an event that cannot be cancelled
}

// queue is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan) over the event
// time. It relies on the clock being monotone: no event is ever scheduled
// before the last one removed.
//
// Bucket i holds the events whose time differs from last (the time of the
// most recently settled minimum) first in bit i-1; bucket 0 holds the events
// at exactly last. Because the bucket of an event is a function of its time
// and last alone, all events with equal times always share a bucket, pushes
// append, and redistribution walks a bucket in order — so events with equal
// times leave in the order they were scheduled without any sequence number.
//
// Why not a binary or 4-ary heap: every push and pop there walks a path of
// random memory accesses whose length grows with log N, and at 10⁵ pending
// events most of those accesses miss the cache. Here an event moves only
// down between buckets, each move an append to a slice that is read and
// written sequentially, and a same-time event (the FIFO fast path) is a
// plain append to bucket 0. The benchmarks in benchmarks/ measure the
// difference against a tuned 4-ary heap in every run.
type queue struct {
	last     Time
	n        int
	head     int    // next event to take from buckets[0]
	nonEmpty uint64 // bit i-1 set when buckets[i] (i >= 1) has events
	buckets  [65][]event
}

// push adds e; e.at must not be before q.last.
func (q *queue) push(e event) {
	i := bits.Len64(uint64(e.at ^ q.last))
	q.buckets[i] = append(q.buckets[i], e)
	if i > 0 {
		q.nonEmpty |= 1 << (i - 1)
	}
	q.n++
}

// settle makes sure bucket 0 holds the earliest events, if there are any,
// and reports whether there are.
func (q *queue) settle() bool {
	if q.head < len(q.buckets[0]) {
		return true
	}
	q.buckets[0] = q.buckets[0][:0]
	q.head = 0
	if q.nonEmpty == 0 {
		return false
	}
	i := bits.TrailingZeros64(q.nonEmpty) + 1
	b := q.buckets[i]
	min := b[0].at
	for k := 1; k < len(b); k++ {
		if b[k].at < min {
			min = b[k].at
		}
	}
	q.last = min
	q.nonEmpty &^= 1 << (i - 1)
	for k := range b {
		j := bits.Len64(uint64(b[k].at ^ min))
		q.buckets[j] = append(q.buckets[j], b[k])
		if j > 0 {
			q.nonEmpty |= 1 << (j - 1)
		}
	}
	q.buckets[i] = b[:0]
	return true
}

// take removes and returns the earliest event (the first scheduled among
// equals). It must follow a settle that returned true.
func (q *queue) take() event {
	e := q.buckets[0][q.head]
	q.head++
	q.n--
	return e
}

// len returns the number of pending events, cancelled ones included.
func (q *queue) len() int { return q.n }
