// %%name%%: an Apache Iggy source connector. Each poll produces `count` JSON
// messages {"seq":n}; its state is the next sequence number, so after a restart
// it resumes where Iggy last acknowledged. Replace Poll with what your
// connector reads.
package main

import (
	"strconv"

	"iggyconnector/sdk"
)

func init() { sdk.ExportSource(open) }

// config is the connector's `config` table ([sources.<key>.config] in the runtime's TOML).
type config struct {
	// Count is the number of messages per poll.
	Count uint32 `json:"count"`
}

type connectorSource struct {
	count uint32
	seq   uint64
}

func open(raw string, state []byte) (sdk.Source, error) {
	c := config{Count: 10} // defaults first: ParseConfig keeps them for absent keys
	// Not an object, an unknown key or a wrong type is invalid-config: the runtime stops the connector.
	if err := sdk.ParseConfig(raw, &c); err != nil {
		return nil, err
	}
	s := &connectorSource{count: c.Count}
	// The state is what a previous poll returned, persisted once Iggy acknowledged its batch.
	if state != nil {
		seq, err := strconv.ParseUint(string(state), 10, 64)
		if err != nil {
			return nil, sdk.InvalidConfig("the state blob %q is not the decimal sequence number this source writes", state)
		}
		s.seq = seq
	}
	sdk.Info("%%name%% opened at seq " + strconv.FormatUint(s.seq, 10))
	return s, nil
}

func (s *connectorSource) Poll() (sdk.Poll, error) {
	if s.count == 0 {
		return sdk.Poll{}, nil
	}
	batch := sdk.NewBatchBuilder(int(s.count), int(s.count)*24)
	for range s.count {
		seq := s.seq
		// Id 0 lets the host assign one, origin timestamp 0 lets it stamp the send time.
		err := batch.PushWith(sdk.U128(0), 0, nil, func(out []byte) []byte {
			out = append(out, `{"seq":`...)
			out = strconv.AppendUint(out, seq, 10)
			return append(out, '}')
		})
		if err != nil {
			return sdk.Poll{}, err
		}
		s.seq++
	}
	return sdk.Poll{Batch: batch, State: strconv.AppendUint(nil, s.seq, 10)}, nil
}

func (s *connectorSource) Close() error { return nil }
