package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"io"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
)

// TestRun: the server prints its DSN, answers on it, and ends when its
// standard input closes.
func TestRun(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	code := make(chan int, 1)
	go func() {
		code <- run(nil, inR, outW, &stderr)
		_ = outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("no DSN line: %v (stderr %s)", err, stderr.String())
	}
	dsn := strings.TrimSpace(line)
	if !strings.HasPrefix(dsn, "pushaudit:") || !strings.Contains(dsn, "@tcp(127.0.0.1:") {
		t.Fatalf("DSN %q", dsn)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("SELECT 1: %d, %v", one, err)
	}
	_ = db.Close()
	_ = inW.Close()
	if c := <-code; c != 0 {
		t.Errorf("exit %d, stderr %s", c, stderr.String())
	}
}

func TestRun_BadArgs(t *testing.T) {
	var stderr bytes.Buffer
	if c := run([]string{"extra"}, strings.NewReader(""), io.Discard, &stderr); c != 64 {
		t.Errorf("exit %d, want 64", c)
	}
	if c := run([]string{"--addr", "10.1.2.3:0"}, strings.NewReader(""), io.Discard, &stderr); c != 1 {
		t.Errorf("non-loopback address: exit %d, want 1", c)
	}
}
