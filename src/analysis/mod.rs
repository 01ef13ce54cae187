//! Analyses of trained networks, in f64 on the maps of `net`: the fixed and slow points of
//! F(·, x*), their linearisation, the scaffold they form (PAPER.md, Analyses 2 to 4), and the
//! geometry of their states compared by SVCCA and shape metrics (Analysis 1).

mod adam_reference;
mod collector;
mod fixed_points;
mod linearisation;
mod network_points;
mod newton;
mod point_index;
pub mod similarity;
pub mod topology;

pub use adam_reference::{adam_fixed_points, AdamOutcome, AdamReference};
pub use fixed_points::{find_fixed_points, starts_from_states, FixedPoint, FixedPointOptions};
pub use linearisation::{linearise_at, Linearisation};
pub use network_points::{network_fixed_points, visited_states, InputPoints, NetworkFixedPoints};
pub use point_index::PointIndex;
pub use topology::{topology_of, Topology, TOPOLOGY_VERSION};
