package sdk

// Reads a flat batch (wit/README.md, "Flat batch") in place: 64-byte index
// entries pointing into one data buffer. Nothing is copied per message.

import (
	"encoding/binary"
	"iter"
)

const entrySize = 64

// Message is one message of a batch; Payload and Headers point into the
// batch and are valid only during the Consume call.
type Message struct {
	Offset uint64
	ID     Uint128
	// Timestamp is the server's, in µs since the Unix epoch.
	Timestamp uint64
	// OriginTimestamp is the producer's, in µs since the Unix epoch.
	OriginTimestamp uint64
	Payload         []byte
	Headers         Headers
}

// Messages are the messages of one batch, in offset order.
type Messages struct {
	index, data []byte
}

// NewMessages checks every entry's ranges once, so reading cannot fail later.
func NewMessages(index, data []byte) (Messages, error) {
	if len(index)%entrySize != 0 {
		return Messages{}, Permanent("batch index length %d is not a multiple of %d", len(index), entrySize)
	}
	for i := 0; i < len(index); i += entrySize {
		e := index[i : i+entrySize]
		for _, r := range [2]struct {
			what string
			at   int
		}{{"payload", 48}, {"headers", 56}} {
			start := uint64(binary.LittleEndian.Uint32(e[r.at:]))
			n := uint64(binary.LittleEndian.Uint32(e[r.at+4:]))
			if start+n > uint64(len(data)) {
				return Messages{}, Permanent("batch entry %d: %s range %d+%d exceeds data length %d", i/entrySize, r.what, start, n, len(data))
			}
		}
	}
	return Messages{index, data}, nil
}

func (m Messages) Len() int { return len(m.index) / entrySize }

// At decodes message i (0-based).
func (m Messages) At(i int) Message {
	e := m.index[i*entrySize : (i+1)*entrySize]
	le := binary.LittleEndian
	ps, pl := le.Uint32(e[48:]), le.Uint32(e[52:])
	hs, hl := le.Uint32(e[56:]), le.Uint32(e[60:])
	return Message{
		Offset:          le.Uint64(e[0:]),
		ID:              Uint128{Hi: le.Uint64(e[16:]), Lo: le.Uint64(e[8:])},
		Timestamp:       le.Uint64(e[24:]),
		OriginTimestamp: le.Uint64(e[32:]),
		Payload:         m.data[ps : ps+pl : ps+pl],
		Headers:         Headers(m.data[hs : hs+hl : hs+hl]),
	}
}

// All yields every message: `for msg := range messages.All() { ... }`.
func (m Messages) All() iter.Seq[Message] {
	return func(yield func(Message) bool) {
		for i := range m.Len() {
			if !yield(m.At(i)) {
				return
			}
		}
	}
}
