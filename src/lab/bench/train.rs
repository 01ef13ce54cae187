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
    /// Every product shape of an iteration against this CPU's rate at that shape.
    pub products: Vec<ProductRow>,
}

/// One product shape of an iteration, timed in the loop and alone.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ProductRow {
    /// Rows of the result.
    pub m: usize,
    /// Columns of the result.
    pub n: usize,
    /// The inner dimension.
    pub k: usize,
    /// In the recurrence loops (h·W_h and its transpose) rather than batched over all steps.
    pub recurrent: bool,
    /// Calls per iteration.
    pub calls: usize,
    /// Milliseconds per iteration spent in them (mean over the profiled iterations).
    pub ms: f64,
    /// Their rate in the iteration.
    pub gflops: f64,
    /// The same product alone, contiguous and warm ([`profile::reference_product_seconds`]).
    pub reference_gflops: f64,
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
    /// The recurrent products' rate, as a share of this CPU's rate at their shapes.
    pub recurrent_share: f64,
    /// The batched products' rate, as a share of this CPU's rate at their shapes.
    pub batched_share: f64,
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
    let profiled = (request.iters / 2).max(5);
    let mut splits = Vec::new();
    let mut products: Vec<profile::Product> = Vec::new();
    for step in 0..profiled {
        profile::start();
        let t0 = Instant::now();
        let result = trainer.iterate(&batch, warmup + request.iters + step);
        let total = t0.elapsed().as_secs_f64() * 1e3;
        let p = profile::stop();
        result.map_err(|d| LabError::Invalid(format!("benchmark diverged: {}", d.reason)))?;
        let (rec, rec_products, batched) = (
            p.phases.recurrence * 1e3,
            p.phases.recurrent_products * 1e3,
            p.phases.batched_products * 1e3,
        );
        splits.push([
            rec_products,
            rec - rec_products,
            batched,
            total - rec - batched,
        ]);
        if products.is_empty() {
            products = p.products;
        } else {
            for (sum, q) in products.iter_mut().zip(&p.products) {
                sum.seconds += q.seconds;
            }
        }
    }
    let products = compare_with_reference(&products, profiled);
    // A phase's share: the time this CPU needs for its products alone over the time they took.
    let share = |recurrent: bool| {
        let (alone, took) =
            products
                .iter()
                .filter(|p| p.recurrent == recurrent)
                .fold((0.0, 0.0), |(a, t), p| {
                    (
                        a + p.calls as f64 * flops(p) / p.reference_gflops / 1e6,
                        t + p.ms,
                    )
                });
        alone / took
    };
    let median_of =
        |k: usize| crate::lab::stats::Stats::of(splits.iter().map(|s| s[k]).collect()).median;
    let phases = PhaseSplit {
        recurrent_products_ms: median_of(0),
        elementwise_ms: median_of(1),
        batched_products_ms: median_of(2),
        update_ms: median_of(3),
        recurrent_share: share(true),
        batched_share: share(false),
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
        products,
    })
}

fn flops(p: &ProductRow) -> f64 {
    2.0 * (p.m * p.n * p.k) as f64
}

/// Per-iteration figures of each shape met over `iterations` profiled iterations, beside the
/// same product timed alone.
fn compare_with_reference(products: &[profile::Product], iterations: usize) -> Vec<ProductRow> {
    products
        .iter()
        .map(|p| {
            let calls = p.calls;
            let ms = p.seconds * 1e3 / iterations as f64;
            let alone = profile::reference_product_seconds(p.m, p.n, p.k, 0.02);
            ProductRow {
                m: p.m,
                n: p.n,
                k: p.k,
                recurrent: p.recurrent,
                calls,
                ms,
                gflops: p.flops() * calls as f64 / (ms * 1e-3) / 1e9,
                reference_gflops: p.flops() / alone / 1e9,
            }
        })
        .collect()
}

/// This CPU's single-thread f32 product rate at a large square size (1024³), GFLOP/s.
pub fn gemm_peak_gflops() -> f64 {
    let n = 1024;
    2.0 * (n * n * n) as f64 / profile::reference_product_seconds(n, n, n, 0.3) / 1e9
}

/// What `rnnlab bench train` measured: one row per configuration.
#[derive(Clone, Debug, Serialize)]
pub struct TrainBench {
    /// Always "train" (the JSON document names its benchmark).
    pub benchmark: &'static str,
    /// The rows, in the order measured.
    pub rows: Vec<BenchRow>,
    /// This CPU's single-thread f32 product rate at 1024³ ([`gemm_peak_gflops`]).
    pub gemm_peak_gflops: f64,
    /// The CPU, faer's product kernel on it, and the elementwise loops' vector path.
    pub machine: super::Machine,
    /// Print every product shape under the table (the JSON always has them).
    #[serde(skip)]
    pub show_products: bool,
}

impl std::fmt::Display for TrainBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10} {:>10} {:>8}   {:>9} {:>9} {:>9} {:>9}   {:>6} {:>6}",
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
            "update",
            "rec.%",
            "bat.%"
        )?;
        for row in &self.rows {
            let r = &row.request;
            let p = &row.phases;
            writeln!(
                f,
                "{:<10} {:<5} {:>5} {:>5} {:>5}  {:>10.2} {:>10.2} {:>8.1}   {:>9.2} {:>9.2} {:>9.2} {:>9.2}   {:>5.0}% {:>5.0}%",
                r.arch.name(),
                r.activation.name(),
                r.units,
                r.batch,
                r.time_steps,
                row.median_ms,
                row.min_ms,
                row.gflops,
                p.recurrent_products_ms,
                p.elementwise_ms,
                p.batched_products_ms,
                p.update_ms,
                100.0 * p.recurrent_share,
                100.0 * p.batched_share,
            )?;
        }
        writeln!(
            f,
            "phases (ms, medians of profiled iterations): rec.prod = h·W_h and its transpose in \
             the loops; elementw. = the cells' gates and derivatives; batched = input, readout and \
             weight-gradient products over all steps; update = loss, L2, clipping, optimiser"
        )?;
        writeln!(
            f,
            "rec.% and bat.% = the products' rate as a share of this CPU's rate at the same shapes \
             alone (faer, one thread, warm operands); this CPU's rate at 1024³: {:.0} GFLOP/s",
            self.gemm_peak_gflops
        )?;
        writeln!(f, "{}", self.machine)?;
        if self.show_products {
            writeln!(
                f,
                "\n{:<10} {:>5}  {:<9} {:>18} {:>6} {:>8} {:>8} {:>8} {:>6}",
                "cell", "N", "where", "m×k · k×n", "calls", "ms", "GFLOP/s", "alone", "share"
            )?;
            for row in &self.rows {
                for p in &row.products {
                    writeln!(
                        f,
                        "{:<10} {:>5}  {:<9} {:>18} {:>6} {:>8.2} {:>8.1} {:>8.1} {:>5.0}%",
                        row.request.arch.name(),
                        row.request.units,
                        if p.recurrent { "recurrent" } else { "batched" },
                        format!("{}×{} · {}×{}", p.m, p.k, p.k, p.n),
                        p.calls,
                        p.ms,
                        p.gflops,
                        p.reference_gflops,
                        100.0 * p.gflops / p.reference_gflops
                    )?;
                }
            }
        }
        Ok(())
    }
}
