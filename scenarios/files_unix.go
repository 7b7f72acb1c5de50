//go:build unix

package scenarios

import "syscall"

// openNonBlock makes opening a FIFO return at once, so that it can be
// refused instead of waiting for a writer.
const openNonBlock = syscall.O_NONBLOCK
