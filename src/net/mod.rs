//! The four recurrent cells × two activations: parameters, the batched f32 forward pass and its
//! hand-written BPTT, and the f64 map F(h, x) with exact Jacobians for the analyses. The cell
//! equations live once, in [`cell`], and every path runs them.

mod cell;
mod map;
mod matmul;
mod nonlinearity;
mod params;
pub mod profile;
mod scalar;
mod sequence;
pub mod simd;
mod spec;
mod thin;
mod widening;

pub use cell::{GateFree, HELD_GATE};
pub use map::{CellMap, Jacobians};
pub use params::{Layout, Params};
pub use scalar::Scalar;
pub use sequence::{backward, forward, matmul_flops_per_iteration, mse, Tape};
pub use spec::{Activation, Arch, Group, NetSpec};
