//! `Deletion<T>`: what a delete answers.

use super::status::Status;

/// The answer to a delete.
///
/// The API server answers a delete with the object when it is still there
/// (graceful deletion of a pod, finalizers, foreground propagation: it now
/// has a `deletionTimestamp`), and with a `Success` `Status` when it is gone.
/// A delete with [`DeleteParams::ignore_not_found`](super::DeleteParams::ignore_not_found)
/// of something already gone answers the server's 404 `Status`.
// `T` is an object (a Pod is larger than a Status), so neither variant is
// the odd one out; boxing would only add an allocation to every delete.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Deletion<T> {
    /// The object (or, for `delete_collection`, the list) as it is now, being deleted.
    Object(T),
    /// The object is gone (or was already gone).
    Status(Status),
}

impl<T> Deletion<T> {
    /// The object still being deleted, if the server returned one.
    pub fn object(self) -> Option<T> {
        match self {
            Deletion::Object(object) => Some(object),
            Deletion::Status(_) => None,
        }
    }

    /// Whether the server returned the object (it is still terminating).
    pub fn is_object(&self) -> bool {
        matches!(self, Deletion::Object(_))
    }

    /// The status, if the server returned one.
    pub fn status(&self) -> Option<&Status> {
        match self {
            Deletion::Object(_) => None,
            Deletion::Status(status) => Some(status),
        }
    }

    /// Applies `f` to the object.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Deletion<U> {
        match self {
            Deletion::Object(object) => Deletion::Object(f(object)),
            Deletion::Status(status) => Deletion::Status(status),
        }
    }
}
