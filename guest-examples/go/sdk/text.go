package sdk

// UTF-8 decoding that replaces invalid bytes the way Rust's from_utf8_lossy
// and the WHATWG TextDecoder do (one U+FFFD per maximal invalid subpart), so
// that Go, Rust and JS guests print identical text. Go's own
// strings.ToValidUTF8 and utf8.DecodeRune group invalid bytes differently.

import "unicode/utf8"

var replacement = []byte("\uFFFD")

// AppendLossyUTF8 appends b to dst, each maximal invalid subpart replaced by U+FFFD.
func AppendLossyUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			dst = append(dst, c)
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		default:
			dst = append(dst, replacement...)
			i++
			continue
		}
		j := i + 1
		for k := 0; k < need; k++ {
			if j >= len(b) || b[j] < lo || b[j] > hi {
				break
			}
			lo, hi = 0x80, 0xBF
			j++
		}
		if j-i == need+1 {
			dst = append(dst, b[i:j]...)
		} else {
			// The bytes consumed so far form one maximal subpart; the byte
			// that broke the sequence is decoded afresh.
			dst = append(dst, replacement...)
		}
		i = j
	}
	return dst
}
