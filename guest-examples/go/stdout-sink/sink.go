// The stdout example sink: one line per message on WASI stdout, the same
// bytes as the JS and Rust versions (spec in docs/guests-go.md).
package main

import (
	"os"
	"strconv"

	"iggyconnector/sdk"
)

func init() { sdk.ExportSink(open) }

type config struct {
	PrintPayload bool `json:"print_payload"`
}

type stdoutSink struct {
	printPayload bool
	// Reused across batches: the lines of one batch go out in one write.
	out []byte
}

func open(raw string) (sdk.Sink, error) {
	var c config
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	sdk.Info("stdout sink opened")
	return &stdoutSink{printPayload: c.PrintPayload}, nil
}

func (s *stdoutSink) Consume(topic sdk.TopicMetadata, meta sdk.BatchMetadata, messages sdk.Messages) error {
	out := s.out[:0]
	for m := range messages.All() {
		pairs, err := m.Headers.Count()
		if err != nil {
			return err
		}
		out = append(out, topic.Stream...)
		out = append(out, '/')
		out = append(out, topic.Topic...)
		out = append(out, '/')
		out = strconv.AppendUint(out, uint64(meta.PartitionID), 10)
		out = append(out, " offset="...)
		out = strconv.AppendUint(out, m.Offset, 10)
		out = append(out, " id="...)
		out = m.ID.AppendDecimal(out)
		if s.printPayload {
			out = append(out, " payload="...)
			out = sdk.AppendLossyUTF8(out, m.Payload)
		} else {
			out = append(out, " size="...)
			out = strconv.AppendInt(out, int64(len(m.Payload)), 10)
		}
		out = append(out, " headers="...)
		out = strconv.AppendInt(out, int64(pairs), 10)
		out = append(out, '\n')
	}
	s.out = out
	if len(out) == 0 {
		return nil
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return sdk.Transient("writing to stdout: %v", err)
	}
	return nil
}

func (s *stdoutSink) Close() error { return nil }
