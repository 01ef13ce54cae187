//! The rules every found point passes before it is reported: inside the region a network can
//! reach, within the slow-point tolerance on both q and the gate-free residual of the units
//! whose gates are open, every unit a shut gate holds at a value the network visits, merged
//! with its duplicates (lowest q kept, found without comparing all pairs), then linearised.
//! Points that fail the region or the gate rules are pseudo fixed points: counted (merged the
//! same way), never reported as points.

use faer::Mat;
use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

use super::newton::polish;
use super::point::{FixedPoint, FixedPointOptions};
use super::point_index::PointIndex;
use crate::net::{Activation, CellMap};

/// Points found from one set of starts at one input, kept by the rules above.
pub(super) struct Collector<'a> {
    map: &'a CellMap,
    x: ArrayView1<'a, f64>,
    opts: &'a FixedPointOptions,
    centroid: Array1<f64>,
    radius: f64,
    bounded: bool,
    region: Option<(Array1<f64>, f64)>,
    /// Per state coordinate, the values a unit may be held at: its visited range, widened
    /// `region_factor` times about its middle and by the merge distance (None without the
    /// region rule).
    held_range: Option<Vec<(f64, f64)>>,
    kept: PointIndex,
    qs: Vec<f64>,
    /// ½‖gate-free residual‖² of each kept point.
    gate_free: Vec<f64>,
    pseudo: PointIndex,
    /// Kept points already linearised (for the attractor pass), until replaced.
    linearised: Vec<Option<FixedPoint>>,
}

impl<'a> Collector<'a> {
    /// Rules for points found from `starts`: FixedPointFinder's outlier radius around their
    /// centroid; for tanh cells the box |h_i| < 1 every true fixed point lies in; and within
    /// `region_factor` times the largest distance of a `visited` state from their centroid.
    pub(super) fn new(
        map: &'a CellMap,
        x: ArrayView1<'a, f64>,
        starts: ArrayView2<f64>,
        visited: ArrayView2<f64>,
        opts: &'a FixedPointOptions,
    ) -> Self {
        let s = map.spec().state_dim();
        let centroid = starts
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(s));
        let mean_distance = starts
            .rows()
            .into_iter()
            .map(|row| (&row - &centroid).mapv(|v| v * v).sum().sqrt())
            .sum::<f64>()
            / starts.nrows().max(1) as f64;
        Collector {
            map,
            x,
            opts,
            centroid,
            radius: opts.outlier_factor * mean_distance.max(f64::MIN_POSITIVE),
            bounded: map.spec().activation == Activation::Tanh,
            region: visited_region(visited, opts.region_factor),
            held_range: visited_ranges(visited, opts.region_factor, opts.merge_distance),
            kept: PointIndex::new(s),
            qs: Vec::new(),
            gate_free: Vec::new(),
            pseudo: PointIndex::new(s),
            linearised: Vec::new(),
        }
    }

    fn reachable(&self, h: &Array1<f64>) -> bool {
        let spec = self.map.spec();
        let h_part = h.slice(ndarray::s![spec.state_dim() - spec.units..]);
        let distance = |c: &Array1<f64>| (c - h).mapv(|v| v * v).sum().sqrt();
        (!self.bounded || h_part.iter().all(|v| v.abs() < 1.0))
            && distance(&self.centroid) <= self.radius
            && self
                .region
                .as_ref()
                .is_none_or(|(centre, radius)| distance(centre) <= *radius)
    }

    /// ½‖gate-free residual‖² at h over the units whose gates are open (∞ where it is not
    /// finite, or where a shut gate holds a unit at a value the network never visits).
    fn gate_free_q(&self, h: &Array1<f64>) -> f64 {
        let gate_free = self.map.gate_free(h.view(), self.x);
        let held_outside = self.held_range.as_ref().is_some_and(|ranges| {
            gate_free
                .held
                .iter()
                .zip(ranges)
                .zip(h)
                .any(|((&held, &(low, high)), &v)| held && !(low..=high).contains(&v))
        });
        let q = 0.5 * gate_free.residual.iter().map(|v| v * v).sum::<f64>();
        if q.is_finite() && !held_outside {
            q
        } else {
            f64::INFINITY
        }
    }

    /// Counts a rejected point once (within the merge distance of one counted before: the same).
    fn reject(&mut self, h: Array1<f64>) {
        if self
            .pseudo
            .near(h.view(), self.opts.merge_distance)
            .is_none()
        {
            self.pseudo.insert(h);
        }
    }

    /// Offers the end of one descent; returns the point as kept (polished) and whether it is a
    /// fixed point (q and the gate-free q below the fixed-point tolerance), if it passed.
    pub(super) fn offer(&mut self, h: Array1<f64>, q: f64) -> Option<(Array1<f64>, bool)> {
        if !(q.is_finite() && q < self.opts.slow_tolerance) {
            return None;
        }
        let (h, q) = if q < self.opts.q_tolerance {
            polish(self.map, h, q, self.x)
        } else {
            (h, q)
        };
        let gate_free = self.gate_free_q(&h);
        if !self.reachable(&h) || gate_free >= self.opts.slow_tolerance {
            self.reject(h);
            return None;
        }
        match self.kept.near(h.view(), self.opts.merge_distance) {
            Some(k) if self.qs[k] <= q => {}
            Some(k) => {
                self.qs[k] = q;
                self.gate_free[k] = gate_free;
                self.kept.replace(k, h.clone());
                self.linearised[k] = None;
            }
            None => {
                self.kept.insert(h.clone());
                self.qs.push(q);
                self.gate_free.push(gate_free);
                self.linearised.push(None);
            }
        }
        let fixed = q.max(gate_free) < self.opts.q_tolerance;
        Some((h, fixed))
    }

    /// Distinct rejected points: outside the reachable region, or held only by a saturated gate.
    pub(super) fn pseudo_count(&self) -> usize {
        self.pseudo.len()
    }

    /// Kept point `k`, linearised once (again only after it is replaced by a better one).
    fn linearised(&mut self, k: usize) -> &FixedPoint {
        let (map, x, q) = (self.map, self.x, self.qs[k]);
        let converged = q.max(self.gate_free[k]) < self.opts.q_tolerance;
        let point = self.kept.point(k);
        self.linearised[k].get_or_insert_with(|| linearise(map, point.clone(), q, x, converged))
    }

    /// The kept fixed points (q below the tolerance) that are stable.
    pub(super) fn attractors(&mut self) -> Vec<Array1<f64>> {
        let mut found = Vec::new();
        for k in 0..self.qs.len() {
            if self.linearised(k).converged && self.linearised(k).stable() {
                found.push(self.kept.point(k).clone());
            }
        }
        found
    }

    /// The kept points, linearised, in the order first found, and the count of pseudo points.
    pub(super) fn finish(mut self) -> (Vec<FixedPoint>, usize) {
        let points = (0..self.qs.len())
            .map(|k| self.linearised(k).clone())
            .collect();
        (points, self.pseudo_count())
    }
}

