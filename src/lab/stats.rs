//! Summary statistics of a set of numbers, as reports print them.

use serde::Serialize;

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
            median: if n % 2 == 1 {
                v[n / 2]
            } else {
                0.5 * (v[n / 2 - 1] + v[n / 2])
            },
            min: v[0],
            max: v[n - 1],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(Stats::of(vec![0.0, 28.0]).median, 14.0);
        assert_eq!(Stats::of(vec![3.0, 1.0, 2.0]).median, 2.0);
        assert_eq!(Stats::of(vec![4.0, 1.0, 3.0, 2.0]).median, 2.5);
        assert_eq!(Stats::of(Vec::new()), Stats::default());
    }
}
