//! What the command line runs: training one network, benchmarks, saved networks; later, sweeps
//! planned from experiment files into the notebook and the worker pool.

mod bench;
mod error;
pub mod network_file;
mod train_one;

pub use bench::{bench_train, BenchRequest, BenchRow};
pub use error::LabError;
pub use train_one::{train_one, TrainReport, TrainRequest};
