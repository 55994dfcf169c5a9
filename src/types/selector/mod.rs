//! Label and field selectors, in the syntax the API server accepts in
//! `labelSelector=` and `fieldSelector=`: parsed with errors that say what
//! is wrong and where, built with a small builder, rendered canonically and
//! matched against an object's labels or fields.

mod error;
mod field;
mod label;
mod label_lexer;
mod label_parser;
mod name;

pub use error::{InvalidLabel, SelectorError};
pub use field::{FieldSelector, FieldTerm};
pub use label::{LabelRequirement, LabelSelector, Operator};
