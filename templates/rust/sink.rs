//! %%name%%: an Apache Iggy sink connector. It writes one line per message to
//! stdout (the runtime logs each line with the connector's name), one write per
//! batch. Replace `consume` with what your connector does.

use iggy_connector_sdk::{export_sink, log, parse_config, BatchMetadata, Error, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;

/// The connector's `config` table (`[sinks.<key>.config]` in the runtime's TOML).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// Written before every line.
    #[serde(default)]
    prefix: String,
}

struct ConnectorSink {
    prefix: String,
    // Reused across batches: the lines of one batch go out in one write.
    out: String,
}

impl Sink for ConnectorSink {
    fn open(config: &str) -> Result<Self, Error> {
        // Not an object, an unknown key or a wrong type is invalid-config: the runtime stops the connector.
        let config: Config = parse_config(config)?;
        log::info("%%name%% opened");
        Ok(ConnectorSink { prefix: config.prefix, out: String::new() })
    }

    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        self.out.clear();
        for m in messages {
            // m.payload borrows the batch: nothing was copied. Writing into a String cannot fail.
            let _ = writeln!(self.out, "{}{}/{}/{} offset={} size={}", self.prefix, topic.stream, topic.topic, meta.partition_id, m.offset, m.payload.len());
        }
        if self.out.is_empty() {
            return Ok(());
        }
        let mut stdout = std::io::stdout().lock();
        // Transient: the runtime retries the same batch, then stores its offset only once it was accepted.
        stdout
            .write_all(self.out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::transient(format!("writing to stdout: {e}")))
    }
}

export_sink!(ConnectorSink);
