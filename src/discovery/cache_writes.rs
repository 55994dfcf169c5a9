//! The discovery caches' writes, off the caller's path: a discovery call
//! returns as soon as its answer is decoded, and the files are written
//! behind it on tokio's blocking pool.
//!
//! One queue for the whole process, which every `DiscoveryClient` shares and
//! one worker drains in order: writes never run two at once, so a later
//! write (the refetch after an invalidation, say) always lands after an
//! earlier one and is never overwritten by older data. A client waits for
//! the writes queued so far ([`flush`]) before it reads its disk cache, so
//! nothing in this process reads a cache that is still being written.
//!
//! Each file is still written to a temporary name and renamed into place,
//! for readers in other processes (kubectl, another rudder program).

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{LazyLock, Mutex, MutexGuard};

use tokio::sync::watch;

/// One queued write: it logs its own failures and never panics on purpose.
pub(crate) type Write = Box<dyn FnOnce() + Send>;

struct Writes {
    queue: Mutex<Queue>,
    /// How many writes have finished (written, failed or abandoned).
    finished: watch::Sender<u64>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Write>,
    /// How many writes were ever queued; writes finish in that order.
    queued: u64,
    /// Whether a worker is draining `waiting`.
    draining: bool,
}

static WRITES: LazyLock<Writes> = LazyLock::new(|| Writes {
    queue: Mutex::new(Queue::default()),
    finished: watch::Sender::new(0),
});

fn queue() -> MutexGuard<'static, Queue> {
    // A write runs outside the lock, so a poisoned lock only means a panic
    // between two plain field updates: the queue is still whole.
    WRITES
        .queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Queues `write` behind every write queued before it. Called from a task
/// of a tokio runtime, whose blocking pool runs the worker.
pub(crate) fn enqueue(write: Write) {
    let mut queue = queue();
    queue.waiting.push_back(write);
    queue.queued += 1;
    if !queue.draining {
        queue.draining = true;
        drop(queue);
        let worker = Worker { started: false };
        // The handle is dropped: `flush` is how anyone waits.
        drop(tokio::task::spawn_blocking(move || worker.run()));
    }
}

/// Waits until every write queued before this call has finished.
pub(crate) async fn flush() {
    let target = queue().queued;
    let mut finished = WRITES.finished.subscribe();
    // The sender lives in a static: it is never dropped, so this cannot fail.
    let _ = finished.wait_for(|finished| *finished >= target).await;
}

/// Drains the queue; owned by the blocking task that runs it.
struct Worker {
    started: bool,
}

impl Worker {
    fn run(mut self) {
        self.started = true;
        while let Some(write) = next_write() {
            if catch_unwind(AssertUnwindSafe(write)).is_err() {
                tracing::error!("a discovery cache write panicked; the cache may lack some files");
            }
            WRITES.finished.send_modify(|finished| *finished += 1);
        }
    }
}

/// The next write, or `None` (and the queue marked idle) when there is none.
fn next_write() -> Option<Write> {
    let mut queue = queue();
    let write = queue.waiting.pop_front();
    if write.is_none() {
        queue.draining = false;
    }
    write
}

impl Drop for Worker {
    /// A blocking task that never started is dropped when its runtime shuts
    /// down; the writes it would have run may belong to clients on other
    /// runtimes, so a plain thread drains them instead.
    fn drop(&mut self) {
        if self.started {
            return;
        }
        let spawned = std::thread::Builder::new()
            .name("rudder-discovery-cache".into())
            .spawn(|| Worker { started: false }.run());
        if let Err(error) = spawned {
            tracing::warn!(%error, "cannot start a thread for the discovery cache writes; they are dropped");
            abandon_waiting();
        }
    }
}

/// Drops every waiting write, counting each as finished so `flush` returns.
fn abandon_waiting() {
    let mut queue = queue();
    let abandoned = queue.waiting.len() as u64;
    queue.waiting.clear();
    queue.draining = false;
    drop(queue);
    WRITES.finished.send_modify(|finished| *finished += abandoned);
}
