//! The loop that drives a [`WorkQueue`]: takes keys from the triggers, starts
//! reconciles up to the concurrency limit, wakes scheduled keys on time, and
//! stops gracefully on the shutdown signal.

use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;

use futures::stream::{BoxStream, FuturesUnordered};
use futures::{Stream, StreamExt};
use tokio::time::Instant;

use super::action::Action;
use super::queue::WorkQueue;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What one reconcile of a key gives back: the action for the queue, and
/// what the runner's stream yields for it.
pub(crate) type Finished<Q, O> = (Q, Action, O);

pub(crate) struct Runner<Q, O, R> {
    queue: WorkQueue<Q>,
    triggers: Option<BoxStream<'static, Q>>,
    running: FuturesUnordered<BoxFuture<Finished<Q, O>>>,
    shutdown: Option<BoxFuture<()>>,
    concurrency: usize,
    reconcile: R,
}

impl<Q, O, R> Runner<Q, O, R>
where
    Q: Clone + Eq + Hash + Send + 'static,
    O: Send + 'static,
    R: FnMut(Q) -> BoxFuture<Finished<Q, O>> + Send + 'static,
{
    /// A runner of `reconcile` for the keys `triggers` yields, at most
    /// `concurrency` at once (at least one), until `shutdown` completes.
    pub(crate) fn new(
        triggers: BoxStream<'static, Q>,
        concurrency: usize,
        shutdown: BoxFuture<()>,
        reconcile: R,
    ) -> Self {
        Runner {
            queue: WorkQueue::new(),
            triggers: Some(triggers),
            running: FuturesUnordered::new(),
            shutdown: Some(shutdown),
            concurrency: concurrency.max(1),
            reconcile,
        }
    }

    /// What each reconcile gave, as it finishes. The stream ends after the
    /// shutdown signal, once the running reconciles have finished (none is
    /// started after it), or when the triggers end and nothing is left to run.
    pub(crate) fn into_stream(self) -> impl Stream<Item = O> + Send
    where
        R: Send,
    {
        futures::stream::unfold(self, |mut runner| async move {
            let output = runner.next_finished().await?;
            Some((output, runner))
        })
    }

    async fn next_finished(&mut self) -> Option<O> {
        loop {
            let stopping = self.shutdown.is_none();
            if !stopping {
                self.start_ready();
            }
            if self.running.is_empty()
                && (stopping || (self.triggers.is_none() && self.queue.nothing_ready()))
            {
                return None;
            }
            let deadline = self.queue.next_deadline().filter(|_| !stopping);
            tokio::select! {
                biased;
                Some((key, action, output)) = self.running.next(), if !self.running.is_empty() => {
                    self.queue.finish(key, action, Instant::now());
                    return Some(output);
                }
                () = wait_for(&mut self.shutdown) => {
                    self.shutdown = None;
                }
                () = sleep_until(deadline) => {
                    self.queue.promote_due(Instant::now());
                }
                trigger = next_trigger(&mut self.triggers), if !stopping => match trigger {
                    Some(key) => self.queue.add(key),
                    None => self.triggers = None,
                },
            }
        }
    }

    fn start_ready(&mut self) {
        while let Some(key) = self.queue.start(self.concurrency) {
            self.running.push((self.reconcile)(key));
        }
        debug_assert!(self.queue.running() == self.running.len());
    }
}

