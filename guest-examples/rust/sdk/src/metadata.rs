//! Where a batch comes from and how its payloads are encoded, as plain Rust
//! types so connectors do not depend on generated binding types.

use crate::bindings::sink::iggy::connector::types as wit;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicMetadata {
    pub stream: String,
    pub topic: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    Json,
    Raw,
    Text,
    Proto,
    Avro,
    Flatbuffer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    /// 0-based, as Iggy numbers partitions.
    pub partition_id: u32,
    /// Offset of the batch's first message.
    pub current_offset: u64,
    pub schema: Schema,
    pub message_count: u32,
}

impl From<wit::TopicMetadata> for TopicMetadata {
    fn from(t: wit::TopicMetadata) -> Self {
        TopicMetadata { stream: t.stream_name, topic: t.topic_name }
    }
}

impl From<wit::Schema> for Schema {
    fn from(s: wit::Schema) -> Self {
        match s {
            wit::Schema::Json => Schema::Json,
            wit::Schema::Raw => Schema::Raw,
            wit::Schema::Text => Schema::Text,
            wit::Schema::Proto => Schema::Proto,
            wit::Schema::Avro => Schema::Avro,
            wit::Schema::Flatbuffer => Schema::Flatbuffer,
        }
    }
}

impl From<wit::BatchMetadata> for BatchMetadata {
    fn from(m: wit::BatchMetadata) -> Self {
        BatchMetadata {
            partition_id: m.partition_id,
            current_offset: m.current_offset,
            schema: m.schema.into(),
            message_count: m.message_count,
        }
    }
}
