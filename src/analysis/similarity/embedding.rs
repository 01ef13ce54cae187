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
    if let Some((values, vectors)) = top_eigenpairs(&b, dims.min(n)) {
        for (k, &value) in values.iter().enumerate() {
            let lambda = value.max(0.0).sqrt();
            // An eigenvector's sign is arbitrary: fix it (largest coordinate positive) so the
            // map does not flip between computations.
            let flip = (0..n)
                .map(|i| vectors[(i, k)])
                .max_by(|a, b| a.abs().total_cmp(&b.abs()))
                .map_or(1.0, |v| if v < 0.0 { -1.0 } else { 1.0 });
            for i in 0..n {
                coordinates[[i, k]] = flip * vectors[(i, k)] * lambda;
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

/// Where a new item falls on an embedding of `d` without moving it: the point whose distances
/// to the embedded items best match its distances δ = `to_new`, each squared error weighted by
/// 1/δ² (as Sammon's mapping: a map cannot keep every distance, so it keeps the near ones — an
/// item almost equal to another lands by it), found by Guttman's update for one free point
/// from the better of two starts: Gower's add-a-point formula, y_k = Σ_i X_ik (B_ii − δ_i²) /
/// (2 Σ_i X_ik²) with B_ii each item's squared distance from the centre, and the item nearest
/// the new one. Exact when the new item's distances are those of a point in the map's plane.
pub fn place(d: ArrayView2<f64>, embedding: &Embedding, to_new: &[f64]) -> Vec<f64> {
    let n = d.nrows();
    let x = &embedding.coordinates;
    let dims = x.ncols();
    let row_mean: Vec<f64> = (0..n)
        .map(|i| d.row(i).iter().map(|v| v * v).sum::<f64>() / n.max(1) as f64)
        .collect();
    let all_mean = row_mean.iter().sum::<f64>() / n.max(1) as f64;
    let gower: Vec<f64> = (0..dims)
        .map(|k| {
            let lambda: f64 = (0..n).map(|i| x[[i, k]] * x[[i, k]]).sum();
            if lambda <= 0.0 {
                return 0.0;
            }
            let lean: f64 = (0..n)
                .map(|i| x[[i, k]] * (row_mean[i] - 0.5 * all_mean - to_new[i] * to_new[i]))
                .sum();
            lean / (2.0 * lambda)
        })
        .collect();
    let distance = |y: &[f64], i: usize| {
        (0..dims)
            .map(|k| (y[k] - x[[i, k]]).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let weight: Vec<f64> = to_new.iter().map(|&v| 1.0 / v.max(1e-9).powi(2)).collect();
    let total: f64 = weight.iter().sum();
    let stress = |y: &[f64]| -> f64 {
        (0..n)
            .map(|i| weight[i] * (distance(y, i) - to_new[i]).powi(2))
            .sum()
    };
    let nearest = (0..n).min_by(|&a, &b| to_new[a].total_cmp(&to_new[b]));
    let mut y = gower;
    if let Some(k) = nearest {
        let at: Vec<f64> = x.row(k).to_vec();
        if stress(&at) < stress(&y) {
            y = at;
        }
    }
    for _ in 0..200 {
        let mut next = vec![0.0; dims];
        for i in 0..n {
            let r = distance(&y, i);
            for (k, v) in next.iter_mut().enumerate() {
                let pull = if r > 1e-12 {
                    to_new[i] * (y[k] - x[[i, k]]) / r
                } else {
                    0.0
                };
                *v += weight[i] * (x[[i, k]] + pull) / total;
            }
        }
        let moved: f64 = next.iter().zip(&y).map(|(a, b)| (a - b).abs()).sum();
        y = next;
        if moved < 1e-12 {
            break;
        }
    }
    y
}

/// Above this size the top eigenpairs come from block power iteration (a full
/// eigendecomposition of a 3,000-network matrix takes ~10 s; the iteration well under one).
const FULL_EIGEN_UP_TO: usize = 400;

/// The `k` largest (algebraic) eigenvalues of the symmetric `b`, largest first, with their
/// eigenvectors as columns.
fn top_eigenpairs(b: &Mat<f64>, k: usize) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = b.nrows();
    if n > FULL_EIGEN_UP_TO {
        if let Some(found) = block_power(b, k) {
            return Some(found);
        }
    }
    let eig = b.self_adjoint_eigen(Side::Lower).ok()?;
    // Eigenvalues come in nondecreasing order: the top ones are last.
    Some((
        (0..k).map(|c| eig.S()[n - 1 - c]).collect(),
        Mat::from_fn(n, k, |i, c| eig.U()[(i, n - 1 - c)]),
    ))
}

/// Iterations before giving up (~1.5 s at n = 3,000): a matrix without a clear gap below its top
/// eigenvalues (random distances) is decomposed fully instead.
const MAX_ITERATIONS: usize = 60;

/// Block power iteration with Rayleigh–Ritz on a block of k + 14 vectors. It finds the
/// eigenvalues largest in modulus, so its answer is used only when certified: every top-k
/// Ritz pair has a relative residual below 1e-9, and the block's smallest modulus is below the
/// k-th value (so no larger eigenvalue, positive or negative, was left outside it). Otherwise
/// None, and the caller decomposes fully.
fn block_power(b: &Mat<f64>, k: usize) -> Option<(Vec<f64>, Mat<f64>)> {
    let n = b.nrows();
    let p = (k + 14).min(n);
    // A fixed, well-spread start (no generator needed: any start without a zero overlap works).
    let mut q = Mat::from_fn(n, p, |i, j| {
        ((i * 7919 + j * 104_729) % 1009) as f64 / 1009.0 - 0.5
    })
    .qr()
    .compute_thin_Q();
    for _ in 0..MAX_ITERATIONS {
        let bq = b * &q;
        let t = q.transpose() * &bq;
        let eig = t.self_adjoint_eigen(Side::Lower).ok()?;
        let (ritz, britz) = (&q * eig.U(), &bq * eig.U());
        let scale = (0..p).map(|c| eig.S()[c].abs()).fold(0.0, f64::max);
        // Ritz values in nondecreasing order: the top k are the last k columns.
        let top: Vec<usize> = (0..k).map(|c| p - 1 - c).collect();
        let converged = top.iter().all(|&c| {
            let r: f64 = (0..n)
                .map(|i| (britz[(i, c)] - eig.S()[c] * ritz[(i, c)]).powi(2))
                .sum::<f64>()
                .sqrt();
            r <= 1e-9 * scale.max(f64::MIN_POSITIVE)
        });
        if converged {
            let kth = eig.S()[p - k];
            let smallest = (0..p)
                .map(|c| eig.S()[c].abs())
                .fold(f64::INFINITY, f64::min);
            if p < n && smallest >= kth.abs() {
                return None;
            }
            return Some((
                top.iter().map(|&c| eig.S()[c]).collect(),
                Mat::from_fn(n, k, |i, c| ritz[(i, top[c])]),
            ));
        }
        q = bq.qr().compute_thin_Q();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_point_is_placed_where_its_distances_put_it() {
        // Seven points of a plane, embedded; an eighth placed from its distances alone lies at
        // its own distances from the embedded seven.
        let points = [
            (0.0, 0.0),
            (1.0, 0.2),
            (0.3, 1.4),
            (-1.2, 0.5),
            (-0.4, -1.1),
            (2.0, -0.7),
            (0.9, 2.2),
        ];
        let dist =
            |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
        let d = Array2::from_shape_fn((7, 7), |(i, j)| dist(points[i], points[j]));
        let e = classical_mds(d.view(), 2);
        let new = (0.4, 0.6);
        let to_new: Vec<f64> = points.iter().map(|&p| dist(p, new)).collect();
        let y = place(d.view(), &e, &to_new);
        for (i, &want) in to_new.iter().enumerate() {
            let fitted = ((e.coordinates[[i, 0]] - y[0]).powi(2)
                + (e.coordinates[[i, 1]] - y[1]).powi(2))
            .sqrt();
            assert!((fitted - want).abs() < 1e-9, "{i}: {fitted} {want}");
        }
    }

    /// Distances between 600 points in four clusters of 3-D space (a population's shape).
    fn clustered() -> Mat<f64> {
        let n = 600;
        let mut s = 7u64;
        let mut r = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let x: Vec<[f64; 3]> = (0..n)
            .map(|i| {
                let c = (i % 4) as f64;
                [
                    c + 0.3 * r(),
                    (c * 1.7).sin() + 0.3 * r(),
                    0.5 * c + 0.3 * r(),
                ]
            })
            .collect();
        let d2 = |a: [f64; 3], b: [f64; 3]| (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>();
        let sq = Mat::from_fn(n, n, |i, j| d2(x[i], x[j]));
        let mean = |i: usize| (0..n).map(|j| sq[(i, j)]).sum::<f64>() / n as f64;
        let rows: Vec<f64> = (0..n).map(mean).collect();
        let all = rows.iter().sum::<f64>() / n as f64;
        Mat::from_fn(n, n, |i, j| -0.5 * (sq[(i, j)] - rows[i] - rows[j] + all))
    }

    #[test]
    fn block_power_finds_the_top_eigenpairs_of_a_full_decomposition() {
        let b = clustered();
        let n = b.nrows();
        let (values, vectors) = block_power(&b, 2).expect("a clear gap converges");
        let eig = b.self_adjoint_eigen(Side::Lower).unwrap();
        for k in 0..2 {
            let exact = eig.S()[n - 1 - k];
            assert!((values[k] - exact).abs() <= 1e-9 * exact.abs(), "{k}");
            let dot: f64 = (0..n)
                .map(|i| vectors[(i, k)] * eig.U()[(i, n - 1 - k)])
                .sum();
            assert!((dot.abs() - 1.0).abs() < 1e-8, "{k}: {dot}");
        }
    }

    #[test]
    fn an_uncertified_block_is_refused() {
        // -I: every eigenvalue is -1, larger in modulus than any positive one (there are none).
        let b = Mat::from_fn(40, 40, |i, j| if i == j { -1.0 } else { 0.0 });
        assert!(block_power(&b, 2).is_none());
    }
}
