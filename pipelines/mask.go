package pipelines

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Mask kinds: what the snapshot does to a column holding personal data
// (a supervisor's phone number, a citizen's description) before it
// reaches the warehouse, so that a site keeps what the audit needs and no
// more.
const (
	MaskHash     = "hash"     // a keyed hash: equal values stay equal, nothing can be read back
	MaskNull     = "null"     // every value NULL
	MaskDrop     = "drop"     // the column is not copied at all
	MaskTruncate = "truncate" // the first N characters are kept
)

// Mask is one column's rule, written "hash", "null", "drop" or
// "truncate(N)".
type Mask struct {
	Kind  string
	Chars int // characters kept by truncate
}

func (m Mask) String() string {
	if m.Kind == MaskTruncate {
		return fmt.Sprintf("truncate(%d)", m.Chars)
	}
	return m.Kind
}

// TextOnly reports whether the rule applies only to text columns (the
// warehouse column keeps its type, and a hash or a prefix is text).
func (m Mask) TextOnly() bool { return m.Kind == MaskHash || m.Kind == MaskTruncate }

// ParseMask reads a mask rule as the config writes it.
func ParseMask(s string) (Mask, error) {
	s = strings.TrimSpace(s)
	switch s {
	case MaskHash, MaskNull, MaskDrop:
		return Mask{Kind: s}, nil
	}
	if rest, ok := strings.CutPrefix(s, MaskTruncate+"("); ok {
		if n, ok := strings.CutSuffix(rest, ")"); ok {
			chars, err := strconv.Atoi(strings.TrimSpace(n))
			if err == nil && chars >= 1 && chars <= 1000 {
				return Mask{Kind: MaskTruncate, Chars: chars}, nil
			}
		}
		return Mask{}, fmt.Errorf("%q: truncate keeps 1 to 1000 characters, as in truncate(3)", s)
	}
	return Mask{}, fmt.Errorf("%q is not hash, null, drop or truncate(N)", s)
}

// MaskHashLen is the length of a hashed value: 32 hex digits, the first
// 128 bits of HMAC-SHA256.
const MaskHashLen = 32

// MaskText applies a hash or truncate rule to one text value; key is the
// site's secret hash key. A keyed hash, not a plain one: the 10^10 phone
// numbers of a city are hashed in minutes by anyone, and a plain hash
// of them is read back as fast.
func (m Mask) MaskText(key []byte, v string) string {
	switch m.Kind {
	case MaskHash:
		h := hmac.New(sha256.New, key)
		h.Write([]byte(v))
		return hex.EncodeToString(h.Sum(nil))[:MaskHashLen]
	case MaskTruncate:
		n := 0
		for i := range v {
			if n == m.Chars {
				return v[:i]
			}
			n++
		}
	}
	return v
}
