//! `rnnlab fixed-points --network ID`: one stored network's fixed and slow points, computed on
//! demand for each of its task's constant inputs.

use std::fmt;

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::error::LabError;
use super::stored::stored_network;
use crate::analysis::{find_fixed_points, starts_from_states, FixedPointOptions};
use crate::net::{forward, CellMap, Tape};
use crate::store::Notebook;

/// Starts per constant input (PAPER.md's reference default).
pub const STARTS: usize = 1024;
/// Std of the Gaussian noise added to the visited states that seed the search.
pub const START_NOISE: f64 = 0.5;

/// One point as reported.
#[derive(Clone, Debug, Serialize)]
pub struct PointRow {
    /// The constant input.
    pub input: Vec<f64>,
    /// The state (LSTM: [c; h]).
    pub state: Vec<f64>,
    /// ½‖F(h) − h‖².
    pub q: f64,
    /// A fixed point (else a slow point).
    pub converged: bool,
    /// Every |λ| < 1.
    pub stable: bool,
    /// #{|λ| > 1}.
    pub unstable: usize,
    /// Largest |λ|.
    pub max_modulus: f64,
    /// Eigenvalues, largest modulus first, as [re, im].
    pub eigenvalues: Vec<[f64; 2]>,
    /// The readout at the point.
    pub readout: Vec<f64>,
}

/// A network's points.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointReport {
    /// Network id.
    pub network: i64,
    /// Architecture.
    pub arch: String,
    /// Activation.
    pub activation: String,
    /// Hidden units.
    pub units: i64,
    /// Seconds spent searching.
    pub seconds: f64,
    /// Every point, per input in the task's order.
    pub points: Vec<PointRow>,
}

/// Finds the fixed points of stored network `id` at each of its task's constant inputs.
pub fn fixed_points_of(notebook: &Notebook, id: i64) -> Result<FixedPointReport, LabError> {
    let row = notebook.network(id)?;
    let (task, params) = stored_network(notebook, &row)?.ok_or_else(|| {
        LabError::Invalid(format!(
            "network {id} is {} and has no weights yet",
            row.state.name()
        ))
    })?;
    let started = std::time::Instant::now();
    // Starts: states the network visits on the probe trials, plus noise.
    let probe = task.probe_batch();
    let (steps, trials, _) = probe.inputs.dim();
    let mut tape = Tape::new(params.spec, trials, steps);
    forward(&params, probe.input_slice(), &mut tape);
    let s = params.spec.state_dim();
    let visited = Array2::from_shape_vec(
        (steps * trials, s),
        tape.states().iter().map(|&v| f64::from(v)).collect(),
    )
    .expect("T·B×S states");
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let starts = starts_from_states(visited.view(), STARTS, START_NOISE, &mut rng);

    let map = CellMap::new(&params);
    let options = FixedPointOptions::default();
    let mut points = Vec::new();
    for input in task.definition().constant_inputs().rows() {
        for p in find_fixed_points(&map, input, starts.view(), &options) {
            points.push(PointRow {
                input: input.to_vec(),
                readout: map.readout(p.state.view()).to_vec(),
                q: p.q,
                converged: p.converged,
                stable: p.stable(),
                unstable: p.unstable,
                max_modulus: p.eigenvalues.first().map_or(0.0, |l| l.norm()),
                eigenvalues: p.eigenvalues.iter().map(|l| [l.re, l.im]).collect(),
                state: p.state.to_vec(),
            });
        }
    }
    points.sort_by(|a, b| {
        a.input
            .partial_cmp(&b.input)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.unstable.cmp(&b.unstable))
            .then(
                a.readout
                    .partial_cmp(&b.readout)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    Ok(FixedPointReport {
        network: id,
        arch: row.arch,
        activation: row.activation,
        units: row.units,
        seconds: started.elapsed().as_secs_f64(),
        points,
    })
}

fn numbers(v: &[f64], precision: usize) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:+.precision$}")).collect();
    format!("[{}]", parts.join(", "))
}

impl fmt::Display for FixedPointReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "network {} ({} {} N={}): {} points in {:.2} s",
            self.network,
            self.arch,
            self.activation,
            self.units,
            self.points.len(),
            self.seconds
        )?;
        let mut inputs: Vec<&Vec<f64>> = self.points.iter().map(|p| &p.input).collect();
        inputs.dedup();
        for input in inputs {
            let here: Vec<&PointRow> = self.points.iter().filter(|p| &p.input == input).collect();
            let max_unstable = here.iter().map(|p| p.unstable).max().unwrap_or(0);
            let counts: Vec<String> = (0..=max_unstable)
                .map(|k| {
                    let c = here
                        .iter()
                        .filter(|p| p.unstable == k && (k > 0 || p.stable))
                        .count();
                    if k == 0 {
                        format!("{c} stable")
                    } else {
                        format!("{c} with {k} unstable")
                    }
                })
                .collect();
            writeln!(f, "\ninput {}: {}", numbers(input, 2), counts.join(", "))?;
            writeln!(
                f,
                "  {:>8} {:>8} {:>9} {:<6}  readout",
                "unstable", "|λ|max", "q", "kind"
            )?;
            for p in here {
                let kind = if !p.converged {
                    "slow"
                } else if p.stable {
                    "stable"
                } else if p.unstable == 0 {
                    "marginal"
                } else {
                    "saddle"
                };
                writeln!(
                    f,
                    "  {:>8} {:>8.4} {:>9.1e} {:<6}  {}",
                    p.unstable,
                    p.max_modulus,
                    p.q,
                    kind,
                    numbers(&p.readout, 2)
                )?;
            }
        }
        Ok(())
    }
}
