package sdk

// Where a batch comes from and how its payloads are encoded, as plain Go
// types so connectors do not depend on generated binding types.

type TopicMetadata struct {
	Stream string
	Topic  string
}

// Schema values match the order of the WIT enum `schema`.
type Schema uint8

const (
	SchemaJSON Schema = iota
	SchemaRaw
	SchemaText
	SchemaProto
	SchemaAvro
	SchemaFlatbuffer
)

type BatchMetadata struct {
	// PartitionID is 0-based, as Iggy numbers partitions.
	PartitionID uint32
	// CurrentOffset is the offset of the batch's first message.
	CurrentOffset uint64
	Schema        Schema
	MessageCount  uint32
}
