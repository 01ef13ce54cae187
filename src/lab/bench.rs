//! `rnnlab bench train`: milliseconds per training iteration and the GFLOP/s of its products.

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::error::LabError;
use crate::net::{matmul_flops_per_iteration, Activation, Arch};
use crate::task::{FlipFlop, Task};
use crate::train::{net_spec, TrainConfig, Trainer};

/// One benchmark configuration.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct BenchRequest {
    /// Architecture.
    pub arch: Arch,
    /// Nonlinearity.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// Trials per batch.
    pub batch: usize,
    /// Steps per trial.
    pub time_steps: usize,
    /// Timed iterations (after warm-up).
    pub iters: usize,
}

/// One row of the benchmark table.
#[derive(Clone, Debug, Serialize)]
pub struct BenchRow {
    /// What was measured.
    #[serde(flatten)]
    pub request: BenchRequest,
    /// Median milliseconds per iteration (forward + BPTT + Adam, one thread).
    pub median_ms: f64,
    /// Fastest iteration, milliseconds.
    pub min_ms: f64,
    /// Floating-point operations of the matrix products per iteration.
    pub matmul_flops: f64,
    /// Matrix-product FLOPs divided by the median iteration time.
    pub gflops: f64,
}

/// Times training iterations on one fixed flip-flop batch, on this thread.
pub fn bench_train(request: &BenchRequest) -> Result<BenchRow, LabError> {
    if request.units == 0 || request.batch == 0 || request.time_steps == 0 || request.iters == 0 {
        return Err(LabError::Invalid(
            "--units, --batch, --time-steps and --iters must all be at least 1".into(),
        ));
    }
    let task = Task::FlipFlop(FlipFlop {
        time_steps: request.time_steps,
        ..FlipFlop::default()
    });
    let config = TrainConfig {
        batch: request.batch,
        ..TrainConfig::default()
    };
    let spec = net_spec(&task, request.arch, request.activation, request.units);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let batch = task.definition().batch(request.batch, &mut rng);
    let mut trainer = Trainer::new(spec, &config, request.time_steps, &mut rng);
    let warmup = (request.iters / 5).clamp(2, 20);
    for step in 0..warmup {
        trainer
            .iterate(&batch, step)
            .map_err(|d| LabError::Invalid(format!("benchmark diverged: {}", d.reason)))?;
    }
    let mut times = Vec::with_capacity(request.iters);
    for step in 0..request.iters {
        let t0 = Instant::now();
        let result = trainer.iterate(&batch, warmup + step);
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        result.map_err(|d| LabError::Invalid(format!("benchmark diverged: {}", d.reason)))?;
    }
    times.sort_by(f64::total_cmp);
    let median_ms = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        0.5 * (times[times.len() / 2 - 1] + times[times.len() / 2])
    };
    let matmul_flops = matmul_flops_per_iteration(spec, request.batch, request.time_steps);
    Ok(BenchRow {
        request: *request,
        median_ms,
        min_ms: times[0],
        matmul_flops,
        gflops: matmul_flops / (median_ms * 1e-3) / 1e9,
    })
}

