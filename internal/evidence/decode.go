package evidence

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText returns the text of a receipt file: UTF-8 (a BOM is dropped)
// when it is valid UTF-8, else GBK. A file that is neither gets an error
// naming the byte offset and line of the first bad byte, and that line
// (0 when unknown).
func decodeText(data []byte) (string, int, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return "", 1, fmt.Errorf("UTF-16 text (byte order mark at offset 0) is not supported: save it as UTF-8 or GBK")
	}
	if utf8.Valid(data) {
		return string(bytes.TrimPrefix(data, utf8BOM)), 0, nil
	}
	if off := invalidGBK(data); off >= 0 {
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		return "", line, fmt.Errorf("neither UTF-8 nor GBK: byte 0x%02X at offset %d (line %d)", data[off], off, line)
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(data)
	if err != nil {
		return "", 0, fmt.Errorf("decode as GBK: %w", err)
	}
	text := string(out)
	if i := strings.IndexRune(text, utf8.RuneError); i >= 0 {
		line := 1 + strings.Count(text[:i], "\n")
		return "", line, fmt.Errorf("neither UTF-8 nor GBK: a GBK code without a character on line %d", line)
	}
	return text, 0, nil
}

// invalidGBK returns the offset of the first byte that cannot start or
// continue a GBK character, or -1.
func invalidGBK(data []byte) int {
	for i := 0; i < len(data); i++ {
		b := data[i]
		switch {
		case b < 0x80:
		case b == 0x80: // € in CP936
		case b <= 0xFE:
			if i+1 >= len(data) {
				return i
			}
			t := data[i+1]
			if t < 0x40 || t == 0x7F || t == 0xFF {
				return i + 1
			}
			i++
		default:
			return i
		}
	}
	return -1
}
