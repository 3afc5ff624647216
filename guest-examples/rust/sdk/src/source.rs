//! The `Source` trait a connector implements, and the glue that
//! [`export_source!`] wires to the component's `source` export.

use crate::{Error, Poll};

/// A connector that produces messages for Iggy.
///
/// The host calls `open` once, `poll` on its interval, then `close`. The state
/// returned with a batch is persisted only after Iggy acknowledged that batch,
/// and handed back to `open` on the next start.
pub trait Source: Sized + 'static {
    /// `config` is a JSON object; `state` the last persisted blob, if any.
    fn open(config: &str, state: Option<&[u8]>) -> Result<Self, Error>;

    /// The next messages; an empty batch means nothing new yet.
    fn poll(&mut self) -> Result<Poll, Error>;

    fn close(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

/// Exports `$connector` (a type implementing [`Source`]) as the component's
/// `iggy:connector/source` interface. Use once per crate.
#[macro_export]
macro_rules! export_source {
    ($connector:ty) => {
        const _: () = {
            use $crate::bindings::sink::iggy::connector::types as __wit;
            ::std::thread_local! {
                static __SLOT: $crate::__private::source::Slot<$connector> = const { ::core::cell::RefCell::new(None) };
            }
            struct __IggySourceExport;
            impl $crate::bindings::source::exports::iggy::connector::source::Guest for __IggySourceExport {
                fn open(
                    config: ::std::string::String,
                    state: ::core::option::Option<::std::vec::Vec<u8>>,
                ) -> ::core::result::Result<(), __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::source::open(slot, config, state))
                }
                fn poll() -> ::core::result::Result<__wit::PollResult, __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::source::poll(slot))
                }
                fn close() -> ::core::result::Result<(), __wit::ConnectorError> {
                    __SLOT.with(|slot| $crate::__private::source::close(slot))
                }
            }
            $crate::bindings::source::export!(__IggySourceExport with_types_in $crate::bindings::source);
        };
    };
}

#[doc(hidden)]
pub mod glue {
    use super::Source;
    use crate::bindings::sink::iggy::connector::types as wit;
    use crate::Error;
    use std::cell::RefCell;

    pub type Slot<T> = RefCell<Option<T>>;

    pub fn open<T: Source>(slot: &Slot<T>, config: String, state: Option<Vec<u8>>) -> Result<(), wit::ConnectorError> {
        let source = T::open(&config, state.as_deref())?;
        *slot.borrow_mut() = Some(source);
        Ok(())
    }

    pub fn poll<T: Source>(slot: &Slot<T>) -> Result<wit::PollResult, wit::ConnectorError> {
        let mut guard = slot.borrow_mut();
        let source = guard.as_mut().ok_or_else(|| Error::permanent("poll called before a successful open"))?;
        let polled = source.poll()?;
        let (index, data) = polled.batch.into_parts();
        Ok(wit::PollResult { messages: wit::MessageBatch { index, data }, state: polled.state })
    }

    pub fn close<T: Source>(slot: &Slot<T>) -> Result<(), wit::ConnectorError> {
        match slot.borrow_mut().take() {
            Some(mut source) => Ok(source.close()?),
            None => Ok(()),
        }
    }
}
