//! The worker pool `rnnlab run` and `rnnlab analyze` share: this process registers as one
//! worker in the notebook, beats its heartbeat (which renews the leases of what it holds), runs
//! `jobs` threads (each with its own connection, claiming one network at a time), and on the
//! way out gives back whatever it still holds. The first error stops every thread and is
//! returned; so does finding that the worker lost its leases (paused or cut off for longer
//! than a lease: other workers have taken its networks over, and its writes would be refused).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use crate::store::Notebook;
use crate::LabError;

/// Time between heartbeats: 2 s, or a quarter of the lease when that is shorter.
fn heartbeat_interval() -> Duration {
    Duration::from_secs_f64((crate::store::lease_seconds() / 4.0).min(2.0))
}

/// Runs `job(slot, notebook, worker)` on `jobs` threads as one registered worker until every
/// job returns; `stop` is set on the first error, which is returned after the worker retires.
pub fn run_workers(
    db: &Path,
    jobs: usize,
    stop: &AtomicBool,
    job: &(dyn Fn(usize, &Notebook, &str) -> Result<(), LabError> + Sync),
) -> Result<(), LabError> {
    let notebook = Notebook::open(db)?;
    let worker = notebook.register_worker()?;
    let done = AtomicBool::new(false);
    let lost = AtomicBool::new(false);
    let first_error: Mutex<Option<LabError>> = Mutex::new(None);
    thread::scope(|scope| {
        scope.spawn(|| heartbeat(db, &worker, &done, &lost, stop));
        let handles: Vec<_> = (0..jobs.max(1))
            .map(|slot| {
                let (worker, first_error) = (&worker, &first_error);
                scope.spawn(move || {
                    let result = Notebook::open(db)
                        .map_err(LabError::from)
                        .and_then(|nb| job(slot, &nb, worker));
                    if let Err(e) = result {
                        first_error
                            .lock()
                            .expect("no panics hold it")
                            .get_or_insert(e);
                        stop.store(true, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for h in handles {
            let _ = h.join();
        }
        done.store(true, Ordering::SeqCst);
    });
    // Anything still held (a stop mid-network) goes back.
    notebook.retire_worker(&worker)?;
    if lost.load(Ordering::SeqCst) {
        return Err(LabError::Invalid(format!(
            "this runner ({worker}) went without a heartbeat for longer than its lease ({} s: \
             paused, or cut off from the notebook); other runners took its networks over and \
             its results for them were refused. Run it again to continue",
            crate::store::lease_seconds()
        )));
    }
    match first_error.into_inner().expect("threads joined") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Beats for `worker` until `done`. When a beat finds the worker gone (its leases expired and
/// were taken over), sets `lost` and `stop`, so the threads stop claiming and give up their
/// networks.
fn heartbeat(db: &Path, worker: &str, done: &AtomicBool, lost: &AtomicBool, stop: &AtomicBool) {
    let Ok(notebook) = Notebook::open(db) else {
        return;
    };
    let mut last = Instant::now();
    while !done.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(50));
        if last.elapsed() >= heartbeat_interval() {
            // A busy notebook only delays a beat; the lease lasts at least four.
            if let Ok(false) = notebook.heartbeat(worker) {
                lost.store(true, Ordering::SeqCst);
                stop.store(true, Ordering::SeqCst);
            }
            last = Instant::now();
        }
    }
}

/// The message of a caught panic.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}
