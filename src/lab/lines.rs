//! An integration population's line attractors: per architecture × activation what the lines
//! are like (medians over networks and contexts), and how the share of ideal scaffolds moves
//! when each of the verdict's thresholds is halved or doubled.

use std::fmt;

use serde::Serialize;

use super::stats::Stats;
use crate::analysis::topology::{IntegrationScaffold, LineThresholds};

/// The lines of one architecture × activation, over its networks' contexts.
#[derive(Clone, Debug, Serialize)]
pub struct LineSummary {
    /// Contexts (two per network).
    pub contexts: usize,
    /// Of which described by a line (held states or resting points, with a τ).
    pub with_line: usize,
    /// Of which line attractors (the verdict's thresholds met).
    pub line_attractors: usize,
    /// τ/T of the slow mode.
    pub tau_trials: Stats,
    /// Readout extent over the context's target range.
    pub coverage: Stats,
    /// Share of the line's variance along its first axis.
    pub straightness: Stats,
    /// Cued over cued plus ignored response.
    pub selectivity: Stats,
    /// Modes carrying 90 % of the response.
    pub modes_for_response: Stats,
}

impl LineSummary {
    /// The summary of some networks' scaffolds.
    pub fn of<'a>(scaffolds: impl IntoIterator<Item = &'a IntegrationScaffold>) -> LineSummary {
        let contexts: Vec<_> = scaffolds.into_iter().flat_map(|s| &s.contexts).collect();
        let stats = |f: &dyn Fn(&&crate::analysis::topology::IntegrationContext) -> Option<f64>| {
            Stats::of(contexts.iter().filter_map(f).collect())
        };
        LineSummary {
            contexts: contexts.len(),
            with_line: contexts
                .iter()
                .filter(|c| c.line.is_some() && c.tau_trials.is_some())
                .count(),
            line_attractors: contexts.iter().filter(|c| c.line_attractor).count(),
            tau_trials: stats(&|c| c.tau_trials),
            coverage: stats(&|c| c.line.as_ref().map(|l| l.coverage)),
            straightness: stats(&|c| c.line.as_ref().map(|l| l.straightness)),
            selectivity: stats(&|c| c.selectivity),
            modes_for_response: stats(&|c| c.modes_for_response.map(|m| m as f64)),
        }
    }
}

/// How many networks the verdict calls ideal with one threshold changed.
#[derive(Clone, Debug, Serialize)]
pub struct Sensitivity {
    /// Which threshold.
    pub threshold: String,
    /// Its value: looser (halved), as set, stricter (doubled).
    pub values: [f64; 3],
    /// Ideal networks under each value.
    pub ideal: [usize; 3],
    /// Networks judged.
    pub networks: usize,
}

/// The verdict over `scaffolds` with τ/T and coverage halved and doubled, and the tolerated
/// ignored/cued response ratio (selectivity = 1 / (1 + ratio)) doubled and halved.
pub fn sensitivity(scaffolds: &[&IntegrationScaffold]) -> Vec<Sensitivity> {
    let study = LineThresholds::STUDY;
    let ideal = |t: LineThresholds| scaffolds.iter().filter(|s| s.ideal_under(&t)).count();
    let ratio = 1.0 / study.selectivity - 1.0;
    let selectivity = |r: f64| 1.0 / (1.0 + r);
    let rows: [(&str, [LineThresholds; 3]); 3] = [
        (
            "τ/T",
            [0.5, 1.0, 2.0].map(|k| LineThresholds {
                tau_trials: k * study.tau_trials,
                ..study
            }),
        ),
        (
            "coverage",
            [0.5, 1.0, 2.0].map(|k| LineThresholds {
                coverage: k * study.coverage,
                ..study
            }),
        ),
        (
            "selectivity",
            [2.0, 1.0, 0.5].map(|k| LineThresholds {
                selectivity: selectivity(k * ratio),
                ..study
            }),
        ),
    ];
    rows.into_iter()
        .map(|(name, ts)| Sensitivity {
            threshold: name.into(),
            values: ts.map(|t| match name {
                "τ/T" => t.tau_trials,
                "coverage" => t.coverage,
                _ => t.selectivity,
            }),
            ideal: ts.map(ideal),
            networks: scaffolds.len(),
        })
        .collect()
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.values;
        let [x, y, z] = self.ideal;
        write!(
            f,
            "  {:<12} {:>5.3} / {:>5.3} / {:>5.3}   {:>4} / {:>4} / {:>4} of {}",
            self.threshold, a, b, c, x, y, z, self.networks
        )
    }
}
