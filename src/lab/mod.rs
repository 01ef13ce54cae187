//! What the command line runs: training one network, benchmarks, saved networks; later, sweeps
//! planned from experiment files into the notebook and the worker pool.

pub mod analyse;
mod bench;
mod bench_fixed_points;
mod bench_similarity;
pub mod compare;
pub mod detach;
mod error;
pub mod experiment;
pub mod export;
pub mod export_fixed_points;
pub mod export_similarity;
pub mod fixed_points;
pub mod network_file;
mod npz;
mod pool;
pub mod progress;
pub mod status;
pub mod stored;
pub mod sweep;
pub mod topology;
mod train_one;

pub use bench::{
    bench_notebook, bench_notebook_at, bench_table, bench_train, median_ms, BenchRequest, BenchRow,
    NotebookBench, ScratchDir,
};
pub use bench_fixed_points::{bench_fixed_points, BenchNetworks, FixedPointBench};
pub use bench_similarity::{bench_similarity, SimilarityBench};
pub use error::LabError;
pub use train_one::{train_one, TrainReport, TrainRequest};
