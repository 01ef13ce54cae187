//! What each task's scaffold should be, checked on a population: the numbers of the report's
//! task section and their figures, one file per task. A new task is a new variant of
//! [`TaskCheck`] and a file here; `task_check` and `task_figure` match without a catch-all, so
//! the compiler lists every place it must be handled.

mod flipflop;
mod integration;
mod sine;

use std::collections::BTreeMap;

use serde::Serialize;

pub use integration::IntegrationGroup;
pub use sine::SineGroup;

use super::figures::Named;
use crate::analysis::Topology;
use crate::net::Group;
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
}

impl TaskCheck {
    /// Per group, the share of networks with the ideal scaffold, for tasks that have one.
    pub fn ideal_shares(&self) -> Option<&[IdealShare]> {
        match self {
            TaskCheck::FlipFlop { groups } | TaskCheck::Integration { ideal: groups, .. } => {
                Some(groups)
            }
            TaskCheck::Sine { .. } => None,
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
    }
}

/// The figure of the task's check, if there is anything to draw.
pub fn task_figure(check: &TaskCheck) -> Option<Named> {
    match check {
        TaskCheck::FlipFlop { groups } => flipflop::ideal_cube(groups),
        TaskCheck::Sine { groups } => sine::frequencies(groups),
        TaskCheck::Integration { groups, .. } => integration::modes(groups),
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
        TaskCheck::FlipFlop { .. } | TaskCheck::Sine { .. } => counts(),
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
