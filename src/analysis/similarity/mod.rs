//! Comparing networks by the geometry of their hidden states on a shared probe batch
//! (docs/SCIENCE.md, analysis 1): SVCCA (Raghu et al. 2017) and Procrustes shape distance (netrep,
//! Williams et al. 2021), with classical MDS and separability scores of the resulting matrices.
//!
//! Each network's states M (rows: trials·T, columns: units) are centred and reduced once to
//! their top principal components: X = U S Vᵀ, keep U_k, s_k. A pair then costs one k_a×k_b
//! product G = U_aᵀU_b and two tiny decompositions:
//! - CCA between the reductions: canonical correlations = singular values of G (U spans the
//!   reduced data's columns; CCA is the principal angles between those spans);
//!   SVCCA distance 1 − mean ρ over the min(k_a, k_b) correlations (the paper's; not a metric
//!   when widths differ); angular CCA arccos(Σρ / √(k_a·k_b)) (netrep's: the reductions zero-
//!   padded to a common width, so Σρ/√(k_a·k_b) is the best-aligned inner product of the
//!   whitened reductions U/√k, and its arccos a metric for any widths);
//! - Procrustes (angular, α = 1): each reduction scaled to unit norm, the best rotation aligns
//!   them with inner product ‖S_a G S_b‖_* / (‖s_a‖‖s_b‖) (nuclear norm: sum of singular values),
//!   distance arccos of it. Widths may differ (k_a ≠ k_b, N_a ≠ N_b): zero padding does not
//!   change the nuclear norm.

pub mod dsa;
mod embedding;
pub mod recording;
mod separability;

pub use embedding::{classical_mds, place, Embedding};
pub use separability::{
    knn_accuracy, knn_credits, paired_greater, permutations_for, separation, silhouette,
    Separation, Tested,
};

use faer::Mat;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::net::{forward, Params, Tape};
use crate::task::Task;

/// Components the default reduction keeps.
pub const DEFAULT_COMPONENTS: usize = 10;

/// How states are reduced before comparing. The default keeps the top 10 components: on
/// flip-flop a share of the variance (0.9 to 0.95) keeps only the 3 to 4 bit directions every
/// network shares and hides the architecture (docs/SCIENCE.md, "The reduction decides the
/// verdict"; the README's sensitivity table).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReductionOptions {
    /// Without `components`: keep the fewest principal components explaining this share of
    /// the variance.
    pub variance: f64,
    /// Keep exactly this many components (at most the rank).
    pub components: Option<usize>,
    /// LSTM: compare [c; h] rather than h.
    pub lstm_cell_state: bool,
}

impl Default for ReductionOptions {
    fn default() -> Self {
        ReductionOptions {
            variance: 0.95,
            components: Some(DEFAULT_COMPONENTS),
            lstm_cell_state: false,
        }
    }
}

impl std::fmt::Display for ReductionOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.components {
            Some(k) => write!(f, "top {k} principal components")?,
            None => write!(
                f,
                "principal components for {} of the variance",
                self.variance
            )?,
        }
        if self.lstm_cell_state {
            write!(f, ", LSTM [c; h]")?;
        }
        Ok(())
    }
}

impl ReductionOptions {
    /// Checks the settings; the message names the one at fault.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.variance > 0.0 && self.variance <= 1.0) {
            return Err(format!(
                "variance must be in (0, 1] (got {})",
                self.variance
            ));
        }
        if self.components == Some(0) {
            return Err("components must be at least 1".into());
        }
        Ok(())
    }
}

/// The three geometry metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Metric {
    /// 1 − mean canonical correlation of the reductions (the paper's).
    Svcca,
    /// arccos(Σρ / √(k_a·k_b)) (netrep's angular CCA with zero padding; a metric).
    CcaAngular,
    /// arccos of the Procrustes-aligned inner product (netrep's angular shape metric, α = 1).
    Procrustes,
}

impl Metric {
    /// Every geometry metric.
    pub const ALL: [Metric; 3] = [Metric::Svcca, Metric::CcaAngular, Metric::Procrustes];

    /// The name used on the command line and in the notebook.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Svcca => "svcca",
            Metric::CcaAngular => "cca-angular",
            Metric::Procrustes => "procrustes",
        }
    }
}

/// One network's reduced states.
#[derive(Clone, Debug)]
pub struct Reduction {
    /// Orthonormal basis of the kept components (rows × k).
    pub basis: Mat<f64>,
    /// Their singular values, largest first.
    pub singular_values: Vec<f64>,
}

