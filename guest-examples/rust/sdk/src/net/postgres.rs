//! SQL on PostgreSQL through the host: statements with text parameters, many
//! statements in one transaction, rows as JSON.

use crate::Error;

pub use super::bindings::iggy::connector::postgres::{DatabaseError, PgError, Statement};

/// Runs `statements` in one transaction; the row count of each.
pub fn execute(connection: &str, statements: &[Statement]) -> Result<Vec<u64>, PgError> {
    super::bindings::iggy::connector::postgres::execute(connection, statements)
}

/// Runs one statement; its rows as a JSON array of objects.
pub fn query(connection: &str, statement: &Statement) -> Result<String, PgError> {
    super::bindings::iggy::connector::postgres::query(connection, statement)
}

/// Shorthand for a statement.
pub fn statement(sql: impl Into<String>, params: Vec<Option<String>>) -> Statement {
    Statement { sql: sql.into(), params }
}

/// `name` as a quoted SQL identifier (`"my ""table"""`), for names from config.
/// A dotted name (`schema.table`) is quoted part by part.
pub fn quote_ident(name: &str) -> String {
    name.split('.').map(|part| format!("\"{}\"", part.replace('"', "\"\""))).collect::<Vec<_>>().join(".")
}

impl PgError {
    pub fn message(&self) -> String {
        match self {
            PgError::Denied(m) | PgError::InvalidRequest(m) | PgError::Connection(m) | PgError::Timeout(m) | PgError::TooLarge(m) => m.clone(),
            PgError::Database(d) => format!("{} (SQLSTATE {})", d.message, d.sqlstate),
        }
    }
}

impl From<PgError> for Error {
    /// Denied → invalid config; connection trouble, timeouts, serialization
    /// failures and deadlocks (class 40) or exhausted resources (class 53) → transient;
    /// anything else the server rejects → permanent.
    fn from(e: PgError) -> Self {
        let message = e.message();
        match e {
            PgError::Denied(_) => Error::invalid_config(message),
            PgError::Connection(_) | PgError::Timeout(_) => Error::transient(message),
            PgError::Database(d) if d.sqlstate.starts_with("40") || d.sqlstate.starts_with("53") => Error::transient(message),
            PgError::Database(_) | PgError::InvalidRequest(_) | PgError::TooLarge(_) => Error::permanent(message),
        }
    }
}
