//! What each task's scaffold should be, checked on a population: the numbers of the report's
//! task section and their figures, one file per task. A new task is a new variant of
//! [`TaskCheck`] and a file here; `task_check` and `task_figure` match without a catch-all, so
//! the compiler lists every place it must be handled.

mod arrays;
mod flipflop;
mod integration;
mod sine;

use std::collections::BTreeMap;

use serde::Serialize;

pub use arrays::Recurrence;
pub use integration::IntegrationGroup;
pub use sine::SineGroup;

use super::figures::{arch_colour, Named};
use crate::analysis::Topology;
use crate::net::Group;
use crate::plot::{Axis, Figure, Mark, Panel, Plot, Series};
use crate::task::TaskKind;

/// One group's share of networks with the ideal scaffold.
#[derive(Clone, Debug, Serialize)]
pub struct IdealShare {
    /// `arch/activation`.
    pub group: Group,
    /// Networks with a scaffold.
    pub networks: usize,
    /// Of which ideal.
    pub ideal: usize,
}

/// The task's own check.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum TaskCheck {
    /// Share of networks with the ideal cube.
    FlipFlop {
        /// Per group.
        groups: Vec<IdealShare>,
    },
    /// Linearised frequency against the target.
    Sine {
        /// Per group.
        groups: Vec<SineGroup>,
    },
    /// Response by modes kept.
    Integration {
        /// Per group.
        groups: Vec<IntegrationGroup>,
        /// Share of networks with the ideal scaffold, per group.
        ideal: Vec<IdealShare>,
    },
    /// A task given as arrays: how often the same scaffold recurs.
    Arrays {
        /// The recurrence of scaffolds.
        recurrence: Recurrence,
    },
}

impl TaskCheck {
    /// Per group, the share of networks with the ideal scaffold, for tasks that have one.
    pub fn ideal_shares(&self) -> Option<&[IdealShare]> {
        match self {
            TaskCheck::FlipFlop { groups } | TaskCheck::Integration { ideal: groups, .. } => {
                Some(groups)
            }
            TaskCheck::Sine { .. } | TaskCheck::Arrays { .. } => None,
        }
    }
}

/// The check of `task` on the networks' scaffolds, each with its group.
pub fn task_check(task: TaskKind, descriptors: &[(Group, Topology)]) -> TaskCheck {
    let mut groups: BTreeMap<Group, Vec<&Topology>> = BTreeMap::new();
    for (g, t) in descriptors {
        groups.entry(*g).or_default().push(t);
    }
    match task {
        TaskKind::FlipFlop => TaskCheck::FlipFlop {
            groups: ideal_shares(descriptors),
        },
        TaskKind::Sine => TaskCheck::Sine {
            groups: sine::groups(groups),
        },
        TaskKind::Integration => TaskCheck::Integration {
            ideal: ideal_shares(descriptors),
            groups: integration::groups(groups),
        },
        TaskKind::Arrays => TaskCheck::Arrays {
            recurrence: arrays::recurrence(descriptors),
        },
    }
}

/// The figure of the task's check, if there is anything to draw.
pub fn task_figure(check: &TaskCheck) -> Option<Named> {
    match check {
        TaskCheck::FlipFlop { groups } => flipflop::ideal_cube(groups),
        TaskCheck::Sine { groups } => sine::frequencies(groups),
        TaskCheck::Integration { groups, .. } => integration::modes(groups),
        TaskCheck::Arrays { recurrence } => arrays::common_scaffold(recurrence),
    }
}

/// The figure of where the fixed points lie: points along lines are drawn as lines (their count
/// says little); isolated points are counted by stability (`counts`).
pub fn fixed_point_figure(
    check: &TaskCheck,
    counts: impl FnOnce() -> Option<Named>,
) -> Option<Named> {
    match check {
        TaskCheck::Integration { groups, .. } => integration::lines(groups),
        TaskCheck::FlipFlop { .. } | TaskCheck::Sine { .. } | TaskCheck::Arrays { .. } => counts(),
    }
}

/// Per group, how many networks have a scaffold and how many the ideal one.
fn ideal_shares(descriptors: &[(Group, Topology)]) -> Vec<IdealShare> {
    let mut groups: BTreeMap<Group, (usize, usize)> = BTreeMap::new();
    for (g, t) in descriptors {
        let e = groups.entry(*g).or_default();
        e.0 += 1;
        e.1 += usize::from(t.ideal());
    }
    groups
        .into_iter()
        .map(|(group, (networks, ideal))| IdealShare {
            group,
            networks,
            ideal,
        })
        .collect()
}

/// A figure `name` of bars, one per group: the share of its networks counted in `ideal`.
fn share_bars(
    groups: &[IdealShare],
    name: &str,
    caption: String,
    title: &str,
    y_label: &str,
) -> Option<Named> {
    if groups.is_empty() {
        return None;
    }
    Some(Named {
        name: name.into(),
        caption,
        figure: Figure::Plot(Plot {
            title: title.into(),
            columns: 1,
            legend: Vec::new(),
            panels: vec![Panel {
                title: String::new(),
                x: Axis {
                    categories: groups.iter().map(|g| g.group.to_string()).collect(),
                    ..Axis::linear("cell/activation")
                },
                y: Axis::linear(y_label).within(0.0, 1.05),
                equal_aspect: false,
                series: groups
                    .iter()
                    .enumerate()
                    .map(|(k, g)| Series {
                        colour: arch_colour(g.group.arch),
                        mark: Mark::Bars(0.6),
                        points: vec![(k as f64, g.ideal as f64 / g.networks.max(1) as f64)],
                    })
                    .collect(),
            }],
        }),
    })
}
