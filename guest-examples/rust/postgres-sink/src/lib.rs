//! PostgreSQL sink: each batch becomes multi-row INSERTs run in one transaction
//! through the host's postgres capability. The table's key is
//! (stream, topic, partition, offset) and rows conflict with DO NOTHING, so a
//! batch delivered again after a crash adds no duplicates.

use iggy_connector_sdk::net::postgres::{self, quote_ident, Statement};
use iggy_connector_sdk::{export_sink, log, parse_config, BatchMetadata, Error, HeaderKind, Headers, Messages, Sink, TopicMetadata};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// PostgreSQL accepts at most 65535 parameters per statement.
const MAX_PARAMS: usize = 60_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Column {
    /// Column name in the table.
    name: String,
    /// JSON pointer into the payload, e.g. "/user/id".
    path: String,
    /// SQL type used when the sink creates the table.
    #[serde(default = "default_column_type")]
    r#type: String,
}

fn default_column_type() -> String {
    "text".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// postgres://user:password@host:port/database
    connection: String,
    #[serde(default = "default_table")]
    table: String,
    #[serde(default = "default_true")]
    create_table: bool,
    /// Keep the whole payload in a JSONB column `payload`.
    #[serde(default = "default_true")]
    store_payload: bool,
    /// Payload fields copied into their own columns.
    #[serde(default)]
    columns: Vec<Column>,
}

fn default_table() -> String {
    "iggy_messages".into()
}
fn default_true() -> bool {
    true
}

/// The metadata columns every row carries; the first four are the key.
const META_COLUMNS: [(&str, &str); 7] = [
    ("iggy_stream", "text NOT NULL"),
    ("iggy_topic", "text NOT NULL"),
    ("iggy_partition", "integer NOT NULL"),
    ("iggy_offset", "bigint NOT NULL"),
    ("iggy_id", "numeric(39,0) NOT NULL"),
    ("iggy_timestamp", "timestamptz NOT NULL"),
    ("iggy_headers", "jsonb"),
];

struct PostgresSink {
    config: Config,
    table: String,
    /// `INSERT INTO t (cols) VALUES ` for every chunk.
    insert_head: String,
    /// Parameters of one row, in the column order of `insert_head`.
    params_per_row: usize,
    rows_written: u64,
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 + bytes.len() * 2);
    s.push_str("\\x");
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Header values as JSON: strings, booleans and numbers as such, the rest as hex text.
fn header_json(value: &iggy_connector_sdk::HeaderValue<'_>) -> Value {
    let b = value.bytes;
    let int = |n: usize| -> Option<[u8; 8]> {
        let mut buf = [0u8; 8];
        (b.len() == n).then(|| {
            buf[..n].copy_from_slice(b);
            buf
        })
    };
    match value.kind {
        HeaderKind::String => Value::from(String::from_utf8_lossy(b).into_owned()),
        HeaderKind::Bool if b.len() == 1 => Value::from(b[0] != 0),
        HeaderKind::Uint8 | HeaderKind::Uint16 | HeaderKind::Uint32 | HeaderKind::Uint64 => {
            int(b.len()).map(|buf| Value::from(u64::from_le_bytes(buf))).unwrap_or_else(|| Value::from(hex(b)))
        }
        HeaderKind::Int8 if b.len() == 1 => Value::from(i8::from_le_bytes([b[0]])),
        HeaderKind::Int16 if b.len() == 2 => Value::from(i16::from_le_bytes([b[0], b[1]])),
        HeaderKind::Int32 if b.len() == 4 => Value::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        HeaderKind::Int64 if b.len() == 8 => Value::from(i64::from_le_bytes(int(8).unwrap_or_default())),
        HeaderKind::Float32 if b.len() == 4 => Value::from(f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
        HeaderKind::Float64 if b.len() == 8 => Value::from(f64::from_le_bytes(int(8).unwrap_or_default())),
        _ => Value::from(hex(b)),
    }
}

fn headers_json(headers: &Headers<'_>) -> Result<Option<String>, Error> {
    if headers.is_empty() {
        return Ok(None);
    }
    let mut map = Map::new();
    for pair in headers.iter() {
        let pair = pair?;
        let key = String::from_utf8_lossy(pair.key.bytes).into_owned();
        map.insert(key, header_json(&pair.value));
    }
    Ok(Some(Value::Object(map).to_string()))
}

/// A JSON payload as is; anything else as a JSON string, so the column stays JSONB.
fn payload_json(payload: &[u8]) -> (String, Option<Value>) {
    match serde_json::from_slice::<Value>(payload) {
        Ok(v) => (String::from_utf8_lossy(payload).into_owned(), Some(v)),
        Err(_) => (Value::from(String::from_utf8_lossy(payload).into_owned()).to_string(), None),
    }
}

/// A mapped field as a text parameter: strings unquoted, other values as JSON text, missing as NULL.
fn field_text(doc: Option<&Value>, path: &str) -> Option<String> {
    match doc?.pointer(path)? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

impl PostgresSink {
    fn create_table(&self) -> Result<(), Error> {
        let mut sql = format!("CREATE TABLE IF NOT EXISTS {} (", self.table);
        for (name, ty) in META_COLUMNS {
            let _ = write!(sql, "{name} {ty}, ");
        }
        if self.config.store_payload {
            sql.push_str("payload jsonb, ");
        }
        for c in &self.config.columns {
            let _ = write!(sql, "{} {}, ", quote_ident(&c.name), c.r#type);
        }
        sql.push_str("PRIMARY KEY (iggy_stream, iggy_topic, iggy_partition, iggy_offset))");
        postgres::execute(&self.config.connection, &[postgres::statement(sql, vec![])])?;
        Ok(())
    }

    fn insert_sql(&self, rows: usize) -> String {
        let mut sql = self.insert_head.clone();
        let mut n = 1;
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ",(" });
            for p in 0..self.params_per_row {
                if p > 0 {
                    sql.push(',');
                }
                // Parameter 6 is the timestamp in µs: exact, unlike to_timestamp's double.
                if p == 5 {
                    let _ = write!(sql, "timestamptz 'epoch' + ${n}::bigint * interval '1 microsecond'");
                } else {
                    let _ = write!(sql, "${n}");
                }
                n += 1;
            }
            sql.push(')');
        }
        sql.push_str(" ON CONFLICT (iggy_stream, iggy_topic, iggy_partition, iggy_offset) DO NOTHING");
        sql
    }
}

