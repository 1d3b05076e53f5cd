package mysqlarrow

import (
	"encoding/binary"
	"unicode/utf8"

	simdutf8 "github.com/segmentio/asm/utf8"
)

// simdMinLen is the shortest rest of a value handed to the vectorised
// validator: segmentio/asm's utf8.Valid checks 32 bytes at a time with
// AVX2 and below that calls its ascii package, which costs about 230 ns
// on 16 to 31 bytes (ten times the standard library; measured
// 2026-12-08) and leaves the upper halves of the vector registers dirty.
const simdMinLen = 32

// validUTF8 reports whether s is valid UTF-8, as utf8.Valid does. Text
// columns are checked value by value (a MySQL utf8mb4 column can still
// hold invalid bytes, which load as U+FFFD and are counted), and on CJK
// text the standard library's rune-by-rune check was 7 % of a
// snapshot's CPU (snapshot-1m, perf, 2026-12-08). An ASCII prefix is
// skipped 8 bytes at a time; a rest of at least simdMinLen bytes is
// checked 32 bytes at a time (segmentio/asm, Keiser and Lemire's
// algorithm), a shorter one by the standard library.
func validUTF8(s []byte) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(s[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
	}
	switch rest := s[i:]; {
	case len(rest) == 0:
		return true
	case len(rest) >= simdMinLen:
		return simdutf8.Valid(rest)
	default:
		return utf8.Valid(rest)
	}
}
