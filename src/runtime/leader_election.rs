//! Leader election on a `coordination.k8s.io/v1` Lease, with client-go's
//! algorithm and timings: only the instance holding the Lease leads; it
//! renews it every retry period and steps down when it could not for the
//! renew deadline; the others take it over once they have seen it unchanged
//! for the lease duration.
//!
//! Expiry is judged on the candidate's own clock (when it last saw the Lease
//! change), never by comparing the holder's `renewTime` with local time, so
//! clock skew between instances does not matter. Safety rests on the renew
//! deadline being shorter than the lease duration: a leader that cannot
//! renew stops before anyone else may start.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::BackoffConfig;
use crate::types::{ObjectMeta, PostParams};
use crate::{Result, Typed};

/// How long a Lease lasts, how long a leader tries to renew it, and how
/// often candidates and the leader try. client-go's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseTimings {
    /// How long others wait, after last seeing the Lease change, before taking it (15 s).
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew before it steps down (10 s).
    /// Must be shorter than `lease_duration`.
    pub renew_deadline: Duration,
    /// How often to try to acquire or renew (2 s; up to 20 % more, at
    /// random, while acquiring).
    pub retry_period: Duration,
}

impl Default for LeaseTimings {
    fn default() -> Self {
        LeaseTimings {
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

impl LeaseTimings {
    fn check(&self) -> Result<(), InvalidTimings> {
        if self.retry_period.is_zero() {
            return Err(InvalidTimings("the retry period must be longer than zero"));
        }
        if self.lease_duration <= self.renew_deadline {
            return Err(InvalidTimings(
                "the lease duration must be longer than the renew deadline",
            ));
        }
        if self.renew_deadline <= self.retry_period.mul_f64(1.2) {
            return Err(InvalidTimings(
                "the renew deadline must be longer than the retry period plus its 20 % jitter",
            ));
        }
        Ok(())
    }
}

/// Lease timings that would let two instances lead at once.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid lease timings: {0}")]
pub struct InvalidTimings(&'static str);

/// How a term of leadership ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Term {
    /// The work finished by itself; the Lease was released so another
    /// instance can take over at once.
    Finished,
    /// The Lease could not be renewed within the renew deadline: the work
    /// was cancelled and has returned.
    Lost,
}

/// A candidate for the leadership one Lease stands for.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use std::sync::Arc;
/// use rudder::runtime::leader_election::LeaderElector;
///
/// let elector = LeaderElector::new(Arc::new(client.namespaced("kube-system")), "my-controller", "pod-a");
/// let term = elector
///     .run(|leading| async move {
///         // Work until `leading` is cancelled: leadership lost.
///         leading.cancelled().await;
///     })
///     .await;
/// # }
/// ```
pub struct LeaderElector {
    leases: Arc<dyn Typed<Lease>>,
    lease_name: String,
    identity: String,
    timings: LeaseTimings,
}

/// The Lease as last seen, and when this instance saw it change.
struct Observed {
    spec: LeaseSpec,
    at: Instant,
}

impl Observed {
    /// The Lease this instance has just written.
    fn now(written: Lease) -> Self {
        Observed {
            spec: written.spec.unwrap_or_default(),
            at: Instant::now(),
        }
    }
}

impl LeaderElector {
    /// A candidate named `identity` (unique per instance: the pod name) for
    /// the Lease `lease_name` in `leases`' namespace.
    pub fn new(leases: Arc<dyn Typed<Lease>>, lease_name: &str, identity: &str) -> Self {
        LeaderElector {
            leases,
            lease_name: lease_name.to_owned(),
            identity: identity.to_owned(),
            timings: LeaseTimings::default(),
        }
    }

    /// Other timings than client-go's defaults.
    ///
    /// # Errors
    /// [`InvalidTimings`] unless the lease duration is longer than the renew
    /// deadline, and the renew deadline longer than a jittered retry period
    /// (client-go's rules): otherwise two instances could lead at once.
    pub fn timings(mut self, timings: LeaseTimings) -> Result<Self, InvalidTimings> {
        timings.check()?;
        self.timings = timings;
        Ok(self)
    }

    /// This candidate's identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// Waits until this instance holds the Lease, then runs `lead` while
    /// renewing it. `lead` is given a token that is cancelled when the
    /// Lease is lost; it should then stop its work and return (a
    /// `Controller` takes it as its graceful shutdown signal).
    ///
    /// Errors talking to the API server are retried every retry period, as
    /// client-go does; they only ever cost the leadership.
    pub async fn run<F, Fut>(&self, lead: F) -> Term
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut observed = None;
        let acquired_at = self.acquire(&mut observed).await;
        tracing::info!(lease = %self.lease_name, identity = %self.identity, "leading");
        let leading = CancellationToken::new();
        let work = lead(leading.clone());
        tokio::pin!(work);
        tokio::select! {
            () = &mut work => {
                self.release(&mut observed).await;
                Term::Finished
            }
            () = self.keep_renewing(&mut observed, acquired_at) => {
                tracing::warn!(lease = %self.lease_name, identity = %self.identity, "lost the lease");
                leading.cancel();
                work.await;
                Term::Lost
            }
        }
    }

    /// Returns when the request that acquired the Lease was sent: the
    /// term is timed from then (see [`keep_renewing`](Self::keep_renewing)).
    async fn acquire(&self, observed: &mut Option<Observed>) -> Instant {
        let mut pause = retry_pause(self.timings.retry_period).start();
        loop {
            let sent = Instant::now();
            match self.try_acquire_or_renew(observed).await {
                Ok(true) => return sent,
                Ok(false) => {}
                Err(error) => tracing::debug!(%error, lease = %self.lease_name, "could not acquire"),
            }
            tokio::time::sleep(pause.next_delay()).await;
        }
    }

    /// Returns when the Lease could not be renewed for the renew deadline.
    async fn keep_renewing(&self, observed: &mut Option<Observed>, acquired_at: Instant) {
        let mut renewed_at = acquired_at;
        loop {
            tokio::time::sleep(self.timings.retry_period).await;
            let left = self.timings.renew_deadline.saturating_sub(renewed_at.elapsed());
            // The others time the Lease from when they saw the renewal
            // stored, which may be long before its answer reaches us: count
            // from when it was sent, or a late answer stretches our term
            // past their takeover.
            let sent = Instant::now();
            // A request that hangs must not keep a stale leader leading.
            let attempt = tokio::time::timeout(left, self.try_acquire_or_renew(observed)).await;
            match attempt {
                Ok(Ok(true)) => renewed_at = sent,
                // Someone else took the Lease (our renewals were late, or
                // our clock ran slow): two leaders already; stop now, not
                // at the renew deadline.
                Ok(Ok(false)) if self.held_by_another(observed.as_ref()) => return,
                Ok(Ok(false)) => {}
                Ok(Err(error)) => tracing::debug!(%error, lease = %self.lease_name, "could not renew"),
                Err(_elapsed) => {}
            }
            if renewed_at.elapsed() >= self.timings.renew_deadline {
                return;
            }
        }
    }

    /// Whether the Lease, as last seen, names another holder.
    fn held_by_another(&self, observed: Option<&Observed>) -> bool {
        observed
            .and_then(|seen| seen.spec.holder_identity.as_deref())
            .is_some_and(|holder| !holder.is_empty() && holder != self.identity)
    }

    /// One attempt: creates the Lease, renews it, or takes it over when it
    /// has expired. Whether this instance holds it afterwards.
    async fn try_acquire_or_renew(&self, observed: &mut Option<Observed>) -> Result<bool> {
        let now = Instant::now();
        let Some(current) = self.leases.get_opt(&self.lease_name).await? else {
            return self.create(observed).await;
        };
        let spec = current.spec.clone().unwrap_or_default();
        if observed.as_ref().is_none_or(|seen| seen.spec != spec) {
            *observed = Some(Observed {
                spec: spec.clone(),
                at: now,
            });
        }
        let holder = spec.holder_identity.as_deref().unwrap_or("");
        let held_by_other = !holder.is_empty() && holder != self.identity;
        let seen_at = observed.as_ref().map_or(now, |seen| seen.at);
        if held_by_other && now < seen_at + lease_duration_of(&spec, self.timings) {
            return Ok(false);
        }
        let mut renewed = current;
        renewed.spec = Some(spec_held_by(&self.identity, self.timings, &spec));
        match self
            .leases
            .replace(&self.lease_name, &PostParams::default(), &renewed)
            .await
        {
            Ok(stored) => {
                *observed = Some(Observed::now(stored));
                Ok(true)
            }
            Err(error) if error.is_conflict() => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn create(&self, observed: &mut Option<Observed>) -> Result<bool> {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.lease_name.clone()),
                ..ObjectMeta::default()
            },
            // The first holder is no transition.
            spec: Some(LeaseSpec {
                lease_transitions: Some(0),
                ..spec_held_by(&self.identity, self.timings, &LeaseSpec::default())
            }),
        };
        match self.leases.create(&PostParams::default(), &lease).await {
            Ok(stored) => {
                *observed = Some(Observed::now(stored));
                Ok(true)
            }
            Err(error) if error.is_already_exists() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Gives the Lease up (holder cleared, one-second duration) so another
    /// instance need not wait out the lease duration. Best effort: if it
    /// fails, the Lease simply expires.
    async fn release(&self, observed: &mut Option<Observed>) {
        let Ok(Some(mut current)) = self.leases.get_opt(&self.lease_name).await else {
            return;
        };
        let Some(spec) = current.spec.as_mut() else {
            return;
        };
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return;
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(jiff::Timestamp::now()));
        let released = self
            .leases
            .replace(&self.lease_name, &PostParams::default(), &current)
            .await;
        match released {
            Ok(_) => *observed = None,
            Err(error) => tracing::debug!(%error, lease = %self.lease_name, "could not release"),
        }
    }
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("lease_name", &self.lease_name)
            .field("identity", &self.identity)
            .field("timings", &self.timings)
            .finish_non_exhaustive()
    }
}

/// The spec that says `identity` holds the Lease now; taking it over
/// (from another holder, or released) is a transition, as in client-go.
fn spec_held_by(identity: &str, timings: LeaseTimings, current: &LeaseSpec) -> LeaseSpec {
    let now = MicroTime(jiff::Timestamp::now());
    let renewing = current.holder_identity.as_deref() == Some(identity);
    LeaseSpec {
        holder_identity: Some(identity.to_owned()),
        lease_duration_seconds: Some(seconds(timings.lease_duration)),
        acquire_time: if renewing {
            current.acquire_time.clone()
        } else {
            Some(now.clone())
        },
        renew_time: Some(now),
        lease_transitions: Some(current.lease_transitions.unwrap_or(0) + i32::from(!renewing)),
        ..current.clone()
    }
}

/// The holder's lease duration (it chose it), else ours.
fn lease_duration_of(spec: &LeaseSpec, timings: LeaseTimings) -> Duration {
    spec.lease_duration_seconds
        .and_then(|seconds| u64::try_from(seconds).ok())
        .map_or(timings.lease_duration, Duration::from_secs)
}

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX).max(1)
}