/// Completes when the shutdown signal does; never once it has.
async fn wait_for(shutdown: &mut Option<BoxFuture<()>>) {
    match shutdown {
        Some(signal) => signal.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

async fn next_trigger<Q>(triggers: &mut Option<BoxStream<'static, Q>>) -> Option<Q> {
    match triggers {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures::channel::mpsc;

    use super::*;

    /// Records which keys run and how many at once; each reconcile takes
    /// `work` of (paused) time and answers `action`.
    #[derive(Clone, Default)]
    struct Probe {
        log: Arc<Mutex<ProbeLog>>,
    }

    #[derive(Default)]
    struct ProbeLog {
        runs: Vec<&'static str>,
        now_running: Vec<&'static str>,
        most_at_once: usize,
        overlaps_of_one_key: usize,
    }

    impl Probe {
        fn reconciler(
            &self,
            work: Duration,
            action: Action,
        ) -> impl FnMut(&'static str) -> BoxFuture<Finished<&'static str, &'static str>> + Send + 'static
        {
            let log = self.log.clone();
            move |key| {
                let log = log.clone();
                Box::pin(async move {
                    {
                        let mut log = log.lock().unwrap();
                        if log.now_running.contains(&key) {
                            log.overlaps_of_one_key += 1;
                        }
                        log.now_running.push(key);
                        log.runs.push(key);
                        log.most_at_once = log.most_at_once.max(log.now_running.len());
                    }
                    tokio::time::sleep(work).await;
                    log.lock().unwrap().now_running.retain(|running| *running != key);
                    (key, action, key)
                })
            }
        }
    }

    fn never() -> BoxFuture<()> {
        Box::pin(std::future::pending())
    }

    #[tokio::test(start_paused = true)]
    async fn triggers_during_a_reconcile_run_the_key_once_more_after_it() {
        let probe = Probe::default();
        let (sender, receiver) = mpsc::unbounded();
        let runner = Runner::new(
            receiver.boxed(),
            4,
            never(),
            probe.reconciler(Duration::from_secs(1), Action::await_change()),
        );
        let mut results = Box::pin(runner.into_stream());
        sender.unbounded_send("a").unwrap();
        let feeder = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            for _ in 0..5 {
                sender.unbounded_send("a").unwrap();
            }
            // Keep the triggers open until both runs are seen.
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        assert_eq!(results.next().await, Some("a"));
        assert_eq!(results.next().await, Some("a"));
        feeder.await.unwrap();
        assert_eq!(results.next().await, None, "the triggers ended");
        let log = probe.log.lock().unwrap();
        assert_eq!(log.runs, ["a", "a"]);
        assert_eq!(log.overlaps_of_one_key, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrency_bounds_the_reconciles_running_at_once() {
        let probe = Probe::default();
        let keys = ["a", "b", "c", "d", "e", "f", "g"];
        let runner = Runner::new(
            futures::stream::iter(keys).boxed(),
            3,
            never(),
            probe.reconciler(Duration::from_secs(1), Action::await_change()),
        );
        let mut finished: Vec<_> = runner.into_stream().collect().await;
        finished.sort();
        assert_eq!(finished, keys);
        assert_eq!(probe.log.lock().unwrap().most_at_once, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_requeued_key_runs_again_after_its_delay() {
        let probe = Probe::default();
        let (sender, receiver) = mpsc::unbounded();
        sender.unbounded_send("a").unwrap();
        let runner = Runner::new(
            receiver.boxed(),
            1,
            never(),
            probe.reconciler(Duration::ZERO, Action::requeue(Duration::from_secs(30))),
        );
        let mut results = Box::pin(runner.into_stream());
        let start = Instant::now();
        results.next().await;
        results.next().await;
        assert_eq!(start.elapsed(), Duration::from_secs(30));
        results.next().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        drop(sender);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_key_is_retried_with_doubling_delays() {
        let probe = Probe::default();
        let (sender, receiver) = mpsc::unbounded();
        sender.unbounded_send("a").unwrap();
        let runner = Runner::new(
            receiver.boxed(),
            1,
            never(),
            probe.reconciler(Duration::ZERO, Action::backoff()),
        );
        let mut results = Box::pin(runner.into_stream());
        let mut at = Vec::new();
        let start = Instant::now();
        for _ in 0..5 {
            results.next().await;
            at.push(start.elapsed().as_millis());
        }
        assert_eq!(at, [0, 5, 15, 35, 75]);
        drop(sender);
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_lets_running_reconciles_finish_and_starts_no_more() {
        let probe = Probe::default();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let runner = Runner::new(
            futures::stream::iter(["a", "b", "c"])
                .chain(futures::stream::pending())
                .boxed(),
            2,
            Box::pin(async move {
                let _ = stopped.await;
            }),
            probe.reconciler(Duration::from_secs(5), Action::await_change()),
        );
        let results = tokio::spawn(runner.into_stream().collect::<Vec<_>>());
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop.send(()).unwrap();
        let mut finished = results.await.unwrap();
        finished.sort();
        assert_eq!(finished, ["a", "b"], "c was never started");
        assert!(probe.log.lock().unwrap().now_running.is_empty());
    }
}
