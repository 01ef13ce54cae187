//! Summary statistics of a set of numbers, as reports print them.

use serde::Serialize;

use crate::analysis::median::median_of_sorted;

/// Count, mean, median, smallest and largest of a set of numbers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    /// How many.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Median: the middle value, or the mean of the two middle values of an even count.
    pub median: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Stats {
    /// The statistics of `v` (all zero when empty).
    pub fn of(mut v: Vec<f64>) -> Stats {
        if v.is_empty() {
            return Stats::default();
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        Stats {
            count: n,
            mean: v.iter().sum::<f64>() / n as f64,
            median: median_of_sorted(&v),
            min: v[0],
            max: v[n - 1],
        }
    }
}

/// The first quartile, median and third quartile of a set of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub q3: f64,
}

impl Quartiles {
    /// Of the finite values of `v` (linear interpolation between order statistics); None if
    /// there are none.
    pub fn of(v: impl IntoIterator<Item = f64>) -> Option<Quartiles> {
        let mut v: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| {
            let r = p * (v.len() - 1) as f64;
            let (k, f) = (r.floor() as usize, r - r.floor());
            v[k] + f * (v[(k + 1).min(v.len() - 1)] - v[k])
        };
        Some(Quartiles {
            q1: at(0.25),
            median: at(0.5),
            q3: at(0.75),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_like_numpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 75]) = [2, 3, 4]
        let q = Quartiles::of([10.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (2.0, 3.0, 4.0));
        // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = [1.75, 2.5, 3.25]
        let q = Quartiles::of([1.0, 2.0, 3.0, 4.0, f64::NAN]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (1.75, 2.5, 3.25));
        assert!(Quartiles::of([]).is_none());
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(Stats::of(vec![0.0, 28.0]).median, 14.0);
        assert_eq!(Stats::of(vec![3.0, 1.0, 2.0]).median, 2.0);
        assert_eq!(Stats::of(vec![4.0, 1.0, 3.0, 2.0]).median, 2.5);
        assert_eq!(Stats::of(Vec::new()), Stats::default());
    }
}
