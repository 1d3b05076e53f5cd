package repair

// MySQL text of a plan: literals that survive any value and any sql_mode.

import (
	"encoding/hex"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/chengdu-cgw/pushaudit/pipelines"
)

// QuoteIdent quotes a MySQL identifier with backticks.
func QuoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// numberRE is a number as DuckDB prints an integer, decimal or float.
var numberRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// Literal is the MySQL literal of a value of a column of MySQL type typ
// (NULL when invalid). A number of a numeric column is written bare.
// Every other value is a string literal: quoted with doubled quotes when
// it is valid UTF-8 without backslashes or control characters (so
// NO_BACKSLASH_ESCAPES does not change its meaning), else as a hex literal
// with the utf8mb4 introducer (NUL, newlines, backslashes), or a bare hex
// literal for bytes that are not UTF-8.
func Literal(v *string, typ string) string {
	if v == nil {
		return "NULL"
	}
	s := *v
	if numeric(typ) && numberRE.MatchString(s) {
		return s
	}
	return QuoteString(s)
}

// QuoteString is the MySQL string literal of s (see Literal).
func QuoteString(s string) string {
	if !utf8.ValidString(s) {
		return "X'" + hex.EncodeToString([]byte(s)) + "'"
	}
	plain := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "_utf8mb4 X'" + hex.EncodeToString([]byte(s)) + "'"
}

// numeric says whether a MySQL column type holds numbers.
func numeric(typ string) bool {
	duck, _ := pipelines.DuckTypeOf(typ)
	switch {
	case strings.HasPrefix(duck, "DECIMAL"), duck == "FLOAT", duck == "DOUBLE":
		return true
	}
	switch pipelines.WideDuckType(duck) {
	case "BIGINT", "UBIGINT", "HUGEINT":
		return true
	}
	return false
}

// textual says whether a MySQL column type compares as text under a
// collation (so a key match needs BINARY to be exact).
func textual(typ string) bool {
	duck, _ := pipelines.DuckTypeOf(typ)
	return duck == "VARCHAR"
}