impl Reduction {
    /// Components kept.
    pub fn components(&self) -> usize {
        self.singular_values.len()
    }
}

/// Runs networks on a task's probe batch and reduces their states, reusing its buffers from
/// one network to the next (a population's reductions then cost no large allocations beyond
/// the results themselves).
pub struct StateProbe {
    probe: crate::task::Batch,
    tapes: Vec<Tape<f32>>,
    states: Vec<f64>,
}

impl StateProbe {
    /// A probe of `task`'s fixed probe batch (the same inputs for every network).
    pub fn new(task: &Task) -> Self {
        Self::of_batch(task.probe_batch())
    }

    /// A probe of any batch of trials (the same for every network).
    pub fn of_batch(probe: crate::task::Batch) -> Self {
        StateProbe {
            probe,
            tapes: Vec::new(),
            states: Vec::new(),
        }
    }

    /// Steps per trial.
    pub fn steps(&self) -> usize {
        self.probe.inputs.dim().0
    }

    /// The hidden states of `params` (rows: step-major (step, trial), columns: units; LSTM h,
    /// or [c; h]); None if any is not finite. The view lives until the next call.
    pub fn states(
        &mut self,
        params: &Params<f32>,
        lstm_cell_state: bool,
    ) -> Option<ArrayView2<'_, f64>> {
        let (steps, trials, _) = self.probe.inputs.dim();
        let spec = params.spec;
        let at = match self.tapes.iter().position(|t| t.spec() == spec) {
            Some(k) => k,
            None => {
                self.tapes.push(Tape::new(spec, trials, steps));
                self.tapes.len() - 1
            }
        };
        let tape = &mut self.tapes[at];
        forward(params, self.probe.input_slice(), tape);
        let s = spec.state_dim();
        let keep = if lstm_cell_state { s } else { spec.units };
        self.states.clear();
        for row in tape.states().chunks_exact(s) {
            self.states
                .extend(row[s - keep..].iter().map(|&v| f64::from(v)));
        }
        self.states.iter().all(|v| v.is_finite()).then(|| {
            ArrayView2::from_shape((steps * trials, keep), &self.states).expect("whole rows")
        })
    }
}

/// The principal axes of a set of states: their mean and the covariance's eigenvectors.
pub struct PrincipalAxes {
    /// Mean of the states (one value per column).
    pub mean: Vec<f64>,
    /// Eigenvectors of the centred XᵀX as columns, largest eigenvalue first (cols × cols).
    pub axes: Mat<f64>,
    /// Singular values of the centred states, largest first (√ of XᵀX's eigenvalues).
    pub singular_values: Vec<f64>,
}

impl PrincipalAxes {
    /// Of `states` (rows: samples); None with fewer than two rows or no column. Through the
    /// small covariance XᵀX (cols × cols), never a tall temporary.
    pub fn of(states: ArrayView2<f64>) -> Option<PrincipalAxes> {
        let (rows, cols) = states.dim();
        if rows < 2 || cols == 0 {
            return None;
        }
        let states = states.as_standard_layout();
        let data = states.as_slice().expect("standard layout");
        // Xᵀ as a column-major N×M view of the row-major M×N states.
        let xt = faer::MatRef::from_column_major_slice(data, cols, rows);
        let mean: Vec<f64> = (0..cols)
            .map(|c| (0..rows).map(|r| data[r * cols + c]).sum::<f64>() / rows as f64)
            .collect();
        let gram = xt * xt.transpose();
        let centred = Mat::from_fn(cols, cols, |i, j| {
            gram[(i, j)] - rows as f64 * mean[i] * mean[j]
        });
        let eig = centred.self_adjoint_eigen(faer::Side::Lower).ok()?;
        // Eigenvalues come in nondecreasing order: largest last.
        Some(PrincipalAxes {
            mean,
            axes: Mat::from_fn(cols, cols, |i, c| eig.U()[(i, cols - 1 - c)]),
            singular_values: (0..cols)
                .rev()
                .map(|k| eig.S()[k].max(0.0).sqrt())
                .collect(),
        })
    }

    /// Coordinates of `state` on the first `k` axes, relative to the mean.
    pub fn project(&self, state: &[f64], k: usize) -> Vec<f64> {
        (0..k.min(self.axes.ncols()))
            .map(|c| {
                state
                    .iter()
                    .zip(&self.mean)
                    .enumerate()
                    .map(|(i, (x, m))| (x - m) * self.axes[(i, c)])
                    .sum()
            })
            .collect()
    }
}

