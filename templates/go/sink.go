// %%name%%: an Apache Iggy sink connector. It writes one line per message to
// stdout (the runtime logs each line with the connector's name), one write per
// batch. Replace Consume with what your connector does.
package main

import (
	"os"
	"strconv"

	"iggyconnector/sdk"
)

func init() { sdk.ExportSink(open) }

// config is the connector's `config` table ([sinks.<key>.config] in the runtime's TOML).
type config struct {
	// Prefix is written before every line.
	Prefix string `json:"prefix"`
}

type connectorSink struct {
	prefix string
	// Reused across batches: the lines of one batch go out in one write.
	out []byte
}

func open(raw string) (sdk.Sink, error) {
	var c config
	// Not an object, an unknown key or a wrong type is invalid-config: the runtime stops the connector.
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	sdk.Info("%%name%% opened")
	return &connectorSink{prefix: c.Prefix}, nil
}

func (s *connectorSink) Consume(topic sdk.TopicMetadata, meta sdk.BatchMetadata, messages sdk.Messages) error {
	out := s.out[:0]
	for m := range messages.All() {
		// m.Payload points into the batch: valid during this call only.
		out = append(out, s.prefix...)
		out = append(out, topic.Stream...)
		out = append(out, '/')
		out = append(out, topic.Topic...)
		out = append(out, '/')
		out = strconv.AppendUint(out, uint64(meta.PartitionID), 10)
		out = append(out, " offset="...)
		out = strconv.AppendUint(out, m.Offset, 10)
		out = append(out, " size="...)
		out = strconv.AppendInt(out, int64(len(m.Payload)), 10)
		out = append(out, '\n')
	}
	s.out = out
	if len(out) == 0 {
		return nil
	}
	// Transient: the runtime retries the same batch, then stores its offset only once it was accepted.
	if _, err := os.Stdout.Write(out); err != nil {
		return sdk.Transient("writing to stdout: %v", err)
	}
	return nil
}

func (s *connectorSink) Close() error { return nil }
