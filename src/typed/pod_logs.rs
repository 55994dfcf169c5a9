//! `PodLogs`: a pod's log, the one verb only pods have.

use futures::stream::BoxStream;
use k8s_openapi::api::core::v1::Pod;

use crate::Result;
use crate::types::LogParams;

use super::api::Api;

/// Reading pods' logs. [`Api<Pod>`](super::Api) implements it;
/// `MockPodLogs` (feature `mock`) mocks it.
///
/// ```no_run
/// # async fn run(rest: std::sync::Arc<dyn rudder::Rest>) -> rudder::Result<()> {
/// use futures::TryStreamExt;
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::typed::{Api, PodLogs};
/// use rudder::types::LogParams;
///
/// let pods: Api<Pod> = Api::namespaced(rest, "default");
/// let mut lines = pods.log_lines("web", &LogParams::default().follow().tail(10)).await?;
/// while let Some(line) = lines.try_next().await? {
///     println!("{line}");
/// }
/// # Ok(())
/// # }
/// ```
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait PodLogs: Send + Sync {
    /// The pod's log, read whole (invalid UTF-8 replaced).
    async fn logs(&self, name: &str, params: &LogParams) -> Result<String>;

    /// The pod's log line by line, each without its newline; with
    /// `params.follow`, lines keep coming as the container writes them until
    /// it stops or the stream is dropped.
    async fn log_lines(&self, name: &str, params: &LogParams) -> Result<BoxStream<'static, Result<String>>>;
}

#[async_trait::async_trait]
impl PodLogs for Api<Pod> {
    async fn logs(&self, name: &str, params: &LogParams) -> Result<String> {
        self.resource_client().logs(name, params).await
    }

    async fn log_lines(&self, name: &str, params: &LogParams) -> Result<BoxStream<'static, Result<String>>> {
        self.resource_client().log_lines(name, params).await
    }
}
