//! HTTP sink: sends each batch as one request in the configured body format
//! (several when the body would pass `max_request_bytes`). Whole requests that
//! fail with 408/429/5xx or a network error are retried inside the call
//! (bounded, honoring Retry-After), then handed back to the host. A `_bulk` or
//! Quickwit answer that rejects single documents fails exactly those messages
//! through `sink-results`: the retryable ones are resent alone first, the
//! others are dead-lettered by the host while the rest of the batch commits.

use iggy_connector_sdk::net::http::{self, HttpError, Request, Response};
use iggy_connector_sdk::{
    export_sink, fail_messages, log, parse_config, BatchMetadata, Error, Message, MessageFailure, Messages, Schema, Sink, TopicMetadata,
};
use serde::Deserialize;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write as _;
use std::time::Duration;

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum Format {
    /// `[doc, doc, ...]`
    #[default]
    JsonArray,
    /// One document per line.
    Ndjson,
    /// Elasticsearch / OpenSearch `_bulk`: an action line before each document.
    ElasticsearchBulk,
    /// Quickwit's ingest API (`/api/v1/<index>/ingest`): NDJSON.
    Quickwit,
}

impl Format {
    /// One document (or action + document) per line, each ending in `\n`.
    fn lines(self) -> bool {
        self != Format::JsonArray
    }
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum GiveUp {
    /// Return `transient`: the host offers the same messages again with its own backoff.
    #[default]
    Transient,
    /// Return `permanent`: the host dead-letters them or stops, as configured.
    Permanent,
}

/// The `_bulk` action written before each document.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum BulkAction {
    /// Adds or replaces the document with that `_id`: a resent batch overwrites.
    #[default]
    Index,
    /// Adds it only if no document has that `_id` (data streams accept only this); a resent one answers 409, counted as delivered.
    Create,
}

/// Quickwit's `commit` parameter.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum Commit {
    Auto,
    WaitFor,
    Force,
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
    /// `elasticsearch_bulk`: `index` (default) or `create`.
    #[serde(default)]
    bulk_action: Option<BulkAction>,
    /// `elasticsearch_bulk`: the `refresh` parameter, `true`, `false` or `"wait_for"`.
    #[serde(default)]
    refresh: Option<serde_json::Value>,
    /// `quickwit`: the `commit` parameter.
    #[serde(default)]
    commit: Option<Commit>,
    /// `quickwit`: ask for `parse_failures` so that exactly the rejected documents fail (default true).
    #[serde(default)]
    detailed_response: Option<bool>,
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
    /// Retries inside one `consume` call after the first attempt (of a request, and of rejected documents).
    #[serde(default = "default_max_retries")]
    max_retries: u32,
    #[serde(default = "default_retry_backoff_ms")]
    retry_backoff_ms: u64,
    /// Upper bound of one wait, Retry-After included.
    #[serde(default = "default_max_backoff_ms")]
    max_backoff_ms: u64,
    #[serde(default)]
    on_give_up: GiveUp,
    /// A batch whose body would be larger goes out as several requests.
    #[serde(default = "default_max_request_bytes")]
    max_request_bytes: u64,
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
/// Below Quickwit's default limit of 10 MB per ingest request; Elasticsearch accepts 100 MB by default.
fn default_max_request_bytes() -> u64 {
    8 * 1024 * 1024
}

/// What became of one request.
enum Sent {
    Accepted(Response),
    /// 413: the server wants smaller requests.
    TooLarge(String),
    Failed(Error),
}

/// A document the server refused.
struct Refused {
    /// Position in the part that was sent.
    at: usize,
    retryable: bool,
    reason: String,
}

/// Messages still to send in one request: batch entries, and how many times they were resent for a retryable document failure.
struct Part {
    entries: Vec<u32>,
    attempt: u32,
}

struct HttpSink {
    config: Config,
    action: BulkAction,
    request: Request,
    // Reused across batches: the body of the whole batch, each message's byte range in it, and a second body for parts.
    body: Vec<u8>,
    ranges: Vec<(u32, u32)>,
    offsets: Vec<u64>,
    scratch: Vec<u8>,
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

/// The path of an absolute URL, without query or fragment.
fn url_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    rest.find('/').map_or("", |at| &rest[at..])
}