/// The centroid of the visited states and `factor` times the largest distance of one from it
/// (None without visited states or with a factor of 0: no such rule).
fn visited_region(visited: ArrayView2<f64>, factor: f64) -> Option<(Array1<f64>, f64)> {
    if visited.nrows() == 0 || factor <= 0.0 {
        return None;
    }
    let centroid = visited.mean_axis(Axis(0))?;
    let farthest = visited
        .rows()
        .into_iter()
        .map(|row| (&row - &centroid).mapv(|v| v * v).sum().sqrt())
        .fold(0.0, f64::max);
    Some((centroid, factor * farthest.max(f64::MIN_POSITIVE)))
}

/// Per coordinate, the visited values' range widened `factor` times about its middle and by
/// `slack` (None without visited states or with a factor of 0).
fn visited_ranges(visited: ArrayView2<f64>, factor: f64, slack: f64) -> Option<Vec<(f64, f64)>> {
    if visited.nrows() == 0 || factor <= 0.0 {
        return None;
    }
    Some(
        visited
            .columns()
            .into_iter()
            .map(|c| {
                let low = c.iter().copied().fold(f64::INFINITY, f64::min);
                let high = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let (middle, half) = (0.5 * (low + high), 0.5 * (high - low));
                let reach = factor * half + slack;
                (middle - reach, middle + reach)
            })
            .collect(),
    )
}

fn linearise(
    map: &CellMap,
    state: Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
    converged: bool,
) -> FixedPoint {
    let j = map.state_jacobian(state.view(), x);
    let s = state.len();
    let mut eigenvalues = Mat::from_fn(s, s, |a, b| j[[a, b]])
        .eigenvalues()
        .unwrap_or_default();
    eigenvalues.sort_by(|a, b| b.norm().total_cmp(&a.norm()));
    let unstable = eigenvalues.iter().filter(|l| l.norm() > 1.0).count();
    FixedPoint {
        input: x.to_owned(),
        state,
        q,
        converged,
        eigenvalues,
        unstable,
    }
}
