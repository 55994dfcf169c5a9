//! Types shared by every layer: the API server's `Status`, resource identity
//! (`GroupVersionKind`, `GroupVersionResource`, `ApiResource`), and (as the
//! upper layers arrive) params, lists, watch events and resources.

mod gvk;
mod selector;
mod status;

pub use gvk::{ApiResource, GroupVersionKind, GroupVersionResource, Scope, split_api_version};
pub use selector::{FieldSelector, FieldTerm, LabelRequirement, LabelSelector, Operator, SelectorError};
pub use status::{Status, StatusCause, StatusDetails};
