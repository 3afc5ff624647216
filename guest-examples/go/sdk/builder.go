package sdk

// Writes the flat batch a source returns from Poll: one 64-byte index entry
// per message, payloads and headers appended to one data buffer.

import (
	"encoding/binary"
	"math"
)

// BatchBuilder collects a source's messages. Size it with NewBatchBuilder to
// allocate once per batch.
type BatchBuilder struct {
	index, data []byte
}

func NewBatchBuilder(messages, dataBytes int) *BatchBuilder {
	return &BatchBuilder{make([]byte, 0, messages*entrySize), make([]byte, 0, dataBytes)}
}

// Push adds a message. ID zero lets the host assign one; originTimestamp zero
// lets the host stamp the send time.
func (b *BatchBuilder) Push(id Uint128, originTimestamp uint64, payload []byte, headers ...Header) error {
	return b.PushWith(id, originTimestamp, headers, func(dst []byte) []byte { return append(dst, payload...) })
}

// PushWith is Push with the payload appended by writePayload straight into
// the batch's data buffer (it must only append), saving a copy.
func (b *BatchBuilder) PushWith(id Uint128, originTimestamp uint64, headers []Header, writePayload func(dst []byte) []byte) error {
	mark := len(b.data)
	data := writePayload(b.data)
	payloadLen := len(data) - mark
	var err error
	for _, h := range headers {
		if data, err = appendHeader(data, h); err != nil {
			b.data = data[:mark]
			return err
		}
	}
	if len(data) > math.MaxUint32 {
		b.data = data[:mark]
		return Permanent("batch data exceeds 4 GiB; return fewer messages per poll")
	}
	b.data = data
	var e [entrySize]byte
	le := binary.LittleEndian
	le.PutUint64(e[8:], id.Lo)
	le.PutUint64(e[16:], id.Hi)
	le.PutUint64(e[32:], originTimestamp)
	le.PutUint32(e[48:], uint32(mark))
	le.PutUint32(e[52:], uint32(payloadLen))
	le.PutUint32(e[56:], uint32(mark+payloadLen))
	le.PutUint32(e[60:], uint32(len(data)-mark-payloadLen))
	b.index = append(b.index, e[:]...)
	return nil
}

func (b *BatchBuilder) Len() int { return len(b.index) / entrySize }

// Parts are the two buffers of the flat batch.
func (b *BatchBuilder) Parts() (index, data []byte) {
	if b == nil {
		return []byte{}, []byte{}
	}
	return b.index, b.data
}

// Poll is what Source.Poll returns: messages, and the state to persist once
// Iggy acknowledged them (nil keeps the previous state). A nil Batch is empty.
type Poll struct {
	Batch *BatchBuilder
	State []byte
}
