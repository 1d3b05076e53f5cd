// Command minhttp is the smallest useful Go HTTP server, answering
// /healthz: the baseline of serve's idle RSS in scripts/bench/serve.sh
// (serve-day). Usage: minhttp ADDR.
package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: minhttp ADDR")
		os.Exit(64)
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	if err := http.ListenAndServe(os.Args[1], nil); err != nil {
		fmt.Fprintln(os.Stderr, "minhttp:", err)
		os.Exit(2)
	}
}
