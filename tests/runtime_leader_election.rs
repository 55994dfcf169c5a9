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
use k8s_openapi::api::coordination::v1::Lease;
use rudder::runtime::conditions::await_condition;
use rudder::runtime::leader_election::{LeaderElector, LeaseTimings, Term};
use rudder::types::PostParams;
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
