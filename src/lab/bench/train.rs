//! `rnnlab bench train`: milliseconds per training iteration and the GFLOP/s of its products.

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::lab::LabError;
use crate::net::NetSpec;
use crate::net::{matmul_flops_per_iteration, Activation, Arch};
use crate::task::{FlipFlop, Task};
use crate::train::{TrainConfig, Trainer};

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
    let spec = NetSpec::for_task(&task, request.arch, request.activation, request.units);
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
    let stats = crate::lab::stats::Stats::of(times);
    let median_ms = stats.median;
    let matmul_flops = matmul_flops_per_iteration(spec, request.batch, request.time_steps);
    Ok(BenchRow {
        request: *request,
        median_ms,
        min_ms: stats.min,
        matmul_flops,
        gflops: matmul_flops / (median_ms * 1e-3) / 1e9,
    })
}

/// What `rnnlab bench train` measured: one row per configuration.
#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    /// Always "train" (the JSON document names its benchmark).
    pub benchmark: &'static str,
    /// The rows, in the order measured.
    pub rows: Vec<BenchRow>,
}

impl std::fmt::Display for TrainBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10} {:>10} {:>8}",
            "cell", "f", "N", "B", "T", "median ms", "min ms", "GFLOP/s"
        )?;
        for row in &self.rows {
            let r = &row.request;
            writeln!(
                f,
                "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10.2} {:>10.2} {:>8.1}",
                r.arch.name(),
                r.activation.name(),
                r.units,
                r.batch,
                r.time_steps,
                row.median_ms,
                row.min_ms,
                row.gflops
            )?;
        }
        Ok(())
    }
}
