// The count example sink, a benchmark guest like the Rust one: it only counts
// messages and payload bytes (and, when asked, produce-to-consume latency) and
// logs the totals on close, in the same line format as the Rust version.
package main

import (
	"math"
	"strconv"
	"time"

	"iggyconnector/sdk"
)

func init() { sdk.ExportSink(open) }

// Latency histogram: 10 µs buckets up to 1 s; the last bucket holds everything slower.
const (
	bucketUs = 10
	buckets  = 100_000
)

type config struct {
	TrackLatency bool   `json:"track_latency"`
	LatencySkip  uint64 `json:"latency_skip"`
}

type countSink struct {
	messages, bytes uint64
	latency         *latency
}

type latency struct {
	skip, seen, max uint64
	histogram       []uint32
}

func open(raw string) (sdk.Sink, error) {
	var c config
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	s := &countSink{}
	if c.TrackLatency {
		s.latency = &latency{skip: c.LatencySkip, histogram: make([]uint32, buckets)}
	}
	return s, nil
}

func (s *countSink) Consume(_ sdk.TopicMetadata, _ sdk.BatchMetadata, messages sdk.Messages) error {
	if s.latency != nil {
		s.latency.record(messages)
	}
	for m := range messages.All() {
		s.messages++
		s.bytes += uint64(len(m.Payload))
	}
	return nil
}

// record adds now minus each message's origin timestamp (both µs since the
// epoch, the same machine clock); one clock read per batch, as in Rust.
func (l *latency) record(messages sdk.Messages) {
	now := uint64(max(time.Now().UnixMicro(), 0))
	for m := range messages.All() {
		l.seen++
		if l.seen <= l.skip {
			continue
		}
		var us uint64
		if now > m.OriginTimestamp {
			us = now - m.OriginTimestamp
		}
		l.max = max(l.max, us)
		l.histogram[min(us/bucketUs, buckets-1)]++
	}
}

// at is the upper bound of the bucket holding quantile q, 0 without samples.
func (l *latency) at(q float64, total uint64) uint64 {
	rank := uint64(math.Ceil(q * float64(total)))
	if rank == 0 {
		return 0
	}
	var seen uint64
	for i, n := range l.histogram {
		seen += uint64(n)
		if seen >= rank {
			return (uint64(i) + 1) * bucketUs
		}
	}
	return 0
}

func (s *countSink) Close() error {
	line := []byte(`count sink totals {"messages":`)
	line = strconv.AppendUint(line, s.messages, 10)
	line = append(line, `,"bytes":`...)
	line = strconv.AppendUint(line, s.bytes, 10)
	if l := s.latency; l != nil {
		var total uint64
		for _, n := range l.histogram {
			total += uint64(n)
		}
		line = append(line, `,"latency_us":{"samples":`...)
		line = strconv.AppendUint(line, total, 10)
		for _, p := range []struct {
			name string
			q    float64
		}{{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}} {
			line = append(line, `,"`+p.name+`":`...)
			line = strconv.AppendUint(line, l.at(p.q, total), 10)
		}
		line = append(line, `,"max":`...)
		line = strconv.AppendUint(line, l.max, 10)
		line = append(line, `,"resolution":`...)
		line = strconv.AppendUint(line, bucketUs, 10)
		line = append(line, '}')
	}
	line = append(line, '}')
	sdk.Info(string(line))
	return nil
}
