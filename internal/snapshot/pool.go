package snapshot

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"
)

// bufferPool is the Arrow allocator of the record batches: it keeps the
// buffers of released batches for the next ones instead of leaving them to
// the garbage collector. A table streams hundreds of batches of the same
// shape, so after the first few every buffer comes from the pool: no page
// faults on fresh memory, and far less garbage to collect (on the 1M-row
// case table, 0.1 s of the process's CPU).
//
// Buffers come in power-of-two size classes, 64-byte aligned like
// memory.GoAllocator's, zeroed on allocation. At most maxHeld bytes wait in
// the pool; beyond that a freed buffer is left to the collector.
type bufferPool struct {
	mu      sync.Mutex
	free    [48][][]byte // by size class: buffers of capacity 1<<class
	held    int          // bytes waiting in free
	maxHeld int
	out     int // bytes handed out and not freed: the batches alive
	// shared, when set, also counts the bytes handed out and not freed,
	// for every pool of one source's loads (two tables at once, see
	// loadTables): outstanding is then their sum, so the readers'
	// back-pressure bounds the source's batches together.
	shared *atomic.Int64
}

const (
	poolAlign    = 64
	poolMinClass = 6 // 64 bytes
)

func newBufferPool(maxHeld int) *bufferPool { return &bufferPool{maxHeld: maxHeld} }

// sizeClass is the class of a buffer of size bytes.
func sizeClass(size int) int {
	if size <= 1<<poolMinClass {
		return poolMinClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns a zeroed buffer of size bytes.
func (p *bufferPool) Allocate(size int) []byte {
	if size < 0 {
		panic("snapshot: negative allocation")
	}
	c := sizeClass(size)
	if c >= len(p.free) {
		return alignedBuffer(size, size)
	}
	if p.shared != nil {
		p.shared.Add(1 << c)
	}
	p.mu.Lock()
	p.out += 1 << c
	var b []byte
	if n := len(p.free[c]); n > 0 {
		b = p.free[c][n-1]
		p.free[c][n-1] = nil
		p.free[c] = p.free[c][:n-1]
		p.held -= cap(b)
	}
	p.mu.Unlock()
	if b == nil {
		return alignedBuffer(size, 1<<c)
	}
	b = b[:size]
	clear(b)
	return b
}

// Reallocate resizes b to size bytes, keeping its contents; new bytes are
// zero.
func (p *bufferPool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free gives b back to the pool.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c < 1<<poolMinClass || c&(c-1) != 0 {
		return // not one of the pool's classes
	}
	class := bits.TrailingZeros(uint(c))
	if class >= len(p.free) {
		return
	}
	if p.shared != nil {
		p.shared.Add(-int64(c))
	}
	p.mu.Lock()
	p.out -= c
	if p.held+c <= p.maxHeld {
		p.free[class] = append(p.free[class], b[:0])
		p.held += c
	}
	p.mu.Unlock()
}

// outstanding is the bytes of the buffers handed out and not yet freed,
// by every pool that shares the count.
func (p *bufferPool) outstanding() int {
	if p.shared != nil {
		return int(p.shared.Load())
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// alignedBuffer allocates a 64-byte aligned buffer of length size and
// capacity capacity.
func alignedBuffer(size, capacity int) []byte {
	buf := make([]byte, capacity+poolAlign)
	off := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % poolAlign); r != 0 {
		off = poolAlign - r
	}
	return buf[off : off+size : off+capacity]
}
