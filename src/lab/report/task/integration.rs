//! Integration: per context, an approximate line attractor along the probe inputs; how many
//! modes carry the integral (vanilla networks one, gated ones several).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::topology::LineThresholds;
use crate::analysis::Topology;
use crate::lab::lines::LineSummary;
use crate::lab::report::figures::{
    activation_shape, arch_colour, by_activation, group_legend, Named,
};
use crate::lab::report::numbers::Quartiles;
use crate::net::Group;
use crate::plot::{Axis, Colour, Figure, Mark, Panel, Plot, Series};

/// One group's integration by modes.
#[derive(Clone, Debug, Serialize)]
pub struct IntegrationGroup {
    /// `arch/activation`.
    pub group: Group,
    /// Network × context curves averaged.
    pub curves: usize,
    /// Mean response (over the full response) keeping the m largest modes, m = 1, 2, ...
    pub response_by_modes: Vec<f64>,
    /// Fewest modes giving the full response within 10 %.
    pub modes_for_response: Option<Quartiles>,
    /// What the group's lines are like.
    pub lines: LineSummary,
    /// (τ/T, coverage) of every network's every context: the verdict's two memory measures.
    pub memory: Vec<(f64, f64)>,
}

/// Per group: the response by modes kept (averaged over networks and contexts), the modes
/// needed, the lines and every context's memory.
pub(super) fn groups(groups: BTreeMap<Group, Vec<&Topology>>) -> Vec<IntegrationGroup> {
    groups
        .into_iter()
        .map(|(group, ts)| {
            let scaffolds: Vec<_> = ts
                .iter()
                .filter_map(|t| match t {
                    Topology::Integration(s) => Some(s),
                    Topology::FlipFlop(_) | Topology::Sine(_) | Topology::Arrays(_) => None,
                })
                .collect();
            let memory = scaffolds
                .iter()
                .flat_map(|s| &s.contexts)
                .filter_map(|c| Some((c.tau_trials?, c.line.as_ref()?.coverage)))
                .collect();
            let contexts: Vec<_> = scaffolds
                .iter()
                .flat_map(|s| &s.contexts)
                .filter(|c| !c.response_by_modes.is_empty())
                .collect();
            let modes = contexts
                .iter()
                .map(|c| c.response_by_modes.len())
                .min()
                .unwrap_or(0);
            let n = contexts.len().max(1) as f64;
            IntegrationGroup {
                group,
                curves: contexts.len(),
                response_by_modes: (0..modes)
                    .map(|m| contexts.iter().map(|c| c.response_by_modes[m]).sum::<f64>() / n)
                    .collect(),
                modes_for_response: Quartiles::of(
                    contexts
                        .iter()
                        .filter_map(|c| c.modes_for_response.map(|m| m as f64)),
                ),
                lines: LineSummary::of(scaffolds.iter().copied()),
                memory,
            }
        })
        .collect()
}

/// The response of the linearised network by modes kept, a line per cell.
pub(super) fn modes(groups: &[IntegrationGroup]) -> Option<Named> {
    if groups.is_empty() {
        return None;
    }
    let rows: Vec<_> = groups
        .iter()
        .map(|g| (g.group, g.response_by_modes.clone(), None))
        .collect();
    Some(Named {
        name: "integration-modes".into(),
        caption: "Response of the linearised network to a unit cued input over a \
                  trial, keeping only its m slowest modes, over the full response \
                  (mean over networks and contexts). The study: vanilla networks \
                  integrate with one mode, gated ones spread it over several."
            .into(),
        figure: Figure::Plot(Plot {
            title: "Integration: response by modes kept".into(),
            columns: 2,
            legend: group_legend(groups.iter().map(|g| g.group), false),
            panels: by_activation(
                &rows,
                "modes kept (slowest first)",
                "response / full response",
                1.0,
            ),
        }),
    })
}

/// Every context's slow time constant and line extent by cell, against the verdict's
/// thresholds.
pub(super) fn lines(groups: &[IntegrationGroup]) -> Option<Named> {
    if groups.iter().all(|g| g.memory.is_empty()) {
        return None;
    }
    let names: Vec<String> = groups.iter().map(|g| g.group.to_string()).collect();
    let thresholds = LineThresholds::STUDY;
    let top_coverage = groups
        .iter()
        .flat_map(|g| g.memory.iter().map(|m| m.1))
        .fold(1.0, f64::max)
        * 1.05;
    let panel = |title: &str, y: Axis, pick: fn(&(f64, f64)) -> f64, threshold: f64| {
        let mut series: Vec<Series> = groups
            .iter()
            .enumerate()
            .map(|(k, g)| Series {
                colour: arch_colour(g.group.arch),
                mark: Mark::Points(activation_shape(g.group.activation), 4),
                points: g
                    .memory
                    .iter()
                    .enumerate()
                    // Spread a group's contexts across its slot so they do not hide each other.
                    .map(|(i, m)| {
                        let spread = (i as f64 / g.memory.len().max(1) as f64 - 0.5) * 0.5;
                        (k as f64 + spread, pick(m))
                    })
                    .collect(),
            })
            .collect();
        series.push(Series {
            colour: Colour::GREY,
            mark: Mark::Line(1),
            points: vec![(-0.5, threshold), (groups.len() as f64 - 0.5, threshold)],
        });
        Panel {
            title: title.into(),
            x: Axis {
                categories: names.clone(),
                ..Axis::linear("cell/activation")
            },
            y,
            equal_aspect: false,
            series,
        }
    };
    Some(Named {
        name: "integration-lines".into(),
        caption: format!(
            "Every network's line attractor in each context: the slow mode's time constant \
             τ in trials (log scale; capped at 1000) and the line's readout extent over the \
             context's target range. Grey: the verdict's thresholds (τ ≥ {} T, coverage ≥ {}); \
             docs/SCIENCE.md says why.",
            thresholds.tau_trials, thresholds.coverage
        ),
        figure: Figure::Plot(Plot {
            title: "Integration: the line attractors' memory and extent".into(),
            columns: 1,
            legend: group_legend(groups.iter().map(|g| g.group), false),
            panels: vec![
                panel(
                    "slow time constant",
                    Axis::log("τ / trial length"),
                    |m| m.0.min(1e3),
                    thresholds.tau_trials,
                ),
                panel(
                    "line extent",
                    Axis::linear("readout extent / target range").within(0.0, top_coverage),
                    |m| m.1,
                    thresholds.coverage,
                ),
            ],
        }),
    })
}
