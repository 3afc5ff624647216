//! PostgreSQL source: polls a table for rows past a cursor (a monotonically
//! increasing column such as a serial id or an insert timestamp) and emits
//! each row as a JSON object. The cursor travels in the source state, which
//! the host persists only after Iggy acknowledged the rows, so a restart
//! resumes right after the last acknowledged row.

use iggy_connector_sdk::net::postgres::{self, quote_ident};
use iggy_connector_sdk::{export_source, log, parse_config, BatchBuilder, Error, Header, HeaderValue, Poll, Source};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The cursor column as text, added to each row under a name no table uses and removed before the row is sent.
const CURSOR_ALIAS: &str = "__iggy_cursor";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    /// postgres://user:password@host:port/database
    connection: String,
    table: String,
    #[serde(default = "default_cursor_column")]
    cursor_column: String,
    /// Columns to emit; all when empty.
    #[serde(default)]
    columns: Vec<String>,
    /// Rows per poll at most.
    #[serde(default = "default_batch_size")]
    batch_size: u32,
    /// Start after this cursor value on the first run (no state yet); from the first row when unset.
    #[serde(default)]
    initial_cursor: Option<String>,
}

fn default_cursor_column() -> String {
    "id".into()
}
fn default_batch_size() -> u32 {
    1000
}

#[derive(Serialize, Deserialize)]
struct State {
    /// The cursor column's value of the last emitted row, as PostgreSQL's text.
    cursor: String,
}

struct PostgresSource {
    connection: String,
    query_first: String,
    query_after: String,
    cursor: Option<String>,
    table: String,
    emitted: u64,
}

impl Source for PostgresSource {
    fn open(config: &str, state: Option<&[u8]>) -> Result<Self, Error> {
        let c: Config = parse_config(config)?;
        if c.batch_size == 0 {
            return Err(Error::invalid_config("batch_size must be at least 1"));
        }
        let cursor = match state {
            Some(bytes) => Some(
                serde_json::from_slice::<State>(bytes)
                    .map_err(|e| Error::invalid_config(format!("state blob is not the JSON {{\"cursor\":\"...\"}} this source writes: {e}")))?
                    .cursor,
            ),
            None => c.initial_cursor.clone(),
        };
        let table = quote_ident(&c.table);
        let col = quote_ident(&c.cursor_column);
        let columns = if c.columns.is_empty() { "*".to_string() } else { c.columns.iter().map(|n| quote_ident(n)).collect::<Vec<_>>().join(", ") };
        let select = format!("SELECT {columns}, ({col})::text AS {CURSOR_ALIAS} FROM {table}");
        let tail = format!("ORDER BY {col} LIMIT {}", c.batch_size);
        let source = PostgresSource {
            connection: c.connection,
            query_first: format!("{select} {tail}"),
            query_after: format!("{select} WHERE {col} > $1 {tail}"),
            cursor,
            table,
            emitted: 0,
        };
        // Fails early, with the server's own words, when the table or column is wrong.
        postgres::query(&source.connection, &postgres::statement(format!("{select} LIMIT 0"), vec![]))?;
        log::info(&format!("postgres source opened on {} after cursor {:?}", source.table, source.cursor));
        Ok(source)
    }

    fn poll(&mut self) -> Result<Poll, Error> {
        let statement = match &self.cursor {
            Some(c) => postgres::statement(self.query_after.clone(), vec![Some(c.clone())]),
            None => postgres::statement(self.query_first.clone(), vec![]),
        };
        let text = postgres::query(&self.connection, &statement)?;
        let rows: Vec<Map<String, Value>> =
            serde_json::from_str(&text).map_err(|e| Error::permanent(format!("host returned rows that are not a JSON array of objects: {e}")))?;
        if rows.is_empty() {
            return Ok(Poll::empty());
        }
        let headers = [Header { key: HeaderValue::string("table"), value: HeaderValue::string(&self.table) }];
        let mut batch = BatchBuilder::with_capacity(rows.len(), text.len());
        let mut last = None;
        for mut row in rows {
            match row.remove(CURSOR_ALIAS) {
                Some(Value::String(c)) => last = Some(c),
                _ => return Err(Error::permanent(format!("a row of {} has a NULL cursor column; the cursor column must never be NULL", self.table))),
            }
            let payload = Value::Object(row).to_string();
            batch.push(0, 0, payload.as_bytes(), &headers)?;
        }
        self.cursor = last;
        self.emitted += batch.len() as u64;
        let state = serde_json::to_vec(&State { cursor: self.cursor.clone().unwrap_or_default() }).map_err(|e| Error::permanent(e.to_string()))?;
        Ok(Poll { batch, state: Some(state) })
    }

    fn close(&mut self) -> Result<(), Error> {
        log::info(&format!("postgres source closed after emitting {} row(s)", self.emitted));
        Ok(())
    }
}

export_source!(PostgresSource);
