//! `rnnlab fixed-points --network ID`: one network's fixed and slow points at each of its
//! task's constant inputs, as stored by the analysis (or searched on demand), with the modes of
//! each point on request.

use std::fmt;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use faer::c64;
use ndarray::ArrayView1;

use super::analyse::{analysis_record, summarise, InputSummary};
use super::notebook::trained_network;
use crate::analysis::linearise_at;
use crate::net::{Activation, Arch, CellMap};
use crate::store::{AnalysisRecord, NetState, Notebook, StoredFixedPoint};
use crate::task::Task;
use crate::LabError;

/// The modes of one point (`--modes`): eigenvectors and the input Jacobian.
#[derive(Clone, Debug, Serialize)]
pub struct PointModes {
    /// Column k of the right eigenvector matrix as [re, im] pairs, per eigenvalue (same order
    /// as the point's eigenvalues).
    pub right: Vec<Vec<[f64; 2]>>,
    /// Left eigenvectors (wₖᵀ vₖ = 1), per eigenvalue; absent if J is defective.
    pub left: Option<Vec<Vec<[f64; 2]>>>,
    /// ∂F/∂x, S rows of I values.
    pub input_jacobian: Vec<Vec<f64>>,
}

/// One point as reported.
#[derive(Clone, Debug, Serialize)]
pub struct PointRow {
    /// The point as stored.
    #[serde(flatten)]
    pub point: StoredFixedPoint,
    /// Every |λ| < 1.
    pub stable: bool,
    /// Eigenvectors and ∂F/∂x, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<PointModes>,
}

/// A network's points.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointReport {
    /// Network id.
    pub network: i64,
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: i64,
    /// True if read from the notebook (the network is analysed), false if searched just now.
    pub stored: bool,
    /// Seconds the search took.
    pub seconds: f64,
    /// Why the result is thin, when it is.
    pub note: Option<String>,
    /// Per input: counts per stability class.
    pub summary: Vec<InputSummary>,
    /// Every point, per input in the task's order.
    pub points: Vec<PointRow>,
    /// The points lie along a continuum (integration's line attractors): how many the search
    /// merged them into says more about the merge distance than about the network.
    pub along_lines: bool,
}

fn complex_rows(m: impl Iterator<Item = Vec<c64>>) -> Vec<Vec<[f64; 2]>> {
    m.map(|row| row.iter().map(|z| [z.re, z.im]).collect())
        .collect()
}

/// Stored network `id`'s fixed points: from the notebook if it is analysed, else searched now
/// with its experiment's settings (nothing is stored). With `modes`, each point's eigenvectors
/// and input Jacobian are computed too.
pub fn fixed_points_of(
    notebook: &Notebook,
    id: i64,
    modes: bool,
) -> Result<FixedPointReport, LabError> {
    let (row, experiment, params) = trained_network(notebook, id)?;
    let (stored, record) = match notebook.analysis(id)? {
        Some(a) if row.state == NetState::Analysed => (
            true,
            AnalysisRecord {
                settings: a.settings,
                summary: a.summary,
                note: a.note,
                seconds: a.seconds,
                points: notebook.fixed_points(id)?,
                pseudo: row.pseudo_points.unwrap_or(0) as usize,
                topology: None,
            },
        ),
        _ => (
            false,
            analysis_record(
                &experiment.task,
                &params,
                &experiment.analysis,
                &AtomicBool::new(false),
            )
            .expect("never cancelled"),
        ),
    };
    let map = CellMap::new(&params);
    let inputs: Vec<Vec<f64>> = experiment
        .task
        .definition()
        .constant_inputs()
        .rows()
        .into_iter()
        .map(|x| x.to_vec())
        .collect();
    let summary = summarise(&inputs, &record.points);
    let points = record
        .points
        .into_iter()
        .map(|p| {
            let modes = modes
                .then(|| {
                    linearise_at(
                        &map,
                        ArrayView1::from(&p.state[..]),
                        ArrayView1::from(&p.input[..]),
                    )
                })
                .flatten()
                .map(|l| PointModes {
                    right: complex_rows(l.right.columns().into_iter().map(|c| c.to_vec())),
                    left: l
                        .left
                        .map(|w| complex_rows(w.rows().into_iter().map(|r| r.to_vec()))),
                    input_jacobian: l
                        .input_jacobian
                        .rows()
                        .into_iter()
                        .map(|r| r.to_vec())
                        .collect(),
                });
            PointRow {
                stable: p.stable(),
                point: p,
                modes,
            }
        })
        .collect();
    Ok(FixedPointReport {
        network: id,
        arch: row.arch,
        activation: row.activation,
        units: row.units,
        stored,
        seconds: record.seconds,
        note: record.note,
        summary,
        points,
        along_lines: matches!(experiment.task, Task::Integration(_)),
    })
}

fn numbers(v: &[f64], precision: usize) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:+.precision$}")).collect();
    format!("[{}]", parts.join(", "))
}

impl fmt::Display for InputSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} stable", self.stable)?;
        for (k, c) in self.saddles.iter().enumerate() {
            write!(f, ", {c} with {} unstable", k + 1)?;
        }
        if self.marginal > 0 {
            write!(f, ", {} marginal", self.marginal)?;
        }
        if self.slow > 0 {
            write!(f, ", {} slow", self.slow)?;
        }
        if self.pseudo > 0 {
            write!(f, "; {} pseudo rejected", self.pseudo)?;
        }
        Ok(())
    }
}

impl fmt::Display for FixedPointReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "network {} ({} {} N={}): {} points, {} in {:.2} s",
            self.network,
            self.arch,
            self.activation,
            self.units,
            self.points.len(),
            if self.stored {
                "from the notebook, found"
            } else {
                "searched now (not analysed yet)"
            },
            self.seconds
        )?;
        if self.along_lines {
            writeln!(
                f,
                "(integration: these points lie along line attractors, and their number follows \
                 the merge distance; `rnnlab topology --network {}` describes the lines)",
                self.network
            )?;
        }
        if let Some(note) = &self.note {
            writeln!(f, "note: {note}")?;
        }
        for input in &self.summary {
            writeln!(f, "\ninput {}: {input}", numbers(&input.input, 2))?;
            writeln!(
                f,
                "  {:>8} {:>8} {:>9} {:<8}  readout",
                "unstable", "|λ|max", "q", "kind"
            )?;
            for row in self
                .points
                .iter()
                .filter(|p| p.point.input_index == input.input_index)
            {
                let p = &row.point;
                let kind = if !p.converged {
                    "slow"
                } else if row.stable {
                    "stable"
                } else if p.unstable == 0 {
                    "marginal"
                } else {
                    "saddle"
                };
                writeln!(
                    f,
                    "  {:>8} {:>8.4} {:>9.1e} {:<8}  {}",
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
