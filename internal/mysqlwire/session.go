package mysqlwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Session runs commands on a Conn while the driver is idle.
type Session struct {
	c            *Conn
	deprecateEOF bool
	cacheMeta    bool

	buf  []byte // read buffer: buf[r:w] is unread
	r, w int
	big  []byte // a payload spread over several packets
	seq  byte
	out  []byte // a command being written
	dead bool   // the connection is broken or desynchronized

	ReadTimeout time.Duration // the DSN's readTimeout; 0 for none
	canceled    atomic.Bool   // the context of the current command ended
}

// NewSession returns a session on c, or nil when c is not usable for
// the wire path.
func NewSession(c *Conn) *Session {
	if c == nil {
		return nil
	}
	flags, ext, ok := c.caps()
	if !ok {
		return nil
	}
	return &Session{
		c:            c,
		deprecateEOF: flags&capDeprecateEOF != 0,
		cacheMeta:    ext&capExtCacheMetadata != 0,
		buf:          make([]byte, 256<<10),
	}
}

// errWireDead is returned once a session lost its place in the stream.
var errWireDead = errors.New("source connection broken by an earlier error")

// watch makes reads and writes fail when ctx ends; the returned function
// stops watching and reports whether ctx ended meanwhile.
func (s *Session) watch(ctx context.Context) func() bool {
	s.canceled.Store(false)
	stop := context.AfterFunc(ctx, func() {
		s.canceled.Store(true)
		_ = s.c.SetDeadline(time.Now())
	})
	return func() bool {
		if !stop() {
			_ = s.c.SetDeadline(time.Time{})
			return true
		}
		return false
	}
}

// fail marks the session broken and returns err (ctx's error when ctx
// ended, which is why the socket failed).
func (s *Session) fail(ctx context.Context, err error) error {
	s.dead = true
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// fill reads until at least n bytes are unread.
func (s *Session) fill(n int) error {
	if s.w-s.r >= n {
		return nil
	}
	if n > len(s.buf) {
		nb := make([]byte, max(n, 2*len(s.buf)))
		s.w = copy(nb, s.buf[s.r:s.w])
		s.buf, s.r = nb, 0
	} else if s.r+n > len(s.buf) {
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	for s.w-s.r < n {
		if s.ReadTimeout > 0 {
			// The DSN's readTimeout, as the driver applies it; a
			// cancellation that came meanwhile keeps its deadline.
			_ = s.c.SetReadDeadline(time.Now().Add(s.ReadTimeout))
			if s.canceled.Load() {
				_ = s.c.SetDeadline(time.Now())
			}
		}
		m, err := s.c.Conn.Read(s.buf[s.w:])
		s.w += m
		if err != nil {
			if s.w-s.r >= n {
				return nil
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readPacket returns the next payload; it is valid until the next call.
func (s *Session) readPacket() ([]byte, error) {
	var payload []byte
	for {
		if err := s.fill(4); err != nil {
			return nil, err
		}
		h := s.buf[s.r : s.r+4]
		n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
		if h[3] != s.seq {
			return nil, fmt.Errorf("packet out of order: sequence %d, expected %d", h[3], s.seq)
		}
		s.seq++
		s.r += 4
		if err := s.fill(n); err != nil {
			return nil, err
		}
		p := s.buf[s.r : s.r+n]
		s.r += n
		if n < maxPacket && payload == nil {
			return p, nil
		}
		if payload == nil {
			payload = s.big[:0]
		}
		payload = append(payload, p...)
		if n < maxPacket {
			s.big = payload
			return payload, nil
		}
	}
}

// command writes one command packet (payload under 16 MiB).
func (s *Session) command(payload []byte) error {
	if len(payload) >= maxPacket {
		return fmt.Errorf("command of %d bytes: too long", len(payload))
	}
	s.out = append(s.out[:0], byte(len(payload)), byte(len(payload)>>8), byte(len(payload)>>16), 0)
	s.out = append(s.out, payload...)
	s.seq = 1
	_, err := s.c.Conn.Write(s.out)
	return err
}

// serverError turns an ERR packet into the driver's error type.
func serverError(p []byte) error {
	if len(p) < 3 || p[0] != 0xff {
		return fmt.Errorf("malformed error packet")
	}
	e := &mysql.MySQLError{Number: binary.LittleEndian.Uint16(p[1:3])}
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		copy(e.SQLState[:], msg[1:6])
		msg = msg[6:]
	}
	e.Message = string(msg)
	return e
}
