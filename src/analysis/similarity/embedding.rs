//! Classical (Torgerson) multidimensional scaling of a distance matrix.

use faer::{Mat, Side};
use ndarray::{Array2, ArrayView2};

/// Points in the plane (or `dims` dimensions) whose distances approximate a matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// One row per item.
    pub coordinates: Array2<f64>,
    /// Kruskal's stress-1: sqrt(Σ (d − d̂)² / Σ d²) over pairs; 0 for an exact embedding.
    pub stress: f64,
}

/// Torgerson's MDS: B = −½ J D² J (J centres), coordinates from B's top `dims` eigenpairs
/// (negative eigenvalues, from non-Euclidean distances, contribute nothing).
pub fn classical_mds(d: ArrayView2<f64>, dims: usize) -> Embedding {
    let n = d.nrows();
    let mut coordinates = Array2::zeros((n, dims));
    if n == 0 {
        return Embedding {
            coordinates,
            stress: 0.0,
        };
    }
    let sq = d.mapv(|v| v * v);
    let row_mean: Vec<f64> = (0..n).map(|i| sq.row(i).sum() / n as f64).collect();
    let all_mean = row_mean.iter().sum::<f64>() / n as f64;
    let b = Mat::from_fn(n, n, |i, j| {
        -0.5 * (sq[[i, j]] - row_mean[i] - row_mean[j] + all_mean)
    });
    if let Ok(eig) = b.self_adjoint_eigen(Side::Lower) {
        // Eigenvalues come in nondecreasing order: the top ones are last.
        for k in 0..dims.min(n) {
            let col = n - 1 - k;
            let lambda = eig.S()[col].max(0.0).sqrt();
            // An eigenvector's sign is arbitrary: fix it (largest coordinate positive) so the
            // map does not flip between computations.
            let flip = (0..n)
                .map(|i| eig.U()[(i, col)])
                .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                .map_or(1.0, |v| if v < 0.0 { -1.0 } else { 1.0 });
            for i in 0..n {
                coordinates[[i, k]] = flip * eig.U()[(i, col)] * lambda;
            }
        }
    }
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..n {
        for j in i + 1..n {
            let fitted = (&coordinates.row(i) - &coordinates.row(j))
                .mapv(|v| v * v)
                .sum()
                .sqrt();
            num += (d[[i, j]] - fitted).powi(2);
            den += d[[i, j]].powi(2);
        }
    }
    Embedding {
        coordinates,
        stress: if den > 0.0 { (num / den).sqrt() } else { 0.0 },
    }
}
