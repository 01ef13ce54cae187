//! One network's DSA operator: principal components, delay embedding, HAVOK-DMD.

use faer::linalg::solvers::Solve;
use faer::{c64, Mat, Side};
use ndarray::{Array2, ArrayView2, ArrayView3};

use super::DsaOptions;
use crate::analysis::similarity::PrincipalAxes;

/// A network's fitted operator and what every pair needs of it, computed once.
#[derive(Clone, Debug)]
pub struct DsaOperator {
    /// The operator A (r × r, row-major; zero rows and columns where the embedding had fewer
    /// than r nonzero singular values), as fitted.
    pub operator: Vec<f64>,
    /// r.
    pub rank: usize,
    /// Singular coordinates the fit found (≤ r).
    pub effective_rank: usize,
    /// A's eigenvalues.
    pub eigenvalues: Vec<c64>,
    /// Â = A / ‖A‖_F (row-major).
    pub(super) unit: Vec<f64>,
    /// Eigenvalues of Â's symmetric part, largest first.
    pub(super) symmetric_values: Vec<f64>,
    /// Orthonormal frames of Â that a rotation carries along (B̂ = QÂQᵀ has frames Q·X up to
    /// the columns' signs), each as the columns of an r × r row-major matrix: the symmetric
    /// part's eigenvectors, largest eigenvalue first, then Â's left and right singular vectors.
    pub(super) frames: Vec<Vec<f64>>,
    /// Singular values of Â's skew part, largest first.
    pub(super) skew_values: Vec<f64>,
}

/// The delay embedding of trajectories `y` (steps, trials, features): per trial, one row per
/// step t from 0 to steps − (d − 1)τ − 1, holding [y(t + (d−1)τ), …, y(t + τ), y(t)] (the
/// latest sample first, as the `dsa-metric` package lays it out). Rows are trial-major: all
/// rows of trial 0, then trial 1, … Never crosses a trial boundary. None if a trial is
/// shorter than the embedding's span.
pub fn delay_embedding(y: ArrayView3<f64>, delays: usize, interval: usize) -> Option<Array2<f64>> {
    let (steps, trials, features) = y.dim();
    let span = (delays.max(1) - 1) * interval + 1;
    if steps < span || delays == 0 {
        return None;
    }
    let length = steps - span + 1;
    let mut h = Array2::zeros((trials * length, features * delays));
    for b in 0..trials {
        for t in 0..length {
            let mut row = h.row_mut(b * length + t);
            for k in 0..delays {
                let at = t + (delays - 1 - k) * interval;
                for f in 0..features {
                    row[k * features + f] = y[[at, b, f]];
                }
            }
        }
    }
    Some(h)
}

/// Fits the DSA operator of trajectories `states` (steps, trials, units). None if the states
/// are not finite, or too short for the embedding, or carry no variance.
pub fn fit(states: ArrayView3<f64>, options: &DsaOptions) -> Option<DsaOperator> {
    let (steps, trials, units) = states.dim();
    if states.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let flat = states.as_standard_layout();
    let flat: ArrayView2<f64> = flat
        .view()
        .into_shape_with_order((steps * trials, units))
        .ok()?;
    let axes = PrincipalAxes::of(flat)?;
    let top = axes.singular_values.first().copied().unwrap_or(0.0);
    if !(top > 0.0 && top.is_finite()) {
        return None;
    }
    let kept = axes
        .singular_values
        .iter()
        .take_while(|&&s| s > top * 1e-7)
        .count()
        .min(options.components);
    // The states on the kept principal axes, not centred (as the `dsa-metric` package fits
    // them): x(t+1) = M x(t) stays linear in these coordinates, and an offset is a mode with
    // eigenvalue 1 rather than a term the operator cannot hold.
    let mut y = ndarray::Array3::zeros((steps, trials, kept));
    for ((t, b, c), v) in y.indexed_iter_mut() {
        *v = (0..units)
            .map(|i| states[[t, b, i]] * axes.axes[(i, c)])
            .sum();
    }
    let h = delay_embedding(y.view(), options.delays, options.interval)?;
    let length = steps - options.span() + 1;
    if length < 2 {
        return None;
    }
    let operator = havok(h.view(), trials, length, options)?;
    Some(DsaOperator::new(operator.0, options.rank, operator.1))
}

/// The HAVOK-DMD operator of an embedding `h` (trials·length rows, trial-major): the SVD
/// H = U S Vᵀ through the small Gram matrix HᵀH, the time coordinates U_r (the embedding's rows
/// on the top r right singular vectors, scaled to unit norm), and the least-squares map from
/// each row's coordinates to the next row's of the same trial, with ridge λ:
/// A = ((U₋ᵀU₋ + λI)⁻¹ U₋ᵀU₊)ᵀ. Returns A padded to rank × rank, and the rank found.
fn havok(
    h: ArrayView2<f64>,
    trials: usize,
    length: usize,
    options: &DsaOptions,
) -> Option<(Vec<f64>, usize)> {
    let (rows, width) = h.dim();
    let data = h.as_standard_layout();
    let data = data.as_slice()?;
    let hm = faer::MatRef::from_row_major_slice(data, rows, width);
    let gram = hm.transpose() * hm;
    let eig = gram.self_adjoint_eigen(Side::Lower).ok()?;
    // Eigenvalues ascend: the largest last.
    let values: Vec<f64> = (0..width).rev().map(|k| eig.S()[k].max(0.0)).collect();
    let largest = values[0];
    if largest.is_nan() || largest <= 0.0 {
        return None;
    }
    let r = values
        .iter()
        .take_while(|&&v| v > largest * 1e-14)
        .count()
        .min(options.rank);
    if r == 0 {
        return None;
    }
    let basis = Mat::from_fn(width, r, |i, c| {
        eig.U()[(i, width - 1 - c)] / values[c].sqrt()
    });
    let coordinates = hm * &basis;
    // U₋ᵀU₋ and U₋ᵀU₊ over consecutive rows of each trial.
    let mut mm = Mat::<f64>::zeros(r, r);
    let mut mp = Mat::<f64>::zeros(r, r);
    for b in 0..trials {
        for t in 0..length - 1 {
            let (now, next) = (b * length + t, b * length + t + 1);
            for i in 0..r {
                let u = coordinates[(now, i)];
                for j in 0..r {
                    mm[(i, j)] += u * coordinates[(now, j)];
                    mp[(i, j)] += u * coordinates[(next, j)];
                }
            }
        }
    }
    for i in 0..r {
        mm[(i, i)] += options.ridge;
    }
    let solved = mm.partial_piv_lu().solve(&mp);
    let n = options.rank;
    let mut a = vec![0.0; n * n];
    for i in 0..r {
        for j in 0..r {
            // A = solvedᵀ.
            a[i * n + j] = solved[(j, i)];
        }
    }
    a.iter().all(|v: &f64| v.is_finite()).then_some((a, r))
}

