//! Each network's computational scaffold (docs/SCIENCE.md) as a versioned
//! descriptor, whether it is the ideal one for its task, and a distance between networks of the
//! same task. Definitions (README, "Topology"):
//! - flip-flop: the labelled graph of fixed points and heteroclinic orbits ([`flipflop`]);
//! - sine: per static input, linearised frequency and limit cycle ([`sine`]);
//! - integration: per context, the line attractor and its linear response ([`integration`]);
//! - a task given as arrays: per constant input, the labelled graph of fixed points and
//!   heteroclinic orbits, with no ideal ([`graph`]).

mod flipflop;
mod flow;
mod graph;
mod integration;
mod sine;

pub use flipflop::{
    flipflop_scaffold, ideal_descriptor, multiset_distance, FlipFlopScaffold, Node, ZERO_BAND,
};
pub use flow::settle;
pub use graph::{graph_scaffold, most_common, GraphScaffold, InputGraph, SlowLine};
pub use integration::{
    integration_scaffold, AttractorLine, IntegrationContext, IntegrationScaffold, LineThresholds,
};
pub use sine::{period_of, sine_scaffold, SineInput, SineScaffold};

use serde::{Deserialize, Serialize};

use super::InputPoints;
use crate::net::CellMap;
use crate::task::Task;

/// Version of the descriptors and distances; stored with every descriptor, bumped whenever a
/// definition changes so old and new are never compared (2: pseudo fixed points, rejected by
/// the gate-free and region rules, are no longer nodes; 3: integration reads its line from
/// fixed and slow points, with thresholds from the task; 4: integration's line is also read from
/// the probe states the network holds over a trial, and linearised along it; 5: integration's
/// memory τ/T is measured from the first input's weight in the final readout, the linearised
/// one kept beside it).
pub const TOPOLOGY_VERSION: u32 = 5;

/// A network's scaffold, by task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "lowercase")]
pub enum Topology {
    /// The flip-flop graph.
    FlipFlop(FlipFlopScaffold),
    /// The sine descriptor.
    Sine(SineScaffold),
    /// The integration descriptor.
    Integration(IntegrationScaffold),
    /// The graphs of a task given as arrays.
    Arrays(GraphScaffold),
}

/// The scaffold of a network of `task` from its fixed points at each constant input.
pub fn topology_of(task: &Task, map: &CellMap, inputs: &[InputPoints]) -> Topology {
    match task {
        Task::FlipFlop(_) => {
            let points: Vec<_> = inputs.iter().flat_map(|i| i.points.clone()).collect();
            Topology::FlipFlop(flipflop_scaffold(map, &points))
        }
        Task::Sine(t) => Topology::Sine(sine_scaffold(map, inputs, |x| {
            t.frequency_min + t.frequency_span * x
        })),
        Task::Integration(_) => {
            Topology::Integration(integration_scaffold(map, inputs, &task.probe_batch()))
        }
        Task::Arrays(_) => Topology::Arrays(graph_scaffold(map, inputs)),
    }
}

impl Topology {
    /// The scaffold is the task's ideal one (a task given as arrays has none: false).
    pub fn ideal(&self) -> bool {
        match self {
            Topology::FlipFlop(s) => s.ideal,
            Topology::Sine(s) => s.ideal,
            Topology::Integration(s) => s.ideal,
            Topology::Arrays(_) => false,
        }
    }

    /// The distance to the task's ideal scaffold (0 for the ideal one; 0 too for a task given
    /// as arrays, which has no ideal: its networks are compared with each other).
    pub fn distance_to_ideal(&self) -> f64 {
        match self {
            Topology::FlipFlop(s) => s.distance_to_ideal,
            Topology::Sine(s) => s.distance_to_ideal,
            Topology::Integration(s) => s.distance_to_ideal,
            Topology::Arrays(_) => 0.0,
        }
    }

    /// The topology distance to another network's scaffold; None across tasks or shapes.
    /// Flip-flop: the size of the symmetric difference of the labelled node and edge multisets.
    /// Sine and integration: the mean L1 distance of the per-input (per-context) features.
    pub fn distance(&self, other: &Topology) -> Option<f64> {
        let mean_l1 = |a: Vec<Vec<f64>>, b: Vec<Vec<f64>>| {
            (a.len() == b.len() && !a.is_empty()).then(|| {
                a.iter()
                    .zip(&b)
                    .map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()).sum::<f64>())
                    .sum::<f64>()
                    / a.len() as f64
            })
        };
        match (self, other) {
            (Topology::FlipFlop(a), Topology::FlipFlop(b)) => {
                (a.bits == b.bits).then(|| multiset_distance(&a.descriptor(), &b.descriptor()))
            }
            (Topology::Sine(a), Topology::Sine(b)) => {
                let f = |s: &SineScaffold| s.inputs.iter().map(|i| i.features().to_vec()).collect();
                mean_l1(f(a), f(b))
            }
            (Topology::Integration(a), Topology::Integration(b)) => {
                let f = |s: &IntegrationScaffold| {
                    s.contexts.iter().map(|c| c.features().to_vec()).collect()
                };
                mean_l1(f(a), f(b))
            }
            (Topology::Arrays(a), Topology::Arrays(b)) => a.distance(b),
            _ => None,
        }
    }
}
