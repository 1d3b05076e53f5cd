package mysqlarrow

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// utf8Cases are values around every boundary validUTF8 has: the 8-byte
// ASCII words, the first non-ASCII byte, and simdMinLen and the 32-byte
// blocks of the vectorised check, each valid and with every kind of
// invalid sequence placed there.
func utf8Cases() [][]byte {
	bad := []string{
		"\x80",             // lone continuation byte
		"\xc0\x80",         // overlong NUL
		"\xe0\x80\x80",     // overlong 3-byte
		"\xf0\x80\x80\x80", // overlong 4-byte
		"\xed\xa0\x80",     // UTF-16 surrogate
		"\xf4\x90\x80\x80", // above U+10FFFF
		"\xff",             // never valid
		"\xe6\x88",         // truncated 3-byte
		"\xf0\x9f\x98",     // truncated 4-byte
		"\xc3",             // truncated 2-byte
		"\xe6\x88\xe6",     // continuation replaced by a lead byte
	}
	good := []string{"a", "é", "成", "😀", "\u0800", "\U00010000", "\U0010FFFF", "\u07ff", "\uffff"}
	var out [][]byte
	for n := 0; n <= 70; n++ {
		ascii := strings.Repeat("x", n)
		out = append(out, []byte(ascii))
		for _, g := range good {
			out = append(out, []byte(ascii+g), []byte(ascii+g+ascii), []byte(strings.Repeat(g, n)))
		}
		for _, b := range bad {
			out = append(out, []byte(ascii+b), []byte(ascii+b+ascii), []byte(strings.Repeat("成", n/3)+b),
				[]byte("成"+ascii+b+"成"), []byte(strings.Repeat("成", n)+b+strings.Repeat("é", n)))
		}
	}
	return out
}

func TestValidUTF8_AsStdlib(t *testing.T) {
	for _, s := range utf8Cases() {
		if got, want := validUTF8(s), utf8.Valid(s); got != want {
			t.Errorf("validUTF8(%q) = %v, utf8.Valid %v", s, got, want)
		}
	}
	// Random values: runes of every length mixed with random bytes, so
	// that invalid sequences fall anywhere, 32-byte blocks included.
	rng := rand.New(rand.NewPCG(1, 2))
	runes := []rune{'a', 'Z', 'é', 'ß', '成', '都', '😀', 0x10FFFF, 0x800, 0x7FF}
	invalid := 0
	for i := 0; i < 200_000; i++ {
		var b bytes.Buffer
		n := rng.IntN(150)
		for b.Len() < n {
			if rng.IntN(40) == 0 {
				b.WriteByte(byte(rng.IntN(256)))
			} else {
				b.WriteRune(runes[rng.IntN(len(runes))])
			}
		}
		s := b.Bytes()
		want := utf8.Valid(s)
		if !want {
			invalid++
		}
		if got := validUTF8(s); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid %v", s, got, want)
		}
	}
	if invalid < 10_000 {
		t.Fatalf("only %d of the random values were invalid: the test does not reach the failing side", invalid)
	}
}

// FuzzValidUTF8 holds validUTF8 to the standard library on any bytes.
func FuzzValidUTF8(f *testing.F) {
	for _, s := range []string{"", "x", "CASE-2026-00001234", "成都市武侯区人民南路123号7栋附近",
		"巡查发现井盖松动，已通知养护单位处理，编号1234", "😀\xf0\x9f\x98", strings.Repeat("x", 31) + "\xed\xa0\x80" + strings.Repeat("é", 20)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if got, want := validUTF8(s), utf8.Valid(s); got != want {
			t.Fatalf("validUTF8(%q) = %v, utf8.Valid %v", s, got, want)
		}
	})
}

func BenchmarkValidUTF8(b *testing.B) {
	values := map[string][]byte{
		"ascii-24": []byte("CASE-2026-00001234-abcde"),
		"cjk-60":   []byte("巡查发现井盖松动，已通知养护单位处理，编号1234"),
		"mixed-45": []byte("成都市武侯区人民南路123号7栋附近"),
		"short-2":  []byte("07"),
	}
	for name, v := range values {
		b.Run("std/"+name, func(b *testing.B) {
			for b.Loop() {
				utf8.Valid(v)
			}
		})
		b.Run("validUTF8/"+name, func(b *testing.B) {
			for b.Loop() {
				validUTF8(v)
			}
		})
	}
}
