//! A task given as arrays has no ideal scaffold, so the study's question — universal scaffold
//! or not — is asked of recurrence: how many networks share the population's most common
//! scaffold, in every cell, and whether networks of one cell are closer in topology to each
//! other than to networks of other cells.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{share_bars, IdealShare};
use crate::analysis::topology::{most_common, GraphScaffold, Topology};
use crate::lab::report::figures::Named;
use crate::lab::stats::Quartiles;
use crate::net::Group;

/// How often the same scaffold recurs across a population.
#[derive(Clone, Debug, Serialize)]
pub struct Recurrence {
    /// The population's most common scaffold, in one line (per constant input, its nodes
    /// `class:pattern` and transitions `from > to`).
    pub common: String,
    /// Networks with it, of all with a scaffold.
    pub with_common: usize,
    /// Networks with a scaffold.
    pub networks: usize,
    /// Distinct scaffolds.
    pub distinct: usize,
    /// Per group: its networks, and (as `ideal`) how many have the common scaffold.
    pub groups: Vec<IdealShare>,
    /// Mean topology distance between networks of the same cell (architecture × activation).
    pub same_cell: Option<f64>,
    /// Mean topology distance between networks of different cells.
    pub other_cells: Option<f64>,
    /// Per group, the quartiles over its networks and constant inputs of the slowest stable
    /// mode's time constant in steps (how long a network holds what it holds there).
    pub memory_steps: Vec<(Group, Option<Quartiles>)>,
}

/// The recurrence of scaffolds among the networks' graphs.
pub(super) fn recurrence(descriptors: &[(Group, Topology)]) -> Recurrence {
    let graphs: Vec<(Group, &GraphScaffold)> = descriptors
        .iter()
        .filter_map(|(g, t)| match t {
            Topology::Arrays(s) => Some((*g, s)),
            Topology::FlipFlop(_) | Topology::Sine(_) | Topology::Integration(_) => None,
        })
        .collect();
    let signatures: Vec<String> = graphs.iter().map(|(_, s)| s.signature()).collect();
    let (common, with_common) =
        most_common(&signatures).map_or((String::new(), 0), |(s, n)| (s.to_string(), n));
    let distinct = signatures
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut groups: BTreeMap<Group, (usize, usize)> = BTreeMap::new();
    for ((g, _), s) in graphs.iter().zip(&signatures) {
        let e = groups.entry(*g).or_default();
        e.0 += 1;
        e.1 += usize::from(*s == common);
    }
    let (mut same, mut other) = (Vec::new(), Vec::new());
    for i in 0..graphs.len() {
        for j in i + 1..graphs.len() {
            if let Some(d) = graphs[i].1.distance(graphs[j].1) {
                if graphs[i].0 == graphs[j].0 {
                    same.push(d);
                } else {
                    other.push(d);
                }
            }
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let mut memory: BTreeMap<Group, Vec<f64>> = BTreeMap::new();
    for (g, s) in &graphs {
        memory
            .entry(*g)
            .or_default()
            .extend(s.inputs.iter().filter_map(|i| i.memory_steps));
    }
    Recurrence {
        common,
        with_common,
        networks: graphs.len(),
        distinct,
        groups: groups
            .into_iter()
            .map(|(group, (networks, ideal))| IdealShare {
                group,
                networks,
                ideal,
            })
            .collect(),
        same_cell: mean(&same),
        other_cells: mean(&other),
        memory_steps: memory
            .into_iter()
            .map(|(g, v)| (g, Quartiles::of(v)))
            .collect(),
    }
}

/// The share of each group's networks with the population's most common scaffold.
pub(super) fn common_scaffold(r: &Recurrence) -> Option<Named> {
    share_bars(
        &r.groups,
        "common-scaffold",
        format!(
            "Share of each cell's networks whose scaffold (fixed points by stability and \
             readout sign, and the transitions between them, at every constant input) is the \
             population's most common one, held by {} of {} networks ({} distinct): {}",
            r.with_common, r.networks, r.distinct, r.common
        ),
        "The most common scaffold, by cell",
        "share of networks with the most common scaffold",
    )
}
