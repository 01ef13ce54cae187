//! The search: starts drawn around visited states, each descended to a root, then a second
//! pass from midpoints of pairs of attractors.

use super::collector::Collector;
use super::known::KnownPoints;
use super::newton::{descend, Descent};
use super::point::{FixedPoint, FixedPointOptions};
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::net::CellMap;

/// `count` starts: rows of `states` (visited states, one per row) drawn with replacement, plus
/// Gaussian noise of std `noise_std`.
pub fn starts_from_states(
    states: ArrayView2<f64>,
    count: usize,
    noise_std: f64,
    rng: &mut ChaCha8Rng,
) -> Array2<f64> {
    let noise = Normal::new(0.0, noise_std.max(0.0)).expect("finite std");
    let mut starts = Array2::zeros((count, states.ncols()));
    if states.nrows() == 0 {
        return starts;
    }
    for mut row in starts.rows_mut() {
        let pick = states.row(rng.random_range(0..states.nrows()));
        for (v, &s) in row.iter_mut().zip(pick) {
            *v = s + noise.sample(rng);
        }
    }
    starts
}

/// Most pairs of attractors whose midpoints start a second pass.
const MAX_MIDPOINTS: usize = 256;

/// What a search at one input found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FoundPoints {
    /// Fixed and slow points, unique, with eigenvalues, in the order first found.
    pub points: Vec<FixedPoint>,
    /// Distinct pseudo fixed points rejected: outside the region the network visits, or with
    /// q small only because a saturated gate holds a unit (gate-free residual above the
    /// slow-point tolerance).
    pub pseudo: usize,
}

/// Fixed and slow points of `map` at input `x` reached from the rows of `starts` (and from the
/// midpoints of pairs of the attractors they reach): unique (within the merge distance, lowest
/// q kept), inside the region the rows of `visited` span (see [`FixedPointOptions`]), with
/// eigenvalues; in the order first found.
pub fn find_fixed_points(
    map: &CellMap,
    x: ArrayView1<f64>,
    starts: ArrayView2<f64>,
    visited: ArrayView2<f64>,
    opts: &FixedPointOptions,
) -> FoundPoints {
    find_fixed_points_until(map, x, starts, visited, opts, &AtomicBool::new(false))
        .expect("never cancelled")
}

/// [`find_fixed_points`], given up (None) as soon as `cancel` is set: it is checked between
/// descents, each a few milliseconds.
pub fn find_fixed_points_until(
    map: &CellMap,
    x: ArrayView1<f64>,
    starts: ArrayView2<f64>,
    visited: ArrayView2<f64>,
    opts: &FixedPointOptions,
    cancel: &AtomicBool,
) -> Option<FoundPoints> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let mut collector = Collector::new(map, x, starts, visited, opts);
    // Converged points seen so far: later descents stop when they come near one.
    let mut converged = KnownPoints::new(map.spec().state_dim());
    let mut search = |start: Array1<f64>, collector: &mut Collector| {
        if let Descent::Ended(h, q) = descend(map, start, x, opts, &converged) {
            if let Some((h, true)) = collector.offer(h, q) {
                converged.insert(map, h, x, opts);
            }
        }
    };
    for start in starts.rows() {
        if cancelled() {
            return None;
        }
        search(start.to_owned(), &mut collector);
    }
    // Starts near trajectories reach attractors and the saddles next to them, rarely the
    // saddles deeper between attractors (a flip-flop's face and centre saddles); midpoints of
    // pairs of attractors start there.
    let attractors = collector.attractors();
    let pairs = (0..attractors.len()).flat_map(|i| (i + 1..attractors.len()).map(move |j| (i, j)));
    for (i, j) in pairs.take(MAX_MIDPOINTS) {
        if cancelled() {
            return None;
        }
        search((&attractors[i] + &attractors[j]) * 0.5, &mut collector);
    }
    let (points, pseudo) = collector.finish();
    Some(FoundPoints { points, pseudo })
}