fn url_has_param(url: &str, key: &str) -> bool {
    let query = url.split_once('?').map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
    query.split('&').any(|p| p.split('=').next() == Some(key))
}

/// A JSON payload goes in as is (in a line format, with its raw line breaks, which JSON
/// allows only as whitespace, turned into spaces); anything else as a JSON string (lossy UTF-8).
fn write_payload(out: &mut Vec<u8>, payload: &[u8], valid_json: bool, lines: bool) {
    if valid_json || serde_json::from_slice::<serde::de::IgnoredAny>(payload).is_ok() {
        if lines && payload.iter().any(|&b| b == b'\n' || b == b'\r') {
            out.extend(payload.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
        } else {
            out.extend_from_slice(payload);
        }
    } else {
        let text = String::from_utf8_lossy(payload);
        // Serializing a str cannot fail.
        let _ = serde_json::to_writer(&mut *out, &text);
    }
}

/// A JSON string literal without its closing quote, to append the rest of a value to.
fn open_json_string(text: &str) -> Vec<u8> {
    let mut s = serde_json::to_vec(text).unwrap_or_else(|_| b"\"".to_vec());
    s.pop();
    s
}

/// `errors` of a `_bulk` answer, read without walking `items` (Elasticsearch writes `errors` first):
/// the visitor stops at that key, so the answer's item list is not parsed when nothing failed.
fn bulk_errors_flag(body: &[u8]) -> Option<bool> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Head<'c>(&'c Cell<Option<bool>>);
    impl<'de> Visitor<'de> for Head<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a _bulk answer")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                if key == "errors" {
                    self.0.set(Some(map.next_value::<bool>()?));
                    return Ok(());
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
    }
    let flag = Cell::new(None);
    // Stopping early leaves the map unfinished, which the deserializer reports as an error: the flag is what counts.
    let _ = serde_json::Deserializer::from_slice(body).deserialize_map(Head(&flag));
    flag.get()
}

#[derive(Deserialize)]
struct BulkReply {
    #[serde(default)]
    items: Vec<BTreeMap<String, BulkItem>>,
}

#[derive(Deserialize)]
struct BulkItem {
    #[serde(default)]
    status: u16,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct QuickwitReply {
    #[serde(default)]
    num_rejected_docs: Option<u64>,
    #[serde(default)]
    parse_failures: Option<Vec<QuickwitFailure>>,
}

#[derive(Deserialize)]
struct QuickwitFailure {
    #[serde(default)]
    message: String,
    #[serde(default)]
    document: String,
    #[serde(default)]
    reason: serde_json::Value,
}

fn item_error_text(error: &serde_json::Value) -> String {
    match error {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => {
            let kind = o.get("type").and_then(|t| t.as_str()).unwrap_or("error");
            let reason = o.get("reason").and_then(|r| r.as_str()).unwrap_or("");
            let caused = o.get("caused_by").and_then(|c| c.get("reason")).and_then(|r| r.as_str());
            match caused {
                Some(c) => format!("{kind}: {reason} (caused by: {c})"),
                None => format!("{kind}: {reason}"),
            }
        }
        other => other.to_string(),
    }
}

impl HttpSink {
    /// Writes the whole batch into `self.body` and each message's byte range (its action line,
    /// document and newline in a line format; the document alone in a JSON array) into `self.ranges`.
    fn build_body(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) {
        let mut body = std::mem::take(&mut self.body);
        body.clear();
        self.ranges.clear();
        self.offsets.clear();
        let format = self.config.format;
        let lines = format.lines();
        // The host checked every payload of a `json` batch; others are checked here.
        let valid_json = meta.schema == Schema::Json;
        // Per batch, not per message: the fixed start of each action line and of each metadata wrapper.
        let action_head = (format == Format::ElasticsearchBulk).then(|| {
            let mut head = Vec::with_capacity(64);
            head.extend_from_slice(if self.action == BulkAction::Create { b"{\"create\":{" } else { b"{\"index\":{" });
            if let Some(index) = &self.config.index {
                head.extend_from_slice(b"\"_index\":");
                let _ = serde_json::to_writer(&mut head, index);
                head.push(b',');
            }
            // A stable _id per message makes a resent batch overwrite (or, with create, be refused as already there) instead of duplicating.
            head.extend_from_slice(b"\"_id\":");
            head.extend(open_json_string(&format!("{}-{}-{}-", topic.stream, topic.topic, meta.partition_id)));
            head
        });
        let metadata_head = self.config.include_metadata.then(|| {
            let mut head = b"{\"stream\":".to_vec();
            let _ = serde_json::to_writer(&mut head, &topic.stream);
            head.extend_from_slice(b",\"topic\":");
            let _ = serde_json::to_writer(&mut head, &topic.topic);
            let _ = write!(head, ",\"partition\":{},\"offset\":", meta.partition_id);
            head
        });
        if !lines {
            body.push(b'[');
        }
        for (i, m) in messages.enumerate() {
            if !lines && i > 0 {
                body.push(b',');
            }
            let start = body.len();
            if let Some(head) = &action_head {
                body.extend_from_slice(head);
                let _ = write!(body, "{}\"}}}}\n", m.offset);
            }
            write_document(&mut body, metadata_head.as_deref(), &m, valid_json, lines);
            if lines {
                body.push(b'\n');
            }
            self.ranges.push((start as u32, body.len() as u32));
            self.offsets.push(m.offset);
        }
        if !lines {
            body.push(b']');
        }
        self.body = body;
    }

