//! `meta.k8s.io` `Table`s: what kubectl asks for by default, made at the
//! HTTP layer from the JSON the `Rest` answers.

mod age;
mod builtin;
mod column;
mod convert;
mod jsonpath;
mod printer;
mod resolve;

pub(crate) use convert::TableConversion;
pub(crate) use resolve::printer_for;