/// Centres `states` (rows: samples) and keeps its top principal components. Through the
/// covariance: XᵀX = V S² Vᵀ (small), U_k = (X − 1μᵀ) V_k S_k⁻¹, so no tall temporary; the kept
/// components are the large ones, which this computes accurately.
pub fn reduce(states: ArrayView2<f64>, options: &ReductionOptions) -> Option<Reduction> {
    let PrincipalAxes {
        mean,
        axes,
        singular_values: s,
    } = PrincipalAxes::of(states)?;
    let (rows, cols) = states.dim();
    let total: f64 = s.iter().map(|v| v * v).sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    let rank = s.iter().take_while(|&&v| v > s[0] * 1e-7).count();
    let k = match options.components {
        Some(k) => k.min(rank),
        None => {
            let mut acc = 0.0;
            let mut k = 0;
            while k < rank && acc < options.variance * total * (1.0 - 1e-12) {
                acc += s[k] * s[k];
                k += 1;
            }
            k.max(1)
        }
    };
    let v = axes.subcols(0, k);
    let shift: Vec<f64> = (0..k)
        .map(|c| (0..cols).map(|i| mean[i] * v[(i, c)]).sum())
        .collect();
    let states = states.as_standard_layout();
    let data = states.as_slice().expect("standard layout");
    let x = faer::MatRef::from_row_major_slice(data, rows, cols);
    let mut basis = x * v;
    for c in 0..k {
        for r in 0..rows {
            basis[(r, c)] = (basis[(r, c)] - shift[c]) / s[c];
        }
    }
    Some(Reduction {
        basis,
        singular_values: s[..k].to_vec(),
    })
}

/// The canonical correlations of two reductions, largest first.
pub fn canonical_correlations(a: &Reduction, b: &Reduction) -> Vec<f64> {
    let g = a.basis.transpose() * &b.basis;
    g.singular_values()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.clamp(0.0, 1.0))
        .collect()
}

/// The three distances between two reductions, in the order of [`Metric::ALL`].
pub fn distances(a: &Reduction, b: &Reduction) -> [f64; 3] {
    let g = a.basis.transpose() * &b.basis;
    let rho: Vec<f64> = g.singular_values().unwrap_or_default();
    let sum_rho: f64 = rho.iter().sum();
    let mean_rho = if rho.is_empty() {
        0.0
    } else {
        (sum_rho / rho.len() as f64).clamp(0.0, 1.0)
    };
    let (ka, kb) = (g.nrows() as f64, g.ncols() as f64);
    let whitened = if ka * kb > 0.0 {
        (sum_rho / (ka * kb).sqrt()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = Mat::from_fn(g.nrows(), g.ncols(), |i, j| {
        a.singular_values[i] * g[(i, j)] * b.singular_values[j]
    });
    let norm = |s: &[f64]| s.iter().map(|v| v * v).sum::<f64>().sqrt();
    let nuclear: f64 = scaled.singular_values().unwrap_or_default().iter().sum();
    let aligned = (nuclear / (norm(&a.singular_values) * norm(&b.singular_values))).clamp(0.0, 1.0);
    [1.0 - mean_rho, whitened.acos(), aligned.acos()]
}

/// The distances of every pair (i, j) of `reductions` listed in `pairs`, on `threads` threads.
pub fn pairwise(
    reductions: &[Reduction],
    pairs: &[(usize, usize)],
    threads: usize,
) -> Vec<[f64; 3]> {
    each_pair(pairs, threads, |i, j| {
        distances(&reductions[i], &reductions[j])
    })
}

/// `f(i, j)` of every pair of `pairs`, in their order, the pairs split evenly over `threads`
/// threads.
pub fn each_pair<T: Send + Default + Clone>(
    pairs: &[(usize, usize)],
    threads: usize,
    f: impl Fn(usize, usize) -> T + Sync,
) -> Vec<T> {
    let mut out = vec![T::default(); pairs.len()];
    let chunk = pairs.len().div_ceil(threads.max(1)).max(1);
    let f = &f;
    std::thread::scope(|s| {
        for (part, results) in pairs.chunks(chunk).zip(out.chunks_mut(chunk)) {
            s.spawn(move || {
                for (&(i, j), r) in part.iter().zip(results.iter_mut()) {
                    *r = f(i, j);
                }
            });
        }
    });
    out
}
