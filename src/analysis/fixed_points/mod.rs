//! Fixed and slow points of a network's map at a constant input: F(h*, x*) = h*
//! (docs/SCIENCE.md, "Fixed points").
//!
//! Each start is driven to a root of r(h) = F(h, x*) − h by Newton steps on J − I (J = ∂F/∂h
//! from `CellMap`, steered in f32, polished in exact f64) with a line search, and
//! Levenberg–Marquardt steps where J − I is singular or Newton fails, so convergence is
//! quadratic near a root and still safe elsewhere. Three things make 1024 starts cheap: a
//! descent stops as soon as it comes within the merge distance of a fixed point already found
//! (most starts end at a few attractors), a factorised J − I is reused while it keeps
//! converging, and a descent whose q stalls (a slow region) is ended rather than run to the
//! iteration limit. Points are kept if q = ½‖r‖² and the gate-free residual are below the
//! slow-point tolerance, labelled converged below the fixed-point tolerance, merged within a
//! distance (lowest q wins). Pseudo fixed points are counted, not kept: outside the region a
//! network can reach (farther from the starts' centroid than `outlier_factor` × their mean
//! distance, FixedPointFinder's rule; farther from the visited states than `region_factor` ×
//! their radius; for tanh cells outside the box |h_i| < 1), or with q small only because a
//! saturated update gate holds a unit (F(h) ≈ h there for any h) while the gate-free relation
//! h = c fails.

mod adam_reference;
mod collector;
mod known;
mod lu;
mod network;
mod newton;
mod point;
mod point_index;
mod search;

pub use adam_reference::{adam_fixed_points, AdamOutcome, AdamReference};
pub use network::{network_fixed_points, visited_states, InputPoints, NetworkFixedPoints};
pub use point::{FixedPoint, FixedPointOptions};
pub use point_index::PointIndex;
pub use search::{find_fixed_points, find_fixed_points_until, starts_from_states, FoundPoints};
