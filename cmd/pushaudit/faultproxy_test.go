package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// The faults a faultProxy injects into the connections it forwards.
const (
	faultNone = ""
	// faultHandshakeCut: the server's greeting reaches the client, then
	// the connection is reset (a server that dies while a client logs in).
	faultHandshakeCut = "handshake-cut"
	// faultHandshakeStall: the greeting reaches the client, the client's
	// answer never reaches the server, and nothing is closed.
	faultHandshakeStall = "handshake-stall"
	// faultResultCut: once `after` bytes have come from the server, every
	// connection is reset, and new ones are refused.
	faultResultCut = "result-cut"
	// faultResultStall: once `after` bytes have come from the server,
	// nothing more passes either way and nothing is closed (a half-open
	// link: a firewall that drops the flow, a cable pulled).
	faultResultStall = "result-stall"
	// faultResultHook: once `after` bytes have come from the server, the
	// hook runs (the test stops the server) before the chunk that reached
	// `after` is passed on: that connection waits for the hook, so the
	// result it carries cannot end before the server does (with the hook
	// run aside, a snapshot whose second half took less time than the
	// server's shutdown finished and exited 0); other connections flow on.
	faultResultHook = "result-hook"
)

// faultProxy forwards TCP connections to a MySQL server and breaks them
// the way networks and servers break, on the test's command. It counts
// the bytes the server sent through it, over all its connections.
type faultProxy struct {
	tb     testing.TB
	ln     net.Listener
	target string

	mu     sync.Mutex
	fault  string
	after  int64  // for the result faults: server bytes before the fault strikes
	hook   func() // for faultResultHook
	bytes  int64  // server→client bytes since the last arm
	struck bool
	conns  map[net.Conn]bool
	// hold is closed to let go of stalled links (at re-arm and at close).
	hold chan struct{}
	wg   sync.WaitGroup
}

func newFaultProxy(tb testing.TB, target string) *faultProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &faultProxy{tb: tb, ln: ln, target: target, conns: map[net.Conn]bool{}, hold: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return p
}

func (p *faultProxy) addr() string { return p.ln.Addr().String() }

// arm sets the fault of the connections to come, lets go of the links
// an earlier fault holds, and starts counting bytes anew.
func (p *faultProxy) arm(fault string, after int64, hook func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	close(p.hold)
	p.hold = make(chan struct{})
	p.fault, p.after, p.hook, p.bytes, p.struck = fault, after, hook, 0, false
}

// serverBytes is what the server sent through the proxy since the last arm.
func (p *faultProxy) serverBytes() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes
}

func (p *faultProxy) close() {
	_ = p.ln.Close()
	p.arm(faultNone, 0, nil)
	p.wg.Wait()
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		fault, struck, hold := p.fault, p.struck, p.hold
		p.mu.Unlock()
		if struck && fault == faultResultCut {
			reset(client)
			continue
		}
		if struck && fault == faultResultStall {
			p.track(client)
			continue // accepted, never answered
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			reset(client)
			continue
		}
		p.track(client, server)
		p.wg.Add(2)
		go p.pump(client, server, hold, false)
		go p.pump(server, client, hold, true)
	}
}

func (p *faultProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

// reset closes c with an RST rather than a FIN, as a crashed peer or a
// middlebox does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// pump copies from → to; fromServer says which way it runs. It decides,
// chunk by chunk, whether the armed fault strikes.
func (p *faultProxy) pump(to, from net.Conn, hold chan struct{}, fromServer bool) {
	defer p.wg.Done()
	buf := make([]byte, 16<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			act, hook := p.decide(int64(n), fromServer)
			switch act {
			case "stall":
				<-hold
				return
			case "reset":
				reset(to)
				reset(from)
				return
			case "greet-reset":
				_, _ = to.Write(buf[:n])
				reset(to)
				reset(from)
				return
			case "greet-stall":
				_, _ = to.Write(buf[:n])
				<-hold
				return
			}
			if hook != nil {
				hook()
			}
			if _, werr := to.Write(buf[:n]); werr != nil {
				reset(from)
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				reset(to)
				return
			}
			// A FIN passes on as a FIN.
			if tc, ok := to.(*net.TCPConn); ok {
				_ = tc.CloseWrite()
			} else {
				_ = to.Close()
			}
			return
		}
	}
}

// decide counts n bytes going one way and says what to do with them:
// "" forward, "stall", "reset", "greet-reset", "greet-stall"; and the
// hook to run when a faultResultHook strikes.
func (p *faultProxy) decide(n int64, fromServer bool) (string, func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.fault {
	case faultHandshakeCut:
		if fromServer {
			return "greet-reset", nil
		}
	case faultHandshakeStall:
		if fromServer {
			return "greet-stall", nil
		}
		return "stall", nil
	case faultResultCut, faultResultStall, faultResultHook:
		if p.struck {
			if p.fault == faultResultCut {
				return "reset", nil
			}
			if p.fault == faultResultStall {
				return "stall", nil
			}
		}
	}
	if !fromServer {
		return "", nil
	}
	p.bytes += n
	if p.fault == faultNone || p.fault == faultHandshakeCut || p.struck || p.bytes < p.after {
		return "", nil
	}
	p.struck = true
	switch p.fault {
	case faultResultCut:
		for c := range p.conns {
			reset(c)
		}
		return "reset", nil
	case faultResultStall:
		return "stall", nil
	}
	return "", p.hook
}

// TestFaultProxy_Modes: the proxy itself, on an echo server: bytes pass
// and are counted, a cut resets, a stall holds without closing.
func TestFaultProxy_Modes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	p := newFaultProxy(t, ln.Addr().String())
	roundTrip := func(msg string) (string, error) {
		c, err := net.Dial("tcp", p.addr())
		if err != nil {
			return "", err
		}
		defer c.Close()
		if _, err := c.Write([]byte(msg)); err != nil {
			return "", err
		}
		if err := c.SetReadDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
			return "", err
		}
		got := make([]byte, len(msg))
		_, err = io.ReadFull(c, got)
		return string(got), err
	}
	if got, err := roundTrip("hello"); err != nil || got != "hello" || p.serverBytes() != 5 {
		t.Fatalf("pass: %q, %v, %d bytes counted", got, err, p.serverBytes())
	}
	p.arm(faultResultCut, 3, nil)
	if _, err := roundTrip("hello"); err == nil {
		t.Error("result-cut after 3 bytes: the 5-byte echo came back whole")
	}
	if _, err := roundTrip("x"); err == nil {
		t.Error("result-cut: a new connection after the cut was answered")
	}
	p.arm(faultResultStall, 3, nil)
	var ne net.Error
	if _, err := roundTrip("hello"); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("result-stall: want a read timeout, got %v", err)
	}
	fired := make(chan struct{})
	p.arm(faultResultHook, 3, func() { close(fired) })
	if got, err := roundTrip("hello"); err != nil || got != "hello" {
		t.Errorf("result-hook: %q, %v", got, err)
	}
	<-fired
	p.arm(faultNone, 0, nil)
	if got, err := roundTrip("again"); err != nil || got != "again" {
		t.Errorf("after re-arming to pass: %q, %v", got, err)
	}
}
