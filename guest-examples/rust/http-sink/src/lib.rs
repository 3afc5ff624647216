//! HTTP sink: sends each batch as one request in the configured body format,
//! retrying 429/5xx and network failures inside the call (bounded, honoring
//! Retry-After), then handing the batch back to the host as `transient`.

use iggy_connector_sdk::net::http::{self, HttpError, Request, Response};
use iggy_connector_sdk::{export_sink, log, parse_config, BatchMetadata, Error, Message, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum Format {
    /// `[doc, doc, ...]`
    #[default]
    JsonArray,
    /// One document per line.
    Ndjson,
    /// Elasticsearch / OpenSearch `_bulk`: an `index` action line before each document.
    ElasticsearchBulk,
    /// Quickwit's ingest API: NDJSON.
    Quickwit,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum GiveUp {
    /// Return `transient`: the host offers the same batch again with its own backoff.
    #[default]
    Transient,
    /// Return `permanent`: the host dead-letters the batch or stops, as configured.
    Permanent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicAuth {
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    url: String,
    #[serde(default = "default_method")]
    method: String,
    #[serde(default)]
    format: Format,
    /// `_index` in each bulk action line; omit when the URL names the index.
    #[serde(default)]
    index: Option<String>,
    /// Wrap each payload with its Iggy metadata (stream, topic, partition, offset, id, timestamp).
    #[serde(default)]
    include_metadata: bool,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    bearer_token: Option<String>,
    #[serde(default)]
    basic_auth: Option<BasicAuth>,
    #[serde(default = "default_timeout_ms")]
    timeout_ms: u32,
    /// Retries inside one `consume` call after the first attempt.
    #[serde(default = "default_max_retries")]
    max_retries: u32,
    #[serde(default = "default_retry_backoff_ms")]
    retry_backoff_ms: u64,
    /// Upper bound of one wait, Retry-After included.
    #[serde(default = "default_max_backoff_ms")]
    max_backoff_ms: u64,
    #[serde(default)]
    on_give_up: GiveUp,
}

fn default_method() -> String {
    "POST".into()
}
fn default_timeout_ms() -> u32 {
    10_000
}
fn default_max_retries() -> u32 {
    3
}
fn default_retry_backoff_ms() -> u64 {
    200
}
fn default_max_backoff_ms() -> u64 {
    5_000
}

struct HttpSink {
    config: Config,
    headers: Vec<(String, String)>,
    // Reused across batches: one request body per batch.
    body: Vec<u8>,
    sent_batches: u64,
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JSON payload goes in as is; anything else as a JSON string (lossy UTF-8).
fn write_payload(out: &mut Vec<u8>, payload: &[u8]) {
    if serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_ok() {
        out.extend_from_slice(payload);
    } else {
        let text = String::from_utf8_lossy(payload);
        // Serializing a str cannot fail.
        let _ = serde_json::to_writer(&mut *out, &text);
    }
}

impl HttpSink {
    fn write_document(&self, out: &mut Vec<u8>, topic: &TopicMetadata, partition: u32, m: &Message<'_>) {
        if !self.config.include_metadata {
            write_payload(out, m.payload);
            return;
        }
        let mut head = String::new();
        let _ = write!(
            head,
            "{{\"stream\":{},\"topic\":{},\"partition\":{partition},\"offset\":{},\"id\":\"{}\",\"timestamp\":{},\"payload\":",
            serde_json::Value::from(topic.stream.as_str()),
            serde_json::Value::from(topic.topic.as_str()),
            m.offset,
            m.id,
            m.timestamp
        );
        out.extend_from_slice(head.as_bytes());
        write_payload(out, m.payload);
        out.push(b'}');
    }

    fn build_body(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) {
        let mut body = std::mem::take(&mut self.body);
        body.clear();
        let format = self.config.format;
        if format == Format::JsonArray {
            body.push(b'[');
        }
        for (i, m) in messages.enumerate() {
            match format {
                Format::JsonArray => {
                    if i > 0 {
                        body.push(b',');
                    }
                }
                Format::ElasticsearchBulk => {
                    // A stable _id per message makes a resent batch overwrite instead of duplicating.
                    let id = format!("{}-{}-{}-{}", topic.stream, topic.topic, meta.partition_id, m.offset);
                    let mut action = serde_json::Map::new();
                    if let Some(index) = &self.config.index {
                        action.insert("_index".into(), index.as_str().into());
                    }
                    action.insert("_id".into(), id.into());
                    let line = serde_json::json!({ "index": action });
                    let _ = serde_json::to_writer(&mut body, &line);
                    body.push(b'\n');
                }
                Format::Ndjson | Format::Quickwit => {}
            }
            self.write_document(&mut body, topic, meta.partition_id, &m);
            if format != Format::JsonArray {
                body.push(b'\n');
            }
        }
        if format == Format::JsonArray {
            body.push(b']');
        }
        self.body = body;
    }

    /// `_bulk` answers 200 even when documents failed; its `errors` flag says so.
    fn check_bulk(&self, response: &Response) -> Result<(), Error> {
        if self.config.format != Format::ElasticsearchBulk {
            return Ok(());
        }
        let Ok(reply) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
            return Ok(());
        };
        if reply.get("errors").and_then(|e| e.as_bool()) != Some(true) {
            return Ok(());
        }
        let items = reply.get("items").and_then(|i| i.as_array()).cloned().unwrap_or_default();
        let failed: Vec<&serde_json::Value> = items.iter().filter_map(|i| i.as_object()?.values().next()).filter(|r| r.get("error").is_some()).collect();
        let first = failed.first().map(|r| r["error"].to_string()).unwrap_or_else(|| "unknown error".into());
        let all_retryable = !failed.is_empty() && failed.iter().all(|r| r.get("status").and_then(|s| s.as_u64()).is_some_and(|s| s == 429 || s >= 500));
        let message = format!("_bulk rejected {} of {} documents, first: {first}", failed.len(), items.len());
        if all_retryable { Err(Error::transient(message)) } else { Err(Error::permanent(message)) }
    }

    fn give_up(&self, message: String) -> Error {
        match self.config.on_give_up {
            GiveUp::Transient => Error::transient(message),
            GiveUp::Permanent => Error::permanent(message),
        }
    }
}

impl Sink for HttpSink {
    fn open(config: &str) -> Result<Self, Error> {
        let config: Config = parse_config(config)?;
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err(Error::invalid_config(format!("url must start with http:// or https://, got {:?}", config.url)));
        }
        if config.bearer_token.is_some() && config.basic_auth.is_some() {
            return Err(Error::invalid_config("set bearer_token or basic_auth, not both"));
        }
        let content_type = match config.format {
            Format::JsonArray => "application/json",
            Format::Ndjson | Format::ElasticsearchBulk | Format::Quickwit => "application/x-ndjson",
        };
        let mut headers = vec![("content-type".to_string(), content_type.to_string())];
        if let Some(token) = &config.bearer_token {
            headers.push(("authorization".into(), format!("Bearer {token}")));
        }
        if let Some(auth) = &config.basic_auth {
            headers.push(("authorization".into(), format!("Basic {}", base64(format!("{}:{}", auth.username, auth.password).as_bytes()))));
        }
        for (name, value) in &config.headers {
            let lower = name.to_ascii_lowercase();
            headers.retain(|(n, _)| *n != lower);
            headers.push((lower, value.clone()));
        }
        log::info(&format!("http sink opened: {:?} to {} {}", config.format, config.method, config.url));
        Ok(HttpSink { config, headers, body: Vec::new(), sent_batches: 0 })
    }

    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        if messages.is_empty() {
            return Ok(());
        }
        self.build_body(topic, meta, messages);
        let request = Request {
            method: self.config.method.clone(),
            url: self.config.url.clone(),
            headers: self.headers.clone(),
            body: std::mem::take(&mut self.body),
            timeout_ms: self.config.timeout_ms,
        };
        let base = Duration::from_millis(self.config.retry_backoff_ms);
        let max = Duration::from_millis(self.config.max_backoff_ms);
        let mut attempt = 0;
        let outcome = loop {
            let (retryable, wait, what) = match http::send(&request) {
                Ok(response) if (200..300).contains(&response.status) => break self.check_bulk(&response),
                Ok(response) if response.is_retryable() => {
                    let wait = response.retry_after().map(|d| d.min(max)).unwrap_or_else(|| http::backoff(base, max, attempt));
                    (true, wait, format!("{} answered {}", self.config.url, response.status))
                }
                Ok(response) => {
                    let text = String::from_utf8_lossy(&response.body[..response.body.len().min(512)]).into_owned();
                    break Err(Error::permanent(format!("{} answered {}: {text}", self.config.url, response.status)));
                }
                Err(e @ (HttpError::Connection(_) | HttpError::Timeout(_))) => (true, http::backoff(base, max, attempt), e.message().to_string()),
                Err(e) => break Err(e.into()),
            };
            if !retryable || attempt >= self.config.max_retries {
                break Err(self.give_up(format!("{what}; gave up after {} attempt(s)", attempt + 1)));
            }
            log::warn(&format!("{what}; retrying in {} ms (attempt {} of {})", wait.as_millis(), attempt + 2, self.config.max_retries + 1));
            std::thread::sleep(wait);
            attempt += 1;
        };
        self.body = request.body;
        if outcome.is_ok() {
            self.sent_batches += 1;
        }
        outcome
    }

    fn close(&mut self) -> Result<(), Error> {
        log::info(&format!("http sink closed after {} batch(es)", self.sent_batches));
        Ok(())
    }
}

export_sink!(HttpSink);
