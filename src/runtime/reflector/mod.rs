//! `reflector`: a watcher's events kept in a [`Store`].

mod index;
mod reflect;
mod store;
#[cfg(test)]
mod tests;

pub use index::IndexFn;
pub use reflect::reflector;
pub use store::{Store, Writer, WriterDropped};
