package sdk

// The Sink and Source interfaces a connector implements, the registration a
// guest makes from init, and the entry points the glue package calls.

// Sink consumes batches polled from Iggy. The host calls its opener once,
// Consume for each batch, then Close. The consumer offset is stored only after
// Consume returned nil, so a batch is delivered at least once.
type Sink interface {
	Consume(topic TopicMetadata, meta BatchMetadata, messages Messages) error
	Close() error
}

// SinkOpener parses config (a JSON object, "{}" when there is none).
type SinkOpener func(config string) (Sink, error)

// Source produces messages. The state returned with a batch is persisted only
// after Iggy acknowledged that batch, and handed back to the opener next time.
type Source interface {
	Poll() (Poll, error)
	Close() error
}

// SourceOpener parses config; state is the last persisted blob, nil on the
// first start.
type SourceOpener func(config string, state []byte) (Source, error)

// The component's one connector: the opener registered from init and the
// instance it returned. A component is single-threaded and instantiated once
// per connector, so package state is the instance state.
var (
	sinkOpener   SinkOpener
	sourceOpener SourceOpener
	sink         Sink
	source       Source
)

// ExportSink registers the component's sink; call it from init in package main.
func ExportSink(open SinkOpener) { sinkOpener = open }

// ExportSource registers the component's source; call it from init in package main.
func ExportSource(open SourceOpener) { sourceOpener = open }

// GlueSinkOpen and the other Glue functions are called by the glue package
// the build generates; connectors do not call them.
func GlueSinkOpen(config string) error {
	if sinkOpener == nil {
		return Permanent("no sink registered: call sdk.ExportSink from an init function of package main")
	}
	s, err := sinkOpener(config)
	if err != nil {
		return err
	}
	sink = s
	return nil
}

func GlueSinkConsume(topic TopicMetadata, meta BatchMetadata, index, data []byte) error {
	if sink == nil {
		return Permanent("consume called before a successful open")
	}
	messages, err := NewMessages(index, data)
	if err != nil {
		return err
	}
	return sink.Consume(topic, meta, messages)
}

func GlueSinkClose() error {
	s := sink
	sink = nil
	if s == nil {
		return nil
	}
	return s.Close()
}

func GlueSourceOpen(config string, state []byte) error {
	if sourceOpener == nil {
		return Permanent("no source registered: call sdk.ExportSource from an init function of package main")
	}
	s, err := sourceOpener(config, state)
	if err != nil {
		return err
	}
	source = s
	return nil
}

func GlueSourcePoll() (Poll, error) {
	if source == nil {
		return Poll{}, Permanent("poll called before a successful open")
	}
	return source.Poll()
}

func GlueSourceClose() error {
	s := source
	source = nil
	if s == nil {
		return nil
	}
	return s.Close()
}
