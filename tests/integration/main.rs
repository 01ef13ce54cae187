//! Every integration test in one binary: one link instead of one per file, which is most of what
//! a fresh `cargo test --release` spends building. Each module is the tests of one part;
//! `common` holds their shared helpers. (`tests/slurm_fake.rs` stays a binary of its own: it
//! puts fake Slurm commands on the process's PATH, which the real cluster's tests here read.)

mod common;

mod analysis;
mod cell_derivatives;
mod cli;
mod fixed_points;
mod import;
mod pseudo_points;
mod reliability;
mod report;
mod similarity;
mod slurm;
mod sweep;
mod topology;
mod training;
mod tui;
