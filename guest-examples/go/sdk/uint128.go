package sdk

// Message ids are u128; Go has no such integer, so a pair of halves with the
// decimal formatting the example guests print.

import (
	"math/bits"
	"strconv"
)

type Uint128 struct {
	Hi, Lo uint64
}

// U128 widens a uint64.
func U128(v uint64) Uint128 { return Uint128{Lo: v} }

// AppendDecimal appends the value in base 10 to dst.
func (u Uint128) AppendDecimal(dst []byte) []byte {
	if u.Hi == 0 {
		return strconv.AppendUint(dst, u.Lo, 10)
	}
	// Split off 19-digit chunks (10^19 fits in a uint64) from the low end.
	const chunk = 10_000_000_000_000_000_000
	var parts [3]uint64
	n := 0
	for u.Hi != 0 {
		qHi := u.Hi / chunk
		qLo, r := bits.Div64(u.Hi%chunk, u.Lo, chunk)
		parts[n] = r
		n++
		u = Uint128{qHi, qLo}
	}
	dst = strconv.AppendUint(dst, u.Lo, 10)
	for n > 0 {
		n--
		s := strconv.FormatUint(parts[n], 10)
		for pad := len(s); pad < 19; pad++ {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	return dst
}

func (u Uint128) String() string { return string(u.AppendDecimal(nil)) }
