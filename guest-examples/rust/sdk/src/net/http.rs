//! One HTTP request per call, plus the retry decisions every HTTP sink needs.

use crate::Error;
use std::time::Duration;

pub use super::bindings::iggy::connector::http_client::{HttpError, Request, Response};

/// Sends `request` through the host. Redirects are not followed.
pub fn send(request: &Request) -> Result<Response, HttpError> {
    super::bindings::iggy::connector::http_client::send(request)
}

impl HttpError {
    pub fn message(&self) -> &str {
        match self {
            HttpError::Denied(m)
            | HttpError::InvalidRequest(m)
            | HttpError::Connection(m)
            | HttpError::Timeout(m)
            | HttpError::TooLarge(m) => m,
        }
    }

    /// Connection failures and timeouts may pass; the rest will not.
    pub fn is_retryable(&self) -> bool {
        matches!(self, HttpError::Connection(_) | HttpError::Timeout(_))
    }
}

impl From<HttpError> for Error {
    /// A denied destination is a config problem (allowed_hosts or the URL);
    /// network trouble is transient; a malformed request or an oversized answer is permanent.
    fn from(e: HttpError) -> Self {
        match e {
            HttpError::Denied(m) => Error::invalid_config(m),
            HttpError::Connection(m) | HttpError::Timeout(m) => Error::transient(m),
            HttpError::InvalidRequest(m) | HttpError::TooLarge(m) => Error::permanent(m),
        }
    }
}

impl Response {
    /// The first header named `name` (compare in lower case: the host lower-cases names).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// 429 and 5xx: the server asks to come back later or failed on its side.
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || self.status == 408 || self.status >= 500
    }

    /// `Retry-After` in seconds (the HTTP-date form is not supported and yields None).
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// Exponential backoff: `base × 2^attempt`, at most `max`.
pub fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    base.saturating_mul(1u32 << attempt.min(20)).min(max)
}
