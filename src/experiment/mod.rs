//! What a population is before it is trained: experiment files (a task, a grid over
//! architecture × activation × units × L2, seeds, training and analysis settings), the settings
//! they may override, the experiments shipped with rnnlab, and the sizes checked before anything
//! is allocated.
//!
//! May use: `task`, `net`, `train`, `analysis` (their settings), `store` (the rows a plan writes),
//! `files`, the crate's error.

pub mod builtin;
mod file;
pub mod fingerprint;
pub mod limits;
pub mod settings;
pub mod task_file;

pub use file::*;
