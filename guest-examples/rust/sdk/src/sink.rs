//! The `Sink` trait a connector implements, and the glue that [`export_sink!`]
//! wires to the component's `sink` export.

use crate::{BatchMetadata, Error, Messages, TopicMetadata};

/// A connector that consumes batches polled from Iggy.
///
/// The host calls `open` once, `consume` for each batch, then `close`. The
/// consumer offset is stored only after `consume` returned `Ok`, so a batch is
/// delivered at least once.
pub trait Sink: Sized + 'static {
    /// Parses `config` (a JSON object, `{}` when there is none) and prepares.
    fn open(config: &str) -> Result<Self, Error>;

    /// Handles every message of one batch, or fails the whole batch. Single
    /// messages that failed while the others were delivered are reported with
    /// [`fail_messages`] before returning `Ok(())`.
    fn consume(&mut self, topic: &TopicMetadata, meta: &BatchMetadata, messages: Messages<'_>) -> Result<(), Error>;

    /// Flushes and releases resources. The instance is not called again.
    fn close(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// One message of the batch in hand that failed while the others were
/// delivered: `entry` is its position in the batch (0-based, the order
/// [`Messages`] yields), `error` what failed, with the meaning it has for a
/// whole batch (`Transient`: offered again, alone with the other transient
/// ones; `Permanent`: dead-lettered or the connector stops, as configured).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFailure {
    pub entry: u32,
    pub error: Error,
}

/// Reports failed messages of the batch being consumed (`sink-results` in
/// `wit/sink.wit`). Call it from `consume`, then return `Ok(())`: the host
/// dead-letters or retries exactly these messages and commits the batch. If
/// `consume` returns `Err`, the whole batch fails and this report is dropped.
/// An entry outside the batch, or a call outside `consume`, traps.
pub fn fail_messages(failures: &[MessageFailure]) {
    use crate::bindings::sink::iggy::connector::sink_results as wit;
    if failures.is_empty() {
        return;
    }
    let list: Vec<wit::MessageFailure> = failures.iter().map(|f| wit::MessageFailure { entry: f.entry, error: f.error.clone().into() }).collect();
    wit::fail_messages(&list);
}

/// Exports `$connector` (a type implementing [`Sink`]) as the component's
/// `iggy:connector/sink` interface. Use once per crate.
#[macro_export]
macro_rules! export_sink {
    ($connector:ty) => {
        const _: () = {
            use $crate::bindings::sink::iggy::connector::types as __wit;
            ::std::thread_local! {
                static __SLOT: $crate::__private::sink::Slot<$connector> = const { ::core::cell::RefCell::new(None) };
            }
            struct __IggySinkExport;
            impl $crate::bindings::sink::exports::iggy::connector::sink::Guest for __IggySinkExport {
                fn open(config: ::std::string::String) -> ::core::result::Result<(), __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::sink::open(slot, config))
                }
                fn consume(
                    topic: __wit::TopicMetadata,
                    metadata: __wit::BatchMetadata,
                    batch: __wit::MessageBatch,
                ) -> ::core::result::Result<(), __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::sink::consume(slot, topic, metadata, batch))
                }
                fn close() -> ::core::result::Result<(), __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::sink::close(slot))
                }
            }
            $crate::bindings::sink::export!(__IggySinkExport with_types_in $crate::bindings::sink);
        };
    };
}

#[doc(hidden)]
pub mod glue {
    use super::Sink;
    use crate::bindings::sink::iggy::connector::types as wit;
    use crate::{Error, Messages};
    use std::cell::RefCell;

    /// The one instance of a component, created by `open`, dropped by `close`.
    pub type Slot<T> = RefCell<Option<T>>;

    pub fn open<T: Sink>(slot: &Slot<T>, config: String) -> Result<(), wit::ConnectorError> {
        let sink = T::open(&config)?;
        *slot.borrow_mut() = Some(sink);
        Ok(())
    }

    pub fn consume<T: Sink>(
        slot: &Slot<T>,
        topic: wit::TopicMetadata,
        metadata: wit::BatchMetadata,
        batch: wit::MessageBatch,
    ) -> Result<(), wit::ConnectorError> {
        let mut guard = slot.borrow_mut();
        let sink = guard.as_mut().ok_or_else(|| Error::permanent("consume called before a successful open"))?;
        let messages = Messages::new(&batch.index, &batch.data)?;
        Ok(sink.consume(&topic.into(), &metadata.into(), messages)?)
    }

    pub fn close<T: Sink>(slot: &Slot<T>) -> Result<(), wit::ConnectorError> {
        match slot.borrow_mut().take() {
            Some(mut sink) => Ok(sink.close()?),
            None => Ok(()),
        }
    }
}
