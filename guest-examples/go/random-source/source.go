// The random example source: deterministic JSON messages from a xorshift32
// generator, resumable from its state blob, byte-identical to the JS and Rust
// versions.
package main

import (
	"encoding/json"
	"strconv"
	"time"

	"iggyconnector/sdk"
)

const (
	defaultSeed = 2654435769
	alphabet    = "abcdefghijklmnopqrstuvwxyz0123456789"
)

var headers = []sdk.Header{{Key: sdk.StringValue("source"), Value: sdk.StringValue("random")}}

func init() { sdk.ExportSource(open) }

type config struct {
	Count       uint32 `json:"count"`
	MaxMessages uint64 `json:"max_messages"`
	PayloadSize uint32 `json:"payload_size"`
	Seed        uint32 `json:"seed"`
	IntervalMs  uint32 `json:"interval_ms"`
}

type state struct {
	Seq *uint64 `json:"seq"`
	Rng *uint32 `json:"rng"`
}

type randomSource struct {
	interval           time.Duration
	lastBatch          time.Time
	count, payloadSize uint32
	maxMessages, seq   uint64
	rng                uint32
}

func open(raw string, blob []byte) (sdk.Source, error) {
	c := config{Count: 10, PayloadSize: 64, Seed: defaultSeed}
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	s := &randomSource{interval: time.Duration(c.IntervalMs) * time.Millisecond, count: c.Count, payloadSize: c.PayloadSize, maxMessages: c.MaxMessages, rng: c.Seed}
	if s.rng == 0 {
		s.rng = defaultSeed
	}
	if blob != nil {
		var st state
		if err := json.Unmarshal(blob, &st); err != nil || st.Seq == nil || st.Rng == nil {
			return nil, sdk.InvalidConfig("state blob %q is not the JSON {\"seq\":n,\"rng\":x} this source writes", blob)
		}
		s.seq, s.rng = *st.Seq, *st.Rng
	}
	return s, nil
}

func (s *randomSource) next() uint32 {
	x := s.rng
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	s.rng = x
	return x
}

func (s *randomSource) Poll() (sdk.Poll, error) {
	n := uint64(s.count)
	if s.maxMessages > 0 {
		n = min(n, s.maxMessages-min(s.seq, s.maxMessages))
	}
	// interval_ms paces the source: at most one batch per interval, empty polls in between.
	now := time.Now()
	if n == 0 || (!s.lastBatch.IsZero() && now.Sub(s.lastBatch) < s.interval) {
		return sdk.Poll{}, nil
	}
	s.lastBatch = now
	size := int(s.payloadSize)
	batch := sdk.NewBatchBuilder(int(n), int(n)*(size+64))
	for range n {
		seq := s.seq
		err := batch.PushWith(sdk.U128(seq+1), 0, headers, func(out []byte) []byte {
			out = append(out, `{"seq":`...)
			out = strconv.AppendUint(out, seq, 10)
			out = append(out, `,"data":"`...)
			for range size {
				out = append(out, alphabet[s.next()%36])
			}
			return append(out, `"}`...)
		})
		if err != nil {
			return sdk.Poll{}, err
		}
		s.seq++
	}
	st := strconv.AppendUint([]byte(`{"seq":`), s.seq, 10)
	st = append(st, `,"rng":`...)
	st = strconv.AppendUint(st, uint64(s.rng), 10)
	st = append(st, '}')
	return sdk.Poll{Batch: batch, State: st}, nil
}

func (s *randomSource) Close() error { return nil }
