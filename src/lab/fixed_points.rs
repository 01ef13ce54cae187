//! `rnnlab fixed-points --network ID`: one stored network's fixed and slow points, computed on
//! demand for each of its task's constant inputs.

use std::fmt;

use serde::Serialize;

use super::error::LabError;
use super::stored::stored_network;
use crate::analysis::{network_fixed_points, FixedPointOptions};
use crate::net::CellMap;
use crate::store::Notebook;

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
    let map = CellMap::new(&params);
    let found = network_fixed_points(&params, &task, &FixedPointOptions::default());
    let mut points: Vec<PointRow> = found
        .points()
        .map(|p| PointRow {
            input: p.input.to_vec(),
            readout: map.readout(p.state.view()).to_vec(),
            q: p.q,
            converged: p.converged,
            stable: p.stable(),
            unstable: p.unstable,
            max_modulus: p.eigenvalues.first().map_or(0.0, |l| l.norm()),
            eigenvalues: p.eigenvalues.iter().map(|l| [l.re, l.im]).collect(),
            state: p.state.to_vec(),
        })
        .collect();
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
        seconds: found.seconds,
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
