//! rnnlab: train populations of recurrent networks on neuroscience tasks and study what they
//! have in common (Maheswaranathan et al., NeurIPS 2019). The layers: docs/ARCHITECTURE.md; the
//! science: docs/SCIENCE.md.
#![warn(missing_docs)]

pub mod analysis;
pub mod cli;
pub mod lab;
pub mod net;
pub mod store;
pub mod task;
pub mod train;
pub mod tui;