impl DsaOperator {
    /// Wraps an operator `a` (n × n, row-major) with what pairs need of it.
    pub fn new(a: Vec<f64>, n: usize, effective_rank: usize) -> DsaOperator {
        assert_eq!(a.len(), n * n, "a square operator");
        let m = Mat::from_fn(n, n, |i, j| a[i * n + j]);
        let mut eigenvalues = if n == 0 {
            Vec::new()
        } else {
            m.eigenvalues().unwrap_or_default()
        };
        eigenvalues.sort_by(|x, y| y.norm().total_cmp(&x.norm()));
        let norm = a.iter().map(|v| v * v).sum::<f64>().sqrt();
        let unit: Vec<f64> = if norm > 0.0 {
            a.iter().map(|v| v / norm).collect()
        } else {
            a.clone()
        };
        let u = |i: usize, j: usize| unit[i * n + j];
        let symmetric = Mat::from_fn(n, n, |i, j| 0.5 * (u(i, j) + u(j, i)));
        let skew = Mat::from_fn(n, n, |i, j| 0.5 * (u(i, j) - u(j, i)));
        let frame = |m: faer::MatRef<f64>, reversed: bool| {
            let mut x = vec![0.0; n * n];
            for i in 0..n {
                for c in 0..n {
                    x[i * n + c] = m[(i, if reversed { n - 1 - c } else { c })];
                }
            }
            x
        };
        let mut frames = Vec::new();
        let symmetric_values = match symmetric.self_adjoint_eigen(Side::Lower) {
            Ok(eig) if n > 0 => {
                frames.push(frame(eig.U(), true));
                (0..n).rev().map(|k| eig.S()[k]).collect()
            }
            _ => vec![0.0; n],
        };
        if let Ok(svd) = Mat::from_fn(n, n, u).svd() {
            frames.push(frame(svd.U(), false));
            frames.push(frame(svd.V(), false));
        }
        let mut skew_values = if n == 0 {
            Vec::new()
        } else {
            skew.singular_values().unwrap_or_else(|_| vec![0.0; n])
        };
        skew_values.sort_by(|x, y| y.total_cmp(x));
        DsaOperator {
            operator: a,
            rank: n,
            effective_rank,
            eigenvalues,
            unit,
            symmetric_values,
            frames,
            skew_values,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn embedding_puts_the_latest_sample_first_and_stays_in_its_trial() {
        // Two trials of five steps, two features: y[t, b] = (10b + t, −(10b + t)).
        let y = Array3::from_shape_fn((5, 2, 2), |(t, b, f)| {
            let v = (10 * b + t) as f64;
            if f == 0 {
                v
            } else {
                -v
            }
        });
        let h = delay_embedding(y.view(), 2, 2).unwrap();
        // Span 3: three rows per trial.
        assert_eq!(h.dim(), (6, 4));
        assert_eq!(h.row(0).to_vec(), vec![2.0, -2.0, 0.0, -0.0]);
        assert_eq!(h.row(2).to_vec(), vec![4.0, -4.0, 2.0, -2.0]);
        assert_eq!(h.row(3).to_vec(), vec![12.0, -12.0, 10.0, -10.0]);
        assert!(
            delay_embedding(y.view(), 3, 3).is_none(),
            "span 7 > 5 steps"
        );
    }

    #[test]
    fn a_linear_system_is_recovered_in_its_own_coordinates() {
        // x(t+1) = M x(t), a damped rotation: its DMD operator (d = 1, full rank) has M's
        // eigenvalues whatever the coordinates.
        let (c, s, rho) = (0.3f64.cos(), 0.3f64.sin(), 0.97);
        let mut y = Array3::zeros((40, 3, 2));
        for b in 0..3 {
            let mut x = [1.0 + b as f64, 0.5 - b as f64];
            for t in 0..40 {
                y[[t, b, 0]] = x[0];
                y[[t, b, 1]] = x[1];
                x = [rho * (c * x[0] - s * x[1]), rho * (s * x[0] + c * x[1])];
            }
        }
        let options = DsaOptions {
            delays: 1,
            rank: 2,
            components: 2,
            ridge: 0.0,
            ..DsaOptions::default()
        };
        let op = fit(y.view(), &options).unwrap();
        for l in &op.eigenvalues {
            assert!((l.norm() - rho).abs() < 1e-9, "{l}");
            assert!((l.im.abs() - rho * s).abs() < 1e-9, "{l}");
        }
    }
}
