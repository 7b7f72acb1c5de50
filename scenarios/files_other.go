//go:build !unix

package scenarios

// openNonBlock: FIFOs that block on open are a Unix matter.
const openNonBlock = 0