impl Sink for PostgresSink {
    fn open(config: &str) -> Result<Self, Error> {
        let config: Config = parse_config(config)?;
        if config.connection.is_empty() {
            return Err(Error::invalid_config("connection is empty; set it to postgres://user:password@host:port/database"));
        }
        for c in &config.columns {
            if !c.path.starts_with('/') {
                return Err(Error::invalid_config(format!("columns: path {:?} of column {:?} must be a JSON pointer starting with /", c.path, c.name)));
            }
        }
        let table = quote_ident(&config.table);
        let mut names: Vec<String> = META_COLUMNS.iter().map(|(n, _)| (*n).to_string()).collect();
        if config.store_payload {
            names.push("payload".into());
        }
        names.extend(config.columns.iter().map(|c| quote_ident(&c.name)));
        let insert_head = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
        let sink = PostgresSink { params_per_row: names.len(), insert_head, table, config, rows_written: 0 };
        if sink.config.create_table {
            sink.create_table()?;
        }
        log::info(&format!("postgres sink opened: table {}", sink.table));
        Ok(sink)
    }

    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error> {
        if messages.is_empty() {
            return Ok(());
        }
        let rows_per_statement = (MAX_PARAMS / self.params_per_row).max(1);
        let mut statements: Vec<Statement> = Vec::new();
        let mut params: Vec<Option<String>> = Vec::with_capacity(messages.len().min(rows_per_statement) * self.params_per_row);
        let mut rows = 0;
        let partition = meta.partition_id.to_string();
        for m in messages {
            let (payload, doc) = payload_json(m.payload);
            params.push(Some(topic.stream.clone()));
            params.push(Some(topic.topic.clone()));
            params.push(Some(partition.clone()));
            params.push(Some(m.offset.to_string()));
            params.push(Some(m.id.to_string()));
            params.push(Some(m.timestamp.to_string()));
            params.push(headers_json(&m.headers)?);
            if self.config.store_payload {
                params.push(Some(payload));
            }
            for c in &self.config.columns {
                params.push(field_text(doc.as_ref(), &c.path));
            }
            rows += 1;
            if rows == rows_per_statement {
                statements.push(postgres::statement(self.insert_sql(rows), std::mem::take(&mut params)));
                rows = 0;
            }
        }
        if rows > 0 {
            statements.push(postgres::statement(self.insert_sql(rows), params));
        }
        let counts = postgres::execute(&self.config.connection, &statements)?;
        self.rows_written += counts.iter().sum::<u64>();
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        log::info(&format!("postgres sink closed after writing {} row(s)", self.rows_written));
        Ok(())
    }
}

export_sink!(PostgresSink);
