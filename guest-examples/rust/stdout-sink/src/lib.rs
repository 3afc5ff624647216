//! The `stdout` example sink: one line per message on WASI stdout, the same
//! bytes as the JS and Go versions (spec in docs/guests-rust.md).

use iggy_connector_sdk::{export_sink, log, parse_config, BatchMetadata, Error, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use std::fmt::Write as _;
use std::io::Write as _;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    #[serde(default)]
    print_payload: bool,
}

struct StdoutSink {
    print_payload: bool,
    // Reused across batches: the lines of one batch go out in one write.
    out: String,
}

impl Sink for StdoutSink {
    fn open(config: &str) -> Result<Self, Error> {
        let config: Config = parse_config(config)?;
        log::info("stdout sink opened");
        Ok(StdoutSink { print_payload: config.print_payload, out: String::new() })
    }

    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        self.out.clear();
        for m in messages {
            let pairs = m.headers.count_pairs()?;
            // Writing into a String cannot fail.
            let _ = write!(self.out, "{}/{}/{} offset={} id={} ", topic.stream, topic.topic, meta.partition_id, m.offset, m.id);
            if self.print_payload {
                let _ = write!(self.out, "payload={}", String::from_utf8_lossy(m.payload));
            } else {
                let _ = write!(self.out, "size={}", m.payload.len());
            }
            let _ = writeln!(self.out, " headers={pairs}");
        }
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(self.out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::transient(format!("writing to stdout: {e}")))
    }
}

export_sink!(StdoutSink);
