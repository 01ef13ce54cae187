//! The context-dependent integration scaffold: per context, the fixed points along the probe
//! inputs, the line attractor's top eigenvalue (≈ 1), how its left eigenvector (the direction
//! the network integrates along) aligns with the cued versus the ignored input, and the linear
//! response of the readout to the cued input as modes are removed, smallest |λ| first.

use faer::c64;
use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::analysis::{linearise_at, InputPoints};
use crate::net::CellMap;

/// Modes of the response curve kept in the descriptor.
const CURVE_MODES: usize = 20;

/// One context's part of the scaffold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationContext {
    /// Which stream this context cues (0 or 1).
    pub context: usize,
    /// Fixed points over the context's probe inputs.
    pub fixed_points: usize,
    /// Largest |λ| at the point of the probe input nearest zero.
    pub top_modulus: Option<f64>,
    /// |cos| between that mode's left eigenvector and ∂F/∂x of the cued stream.
    pub cued_alignment: Option<f64>,
    /// The same for the ignored stream.
    pub ignored_alignment: Option<f64>,
    /// cued / (cued + ignored) alignment: 1 when the integrated direction ignores the other
    /// stream, ½ when it does not tell them apart (raw cosines are small in many dimensions).
    pub selectivity: Option<f64>,
    /// The readout's response after T steps of unit cued input, linearised, keeping the m
    /// modes of largest |λ| (m = 1, 2, ...), over the response with every mode.
    pub response_by_modes: Vec<f64>,
    /// The fewest modes giving the full response within 10 %.
    pub modes_for_response: Option<usize>,
}

impl IntegrationContext {
    /// (top |λ| clipped to [0, 2], selectivity, modes for the response over 10, clipped to 1):
    /// what the distance between networks compares.
    pub fn features(&self) -> [f64; 3] {
        [
            self.top_modulus.unwrap_or(0.0).min(2.0),
            self.selectivity.unwrap_or(0.0),
            self.modes_for_response
                .map_or(1.0, |m| (m as f64 / 10.0).min(1.0)),
        ]
    }

    /// |top |λ| − 1| (at most 1) + (1 − selectivity): 0 for an ideal line attractor
    /// integrating only the cued stream.
    pub fn distance_to_ideal(&self) -> f64 {
        self.top_modulus.map_or(1.0, |l| (l - 1.0).abs().min(1.0))
            + (1.0 - self.selectivity.unwrap_or(0.0))
    }
}

/// The integration scaffold of one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationScaffold {
    /// Per context.
    pub contexts: Vec<IntegrationContext>,
    /// In every context: top |λ| within 0.05 of 1 and selectivity above 0.8.
    pub ideal: bool,
    /// Mean over contexts of [`IntegrationContext::distance_to_ideal`].
    pub distance_to_ideal: f64,
}

fn cosine(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
    let n = (a.dot(a) * b.dot(b)).sqrt();
    if n > 0.0 {
        (a.dot(b) / n).abs()
    } else {
        0.0
    }
}

/// The integration scaffold from the points at each constant input (inputs: the two streams,
/// then the one-hot context); `steps` is the trial length T of the response.
pub fn integration_scaffold(
    map: &CellMap,
    inputs: &[InputPoints],
    steps: usize,
) -> IntegrationScaffold {
    let zero_state = Array1::<f64>::zeros(map.spec().state_dim());
    let offset = map.readout(zero_state.view());
    // The readout's linear part, applied to a complex vector.
    let c_of = |v: &Array1<c64>| -> c64 {
        let re = map.readout(v.mapv(|z| z.re).view())[0] - offset[0];
        let im = map.readout(v.mapv(|z| z.im).view())[0] - offset[0];
        c64::new(re, im)
    };
    let mut contexts = Vec::new();
    for context in 0..2 {
        let here: Vec<&InputPoints> = inputs
            .iter()
            .filter(|at| at.input.len() == 4 && at.input[2 + context] > 0.5)
            .collect();
        let fixed_points = here
            .iter()
            .map(|at| at.points.iter().filter(|p| p.converged).count())
            .sum();
        let middle = here
            .iter()
            .min_by(|a, b| a.input[context].abs().total_cmp(&b.input[context].abs()));
        let point = middle.and_then(|at| {
            at.points
                .iter()
                .filter(|p| p.converged)
                .min_by(|a, b| a.unstable.cmp(&b.unstable).then(a.q.total_cmp(&b.q)))
                .map(|p| (at, p))
        });
        let lin = point.and_then(|(at, p)| linearise_at(map, p.state.view(), at.input.view()));
        let mut row = IntegrationContext {
            context,
            fixed_points,
            top_modulus: None,
            cued_alignment: None,
            ignored_alignment: None,
            selectivity: None,
            response_by_modes: Vec::new(),
            modes_for_response: None,
        };
        if let Some(lin) = lin {
            row.top_modulus = lin.eigenvalues.first().map(|l| l.norm());
            let b_cued = lin.input_jacobian.column(context).to_owned();
            let b_ignored = lin.input_jacobian.column(1 - context).to_owned();
            if let Some(left) = &lin.left {
                let w_top = left.row(0).mapv(|z| z.re);
                let (cued, ignored) = (cosine(&w_top, &b_cued), cosine(&w_top, &b_ignored));
                row.cued_alignment = Some(cued);
                row.ignored_alignment = Some(ignored);
                row.selectivity = (cued + ignored > 0.0).then(|| cued / (cued + ignored));
                // Mode k contributes (C v_k)(w_k·b) Σ_{t<T} λ_k^t to the readout.
                let contributions: Vec<f64> = lin
                    .eigenvalues
                    .iter()
                    .enumerate()
                    .map(|(k, &l)| {
                        let v = lin.right.column(k).to_owned();
                        let wb: c64 = left.row(k).iter().zip(&b_cued).map(|(w, b)| w * b).sum();
                        let mut geometric = c64::new(0.0, 0.0);
                        let mut power = c64::new(1.0, 0.0);
                        for _ in 0..steps {
                            geometric += power;
                            power *= l;
                        }
                        (c_of(&v) * wb * geometric).re
                    })
                    .collect();
                let full: f64 = contributions.iter().sum();
                let mut partial = 0.0;
                let mut curve = Vec::new();
                for (m, c) in contributions.iter().enumerate() {
                    partial += c;
                    if row.modes_for_response.is_none()
                        && (partial - full).abs() <= 0.1 * full.abs()
                    {
                        row.modes_for_response = Some(m + 1);
                    }
                    if m < CURVE_MODES {
                        curve.push(if full != 0.0 { partial / full } else { 0.0 });
                    }
                }
                row.response_by_modes = curve;
            }
        }
        contexts.push(row);
    }
    let distance_to_ideal =
        contexts.iter().map(|c| c.distance_to_ideal()).sum::<f64>() / contexts.len() as f64;
    IntegrationScaffold {
        ideal: contexts.iter().all(|c| {
            c.top_modulus.is_some_and(|l| (l - 1.0).abs() < 0.05)
                && c.selectivity.is_some_and(|s| s > 0.8)
        }),
        contexts,
        distance_to_ideal,
    }
}
