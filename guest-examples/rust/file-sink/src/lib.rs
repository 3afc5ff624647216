//! The `file` example sink: appends each payload and a newline to a file in a
//! directory the host granted, one write and flush per batch.

use iggy_connector_sdk::{export_sink, parse_config, BatchMetadata, Error, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use std::fs::{File, OpenOptions};
use std::io::Write as _;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    path: String,
}

struct FileSink {
    path: String,
    file: File,
    buf: Vec<u8>,
}

impl Sink for FileSink {
    fn open(config: &str) -> Result<Self, Error> {
        let Config { path } = parse_config(config)?;
        // Opening at `open` turns a path outside the granted directories into
        // a config error now rather than a retried failure on every batch.
        let file = OpenOptions::new().create(true).append(true).open(&path).map_err(|e| {
            Error::invalid_config(format!(
                "cannot open \"{path}\" for appending: {e}; the path must be inside a directory granted to this connector"
            ))
        })?;
        Ok(FileSink { path, file, buf: Vec::new() })
    }

    fn consume(&mut self, _topic: &TopicMetadata, _meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        self.buf.clear();
        for m in messages {
            self.buf.extend_from_slice(m.payload);
            self.buf.push(b'\n');
        }
        self.file
            .write_all(&self.buf)
            .and_then(|()| self.file.flush())
            .map_err(|e| Error::transient(format!("writing {}: {e}", self.path)))
    }
}

export_sink!(FileSink);
