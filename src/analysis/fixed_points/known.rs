//! Fixed points already found at one input, each with the factors of its J − I, so that a
//! start in a known point's basin is recognised by a few chord steps instead of a descent of
//! its own (most starts lie near a few attractors).

use ndarray::{Array1, ArrayView1};

use super::newton::{chord_direction, factor, residual, Factors};
use super::point::FixedPointOptions;
use super::point_index::PointIndex;
use crate::net::CellMap;

/// Most chord steps a capture may take.
const CAPTURE_STEPS: usize = 8;

/// The fixed points found so far, with their factorised J − I.
pub(super) struct KnownPoints {
    index: PointIndex,
    factors: Vec<Factors>,
}

impl KnownPoints {
    /// None yet, in dimension `dim`.
    pub(super) fn new(dim: usize) -> Self {
        KnownPoints {
            index: PointIndex::new(dim),
            factors: Vec::new(),
        }
    }

    /// A known point within `distance` of `h`, if any.
    pub(super) fn near(&self, h: ArrayView1<f64>, distance: f64) -> Option<usize> {
        self.index.near(h, distance)
    }

    /// Adds the fixed point `h` of the map at `x` (unless one is known within the merge distance).
    pub(super) fn insert(
        &mut self,
        map: &CellMap,
        h: Array1<f64>,
        x: ArrayView1<f64>,
        opts: &FixedPointOptions,
    ) {
        if self.index.near(h.view(), opts.merge_distance).is_none() {
            self.factors.push(factor(map, h.view(), x));
            self.index.insert(h);
        }
    }

    /// True if chord steps on the nearest known point's J − I carry `h` (residual `r`, q) within
    /// the merge distance of that point, each step at least halving ‖r‖: the steps then contract
    /// onto a root there, the point a descent from `h` would find again.
    pub(super) fn captures(
        &self,
        map: &CellMap,
        h: &Array1<f64>,
        r: &Array1<f64>,
        q: f64,
        x: ArrayView1<f64>,
        opts: &FixedPointOptions,
    ) -> bool {
        let squared_distance = |k: usize| {
            let p = self.index.point(k);
            p.iter().zip(h).map(|(a, b)| (a - b) * (a - b)).sum::<f64>()
        };
        let Some((_, k)) = (0..self.factors.len())
            .map(|k| (squared_distance(k), k))
            .min_by(|a, b| a.0.total_cmp(&b.0))
        else {
            return false;
        };
        let (target, factors) = (self.index.point(k), &self.factors[k]);
        let (mut h, mut r, mut q) = (h.clone(), r.clone(), q);
        for _ in 0..CAPTURE_STEPS {
            let Some(next) = chord_direction(factors, &r).map(|d| &h + &d) else {
                return false;
            };
            let (r_next, q_next) = residual(map, &next, x);
            if q_next.is_nan() || q_next > 0.25 * q {
                return false;
            }
            (h, r, q) = (next, r_next, q_next);
            let gap = target.iter().zip(&h).map(|(a, b)| (a - b) * (a - b));
            if gap.sum::<f64>().sqrt() <= opts.merge_distance {
                return true;
            }
        }
        false
    }
}