    /// The batch's entries in parts of at most `max_request_bytes` each (a larger message goes alone).
    fn split(&self) -> VecDeque<Part> {
        let max = self.config.max_request_bytes;
        let mut parts = VecDeque::new();
        let mut current: Vec<u32> = Vec::new();
        let mut size = 0u64;
        for (entry, &(start, end)) in self.ranges.iter().enumerate() {
            let len = u64::from(end - start) + 1;
            if !current.is_empty() && size + len > max {
                parts.push_back(Part { entries: std::mem::take(&mut current), attempt: 0 });
                size = 0;
            }
            current.push(entry as u32);
            size += len;
        }
        if !current.is_empty() {
            parts.push_back(Part { entries: current, attempt: 0 });
        }
        parts
    }

    /// The request body of `entries`: the batch's own body when they are the whole batch, else their ranges copied out of it.
    fn body_of(&mut self, entries: &[u32]) -> Vec<u8> {
        if entries.len() == self.ranges.len() {
            return std::mem::take(&mut self.body);
        }
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let lines = self.config.format.lines();
        if !lines {
            out.push(b'[');
        }
        for (i, &e) in entries.iter().enumerate() {
            if !lines && i > 0 {
                out.push(b',');
            }
            let (start, end) = self.ranges[e as usize];
            out.extend_from_slice(&self.body[start as usize..end as usize]);
        }
        if !lines {
            out.push(b']');
        }
        out
    }

    /// Gives a body taken by `body_of` back to where it came from.
    fn give_back(&mut self, entries: &[u32], body: Vec<u8>) {
        if entries.len() == self.ranges.len() {
            self.body = body;
        } else {
            self.scratch = body;
        }
    }

    /// One request, retried inside the call after 408/429/5xx answers and network failures.
    fn send(&mut self, body: Vec<u8>) -> (Vec<u8>, Sent) {
        self.request.body = body;
        let base = Duration::from_millis(self.config.retry_backoff_ms);
        let max = Duration::from_millis(self.config.max_backoff_ms);
        let url = self.config.url.as_str();
        let mut attempt = 0;
        let sent = loop {
            let (wait, what) = match http::send(&self.request) {
                Ok(response) if (200..300).contains(&response.status) => break Sent::Accepted(response),
                Ok(response) if response.is_retryable() => {
                    let wait = response.retry_after().map(|d| d.min(max)).unwrap_or_else(|| http::backoff(base, max, attempt));
                    (wait, format!("{url} answered {}", response.status))
                }
                Ok(response) => break self.refusal(&response),
                Err(e @ (HttpError::Connection(_) | HttpError::Timeout(_))) => (http::backoff(base, max, attempt), e.message().to_string()),
                Err(e) => break Sent::Failed(e.into()),
            };
            if attempt >= self.config.max_retries {
                break Sent::Failed(self.give_up(format!("{what}; gave up after {} attempt(s)", attempt + 1)));
            }
            log::warn(&format!("{what}; retrying in {} ms (attempt {} of {})", wait.as_millis(), attempt + 2, self.config.max_retries + 1));
            std::thread::sleep(wait);
            attempt += 1;
        };
        (std::mem::take(&mut self.request.body), sent)
    }

