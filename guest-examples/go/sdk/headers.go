package sdk

// Iggy's user headers, read in place and written in Iggy's own TLV encoding:
// pairs of [kind:u8][len:u32 LE][bytes] entries, key then value.

import "encoding/binary"

// HeaderKind is the kind byte of a header entry (wit/README.md, "User headers").
type HeaderKind uint8

const (
	HeaderRaw HeaderKind = iota + 1
	HeaderString
	HeaderBool
	HeaderInt8
	HeaderInt16
	HeaderInt32
	HeaderInt64
	HeaderInt128
	HeaderUint8
	HeaderUint16
	HeaderUint32
	HeaderUint64
	HeaderUint128
	HeaderFloat32
	HeaderFloat64
)

// HeaderValue is one side of a pair; Bytes may point into the batch.
type HeaderValue struct {
	Kind  HeaderKind
	Bytes []byte
}

func StringValue(s string) HeaderValue { return HeaderValue{HeaderString, []byte(s)} }
func RawValue(b []byte) HeaderValue    { return HeaderValue{HeaderRaw, b} }

type Header struct {
	Key, Value HeaderValue
}

// Headers are a message's user-header bytes, decoded lazily.
type Headers []byte

// Each calls fn for every pair until fn returns false; it returns an error
// when the bytes are not whole, well-formed pairs.
func (h Headers) Each(fn func(Header) bool) error {
	rest := []byte(h)
	for len(rest) > 0 {
		var pair Header
		var err error
		if pair.Key, rest, err = headerEntry(rest); err != nil {
			return err
		}
		if pair.Value, rest, err = headerEntry(rest); err != nil {
			return err
		}
		if !fn(pair) {
			return nil
		}
	}
	return nil
}

// Count is the number of key/value pairs.
func (h Headers) Count() (int, error) {
	n := 0
	err := h.Each(func(Header) bool { n++; return true })
	return n, err
}

// Get returns the value of the first pair whose key is the string key.
func (h Headers) Get(key string) (HeaderValue, bool) {
	var found HeaderValue
	ok := false
	_ = h.Each(func(p Header) bool {
		if p.Key.Kind == HeaderString && string(p.Key.Bytes) == key {
			found, ok = p.Value, true
			return false
		}
		return true
	})
	return found, ok
}

func headerEntry(b []byte) (HeaderValue, []byte, error) {
	if len(b) < 5 {
		return HeaderValue{}, nil, Permanent("malformed user headers: truncated entry")
	}
	kind := HeaderKind(b[0])
	if kind < HeaderRaw || kind > HeaderFloat64 {
		return HeaderValue{}, nil, Permanent("malformed user headers: unknown kind %d", b[0])
	}
	n := uint64(binary.LittleEndian.Uint32(b[1:5]))
	if 5+n > uint64(len(b)) {
		return HeaderValue{}, nil, Permanent("malformed user headers: length past the end")
	}
	return HeaderValue{kind, b[5 : 5+n]}, b[5+n:], nil
}

// appendHeader writes one pair. Iggy refuses empty or longer than 255-byte
// keys and values, so they are refused here, before the host would.
func appendHeader(dst []byte, h Header) ([]byte, error) {
	for _, side := range [2]struct {
		what string
		v    HeaderValue
	}{{"key", h.Key}, {"value", h.Value}} {
		if len(side.v.Bytes) == 0 || len(side.v.Bytes) > 255 {
			return dst, Permanent("header %s must be 1..255 bytes, got %d bytes", side.what, len(side.v.Bytes))
		}
		dst = append(dst, byte(side.v.Kind))
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(side.v.Bytes)))
		dst = append(dst, side.v.Bytes...)
	}
	return dst, nil
}
