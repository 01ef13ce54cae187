//! The client side of a Slurm cluster: calling its commands (`sbatch`, `squeue`, `sacct`,
//! `scancel`) with timeouts, and the manifest a submission writes into its sweep folder.
//! The operations (submit, collect, status, the array task's worker) are in `lab/slurm/`.
//!
//! May use: `experiment`, `files`, `store` (row types), `net`, `train`, the crate's error.

mod cluster;
mod manifest;

pub use cluster::{Cluster, QueueEntry};
pub use manifest::{Manifest, ManifestNetwork};
