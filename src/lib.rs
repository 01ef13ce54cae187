//! rnnlab: train populations of recurrent networks on neuroscience tasks and study what they
//! have in common (Maheswaranathan et al., NeurIPS 2019). The layers: docs/ARCHITECTURE.md; the
//! science: docs/SCIENCE.md.
#![warn(missing_docs)]

pub mod analysis;
pub mod cli;
mod error;
pub mod experiment;
pub mod files;
pub mod lab;
pub mod net;
pub mod plot;
pub mod slurm;
pub mod store;
pub mod task;
pub mod train;
pub mod tui;

pub use error::LabError;
