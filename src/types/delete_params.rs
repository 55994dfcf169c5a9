//! `DeleteParams`: what a delete sends as its `DeleteOptions` body.

use serde::Serialize;

use crate::rest::RequestError;

/// What happens to the objects a deleted object owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PropagationPolicy {
    /// Leave them, without an owner.
    Orphan,
    /// Delete them in the background, after the owner is gone.
    Background,
    /// Delete them first; the owner stays (with a `foregroundDeletion` finalizer) until they are gone.
    Foreground,
}

/// Delete only if the object still has this uid and/or resourceVersion.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Preconditions {
    /// The object's uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The object's resourceVersion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// Parameters of `delete` and `delete_collection`.
///
/// Everything but `ignore_not_found` goes to the server in a `DeleteOptions`
/// body; `ignore_not_found` is the client's own: deleting an object that is
/// already gone then succeeds.
///
/// ```
/// use rudder::types::{DeleteParams, PropagationPolicy};
/// let params = DeleteParams::default().grace_period(0).propagation(PropagationPolicy::Foreground);
/// assert_eq!(
///     String::from_utf8(params.to_body().unwrap()).unwrap(),
///     r#"{"kind":"DeleteOptions","apiVersion":"v1","gracePeriodSeconds":0,"propagationPolicy":"Foreground"}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeleteParams {
    /// `dryRun: ["All"]`.
    pub dry_run: bool,
    /// Seconds before the object is deleted; 0 deletes at once.
    pub grace_period_seconds: Option<u32>,
    /// What happens to dependents.
    pub propagation_policy: Option<PropagationPolicy>,
    /// Delete only if these still hold (`409 Conflict` otherwise).
    pub preconditions: Option<Preconditions>,
    /// Treat `404 NotFound` as success (the client's own option; nothing is sent).
    pub ignore_not_found: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeleteOptions<'a> {
    kind: &'static str,
    api_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    grace_period_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    propagation_policy: Option<PropagationPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preconditions: Option<&'a Preconditions>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    dry_run: &'a [&'a str],
}

impl DeleteParams {
    /// Delete after `seconds` (0: at once).
    pub fn grace_period(mut self, seconds: u32) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// What happens to dependents.
    pub fn propagation(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Delete only the object with this uid.
    pub fn uid(mut self, uid: &str) -> Self {
        self.preconditions.get_or_insert_with(Preconditions::default).uid = Some(uid.to_owned());
        self
    }

    /// Delete only if the object is still at this resourceVersion.
    pub fn resource_version(mut self, resource_version: &str) -> Self {
        self.preconditions
            .get_or_insert_with(Preconditions::default)
            .resource_version = Some(resource_version.to_owned());
        self
    }

    /// Validate and admit, but delete nothing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Deleting an object that is already gone succeeds.
    pub fn ignore_not_found(mut self) -> Self {
        self.ignore_not_found = true;
        self
    }

    /// The `DeleteOptions` body.
    pub fn to_body(&self) -> Result<Vec<u8>, RequestError> {
        let options = DeleteOptions {
            kind: "DeleteOptions",
            api_version: "v1",
            grace_period_seconds: self.grace_period_seconds,
            propagation_policy: self.propagation_policy,
            preconditions: self.preconditions.as_ref(),
            dry_run: if self.dry_run { &["All"] } else { &[] },
        };
        serde_json::to_vec(&options).map_err(|error| RequestError::Body(error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preconditions_and_dry_run_are_in_the_body() {
        let params = DeleteParams::default().uid("u-1").resource_version("9").dry_run();
        assert_eq!(
            String::from_utf8(params.to_body().unwrap()).unwrap(),
            r#"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"u-1","resourceVersion":"9"},"dryRun":["All"]}"#
        );
    }

    #[test]
    fn ignore_not_found_is_not_sent() {
        let body = DeleteParams::default().ignore_not_found().to_body().unwrap();
        assert_eq!(body, br#"{"kind":"DeleteOptions","apiVersion":"v1"}"#);
    }
}
