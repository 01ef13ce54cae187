//! Where a training iteration's time goes, for `rnnlab bench train`: off unless a benchmark
//! turns it on for its thread, and then the matrix products and the recurrence loops add their
//! wall time to per-thread counters. Off, it costs one thread-local read per product.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use faer::{Accum, Mat};

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

/// One product shape met while counting: dst (m×n) = a (m×k) · b (k×n).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Product {
    /// Rows of the result.
    pub m: usize,
    /// Columns of the result.
    pub n: usize,
    /// The inner dimension.
    pub k: usize,
    /// Inside a recurrence loop (h·W_h or its transpose) rather than over all steps at once.
    pub recurrent: bool,
    /// How many products of this shape ran.
    pub calls: usize,
    /// Their wall time, seconds.
    pub seconds: f64,
}

impl Product {
    /// Floating-point operations of one call.
    pub fn flops(&self) -> f64 {
        2.0 * (self.m * self.n * self.k) as f64
    }
}

/// What was counted between [`start`] and [`stop`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// Time per phase.
    pub phases: Phases,
    /// Every product shape, in the order first met.
    pub products: Vec<Product>,
}

thread_local! {
    static PHASES: Cell<Option<Phases>> = const { Cell::new(None) };
    static PRODUCTS: RefCell<Vec<Product>> = const { RefCell::new(Vec::new()) };
    static IN_RECURRENCE: Cell<bool> = const { Cell::new(false) };
}

/// Starts (or restarts) counting on this thread.
pub fn start() {
    PHASES.with(|p| p.set(Some(Phases::default())));
    PRODUCTS.with(|p| p.borrow_mut().clear());
}

/// Stops counting on this thread and returns what was counted.
pub fn stop() -> Profile {
    Profile {
        phases: PHASES.with(|p| p.take()).unwrap_or_default(),
        products: PRODUCTS.with(|p| std::mem::take(&mut *p.borrow_mut())),
    }
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

/// Runs an m×k by k×n matrix product, counting its time and shape when profiling.
#[inline]
pub(crate) fn product(m: usize, n: usize, k: usize, run: impl FnOnce()) {
    if !on() {
        return run();
    }
    let t0 = Instant::now();
    run();
    let s = t0.elapsed().as_secs_f64();
    let recurrent = IN_RECURRENCE.with(Cell::get);
    if recurrent {
        add(|p, s| p.recurrent_products += s, s);
    } else {
        add(|p, s| p.batched_products += s, s);
    }
    PRODUCTS.with(|p| {
        let mut products = p.borrow_mut();
        let same = |q: &&mut Product| (q.m, q.n, q.k, q.recurrent) == (m, n, k, recurrent);
        match products.iter_mut().find(same) {
            Some(q) => {
                q.calls += 1;
                q.seconds += s;
            }
            None => products.push(Product {
                m,
                n,
                k,
                recurrent,
                calls: 1,
                seconds: s,
            }),
        }
    });
}

/// Median seconds of the engine's own f32 product (faer, one thread) at one shape, on
/// contiguous operands kept warm in cache: what this CPU does at that shape, the
/// reference `rnnlab bench train` holds each phase against. Repeats for about `budget` seconds.
pub fn reference_product_seconds(m: usize, n: usize, k: usize, budget: f64) -> f64 {
    let a = Mat::<f32>::from_fn(m, k, |i, j| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    let b = Mat::<f32>::from_fn(k, n, |i, j| ((i * 5 + j) % 13) as f32 * 0.1);
    let mut c = Mat::<f32>::zeros(m, n);
    let mut run = || {
        let t0 = Instant::now();
        super::matmul::gemm(c.as_mut(), Accum::Add, a.as_ref(), b.as_ref());
        t0.elapsed().as_secs_f64()
    };
    run();
    let first = run().max(1e-7);
    let repeats = ((budget / first) as usize).clamp(5, 10_000);
    let mut times: Vec<f64> = (0..repeats).map(|_| run()).collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
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
