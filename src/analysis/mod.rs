//! Analyses of trained networks, in f64 on the maps of `net`: the fixed and slow points of
//! F(·, x*), their linearisation, the scaffold they form (docs/SCIENCE.md, analyses 2 to 4),
//! and the geometry of their states compared by SVCCA and shape metrics (analysis 1).

pub mod fixed_points;
mod linearisation;
pub mod median;
pub mod similarity;
pub mod topology;

pub use fixed_points::{
    adam_fixed_points, find_fixed_points, find_fixed_points_until, network_fixed_points,
    starts_from_states, visited_states, AdamOutcome, AdamReference, FixedPoint, FixedPointOptions,
    InputPoints, NetworkFixedPoints, PointIndex,
};
pub use linearisation::{linearise_at, Linearisation};
pub use topology::{topology_of, Topology, TOPOLOGY_VERSION};