    /// A 4xx other than 408/429: what it means for the messages of the request.
    fn refusal(&self, response: &Response) -> Sent {
        let text = String::from_utf8_lossy(&response.body[..response.body.len().min(512)]).into_owned();
        let what = format!("{} answered {}: {text}", self.config.url, response.status);
        match response.status {
            413 => Sent::TooLarge(what),
            // None of the batch can get through until the config (or the server's setup) changes:
            // stopping keeps the messages in the stream instead of dead-lettering every one.
            401 | 403 => Sent::Failed(Error::invalid_config(format!("{what}; check bearer_token / basic_auth"))),
            404 | 405 => Sent::Failed(Error::invalid_config(format!("{what}; check url, method and that the index exists"))),
            400 if self.config.format == Format::Quickwit && text.contains("detailed_response") => {
                Sent::Failed(Error::invalid_config(format!("{what}; this Quickwit ingests with its v1 API: set detailed_response = false")))
            }
            _ => Sent::Failed(Error::permanent(what)),
        }
    }

    /// The documents of an accepted request that the server refused, by position in the part.
    fn refused(&self, response: &Response, part: &[u32]) -> Result<Vec<Refused>, String> {
        match self.config.format {
            Format::ElasticsearchBulk => self.refused_bulk(response, part),
            Format::Quickwit => self.refused_quickwit(response, part),
            Format::JsonArray | Format::Ndjson => Ok(Vec::new()),
        }
    }

    /// `_bulk` answers 200 even when documents failed: `errors` says so, `items` (in request order) says which.
    fn refused_bulk(&self, response: &Response, part: &[u32]) -> Result<Vec<Refused>, String> {
        if bulk_errors_flag(&response.body) != Some(true) {
            return Ok(Vec::new());
        }
        let reply: BulkReply = serde_json::from_slice(&response.body).map_err(|e| format!("the _bulk answer says errors: true but cannot be read: {e}"))?;
        if reply.items.len() != part.len() {
            return Err(format!("the _bulk answer lists {} item(s) for {} document(s) sent", reply.items.len(), part.len()));
        }
        let mut refused = Vec::new();
        for (at, item) in reply.items.iter().enumerate() {
            let Some((action, result)) = item.iter().next() else {
                return Err(format!("_bulk item {at} has no result"));
            };
            let status = result.status;
            let ok = (200..300).contains(&status) || (status == 409 && self.action == BulkAction::Create);
            if ok {
                continue;
            }
            let error = result.error.as_ref().map(item_error_text).unwrap_or_else(|| "no error given".into());
            refused.push(Refused { at, retryable: status == 429 || status >= 500, reason: format!("_bulk {action} answered {status}: {error}") });
        }
        Ok(refused)
    }

    /// Quickwit answers 200 with `num_rejected_docs` and, when asked (`detailed_response`), each rejected document's text.
    fn refused_quickwit(&self, response: &Response, part: &[u32]) -> Result<Vec<Refused>, String> {
        let Ok(reply) = serde_json::from_slice::<QuickwitReply>(&response.body) else {
            return Ok(Vec::new());
        };
        let rejected = reply.num_rejected_docs.unwrap_or(0) as usize;
        if rejected == 0 {
            return Ok(Vec::new());
        }
        let Some(failures) = reply.parse_failures else {
            return Err(format!(
                "Quickwit rejected {rejected} of {} document(s) without saying which (set detailed_response = true to fail only those)",
                part.len()
            ));
        };
        // The failures quote each document as it was sent: find its line (without the newline) among the part's.
        let mut lines: HashMap<&[u8], VecDeque<usize>> = HashMap::new();
        for (at, &e) in part.iter().enumerate() {
            let (start, end) = self.ranges[e as usize];
            lines.entry(&self.body[start as usize..end as usize - 1]).or_default().push_back(at);
        }
        let mut refused = Vec::with_capacity(failures.len());
        for f in &failures {
            let Some(at) = lines.get_mut(f.document.as_bytes()).and_then(|q| q.pop_front()) else {
                return Err(format!("Quickwit rejected a document that is not one of the {} sent: {}", part.len(), f.message));
            };
            let reason = match &f.reason {
                serde_json::Value::Null => f.message.clone(),
                serde_json::Value::String(r) => format!("{r}: {}", f.message),
                r => format!("{r}: {}", f.message),
            };
            refused.push(Refused { at, retryable: false, reason: format!("Quickwit rejected the document: {reason}") });
        }
        Ok(refused)
    }

