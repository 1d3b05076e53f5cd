package mysqlwire

import (
	"encoding/binary"
	"errors"
)

// lenencInt reads a length-encoded integer; ok is false for NULL (0xfb) or
// a short buffer.
func lenencInt(b []byte) (v uint64, n int, ok bool) {
	if len(b) == 0 {
		return 0, 0, false
	}
	switch b[0] {
	case 0xfb:
		return 0, 1, false
	case 0xfc:
		if len(b) < 3 {
			return 0, 0, false
		}
		return uint64(binary.LittleEndian.Uint16(b[1:])), 3, true
	case 0xfd:
		if len(b) < 4 {
			return 0, 0, false
		}
		return uint64(b[1]) | uint64(b[2])<<8 | uint64(b[3])<<16, 4, true
	case 0xfe:
		if len(b) < 9 {
			return 0, 0, false
		}
		return binary.LittleEndian.Uint64(b[1:]), 9, true
	}
	return uint64(b[0]), 1, true
}

// LenencBytes reads a length-encoded string.
func LenencBytes(b []byte) ([]byte, int, bool) {
	l, n, ok := lenencInt(b)
	if !ok || uint64(len(b)-n) < l {
		return nil, n, false
	}
	return b[n : n+int(l)], n + int(l), true
}

// AppendLenenc appends s as a length-encoded string.
func AppendLenenc(b, s []byte) []byte {
	n := uint64(len(s))
	switch {
	case n < 251:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 0xfc, byte(n), byte(n>>8))
	case n < 1<<24:
		b = append(b, 0xfd, byte(n), byte(n>>8), byte(n>>16))
	default:
		b = append(b, 0xfe)
		b = binary.LittleEndian.AppendUint64(b, n)
	}
	return append(b, s...)
}

// okStatus returns an OK packet p from its status flags on, past the
// header, affected rows and last insert id.
func okStatus(p []byte) ([]byte, error) {
	_, n, ok := lenencInt(p[1:])
	if !ok {
		return nil, errors.New("malformed OK packet")
	}
	_, m, ok := lenencInt(p[1+n:])
	if !ok || len(p) < 1+n+m+2 {
		return nil, errors.New("malformed OK packet")
	}
	return p[1+n+m:], nil
}
