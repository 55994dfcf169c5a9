//! Types shared by every layer: the API server's `Status`, resource identity
//! (`GroupVersionKind`, `GroupVersionResource`, `ApiResource`), the
//! `Resource` trait, lists, watch events, dynamic objects and the params of
//! each verb.

mod delete_params;
mod deletion;
mod dynamic_object;
mod gvk;
mod list_params;
pub(crate) use list_params::selector_methods;
mod log_params;
mod object_list;
mod patch;
mod resource;
mod selector;
mod status;
mod watch_event;
mod write_params;

pub use delete_params::{DeleteParams, Preconditions, PropagationPolicy};
pub use deletion::Deletion;
pub use dynamic_object::DynamicObject;
pub use gvk::{ApiResource, GroupVersionKind, GroupVersionResource, Scope, split_api_version};
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
pub use list_params::{GetParams, ListParams, ResourceVersionMatch, WatchParams};
pub use log_params::LogParams;
pub use object_list::ObjectList;
pub(crate) use object_list::continue_token;
pub use patch::Patch;
pub use resource::{Resource, ScopeMarker};
pub use selector::{
    FieldSelector, FieldTerm, InvalidLabel, LabelRequirement, LabelSelector, Operator, SelectorError,
};
pub use status::{Status, StatusCause, StatusDetails};
pub use watch_event::{Bookmark, BookmarkMeta, WatchEvent};
pub use write_params::{FieldValidation, PatchParams, PostParams};
