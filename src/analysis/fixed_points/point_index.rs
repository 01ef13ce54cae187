//! Which stored points lie within a distance of a query, without comparing against all of them:
//! points are kept sorted by their projection on one fixed random direction, and two points
//! within distance d have projections within d, so only that window is compared in full.

use ndarray::{Array1, ArrayView1};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A growing set of points in ℝ^S with a "near" query.
#[derive(Clone, Debug)]
pub struct PointIndex {
    direction: Array1<f64>,
    /// (projection, point number), sorted by projection.
    order: Vec<(f64, usize)>,
    points: Vec<Array1<f64>>,
}

impl PointIndex {
    /// An empty index for points of dimension `dim` (the direction is seeded: reproducible).
    pub fn new(dim: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5EED);
        let mut direction: Array1<f64> =
            Array1::from_shape_fn(dim, |_| StandardNormal.sample(&mut rng));
        let norm = direction.dot(&direction).sqrt().max(f64::MIN_POSITIVE);
        direction /= norm;
        PointIndex {
            direction,
            order: Vec::new(),
            points: Vec::new(),
        }
    }

    /// How many points it holds.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// True if it holds no point.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Adds a point; returns its number.
    pub fn insert(&mut self, point: Array1<f64>) -> usize {
        let p = self.direction.dot(&point);
        let at = self.order.partition_point(|&(q, _)| q < p);
        let number = self.points.len();
        self.order.insert(at, (p, number));
        self.points.push(point);
        number
    }

    /// The number of some stored point within `distance` of `point`, if any (the nearest one).
    pub fn near(&self, point: ArrayView1<f64>, distance: f64) -> Option<usize> {
        let p = self.direction.dot(&point);
        let from = self.order.partition_point(|&(q, _)| q < p - distance);
        self.order[from..]
            .iter()
            .take_while(|&&(q, _)| q <= p + distance)
            .map(|&(_, k)| {
                let d = (&self.points[k] - &point).mapv(|v| v * v).sum().sqrt();
                (d, k)
            })
            .filter(|&(d, _)| d <= distance)
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| k)
    }

    /// The stored point number `k`.
    pub fn point(&self, k: usize) -> &Array1<f64> {
        &self.points[k]
    }

    /// Replaces point `k` (a better estimate of the same point, within the merge distance).
    pub fn replace(&mut self, k: usize, point: Array1<f64>) {
        let old = self.direction.dot(&self.points[k]);
        let at = self
            .order
            .iter()
            .position(|&(q, j)| j == k && q == old)
            .expect("every point is in the order");
        self.order.remove(at);
        let p = self.direction.dot(&point);
        let at = self.order.partition_point(|&(q, _)| q < p);
        self.order.insert(at, (p, k));
        self.points[k] = point;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn near_agrees_with_comparing_all_pairs() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut index = PointIndex::new(3);
        let mut all = Vec::new();
        for _ in 0..300 {
            let p = Array1::from_shape_fn(3, |_| rng.random_range(-1.0..1.0));
            all.push(p.clone());
            index.insert(p);
        }
        for _ in 0..300 {
            let q = Array1::from_shape_fn(3, |_| rng.random_range(-1.0..1.0));
            let d = 0.15;
            let brute = all
                .iter()
                .enumerate()
                .map(|(k, p)| ((p - &q).mapv(|v| v * v).sum().sqrt(), k))
                .filter(|&(dist, _)| dist <= d)
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| k);
            assert_eq!(index.near(q.view(), d), brute);
        }
        let moved = Array1::from_vec(vec![5.0, 5.0, 5.0]);
        index.replace(7, moved.clone());
        assert_eq!(index.near(moved.view(), 1e-9), Some(7));
        assert_eq!(index.point(7), &moved);
    }
}
