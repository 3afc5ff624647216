//! Write Apache Iggy connectors in Rust as WebAssembly components that
//! implement the `iggy:connector@0.1.0` contract (the repository's `wit/`).
//!
//! A sink implements [`Sink`] and calls [`export_sink!`]; a source implements
//! [`Source`] and calls [`export_source!`]. Batches cross the boundary flat
//! (`wit/README.md`, "Flat batch"): [`Messages`] reads them in place and
//! [`BatchBuilder`] writes them with two growing buffers.

// Lets the generated bindings name this crate the same way from inside and
// from the guest crates that expand the export macros.
extern crate self as iggy_connector_sdk;

pub mod bindings;
mod builder;
mod config;
mod error;
mod headers;
pub mod log;
mod messages;
mod metadata;
pub mod net;
mod sink;
mod source;

pub use builder::{BatchBuilder, Poll};
pub use config::parse_config;
pub use error::Error;
pub use headers::{Header, HeaderKind, HeaderValue, Headers, HeadersIter};
pub use messages::{Message, Messages};
pub use metadata::{BatchMetadata, Schema, TopicMetadata};
pub use sink::{fail_messages, MessageFailure, Sink};
pub use source::Source;

/// Used by the export macros; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::sink::glue as sink;
    pub use crate::source::glue as source;
    pub use wit_bindgen;
}
