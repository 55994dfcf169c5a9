//! Serving a [`FakeCluster`] (its clock drives the AGE column).

use std::sync::Arc;

use crate::cluster::FakeCluster;

use super::error::ServeError;
use super::serve::{Server, ServerBuilder};

impl FakeCluster {
    /// This cluster served over plain HTTP on a free port of 127.0.0.1, with
    /// a kubeconfig for kubectl; see [`server`](Self::server) for TLS,
    /// authentication and the other options.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), rudder_testkit::server::ServeError> {
    /// let cluster = rudder_testkit::FakeCluster::new();
    /// let server = cluster.serve().await?;
    /// println!("kubectl --kubeconfig {} get pods", server.kubeconfig_path().display());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// See [`ServerBuilder::start`].
    pub async fn serve(&self) -> Result<Server, ServeError> {
        self.server().start().await
    }

    /// A [`ServerBuilder`] for this cluster, measuring ages with its clock.
    /// The server shares the cluster's state: what a test writes through the
    /// cluster, kubectl reads through the server, and the other way round.
    pub fn server(&self) -> ServerBuilder {
        let clock = self.clock();
        Server::builder(Arc::new(self.clone()) as Arc<dyn rudder::Rest>).clock(move || clock.now())
    }
}
