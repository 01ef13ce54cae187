//! Where a training iteration's time goes, for `rnnlab bench train`: off unless a benchmark
//! turns it on for its thread, and then the matrix products and the recurrence loops add their
//! wall time to per-thread counters. Off, it costs one thread-local read per product.

use std::cell::Cell;
use std::time::Instant;

/// Seconds spent per phase since [`start`].
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Phases {
    /// The recurrence loops, forward and backward (their products and elementwise work).
    pub recurrence: f64,
    /// Products inside the recurrence loops: h·W_h and its transpose.
    pub recurrent_products: f64,
    /// Products outside them: the input projection, the readout and every weight gradient.
    pub batched_products: f64,
}

thread_local! {
    static PHASES: Cell<Option<Phases>> = const { Cell::new(None) };
    static IN_RECURRENCE: Cell<bool> = const { Cell::new(false) };
}

/// Starts (or restarts) counting on this thread.
pub fn start() {
    PHASES.with(|p| p.set(Some(Phases::default())));
}

/// Stops counting on this thread and returns what was counted.
pub fn stop() -> Phases {
    PHASES.with(|p| p.take()).unwrap_or_default()
}

fn on() -> bool {
    PHASES.with(|p| p.get().is_some())
}

fn add(f: impl FnOnce(&mut Phases, f64), seconds: f64) {
    PHASES.with(|p| {
        if let Some(mut phases) = p.get() {
            f(&mut phases, seconds);
            p.set(Some(phases));
        }
    });
}

/// Runs a matrix product, counting its time when profiling.
#[inline]
pub(crate) fn product(run: impl FnOnce()) {
    if !on() {
        return run();
    }
    let t0 = Instant::now();
    run();
    let s = t0.elapsed().as_secs_f64();
    if IN_RECURRENCE.with(Cell::get) {
        add(|p, s| p.recurrent_products += s, s);
    } else {
        add(|p, s| p.batched_products += s, s);
    }
}

/// Runs a recurrence loop, counting its time (and marking its products) when profiling.
#[inline]
pub(crate) fn recurrence(run: impl FnOnce()) {
    if !on() {
        return run();
    }
    let t0 = Instant::now();
    IN_RECURRENCE.with(|r| r.set(true));
    run();
    IN_RECURRENCE.with(|r| r.set(false));
    add(|p, s| p.recurrence += s, t0.elapsed().as_secs_f64());
}
