//! `pods/{name}/log`: the fake runs no containers, so a pod's log is the
//! text a test gives it (empty until then), served as the kubelet's log
//! would be, as `text/plain`.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use rudder::Status;
use rudder::rest::Response;

use crate::cluster::fake_cluster::{FakeCluster, lock};
use crate::cluster::request::call::Call;
use crate::cluster::request::errors;
use crate::cluster::store::state::State;

/// Log text per pod, keyed by namespace and name.
pub(crate) type PodLogs = BTreeMap<(String, String), String>;

impl FakeCluster {
    /// Sets what `GET pods/{name}/log` (and so `kubectl logs` and
    /// `Api<Pod>::logs`) answers for the pod `name` in `namespace`.
    ///
    /// ```
    /// # async fn run() -> rudder::Result<()> {
    /// use k8s_openapi::api::core::v1::Pod;
    /// use rudder::typed::PodLogs;
    /// use rudder::types::LogParams;
    /// use rudder_testkit::FakeCluster;
    ///
    /// let cluster = FakeCluster::new();
    /// cluster.seed_yaml("{apiVersion: v1, kind: Pod, metadata: {name: web, namespace: default},
    ///                    spec: {containers: [{name: web, image: nginx}]}}").unwrap();
    /// cluster.set_pod_logs("default", "web", "listening on :80\n");
    /// let logs = cluster.client().default_namespaced::<Pod>().logs("web", &LogParams::default()).await?;
    /// assert_eq!(logs, "listening on :80\n");
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_pod_logs(&self, namespace: &str, name: &str, text: impl Into<String>) {
        lock(&self.inner.pod_logs).insert((namespace.to_owned(), name.to_owned()), text.into());
    }

    /// The log of a stored pod; a pod that does not exist is a 404.
    pub(crate) fn pod_log(&self, state: &State, call: &Call) -> Result<Response, Status> {
        let key = State::key(&call.kind, call.namespace(), call.name());
        if state.store.get(&key).is_none() {
            return Err(errors::not_found(&call.kind.qualified(), call.name()));
        }
        let text = lock(&self.inner.pod_logs)
            .get(&(call.namespace().to_owned(), call.name().to_owned()))
            .cloned()
            .unwrap_or_default();
        let mut response = Response::new(Bytes::from(text));
        response
            .headers_mut()
            .insert(CONTENT_TYPE, http::HeaderValue::from_static("text/plain"));
        Ok(response)
    }
}