/// `period` plus up to 20 % more at random, every time: candidates started
/// together do not keep colliding (client-go's `JitterFactor` 1.2).
fn retry_pause(period: Duration) -> BackoffConfig {
    BackoffConfig {
        factor: 1.0,
        ..BackoffConfig::default()
    }
    .initial(period)
    .max(period)
    .jitter(0.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_pause_adds_at_most_a_fifth_every_time() {
        let mut pause = retry_pause(Duration::from_secs(2)).start();
        for _ in 0..100 {
            let delay = pause.next_delay();
            assert!(delay >= Duration::from_secs(2) && delay <= Duration::from_millis(2400));
        }
    }

    #[test]
    fn timings_that_could_let_two_lead_are_refused() {
        let timings = |lease, renew, retry| LeaseTimings {
            lease_duration: Duration::from_secs(lease),
            renew_deadline: Duration::from_secs(renew),
            retry_period: Duration::from_secs(retry),
        };
        assert_eq!(LeaseTimings::default().check(), Ok(()));
        assert!(
            timings(10, 10, 2)
                .check()
                .unwrap_err()
                .to_string()
                .contains("lease duration")
        );
        assert!(
            timings(15, 2, 2)
                .check()
                .unwrap_err()
                .to_string()
                .contains("renew deadline")
        );
        assert!(
            timings(15, 10, 0)
                .check()
                .unwrap_err()
                .to_string()
                .contains("retry period")
        );
    }

    #[test]
    fn the_defaults_are_client_gos() {
        let timings = LeaseTimings::default();
        assert_eq!(timings.lease_duration, Duration::from_secs(15));
        assert_eq!(timings.renew_deadline, Duration::from_secs(10));
        assert_eq!(timings.retry_period, Duration::from_secs(2));
    }

    #[test]
    fn a_change_of_holder_counts_a_transition_and_a_renewal_does_not() {
        let held_by_a = LeaseSpec {
            holder_identity: Some("a".into()),
            lease_transitions: Some(3),
            ..LeaseSpec::default()
        };
        let taken = spec_held_by("b", LeaseTimings::default(), &held_by_a);
        assert_eq!(taken.holder_identity.as_deref(), Some("b"));
        assert_eq!(taken.lease_transitions, Some(4));
        let renewed = spec_held_by("b", LeaseTimings::default(), &taken);
        assert_eq!(renewed.lease_transitions, Some(4));
        assert_eq!(renewed.acquire_time, taken.acquire_time);
        let released = LeaseSpec {
            lease_transitions: Some(4),
            ..LeaseSpec::default()
        };
        assert_eq!(
            spec_held_by("a", LeaseTimings::default(), &released).lease_transitions,
            Some(5)
        );
    }
}