    fn give_up(&self, message: String) -> Error {
        match self.config.on_give_up {
            GiveUp::Transient => Error::transient(message),
            GiveUp::Permanent => Error::permanent(message),
        }
    }

    /// Sends the batch in `self.body`; returns the messages that failed for good (to report) or an error for the whole batch.
    fn deliver(&mut self) -> Result<Vec<MessageFailure>, Error> {
        let whole = self.ranges.len();
        let mut parts = self.split();
        let single = parts.len() == 1;
        let mut failures: Vec<MessageFailure> = Vec::new();
        let base = Duration::from_millis(self.config.retry_backoff_ms);
        let max = Duration::from_millis(self.config.max_backoff_ms);
        while let Some(part) = parts.pop_front() {
            let body = self.body_of(&part.entries);
            let (body, sent) = self.send(body);
            // Keep the body where `refused` can read the documents (Quickwit quotes them).
            self.give_back(&part.entries, body);
            let response = match sent {
                Sent::Accepted(response) => response,
                Sent::TooLarge(what) if part.entries.len() > 1 => {
                    // The server's limit is below max_request_bytes: halve the part and go on.
                    log::warn(&format!("{what}; sending the {} message(s) in two requests", part.entries.len()));
                    let (a, b) = part.entries.split_at(part.entries.len() / 2);
                    parts.push_front(Part { entries: b.to_vec(), attempt: part.attempt });
                    parts.push_front(Part { entries: a.to_vec(), attempt: part.attempt });
                    continue;
                }
                Sent::TooLarge(what) => {
                    failures.push(MessageFailure { entry: part.entries[0], error: Error::permanent(format!("{what} (the message alone is too large)")) });
                    continue;
                }
                Sent::Failed(error) => {
                    // The whole batch in one request failed: say so for the batch, as before sink-results existed.
                    if single && part.entries.len() == whole && failures.is_empty() {
                        return Err(error);
                    }
                    match error {
                        Error::Transient(_) | Error::InvalidConfig(_) => return Err(error),
                        Error::Permanent(_) => {
                            failures.extend(part.entries.iter().map(|&entry| MessageFailure { entry, error: error.clone() }));
                            continue;
                        }
                    }
                }
            };
            let refused = match self.refused(&response, &part.entries) {
                Ok(refused) => refused,
                Err(why) => {
                    let error = Error::permanent(format!("{}: {why}", self.config.url));
                    if single && part.entries.len() == whole && failures.is_empty() {
                        return Err(error);
                    }
                    failures.extend(part.entries.iter().map(|&entry| MessageFailure { entry, error: error.clone() }));
                    continue;
                }
            };
            if refused.is_empty() {
                continue;
            }
            let retryable = refused.iter().filter(|r| r.retryable).count();
            log::warn(&format!(
                "{} refused {} of {} document(s) ({retryable} retryable), first: {}",
                self.config.url,
                refused.len(),
                part.entries.len(),
                refused[0].reason
            ));
            let mut again = Vec::new();
            for r in refused {
                let entry = part.entries[r.at];
                let reason = format!("{} (offset {})", r.reason, self.offsets[entry as usize]);
                if !r.retryable {
                    failures.push(MessageFailure { entry, error: Error::permanent(reason) });
                } else if part.attempt >= self.config.max_retries {
                    let reason = format!("{reason}; gave up after {} attempt(s)", part.attempt + 1);
                    failures.push(MessageFailure { entry, error: self.give_up(reason) });
                } else {
                    again.push(entry);
                }
            }
            if !again.is_empty() {
                // Only the documents that may pass go again, after the same backoff as a whole request.
                let wait = http::backoff(base, max, part.attempt);
                log::warn(&format!("resending {} document(s) in {} ms (attempt {} of {})", again.len(), wait.as_millis(), part.attempt + 2, self.config.max_retries + 1));
                std::thread::sleep(wait);
                parts.push_front(Part { entries: again, attempt: part.attempt + 1 });
            }
        }
        Ok(failures)
    }
}

fn write_document(out: &mut Vec<u8>, metadata_head: Option<&[u8]>, m: &Message<'_>, valid_json: bool, lines: bool) {
    let Some(head) = metadata_head else {
        write_payload(out, m.payload, valid_json, lines);
        return;
    };
    out.extend_from_slice(head);
    let _ = write!(out, "{},\"id\":\"{}\",\"timestamp\":{},\"payload\":", m.offset, m.id, m.timestamp);
    write_payload(out, m.payload, valid_json, lines);
    out.push(b'}');
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
        if config.max_request_bytes < 1024 {
            return Err(Error::invalid_config(format!("max_request_bytes must be at least 1024, got {}", config.max_request_bytes)));
        }
        let format = config.format;
        let only = |key: &str, present: bool, wanted: Format| -> Result<(), Error> {
            if present && format != wanted {
                return Err(Error::invalid_config(format!("{key} applies to format = {wanted:?}, not {format:?}")));
            }
            Ok(())
        };
        only("bulk_action", config.bulk_action.is_some(), Format::ElasticsearchBulk)?;
        only("refresh", config.refresh.is_some(), Format::ElasticsearchBulk)?;
        only("commit", config.commit.is_some(), Format::Quickwit)?;
        only("detailed_response", config.detailed_response.is_some(), Format::Quickwit)?;
        let path = url_path(&config.url);
        // The endpoints as their APIs document them; a base URL alone is the usual mistake.
        match format {
            Format::ElasticsearchBulk if !path.ends_with("/_bulk") => {
                return Err(Error::invalid_config(format!("format = \"elasticsearch_bulk\" needs the _bulk endpoint (http://host:9200/_bulk or …/<index>/_bulk), got {:?}", config.url)));
            }
            Format::Quickwit if !path.ends_with("/ingest") => {
                return Err(Error::invalid_config(format!("format = \"quickwit\" needs the ingest endpoint http://host:7280/api/v1/<index>/ingest, got {:?}", config.url)));
            }
            _ => {}
        }
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(refresh) = &config.refresh {
            let value = match refresh {
                serde_json::Value::Bool(b) => b.to_string(),
                serde_json::Value::String(s) if ["true", "false", "wait_for"].contains(&s.as_str()) => s.clone(),
                other => return Err(Error::invalid_config(format!("refresh must be true, false or \"wait_for\", got {other}"))),
            };
            params.push(("refresh", value));
        }
        if let Some(commit) = config.commit {
            let value = match commit {
                Commit::Auto => "auto",
                Commit::WaitFor => "wait_for",
                Commit::Force => "force",
            };
            params.push(("commit", value.into()));
        }
        if format == Format::Quickwit && config.detailed_response.unwrap_or(true) {
            params.push(("detailed_response", "true".into()));
        }
        let mut url = config.url.clone();
        for (key, value) in &params {
            if url_has_param(&config.url, key) {
                return Err(Error::invalid_config(format!("the url already sets {key}; set it in one place (the {key} key or the url)")));
            }
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("{key}={value}"));
        }
        let content_type = if format.lines() { "application/x-ndjson" } else { "application/json" };
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
        log::info(&format!("http sink opened: {:?} to {} {url}", config.format, config.method));
        let request = Request { method: config.method.clone(), url, headers, body: Vec::new(), timeout_ms: config.timeout_ms };
        let action = config.bulk_action.unwrap_or_default();
        Ok(HttpSink { config, action, request, body: Vec::new(), ranges: Vec::new(), offsets: Vec::new(), scratch: Vec::new(), sent_batches: 0 })
    }

    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        if messages.is_empty() {
            return Ok(());
        }
        self.build_body(topic, meta, messages);
        let failures = self.deliver()?;
        fail_messages(&failures);
        self.sent_batches += 1;
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        log::info(&format!("http sink closed after {} batch(es)", self.sent_batches));
        Ok(())
    }
}

export_sink!(HttpSink);
