//! The full linearisation at a point, on demand: F(h* + δh, x* + δx) ≈ h* + J δh + B δx with
//! J's eigenvalues, right eigenvectors (J v = λ v) and left eigenvectors (wᵀ J = λ wᵀ),
//! normalised so wₖᵀ vₖ = 1 (the rows of V⁻¹): the modes the linearised dynamics decompose into.

use faer::linalg::solvers::Solve;
use faer::{c64, Mat};
use ndarray::{Array2, ArrayView1};

use crate::net::CellMap;

/// J = ∂F/∂h and B = ∂F/∂x at one point with J's eigendecomposition.
#[derive(Clone, Debug)]
pub struct Linearisation {
    /// ∂F/∂h, S×S.
    pub state_jacobian: Array2<f64>,
    /// ∂F/∂x, S×I.
    pub input_jacobian: Array2<f64>,
    /// Eigenvalues of J, largest modulus first.
    pub eigenvalues: Vec<c64>,
    /// Column k: the right eigenvector of eigenvalue k, unit 2-norm.
    pub right: Array2<c64>,
    /// Row k: the left eigenvector of eigenvalue k, with left[k]·right[:, k] = 1. None when J is
    /// defective (its eigenvectors do not span: V is singular).
    pub left: Option<Array2<c64>>,
}

/// Linearises `map` at (h, x). None if the eigendecomposition fails (a non-finite J).
pub fn linearise_at(
    map: &CellMap,
    h: ArrayView1<f64>,
    x: ArrayView1<f64>,
) -> Option<Linearisation> {
    let jac = map.jacobians(h, x);
    let s = h.len();
    let j = Mat::from_fn(s, s, |a, b| jac.state[[a, b]]);
    let eigen = j.eigen().ok()?;
    let values: Vec<c64> = (0..s).map(|k| eigen.S()[k]).collect();
    let mut order: Vec<usize> = (0..s).collect();
    order.sort_by(|&a, &b| values[b].norm().total_cmp(&values[a].norm()));
    let u = eigen.U();
    let right = Array2::from_shape_fn((s, s), |(i, k)| {
        let col = order[k];
        let norm = (0..s).map(|r| u[(r, col)].norm_sqr()).sum::<f64>().sqrt();
        u[(i, col)] / norm.max(f64::MIN_POSITIVE)
    });
    let v = Mat::from_fn(s, s, |i, k| right[[i, k]]);
    let identity = Mat::<c64>::identity(s, s);
    let inverse = v.partial_piv_lu().solve(&identity);
    // V⁻¹V must be I; a defective J gives a (nearly) singular V and no reliable left vectors.
    let residual = (&inverse * &v - &identity).norm_max();
    let left = (residual.is_finite() && residual < 1e-6)
        .then(|| Array2::from_shape_fn((s, s), |(k, i)| inverse[(k, i)]));
    Some(Linearisation {
        state_jacobian: jac.state,
        input_jacobian: jac.input,
        eigenvalues: order.iter().map(|&k| values[k]).collect(),
        right,
        left,
    })
}
