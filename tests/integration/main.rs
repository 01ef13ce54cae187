//! Every integration test in one binary: one link instead of one per file, which is most of what
//! a fresh `cargo test --release` spends building. Each module is the tests of one part;
//! `common` holds their shared helpers. Tests here share a process: none may change its
//! environment or working directory (the fake Slurm commands reach rnnlab through
//! `Cluster::path` and child processes' environments).

mod common;

mod analysis;
mod architecture;
mod arrays_task;
mod cell_derivatives;
mod cli;
mod dsa;
mod fixed_points;
mod fuzz;
mod hostile;
mod import;
mod pseudo_points;
mod recordings;
mod reliability;
mod report;
mod similarity;
mod slurm;
mod slurm_fake;
mod sweep;
mod topology;
mod training;
mod tui;
