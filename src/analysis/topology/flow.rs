//! Running the autonomous dynamics h ← F(h, x) for many states at once until each settles.

use ndarray::{Array2, ArrayView1};

use crate::net::CellMap;

/// Iterates every row of `states` under F(·, x) until ‖F(h) − h‖ < `tolerance` for it, or
/// `max_steps` steps; returns the final states and which rows settled.
pub fn settle(
    map: &CellMap,
    mut states: Array2<f64>,
    x: ArrayView1<f64>,
    tolerance: f64,
    max_steps: usize,
) -> (Array2<f64>, Vec<bool>) {
    let rows = states.nrows();
    let mut settled = vec![false; rows];
    // Settled rows keep stepping with the rest (one batched product); checked every few steps.
    const CHECK_EVERY: usize = 10;
    for step in 0..max_steps {
        let next = map.step_rows(states.view(), x);
        if step % CHECK_EVERY == 0 || step + 1 == max_steps {
            for (r, done) in settled.iter_mut().enumerate() {
                if !*done {
                    let moved = (&next.row(r) - &states.row(r)).mapv(|v| v * v).sum().sqrt();
                    *done = moved < tolerance;
                }
            }
        }
        states = next;
        if settled.iter().all(|&d| d) {
            break;
        }
    }
    (states, settled)
}

/// The readout of every row of `states` over `steps` further steps under F(·, x), time-major
/// (steps × rows × outputs flattened per row: `result[r][t]` is output 0 of row r at step t).
pub fn readout_traces(
    map: &CellMap,
    mut states: Array2<f64>,
    x: ArrayView1<f64>,
    steps: usize,
) -> Vec<Vec<f64>> {
    let mut traces = vec![Vec::with_capacity(steps); states.nrows()];
    for _ in 0..steps {
        states = map.step_rows(states.view(), x);
        for (r, trace) in traces.iter_mut().enumerate() {
            trace.push(map.readout(states.row(r))[0]);
        }
    }
    traces
}