/// What `rnnlab bench notebook` measured.
#[derive(Clone, Debug, Serialize)]
pub struct NotebookBench {
    /// Networks in the synthetic notebook.
    pub networks: usize,
    /// Seconds to plan them (one transaction).
    pub plan_seconds: f64,
    /// Median milliseconds to claim and then store one network with a realistic payload (a 64-unit
    /// GRU's weights and a 200-point curve): the notebook's cost per trained network.
    pub store_ms_per_network: f64,
    /// Median milliseconds of `ls --where 'arch = gru and final_loss < 1e-3' --sort final_loss`
    /// (first page of 50).
    pub ls_filter_sort_ms: f64,
    /// The same query's page at offset networks/2.
    pub ls_deep_page_ms: f64,
    /// Median milliseconds of `status`.
    pub status_ms: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median milliseconds of `repeats` (at least one) runs of `f`.
pub fn median_ms<E>(repeats: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<f64, E> {
    let mut times = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(median(times))
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

/// Builds a synthetic notebook of `networks` trained networks in a temporary file and times the
/// notebook operations a sweep and the TUI depend on.
pub fn bench_notebook(networks: usize) -> Result<NotebookBench, LabError> {
    let dir = ScratchDir::new("bench")?;
    bench_notebook_at(&dir.0.join("bench.db"), networks)
}

/// [`bench_notebook`] on a notebook file `db` that is kept (for benchmarks built on it).
pub fn bench_notebook_at(db: &std::path::Path, networks: usize) -> Result<NotebookBench, LabError> {
    use crate::store::{ListQuery, NetState, NewNetwork, Notebook, Outcome, Role};
    if networks < 100 {
        return Err(LabError::Invalid("--networks must be at least 100".into()));
    }
    {
        let nb = Notebook::open(db)?;
        let exp = nb.ensure_experiment("bench", "flipflop", "", "bench")?;
        let archs = ["vanilla", "ugrnn", "gru", "lstm"];
        let plan: Vec<NewNetwork> = (0..networks)
            .map(|i| NewNetwork {
                arch: archs[i % 4].into(),
                activation: if i % 8 < 4 { "tanh" } else { "relu" }.into(),
                units: 64 << (i % 3),
                l2: 1e-5,
                seed: (i / 24) as u64,
                role: Role::Final,
                trial: 0,
                config: "{}".into(),
            })
            .collect();
        let t0 = Instant::now();
        nb.plan(exp, &plan)?;
        let plan_seconds = t0.elapsed().as_secs_f64();

        let worker = nb.register_worker()?;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let realistic_weights: Vec<f32> = (0..13_059).map(|i| i as f32 * 1e-4).collect();
        let curve: (Vec<u32>, Vec<f32>) = ((0..200).map(|i| i * 10).collect(), vec![0.5; 200]);
        let mut store_ms = Vec::new();
        let mut k = 0;
        loop {
            let t = Instant::now();
            let Some(net) = nb.claim(exp, &worker)? else {
                break;
            };
            let loss = 10f64.powf(rand::Rng::random_range(&mut rng, -4.0..-1.0));
            let realistic = k < 200;
            let outcome = Outcome {
                state: NetState::Trained,
                train_seconds: 5.0,
                steps_run: 2000,
                final_loss: Some(loss),
                score: Some(1.0 - loss),
                backoffs: 0,
                reason: None,
                curve: if realistic {
                    curve.clone()
                } else {
                    (vec![0], vec![loss as f32])
                },
                weights: Some(if realistic {
                    realistic_weights.clone()
                } else {
                    vec![0.0]
                }),
            };
            nb.finish(net.id, &worker, &outcome)?;
            if realistic {
                store_ms.push(t.elapsed().as_secs_f64() * 1e3);
            }
            k += 1;
        }
        nb.retire_worker(&worker)?;

        let query = |offset| ListQuery {
            filter: Some("arch = gru and final_loss < 1e-3".into()),
            sort: Some("final_loss".into()),
            limit: 50,
            offset,
            ..ListQuery::default()
        };
        let time = |f: &dyn Fn() -> Result<(), LabError>| median_ms(9, f);
        Ok(NotebookBench {
            networks,
            plan_seconds,
            store_ms_per_network: median(store_ms),
            ls_filter_sort_ms: time(&|| nb.list(&query(0)).map(drop).map_err(LabError::from))?,
            ls_deep_page_ms: time(&|| {
                nb.list(&query(networks / 2))
                    .map(drop)
                    .map_err(LabError::from)
            })?,
            status_ms: time(&|| nb.status().map(drop).map_err(LabError::from))?,
        })
    }
}

/// The readable table of `rnnlab bench train`.
pub fn bench_table(rows: &[BenchRow]) -> String {
    let mut out = format!(
        "{:<8} {:<5} {:>5} {:>5} {:>5}  {:>10} {:>10} {:>8}\n",
        "cell", "f", "N", "B", "T", "median ms", "min ms", "GFLOP/s"
    );
    for row in rows {
        let r = &row.request;
        out += &format!(
            "{:<8} {:<5} {:>5} {:>5} {:>5}  {:>10.2} {:>10.2} {:>8.1}\n",
            r.arch.name(),
            r.activation.name(),
            r.units,
            r.batch,
            r.time_steps,
            row.median_ms,
            row.min_ms,
            row.gflops
        );
    }
    out
}

impl std::fmt::Display for NotebookBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (n, plan) = (self.networks, self.plan_seconds);
        writeln!(
            f,
            "synthetic notebook of {n} networks (planned in {plan:.2} s)"
        )?;
        writeln!(
            f,
            "claim + store one trained network (64-unit GRU weights, 200-point curve): {:.2} ms",
            self.store_ms_per_network
        )?;
        writeln!(
            f,
            "ls --where 'arch = gru and final_loss < 1e-3' --sort final_loss, first page: {:.2} ms",
            self.ls_filter_sort_ms
        )?;
        writeln!(
            f,
            "the same, page at offset {}: {:.2} ms",
            n / 2,
            self.ls_deep_page_ms
        )?;
        writeln!(f, "status: {:.2} ms", self.status_ms)
    }
}
