//! A distance matrix shown in a few cells: networks ordered by group, split into contiguous
//! blocks (one network per block when they fit), each cell the mean distance between two
//! blocks.

use ndarray::Array2;

/// The aggregated matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatMap {
    /// Per block, the row indices (into the matrix) it holds.
    pub blocks: Vec<Vec<usize>>,
    /// Mean distance between blocks a and b over pairs of distinct networks (None: no pair).
    pub means: Vec<Vec<Option<f64>>>,
    /// Smallest and largest mean.
    pub range: (f64, f64),
}

/// Aggregates `d` over at most `cells` blocks per side, networks taken in `order`.
pub fn heat_map(d: &Array2<f64>, order: &[usize], cells: usize) -> HeatMap {
    let n = order.len();
    let k = n.min(cells.max(1));
    let blocks: Vec<Vec<usize>> = (0..k)
        .map(|b| order[b * n / k..(b + 1) * n / k].to_vec())
        .collect();
    let mut range = (f64::INFINITY, f64::NEG_INFINITY);
    let means = blocks
        .iter()
        .map(|a| {
            blocks
                .iter()
                .map(|b| {
                    let (mut sum, mut count) = (0.0, 0usize);
                    for &i in a {
                        for &j in b {
                            if i != j {
                                sum += d[[i, j]];
                                count += 1;
                            }
                        }
                    }
                    let mean = (count > 0).then(|| sum / count as f64);
                    if let Some(m) = mean {
                        range = (range.0.min(m), range.1.max(m));
                    }
                    mean
                })
                .collect()
        })
        .collect();
    HeatMap {
        blocks,
        means,
        range,
    }
}
