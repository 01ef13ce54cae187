//! The rules every found point passes before it is reported: inside the region a network can
//! reach, within the slow-point tolerance, merged with its duplicates (lowest q kept, found
//! without comparing all pairs), then linearised.

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
    kept: PointIndex,
    qs: Vec<f64>,
    /// Kept points already linearised (for the attractor pass), until replaced.
    linearised: Vec<Option<FixedPoint>>,
}

impl<'a> Collector<'a> {
    /// Rules for points found from `starts`: FixedPointFinder's outlier radius around their
    /// centroid, and for tanh cells the box |h_i| < 1 every true fixed point lies in.
    pub(super) fn new(
        map: &'a CellMap,
        x: ArrayView1<'a, f64>,
        starts: ArrayView2<f64>,
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
            kept: PointIndex::new(s),
            qs: Vec::new(),
            linearised: Vec::new(),
        }
    }

    fn reachable(&self, h: &Array1<f64>) -> bool {
        let spec = self.map.spec();
        let h_part = h.slice(ndarray::s![spec.state_dim() - spec.units..]);
        (!self.bounded || h_part.iter().all(|v| v.abs() < 1.0))
            && (&self.centroid - h).mapv(|v| v * v).sum().sqrt() <= self.radius
    }

    /// Offers the end of one descent; returns the point as kept (polished) if it passed.
    pub(super) fn offer(&mut self, h: Array1<f64>, q: f64) -> Option<(Array1<f64>, f64)> {
        if !(q.is_finite() && q < self.opts.slow_tolerance && self.reachable(&h)) {
            return None;
        }
        let (h, q) = if q < self.opts.q_tolerance {
            polish(self.map, h, q, self.x)
        } else {
            (h, q)
        };
        match self.kept.near(h.view(), self.opts.merge_distance) {
            Some(k) if self.qs[k] <= q => {}
            Some(k) => {
                self.qs[k] = q;
                self.kept.replace(k, h.clone());
                self.linearised[k] = None;
            }
            None => {
                self.kept.insert(h.clone());
                self.qs.push(q);
                self.linearised.push(None);
            }
        }
        Some((h, q))
    }

    /// Kept point `k`, linearised once (again only after it is replaced by a better one).
    fn linearised(&mut self, k: usize) -> &FixedPoint {
        let (map, x, opts, q) = (self.map, self.x, self.opts, self.qs[k]);
        let point = self.kept.point(k);
        self.linearised[k].get_or_insert_with(|| linearise(map, point.clone(), q, x, opts))
    }

    /// The kept fixed points (q below the tolerance) that are stable.
    pub(super) fn attractors(&mut self) -> Vec<Array1<f64>> {
        let mut found = Vec::new();
        for k in 0..self.qs.len() {
            if self.qs[k] < self.opts.q_tolerance && self.linearised(k).stable() {
                found.push(self.kept.point(k).clone());
            }
        }
        found
    }

    /// The kept points, linearised, in the order first found.
    pub(super) fn finish(mut self) -> Vec<FixedPoint> {
        (0..self.qs.len())
            .map(|k| self.linearised(k).clone())
            .collect()
    }
}

fn linearise(
    map: &CellMap,
    state: Array1<f64>,
    q: f64,
    x: ArrayView1<f64>,
    opts: &FixedPointOptions,
) -> FixedPoint {
    let j = map.jacobians(state.view(), x).state;
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
        converged: q < opts.q_tolerance,
        eigenvalues,
        unstable,
    }
}
