//! `rnnlab bench train`: milliseconds per training iteration and the GFLOP/s of its products.

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::lab::LabError;
use crate::net::NetSpec;
use crate::net::{matmul_flops_per_iteration, profile, Activation, Arch};
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
    /// Where an iteration's time goes (medians over separately profiled iterations).
    pub phases: PhaseSplit,
}

/// Median milliseconds per iteration in each phase.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct PhaseSplit {
    /// h·W_h forward and its transpose backward, step by step.
    pub recurrent_products_ms: f64,
    /// The cells' elementwise work (gates, nonlinearities, their derivatives) in the loops.
    pub elementwise_ms: f64,
    /// The input projection, the readout and the weight gradients, over all steps at once.
    pub batched_products_ms: f64,
    /// The rest: the loss, L2, the gradient norm and clipping, and the optimiser's update.
    pub update_ms: f64,
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
    let mut splits = Vec::new();
    for step in 0..(request.iters / 2).max(5) {
        profile::start();
        let t0 = Instant::now();
        let result = trainer.iterate(&batch, warmup + request.iters + step);
        let total = t0.elapsed().as_secs_f64() * 1e3;
        let p = profile::stop();
        result.map_err(|d| LabError::Invalid(format!("benchmark diverged: {}", d.reason)))?;
        let (rec, rec_products, batched) = (
            p.recurrence * 1e3,
            p.recurrent_products * 1e3,
            p.batched_products * 1e3,
        );
        splits.push([
            rec_products,
            rec - rec_products,
            batched,
            total - rec - batched,
        ]);
    }
    let median_of =
        |k: usize| crate::lab::stats::Stats::of(splits.iter().map(|s| s[k]).collect()).median;
    let phases = PhaseSplit {
        recurrent_products_ms: median_of(0),
        elementwise_ms: median_of(1),
        batched_products_ms: median_of(2),
        update_ms: median_of(3),
    };
    let stats = crate::lab::stats::Stats::of(times);
    let median_ms = stats.median;
    let matmul_flops = matmul_flops_per_iteration(spec, request.batch, request.time_steps);
    Ok(BenchRow {
        request: *request,
        median_ms,
        min_ms: stats.min,
        matmul_flops,
        gflops: matmul_flops / (median_ms * 1e-3) / 1e9,
        phases,
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
            "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10} {:>10} {:>8}   {:>9} {:>9} {:>9} {:>9}",
            "cell",
            "f",
            "N",
            "B",
            "T",
            "median ms",
            "min ms",
            "GFLOP/s",
            "rec.prod",
            "elementw.",
            "batched",
            "update"
        )?;
        for row in &self.rows {
            let r = &row.request;
            writeln!(
                f,
                "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10.2} {:>10.2} {:>8.1}   {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                r.arch.name(),
                r.activation.name(),
                r.units,
                r.batch,
                r.time_steps,
                row.median_ms,
                row.min_ms,
                row.gflops,
                row.phases.recurrent_products_ms,
                row.phases.elementwise_ms,
                row.phases.batched_products_ms,
                row.phases.update_ms
            )?;
        }
        writeln!(
            f,
            "phases (ms, medians of profiled iterations): rec.prod = h·W_h and its transpose in \
             the loops; elementw. = the cells' gates and derivatives; batched = input, readout and \
             weight-gradient products over all steps; update = loss, L2, clipping, optimiser"
        )?;
        Ok(())
    }
}
