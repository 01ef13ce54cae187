//! Benchmarks (`rnnlab bench ...`): training, the notebook, fixed points, similarity, the
//! report; and the
//! timing helpers they share with the terminal notebook's benchmark.

use std::time::Instant;

use crate::lab::LabError;

mod dsa;
mod fixed_points;
mod machine;
mod notebook;
mod report;
mod similarity;
mod train;

pub use dsa::{bench_dsa, DsaBench, DsaPopulation};
pub use fixed_points::{
    bench_fixed_points, BenchNetworks, FixedPointBench, FixedPointBenchRequest,
};
pub use machine::Machine;
pub use notebook::{bench_notebook, bench_notebook_at, NotebookBench};
pub use report::{bench_report, store_random_distances, ReportBench};
pub use similarity::{bench_similarity, SimilarityBench};
pub use train::{bench_train, gemm_peak_gflops, BenchRequest, BenchRow, ProductRow, TrainBench};

/// Median milliseconds of `repeats` (at least one) runs of `f`.
pub fn median_ms<E>(repeats: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<f64, E> {
    let mut times = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(crate::lab::stats::Stats::of(times).median)
}

/// A scratch directory for a benchmark's files, removed when dropped.
pub struct ScratchDir(pub std::path::PathBuf);

impl ScratchDir {
    /// A fresh directory under the system's temporary one.
    pub fn new(what: &str) -> Result<ScratchDir, LabError> {
        let dir = std::env::temp_dir().join(format!("rnnlab-{what}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| LabError::Io {
            path: dir.clone(),
            source,
        })?;
        Ok(ScratchDir(dir))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
