package mysqlwire

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
)

// Conn is the source connection's socket, as dialed for the driver. It
// watches the client's handshake response go by.
type Conn struct {
	net.Conn

	mu        sync.Mutex
	handshake []byte // the start of the first packet the client wrote
	seen      bool   // handshake holds enough of it
	ioErr     error  // the first error of a read or write on the socket
}

func (w *Conn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil {
		w.noteErr(err)
	}
	return n, err
}

func (w *Conn) noteErr(err error) {
	w.mu.Lock()
	if w.ioErr == nil {
		w.ioErr = err
	}
	w.mu.Unlock()
}

// Err is the first error a read or write on the socket met (a reset, a
// timeout, an end of file), or nil: the cause the driver reports only as
// "invalid connection".
func (w *Conn) Err() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ioErr
}

// handshakeLen is what Conn keeps of the client's handshake response:
// header (4), capability flags (4), max packet size (4), character set
// (1), filler (19), MariaDB's extended capabilities (4).
const handshakeLen = 4 + 32

func (w *Conn) Write(p []byte) (int, error) {
	w.mu.Lock()
	if !w.seen {
		n := min(handshakeLen-len(w.handshake), len(p))
		w.handshake = append(w.handshake, p[:n]...)
		w.seen = len(w.handshake) == handshakeLen
	}
	w.mu.Unlock()
	n, err := w.Conn.Write(p)
	if err != nil {
		w.noteErr(err)
	}
	return n, err
}

// caps returns the agreed capability flags, from the client's handshake
// response; ok is false when it was not seen or the connection is not
// plain (TLS, compression).
func (w *Conn) caps() (flags, ext uint32, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.seen || w.handshake[3] != 1 { // the response is packet 1 of the handshake
		return 0, 0, false
	}
	p := w.handshake[4:]
	flags = binary.LittleEndian.Uint32(p[0:4])
	if flags&capMySQL == 0 {
		ext = binary.LittleEndian.Uint32(p[28:32])
	}
	if flags&(capSSL|capCompress) != 0 || flags&capProtocol41 == 0 {
		return flags, ext, false
	}
	return flags, ext, true
}

// Dialer returns the DialFunc that records the connection it makes in *dst.
func Dialer(dst **Conn) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		w := &Conn{Conn: c}
		*dst = w
		return w, nil
	}
}
