//! `rnnlab bench similarity`: the cost of comparing a population by SVCCA, angular CCA and Procrustes:
//! per-network reduction (probe states + PCA) and all pairs, with the process's peak memory.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::analysis::similarity::{pairwise, reduce, ReductionOptions, StateProbe};
use crate::lab::compare::settings_key;
use crate::lab::LabError;
use crate::net::{Activation, Arch, NetSpec, Params};
use crate::store::{Notebook, SimilarityPair};
use crate::task::{FlipFlop, Task};

/// What `rnnlab bench similarity` measured.
#[derive(Clone, Debug, Serialize)]
pub struct SimilarityBench {
    /// Networks compared.
    pub networks: usize,
    /// Hidden units of each.
    pub units: usize,
    /// Rows of each state matrix (probe trials × steps).
    pub rows: usize,
    /// Threads for the pairs.
    pub threads: usize,
    /// Median milliseconds per network: probe states and their reduction.
    pub reduction_ms_median: f64,
    /// Mean components kept.
    pub mean_components: f64,
    /// Pairs compared.
    pub pairs: usize,
    /// Seconds for every pair (all three metrics).
    pub pairwise_seconds: f64,
    /// Peak resident memory of the process, MiB (Linux; 0 elsewhere).
    pub peak_memory_mib: f64,
    /// With `--store`: the matrices written into a notebook and read back by the terminal
    /// notebook's similarity pane.
    pub stored: Option<StoredMatrices>,
}

/// The comparison's way through the notebook (`bench similarity --store`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct StoredMatrices {
    /// Seconds to write every pair (all three metrics) in one transaction.
    pub store_seconds: f64,
    /// How much the notebook file (with its WAL) grew, MiB.
    pub notebook_growth_mib: f64,
    /// Milliseconds of the similarity pane's first poll: every pair read, MDS, separability.
    pub pane_first_poll_ms: f64,
    /// Milliseconds to draw that pane's first frame.
    pub pane_frame_ms: f64,
    /// Milliseconds of the next frame (the heat map remembered).
    pub pane_later_frame_ms: f64,
}

/// Bytes of a notebook file and its write-ahead log.
fn notebook_bytes(db: &Path) -> u64 {
    let wal = std::path::PathBuf::from(format!("{}-wal", db.display()));
    [db, wal.as_path()]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Builds `networks` freshly initialised flip-flop networks (the four cells in turn, seeded),
/// reduces each network's probe states, then compares every pair on `threads` threads. With
/// `store_in`, a notebook of as many trained networks is made there and every pair written into
/// it as a finished sweep would (the pane's figures are left for the caller to fill).
pub fn bench_similarity(
    networks: usize,
    units: usize,
    threads: usize,
    store_in: Option<&Path>,
) -> Result<SimilarityBench, LabError> {
    if networks < 2 || units == 0 || threads == 0 {
        return Err(LabError::Invalid(
            "--networks must be at least 2, --units and --threads at least 1".into(),
        ));
    }
    let task = Task::FlipFlop(FlipFlop::default());
    let options = ReductionOptions::default();
    let archs = [Arch::Vanilla, Arch::Ugrnn, Arch::Gru, Arch::Lstm];
    let mut times = Vec::with_capacity(networks);
    let mut reductions = Vec::with_capacity(networks);
    let mut rows = 0;
    let mut probe = StateProbe::new(&task);
    for k in 0..networks {
        let spec = NetSpec::for_task(&task, archs[k % 4], Activation::Tanh, units);
        let params = Params::<f32>::init(spec, &mut ChaCha8Rng::seed_from_u64(k as u64));
        let t0 = Instant::now();
        let states = probe
            .states(&params, false)
            .ok_or_else(|| LabError::Invalid("non-finite probe states".into()))?;
        rows = states.nrows();
        let r = reduce(states.view(), &options)
            .ok_or_else(|| LabError::Invalid("constant probe states".into()))?;
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        reductions.push(r);
    }
    times.sort_by(f64::total_cmp);
    let pairs: Vec<(usize, usize)> = (0..networks)
        .flat_map(|i| (i + 1..networks).map(move |j| (i, j)))
        .collect();
    let t0 = Instant::now();
    let d = pairwise(&reductions, &pairs, threads);
    let pairwise_seconds = t0.elapsed().as_secs_f64();
    assert_eq!(d.len(), pairs.len());
    let stored = match store_in {
        None => None,
        Some(db) => {
            super::bench_notebook_at(db, networks)?;
            let notebook = Notebook::open(db)?;
            let experiment = notebook.experiment("bench")?;
            // The bench notebook's networks are numbered 1..=n in order.
            let rows: Vec<SimilarityPair> = pairs
                .iter()
                .zip(&d)
                .map(|(&(i, j), &d)| (i as i64 + 1, j as i64 + 1, d))
                .collect();
            let before = notebook_bytes(db);
            let t0 = Instant::now();
            notebook.store_similarity(experiment.id, &settings_key(&options), &rows)?;
            let store_seconds = t0.elapsed().as_secs_f64();
            drop(notebook);
            Some(StoredMatrices {
                store_seconds,
                notebook_growth_mib: notebook_bytes(db).saturating_sub(before) as f64
                    / (1024.0 * 1024.0),
                ..StoredMatrices::default()
            })
        }
    };
    Ok(SimilarityBench {
        networks,
        units,
        rows,
        threads,
        reduction_ms_median: times[times.len() / 2],
        mean_components: reductions.iter().map(|r| r.components()).sum::<usize>() as f64
            / networks as f64,
        pairs: pairs.len(),
        pairwise_seconds,
        peak_memory_mib: peak_memory_mib(),
        stored,
    })
}

impl fmt::Display for SimilarityBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} networks, N = {}, {} state rows each, {:.1} components kept on average",
            self.networks, self.units, self.rows, self.mean_components
        )?;
        writeln!(
            f,
            "reduction (probe states + PCA): {:.2} ms per network (median)",
            self.reduction_ms_median
        )?;
        writeln!(
            f,
            "all {} pairs, SVCCA + angular CCA + Procrustes, {} threads: {:.1} s",
            self.pairs, self.threads, self.pairwise_seconds
        )?;
        writeln!(f, "peak memory: {:.0} MiB", self.peak_memory_mib)?;
        if let Some(s) = &self.stored {
            writeln!(
                f,
                "into a notebook: {:.1} s to store every pair, the file grew {:.0} MiB; the \
                 similarity pane's first poll {:.0} ms (every pair read, MDS, separability), \
                 first frame {:.2} ms, later frames {:.2} ms",
                s.store_seconds,
                s.notebook_growth_mib,
                s.pane_first_poll_ms,
                s.pane_frame_ms,
                s.pane_later_frame_ms
            )?;
        }
        Ok(())
    }
}
