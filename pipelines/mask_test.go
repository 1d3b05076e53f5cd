package pipelines

import "testing"

func TestParseMask(t *testing.T) {
	for in, want := range map[string]string{
		"hash": "hash", " null ": "null", "drop": "drop", "truncate(3)": "truncate(3)", "truncate( 12 )": "truncate(12)",
	} {
		m, err := ParseMask(in)
		if err != nil || m.String() != want {
			t.Errorf("ParseMask(%q) = %v, %v; want %s", in, m, err, want)
		}
	}
	for _, in := range []string{"", "hashed", "truncate", "truncate(0)", "truncate(1001)", "truncate(x)", "truncate(3", "NULL"} {
		if m, err := ParseMask(in); err == nil {
			t.Errorf("ParseMask(%q) = %v, want an error", in, m)
		}
	}
}

func TestMaskText(t *testing.T) {
	key := []byte("a site key of 25 bytes!!!")
	hash := Mask{Kind: MaskHash}
	// openssl: printf 13800000001 | openssl dgst -sha256 -hmac 'a site key of 25 bytes!!!', first 32 digits
	if got := hash.MaskText(key, "13800000001"); got != "48d251ac27745c73af2043238f49ad20" {
		t.Errorf("hash = %s", got)
	}
	if hash.MaskText([]byte("another key of 25 bytes!!"), "13800000001") == hash.MaskText(key, "13800000001") {
		t.Error("the hash does not depend on the key")
	}
	tr := Mask{Kind: MaskTruncate, Chars: 6}
	for in, want := range map[string]string{
		"成都市武侯区1号院": "成都市武侯区", "abcdefgh": "abcdef", "abc": "abc", "": "", "成都市武侯区": "成都市武侯区",
	} {
		if got := tr.MaskText(key, in); got != want {
			t.Errorf("truncate(6) of %q = %q, want %q", in, got, want)
		}
	}
}
