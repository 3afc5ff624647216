// The file example sink: appends each payload and a newline to a file in a
// directory the host granted, one write per batch.
package main

import (
	"os"

	"iggyconnector/sdk"
)

func init() { sdk.ExportSink(open) }

type config struct {
	Path *string `json:"path"`
}

type fileSink struct {
	path string
	file *os.File
	buf  []byte
}

func open(raw string) (sdk.Sink, error) {
	var c config
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	if c.Path == nil {
		return nil, sdk.InvalidConfig("config key \"path\" is required: a file inside a directory granted to this connector")
	}
	// Opening at open turns a path outside the granted directories into a
	// config error now rather than a retried failure on every batch.
	f, err := os.OpenFile(*c.Path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, sdk.InvalidConfig("cannot open %q for appending: %v; the path must be inside a directory granted to this connector", *c.Path, err)
	}
	return &fileSink{path: *c.Path, file: f}, nil
}

func (s *fileSink) Consume(_ sdk.TopicMetadata, _ sdk.BatchMetadata, messages sdk.Messages) error {
	buf := s.buf[:0]
	for m := range messages.All() {
		buf = append(buf, m.Payload...)
		buf = append(buf, '\n')
	}
	s.buf = buf
	if _, err := s.file.Write(buf); err != nil {
		return sdk.Transient("writing %s: %v", s.path, err)
	}
	return nil
}

func (s *fileSink) Close() error {
	if err := s.file.Close(); err != nil {
		return sdk.Transient("closing %s: %v", s.path, err)
	}
	return nil
}
