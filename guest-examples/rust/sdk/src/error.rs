//! The three ways a connector call can fail, as the host understands them
//! (`connector-error` in `wit/types.wit`).

use std::fmt;

/// What a connector returns when a call fails. The host's reaction depends on
/// the case: `InvalidConfig` stops the connector, `Transient` retries the same
/// call, `Permanent` dead-letters the batch or stops, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    InvalidConfig(String),
    Transient(String),
    Permanent(String),
}

impl Error {
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Error::InvalidConfig(message.into())
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Error::Transient(message.into())
    }

    pub fn permanent(message: impl Into<String>) -> Self {
        Error::Permanent(message.into())
    }

    pub fn message(&self) -> &str {
        match self {
            Error::InvalidConfig(m) | Error::Transient(m) | Error::Permanent(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Error::InvalidConfig(_) => "invalid config",
            Error::Transient(_) => "transient",
            Error::Permanent(_) => "permanent",
        };
        write!(f, "{kind}: {}", self.message())
    }
}

impl std::error::Error for Error {}

impl From<Error> for crate::bindings::sink::iggy::connector::types::ConnectorError {
    fn from(e: Error) -> Self {
        use crate::bindings::sink::iggy::connector::types::ConnectorError as W;
        match e {
            Error::InvalidConfig(m) => W::InvalidConfig(m),
            Error::Transient(m) => W::Transient(m),
            Error::Permanent(m) => W::Permanent(m),
        }
    }
}
