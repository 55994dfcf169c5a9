//! Two sample-controller instances under leader election against one fake
//! cluster, on paused time: only the Lease holder reconciles; when it can no
//! longer renew, it stops within the renew deadline and the other takes
//! over once the Lease has expired, and their terms never overlap.

#[path = "../examples/shared/foo.rs"]
mod foo;
#[path = "../examples/shared/sample_controller.rs"]
mod sample_controller;
mod sample_controller_support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use foo::Foo;
use futures::StreamExt;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::coordination::v1::Lease;
use rudder::runtime::conditions::await_condition;
use rudder::runtime::leader_election::{LeaderElector, LeaseTimings, Term};
use rudder::typed::WatchStream;
use rudder::types::{
    DeleteParams, Deletion, ListParams, ObjectList, Patch, PatchParams, PostParams, WatchParams,
};
use rudder::{Api, Client, Status, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cluster::{Reaction, Reactor};
use sample_controller::Context;
use sample_controller_support::{deployment_where, within};
use tokio::time::Instant;

const LEASE: &str = "sample-controller";

/// What both instances did, in order, on one clock.
#[derive(Default)]
struct Record {
    /// (identity, started leading, stopped leading).
    terms: Vec<(&'static str, Instant, Option<Instant>)>,
    reconciling: Vec<&'static str>,
    reconciled_by: Vec<&'static str>,
    /// Reconciles that started while another instance's was running.
    overlaps: usize,
}

type Shared = Arc<Mutex<Record>>;

/// One instance: elect, and while leading run the sample-controller,
/// recording who reconciles when.
async fn instance(client: Client, identity: &'static str, record: Shared) -> Term {
    let elector = LeaderElector::new(Arc::new(client.namespaced::<Lease>("default")), LEASE, identity);
    elector
        .run(|leading| async move {
            record
                .lock()
                .unwrap()
                .terms
                .push((identity, Instant::now(), None));
            let context = Arc::new(Context::new(&client, "default"));
            let tracked = record.clone();
            let reconcile = move |example: Arc<Foo>, context: Arc<Context>| {
                let record = tracked.clone();
                async move {
                    enter(&record, identity);
                    let outcome = sample_controller::reconcile(example, context).await;
                    record.lock().unwrap().reconciling.retain(|who| *who != identity);
                    outcome
                }
            };
            sample_controller::controller(&client, "default")
                .graceful_shutdown_on(leading.cancelled_owned())
                .run(reconcile, sample_controller::error_policy, context)
                .for_each(|_| std::future::ready(()))
                .await;
            let mut record = record.lock().unwrap();
            let term = record.terms.iter_mut().rev().find(|(who, _, _)| *who == identity);
            term.expect("the term began").2 = Some(Instant::now());
        })
        .await
}

fn enter(record: &Shared, identity: &'static str) {
    let mut record = record.lock().unwrap();
    if record.reconciling.iter().any(|who| *who != identity) {
        record.overlaps += 1;
    }
    record.reconciling.push(identity);
    record.reconciled_by.push(identity);
}

async fn holder(client: &Client) -> Option<String> {
    let leases: Api<Lease> = client.default_namespaced();
    leases.get_opt(LEASE).await.unwrap()?.spec?.holder_identity
}

async fn wait_for_holder(client: &Client, identity: &'static str) {
    let leases: Api<Lease> = client.default_namespaced();
    let held_by = move |lease: Option<&Lease>| {
        lease
            .and_then(|l| l.spec.as_ref())
            .and_then(|s| s.holder_identity.as_deref())
            == Some(identity)
    };
    within(
        &format!("hand the lease to {identity}"),
        await_condition(leases, LEASE, held_by),
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn one_instance_reconciles_at_a_time_and_the_other_takes_over_when_the_leader_stops_renewing() {
    let cluster = FakeCluster::new();
    cluster
        .seed_path(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed/foo-crd.yaml"))
        .unwrap();
    let client = cluster.client();
    let record = Shared::default();
    let a = tokio::spawn(instance(client.clone(), "a", record.clone()));
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = tokio::spawn(instance(client.clone(), "b", record.clone()));
    wait_for_holder(&client, "a").await;

    // The leader reconciles; the other waits.
    let foos: Api<Foo> = client.default_namespaced();
    foos.create(&PostParams::default(), &Foo::new("first", "first-web", 1))
        .await
        .unwrap();
    deployment_where(&client, "first-web", "create the first Deployment", |_| true).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(record.lock().unwrap().reconciled_by.iter().all(|who| *who == "a"));
    assert_eq!(holder(&client).await.as_deref(), Some("a"), "a keeps renewing");

    // a is cut off from the Lease: every renewal it sends fails.
    cluster.react(Reactor::new("update", "leases", |_, body| {
        let lease: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if lease["spec"]["holderIdentity"] == "a" {
            Reaction::Fail(Status::failure(
                503,
                "ServiceUnavailable",
                "injected: a is partitioned",
            ))
        } else {
            Reaction::Continue
        }
    }));
    let cut_off = Instant::now();

    let a_term = within("make a step down", a).await.unwrap();
    assert_eq!(a_term, Term::Lost);
    let a_stopped = Instant::now();
    wait_for_holder(&client, "b").await;
    let b_took_over = Instant::now();

    let timings = LeaseTimings::default();
    println!(
        "a stepped down {:?} and b took over {:?} after a was cut off",
        a_stopped - cut_off,
        b_took_over - cut_off
    );
    assert!(
        a_stopped - cut_off <= timings.renew_deadline + timings.retry_period,
        "a stopped {:?} after it could no longer renew",
        a_stopped - cut_off
    );
    // b takes the Lease once it has seen it unchanged for the lease
    // duration; it looks every retry period (plus up to 20 % jitter), so
    // it notices a's last renewal, and then the expiry, up to one such
    // period late each.
    let max_poll = timings.retry_period.mul_f64(1.2);
    assert!(
        b_took_over - cut_off <= timings.lease_duration + 2 * max_poll,
        "b took over {:?} after a's last chance to renew",
        b_took_over - cut_off
    );

    // The new leader reconciles what changes next.
    foos.create(&PostParams::default(), &Foo::new("second", "second-web", 1))
        .await
        .unwrap();
    deployment_where(&client, "second-web", "create the second Deployment", |_| true).await;

    let record = record.lock().unwrap();
    assert_eq!(record.overlaps, 0, "two instances reconciled at once");
    assert!(record.reconciled_by.contains(&"b"));
    let terms: Vec<_> = record.terms.iter().map(|(who, _, _)| *who).collect();
    assert_eq!(terms, ["a", "b"]);
    let (_, _, a_end) = record.terms[0];
    let (_, b_start, _) = record.terms[1];
    assert!(a_end.expect("a's term ended") <= b_start, "the terms overlap");
    b.abort();
}

#[tokio::test(start_paused = true)]
async fn a_leader_that_finishes_releases_the_lease_for_the_next_at_once() {
    let cluster = FakeCluster::new();
    let client = cluster.client();
    let leases = || Arc::new(client.namespaced::<Lease>("default"));
    let first = LeaderElector::new(leases(), LEASE, "first");
    assert_eq!(first.run(|_| async {}).await, Term::Finished);
    assert_eq!(holder(&client).await, None, "released");

    let second = LeaderElector::new(leases(), LEASE, "second");
    let started = Instant::now();
    let term = second.run(|_| async {}).await;
    assert_eq!(term, Term::Finished);
    assert!(
        started.elapsed() < LeaseTimings::default().retry_period,
        "no wait for a released Lease"
    );
    let leases: Api<Lease> = client.default_namespaced();
    let spec = leases.get(LEASE).await.unwrap().spec.unwrap();
    assert_eq!(spec.lease_transitions, Some(1));
}

/// A Lease API whose next renewal, once armed, is stored at once but
/// answered late: the reply of a slow or congested connection.
struct LateReplies {
    inner: Api<Lease>,
    delay: Duration,
    armed: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
}

#[async_trait::async_trait]
impl Typed<Lease> for LateReplies {
    async fn get(&self, name: &str) -> rudder::Result<Lease> {
        self.inner.get(name).await
    }
    async fn get_opt(&self, name: &str) -> rudder::Result<Option<Lease>> {
        self.inner.get_opt(name).await
    }
    async fn list(&self, params: &ListParams) -> rudder::Result<ObjectList<Lease>> {
        self.inner.list(params).await
    }
    async fn create(&self, params: &PostParams, object: &Lease) -> rudder::Result<Lease> {
        self.inner.create(params, object).await
    }
    async fn replace(&self, name: &str, params: &PostParams, object: &Lease) -> rudder::Result<Lease> {
        let stored = self.inner.replace(name, params, object).await;
        let armed = self.armed.lock().unwrap().take();
        if let Some(stored_now) = armed {
            let _ = stored_now.send(());
            tokio::time::sleep(self.delay).await;
        }
        stored
    }
    async fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> rudder::Result<Lease> {
        self.inner.patch(name, params, patch).await
    }
    async fn delete(&self, name: &str, params: &DeleteParams) -> rudder::Result<Deletion<Lease>> {
        self.inner.delete(name, params).await
    }
    async fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> rudder::Result<Deletion<ObjectList<Lease>>> {
        self.inner.delete_collection(params, selection).await
    }
    async fn watch(&self, params: &WatchParams) -> rudder::Result<WatchStream<Lease>> {
        self.inner.watch(params).await
    }
    async fn get_status(&self, name: &str) -> rudder::Result<Lease> {
        self.inner.get_status(name).await
    }
    async fn replace_status(&self, name: &str, params: &PostParams, object: &Lease) -> rudder::Result<Lease> {
        self.inner.replace_status(name, params, object).await
    }
    async fn patch_status(&self, name: &str, params: &PatchParams, patch: &Patch) -> rudder::Result<Lease> {
        self.inner.patch_status(name, params, patch).await
    }
    async fn get_scale(&self, name: &str) -> rudder::Result<Scale> {
        self.inner.get_scale(name).await
    }
    async fn replace_scale(&self, name: &str, params: &PostParams, scale: &Scale) -> rudder::Result<Scale> {
        self.inner.replace_scale(name, params, scale).await
    }
    async fn patch_scale(&self, name: &str, params: &PatchParams, patch: &Patch) -> rudder::Result<Scale> {
        self.inner.patch_scale(name, params, patch).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_renewal_answered_late_does_not_stretch_the_leaders_term_past_the_others_takeover() {
    // The renew deadline must count from when the renewal was sent: the
    // others judge expiry from when they saw it stored, which may be long
    // before the leader hears back.
    let cluster = FakeCluster::new();
    let client = cluster.client();
    let (stored_now, stored) = tokio::sync::oneshot::channel();
    let leases = Arc::new(LateReplies {
        inner: client.namespaced::<Lease>("default"),
        delay: Duration::from_millis(7_900),
        armed: Mutex::new(None),
    });
    let record = Shared::default();
    let lead = |identity: &'static str, record: Shared| {
        move |leading: tokio_util::sync::CancellationToken| async move {
            record
                .lock()
                .unwrap()
                .terms
                .push((identity, Instant::now(), None));
            leading.cancelled().await;
            let mut record = record.lock().unwrap();
            let term = record.terms.iter_mut().rev().find(|(who, _, _)| *who == identity);
            term.expect("the term began").2 = Some(Instant::now());
        }
    };
    let a_leases = leases.clone();
    let a_record = record.clone();
    let a = tokio::spawn(async move {
        LeaderElector::new(a_leases, LEASE, "a")
            .run(lead("a", a_record))
            .await
    });
    wait_for_holder(&client, "a").await;

    // a's next renewal is stored, then its answer is late; every renewal
    // after it fails, so b will take over.
    *leases.armed.lock().unwrap() = Some(stored_now);
    within("store a's late renewal", stored).await.unwrap();
    cluster.react(Reactor::new("update", "leases", |_, body| {
        let lease: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        if lease["spec"]["holderIdentity"] == "a" {
            Reaction::Fail(Status::failure(
                503,
                "ServiceUnavailable",
                "injected: a is partitioned",
            ))
        } else {
            Reaction::Continue
        }
    }));
    let b_client = client.clone();
    let b_record = record.clone();
    let b = tokio::spawn(async move {
        LeaderElector::new(Arc::new(b_client.namespaced::<Lease>("default")), LEASE, "b")
            .run(lead("b", b_record))
            .await
    });

    assert_eq!(within("make a step down", a).await.unwrap(), Term::Lost);
    wait_for_holder(&client, "b").await;
    let record = record.lock().unwrap();
    let (_, _, a_end) = record.terms[0];
    let (who, b_start, _) = record.terms[1];
    assert_eq!(who, "b");
    assert!(
        a_end.expect("a's term ended") <= b_start,
        "a led until {:?} after b began",
        a_end.unwrap() - b_start
    );
    b.abort();
}

#[tokio::test(start_paused = true)]
async fn a_leader_that_finds_another_holding_the_lease_steps_down_at_its_next_try() {
    // Two leaders at once is what the Lease exists to prevent: once the
    // leader sees another holder, it must not go on for the rest of its
    // renew deadline.
    let cluster = FakeCluster::new();
    let client = cluster.client();
    let a = tokio::spawn({
        let client = client.clone();
        async move {
            LeaderElector::new(Arc::new(client.namespaced::<Lease>("default")), LEASE, "a")
                .run(|leading| async move { leading.cancelled().await })
                .await
        }
    });
    wait_for_holder(&client, "a").await;

    let leases: Api<Lease> = client.default_namespaced();
    let mut lease = leases.get(LEASE).await.unwrap();
    let spec = lease.spec.as_mut().unwrap();
    spec.holder_identity = Some("intruder".into());
    spec.renew_time = Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
        jiff::Timestamp::now(),
    ));
    leases
        .replace(LEASE, &PostParams::default(), &lease)
        .await
        .unwrap();
    let taken = Instant::now();

    assert_eq!(within("make a step down", a).await.unwrap(), Term::Lost);
    let timings = LeaseTimings::default();
    assert!(
        taken.elapsed() <= timings.retry_period,
        "a led on for {:?} beside another holder",
        taken.elapsed()
    );
}
