//! `FakeClusterBuilder`: every option of a fake cluster, with its default.

use std::time::Duration;

use jiff::Timestamp;
use k8s_openapi::{ListableResource, Resource};

use super::controls::clock::{Clock, IdGenerator};
use super::fake_cluster::FakeCluster;
use super::registry::{Registry, ResourceKind, ScopeOf};

/// Builds a [`FakeCluster`].
///
/// ```
/// use rudder_testkit::cluster::FakeCluster;
/// let cluster = FakeCluster::builder().deterministic().history_limit(50).build();
/// # drop(cluster);
/// ```
#[derive(Debug, Clone)]
pub struct FakeClusterBuilder {
    pub(crate) registry: Registry,
    pub(crate) clock: Clock,
    pub(crate) ids: Option<IdGenerator>,
    pub(crate) history_limit: usize,
    pub(crate) watch_buffer: usize,
    pub(crate) bookmark_interval: Duration,
}

impl Default for FakeClusterBuilder {
    fn default() -> Self {
        FakeClusterBuilder {
            registry: Registry::with_defaults(),
            clock: Clock::System,
            ids: None,
            history_limit: 10_000,
            watch_buffer: 1_000,
            bookmark_interval: Duration::from_secs(60),
        }
    }
}

/// The start of a deterministic cluster's clock: 2024-01-01T00:00:00Z.
const DETERMINISTIC_START: i64 = 1_704_067_200;

impl FakeClusterBuilder {
    /// The default options: the common built-in kinds, the system clock,
    /// random ids, a history of 10 000 changes, watch buffers of 1 000 events,
    /// bookmarks every minute.
    pub fn new() -> Self {
        FakeClusterBuilder::default()
    }

    /// Reads the time from `clock`. A [`Clock::Manual`] moves only with
    /// [`FakeCluster::advance`].
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Generates uids and `generateName` suffixes from `seed`: the same seed
    /// gives the same sequence.
    pub fn seed(mut self, seed: u64) -> Self {
        self.ids = Some(IdGenerator::seeded(seed));
        self
    }

    /// A manual clock at 2024-01-01T00:00:00Z and ids from seed 0, so every
    /// response can be snapshotted.
    pub fn deterministic(self) -> Self {
        let start = Timestamp::from_second(DETERMINISTIC_START).unwrap_or(Timestamp::UNIX_EPOCH);
        self.clock(Clock::manual(start)).seed(0)
    }

    /// How many changes the history keeps for watches and reads at an older
    /// resourceVersion; older ones get 410 Gone.
    pub fn history_limit(mut self, changes: usize) -> Self {
        self.history_limit = changes;
        self
    }

    /// How many events a watch may have waiting before it is closed for
    /// falling behind.
    pub fn watch_buffer(mut self, events: usize) -> Self {
        self.watch_buffer = events;
        self
    }

    /// How often watches that allow bookmarks get one.
    pub fn bookmark_interval(mut self, interval: Duration) -> Self {
        self.bookmark_interval = interval;
        self
    }

    /// Serves `kind` as well.
    pub fn register(mut self, kind: ResourceKind) -> Self {
        self.registry.register(kind);
        self
    }

    /// Serves the k8s-openapi type `K` as well (no subresources).
    pub fn register_type<K>(self) -> Self
    where
        K: Resource + ListableResource + serde::de::DeserializeOwned,
        K::Scope: ScopeOf,
    {
        self.register(ResourceKind::of::<K>())
    }

    /// The cluster, with the namespaces `default`, `kube-system`,
    /// `kube-public` and `kube-node-lease`.
    pub fn build(self) -> FakeCluster {
        FakeCluster::from_builder(self)
    }
}
