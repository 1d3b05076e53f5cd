// Command pushaudit-demodb is the embedded MySQL server of `pushaudit
// demo`: go-mysql-server holding in-memory databases on a loopback port.
//
// It is a binary of its own, started by `pushaudit demo` as a child
// process, because linking go-mysql-server into pushaudit cost every
// pushaudit command 0.26 s at start (go-icu-regex compiles its regular
// expression engine in a package init), a sixth of a full snapshot of a
// million rows.
//
// It prints one line, the go-sql-driver DSN of its account (a random
// password, made for this run), and serves until its standard input
// closes or it is told to stop (SIGINT, SIGTERM). Its parent keeps the
// other end of the pipe, so the server ends with the parent however the
// parent ends.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/chengdu-cgw/pushaudit/internal/mysqlserver"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pushaudit-demodb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (loopback only; port 0 picks a free one)")
	user := fs.String("user", "pushaudit", "the one account")
	debug := fs.Bool("debug", false, "log the server's warnings and debug entries")
	if err := fs.Parse(args); err != nil {
		return 64
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pushaudit-demodb: unexpected argument %q\n", fs.Arg(0))
		return 64
	}
	// Errors only: go-mysql-server warns at every start that
	// secure_file_priv is empty, which means nothing on a loopback demo
	// server and alarms whoever runs make demo.
	level := slog.LevelError
	if *debug {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		fmt.Fprintln(stderr, "pushaudit-demodb: password:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := mysqlserver.Start(ctx, mysqlserver.Options{Addr: *addr, User: *user, Password: hex.EncodeToString(pw), Logger: logger})
	if err != nil {
		fmt.Fprintln(stderr, "pushaudit-demodb:", err)
		return 1
	}
	if _, err := fmt.Fprintln(stdout, srv.DSN()); err != nil {
		_ = srv.Close()
		fmt.Fprintln(stderr, "pushaudit-demodb:", err)
		return 1
	}
	eof := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		close(eof)
	}()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	if err := srv.Close(); err != nil {
		fmt.Fprintln(stderr, "pushaudit-demodb:", err)
		return 1
	}
	return 0
}
