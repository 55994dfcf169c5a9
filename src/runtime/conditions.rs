//! `await_condition`: wait until an object is in some state, with the
//! conditions people wait for most (deleted, CRD established, pod running,
//! job completed).

use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::watcher::{self, Event, watcher};
use super::{ListWatch, Object};

/// A state of an object to wait for; `None` is "there is no such object".
/// Any `Fn(Option<&K>) -> bool` is one.
pub trait Condition<K>: Send {
    /// Whether `object` is in the state.
    fn matches(&self, object: Option<&K>) -> bool;
}

impl<K, F: Fn(Option<&K>) -> bool + Send> Condition<K> for F {
    fn matches(&self, object: Option<&K>) -> bool {
        self(object)
    }
}

/// Waits until the object `name` meets `condition`, and returns it as it
/// then was (`None` if it did not exist).
///
/// It watches only that object (a `metadata.name` field selector) with a
/// [`watcher`](watcher()), so it survives dropped watches and relists and
/// never misses the moment. It waits for as long as it takes: put a
/// `tokio::time::timeout` around it to give up.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::runtime::conditions::{await_condition, is_pod_running};
///
/// let pods = client.default_namespaced::<Pod>();
/// let running = tokio::time::timeout(
///     std::time::Duration::from_secs(60),
///     await_condition(pods, "web-0", is_pod_running()),
/// ).await;
/// # }
/// ```
pub async fn await_condition<K, A>(api: A, name: &str, condition: impl Condition<K>) -> Option<K>
where
    K: Object,
    A: ListWatch<K> + 'static,
{
    let config = watcher::Config::default().fields(&format!("metadata.name={name}"));
    let mut events = std::pin::pin!(watcher(api, config));
    let mut current: Option<K> = None;
    let mut listing: Option<Option<K>> = None;
    while let Some(event) = events.next().await {
        match event {
            Ok(Event::Init) => listing = Some(None),
            Ok(Event::InitApply(object)) => listing = Some(Some(object)),
            Ok(Event::InitDone) => current = listing.take().flatten(),
            Ok(Event::Apply(object)) => current = Some(object),
            Ok(Event::Delete(_)) => current = None,
            Err(error) => {
                tracing::debug!(%error, name, "await_condition: the watch recovers");
                continue;
            }
        }
        if listing.is_none() && condition.matches(current.as_ref()) {
            return current;
        }
    }
    // The watcher's stream never ends; this is only reached if it did.
    current
}

/// The object is gone, or replaced by another of the same name (its uid
/// is not `uid`).
pub fn is_deleted<K: Object>(uid: &str) -> impl Fn(Option<&K>) -> bool + Send + use<K> {
    let uid = uid.to_owned();
    move |object: Option<&K>| {
        object.is_none_or(|object| object.metadata().uid.as_deref() != Some(uid.as_str()))
    }
}

/// The CRD's `Established` condition is `True`: its resource is served.
pub fn is_crd_established() -> impl Fn(Option<&CustomResourceDefinition>) -> bool + Send {
    |crd: Option<&CustomResourceDefinition>| {
        let conditions = crd.and_then(|crd| crd.status.as_ref()?.conditions.as_ref());
        is_true(conditions, "Established", |c| (&c.type_, &c.status))
    }
}

/// The pod's phase is `Running`.
pub fn is_pod_running() -> impl Fn(Option<&Pod>) -> bool + Send {
    |pod: Option<&Pod>| {
        pod.and_then(|pod| pod.status.as_ref())
            .and_then(|status| status.phase.as_deref())
            == Some("Running")
    }
}

/// The job's `Complete` condition is `True` (it succeeded; a failed job is
/// `Failed` and never completes).
pub fn is_job_completed() -> impl Fn(Option<&Job>) -> bool + Send {
    |job: Option<&Job>| {
        let conditions = job.and_then(|job| job.status.as_ref()?.conditions.as_ref());
        is_true(conditions, "Complete", |c| (&c.type_, &c.status))
    }
}

/// Whether the condition `wanted` is among `conditions` with status `True`;
/// `type_and_status` reads a condition's two fields (each kind has its own
/// condition type).
fn is_true<C>(
    conditions: Option<&Vec<C>>,
    wanted: &str,
    type_and_status: impl Fn(&C) -> (&String, &String),
) -> bool {
    conditions.into_iter().flatten().any(|condition| {
        let (type_, status) = type_and_status(condition);
        type_ == wanted && status == "True"
    })
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::batch::v1::{JobCondition, JobStatus};
    use k8s_openapi::api::core::v1::PodStatus;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
        CustomResourceDefinitionCondition, CustomResourceDefinitionStatus,
    };

    use super::*;
    use crate::types::ObjectMeta;

    #[test]
    fn deleted_means_absent_or_another_uid() {
        let pod = Pod {
            metadata: ObjectMeta {
                uid: Some("u1".into()),
                ..ObjectMeta::default()
            },
            ..Pod::default()
        };
        assert!(is_deleted::<Pod>("u1")(None));
        assert!(!is_deleted::<Pod>("u1")(Some(&pod)));
        assert!(is_deleted::<Pod>("u0")(Some(&pod)));
    }

    #[test]
    fn a_pod_runs_when_its_phase_says_so() {
        let pod = |phase: &str| Pod {
            status: Some(PodStatus {
                phase: Some(phase.into()),
                ..PodStatus::default()
            }),
            ..Pod::default()
        };
        assert!(is_pod_running()(Some(&pod("Running"))));
        assert!(!is_pod_running()(Some(&pod("Pending"))));
        assert!(!is_pod_running()(None));
    }

    #[test]
    fn a_job_completes_on_its_complete_condition_only() {
        let job = |type_: &str, status: &str| Job {
            status: Some(JobStatus {
                conditions: Some(vec![JobCondition {
                    type_: type_.into(),
                    status: status.into(),
                    ..JobCondition::default()
                }]),
                ..JobStatus::default()
            }),
            ..Job::default()
        };
        assert!(is_job_completed()(Some(&job("Complete", "True"))));
        assert!(!is_job_completed()(Some(&job("Complete", "False"))));
        assert!(!is_job_completed()(Some(&job("Failed", "True"))));
        assert!(!is_job_completed()(None));
    }

    #[test]
    fn a_crd_is_established_on_its_condition() {
        let crd = |status: &str| CustomResourceDefinition {
            status: Some(CustomResourceDefinitionStatus {
                conditions: Some(vec![CustomResourceDefinitionCondition {
                    type_: "Established".into(),
                    status: status.into(),
                    ..CustomResourceDefinitionCondition::default()
                }]),
                ..CustomResourceDefinitionStatus::default()
            }),
            ..CustomResourceDefinition::default()
        };
        assert!(is_crd_established()(Some(&crd("True"))));
        assert!(!is_crd_established()(Some(&crd("False"))));
        assert!(!is_crd_established()(None));
    }
}
