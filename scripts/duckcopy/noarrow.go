//go:build !duckdb_arrow

package main

import "errors"

// arrowBuilt says whether -arrow works in this build.
const arrowBuilt = false

func copyArrow(string, string, []string) error {
	return errors.New("-arrow needs a build with -tags=duckdb_arrow")
}
