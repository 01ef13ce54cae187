//! What the commands run, above the pure computation: experiment files, sweeps and their
//! worker pool, analysis runs, comparisons, status, exports, benchmarks, detached runs and
//! saved networks. The command line (`src/cli/`) and the terminal notebook call into here.

pub mod analyse;
pub mod bench;
pub mod compare;
pub mod detach;
pub mod estimate;
pub mod export;
pub mod fixed_points;
pub mod import;
pub mod lines;
pub mod notebook;
mod pool;
pub mod population;
pub mod recordings;
pub mod report;
pub mod slurm;
pub mod stats;
pub mod status;
pub mod sweep;
pub mod task_show;
pub mod topology;
mod train_one;

pub use crate::LabError;
pub use train_one::{train_one, TrainReport, TrainRequest};

/// How a value that does not exist (yet) is shown in tables and panes.
pub const MISSING: &str = "—";

/// Threads a parallel command uses unless told: the cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
