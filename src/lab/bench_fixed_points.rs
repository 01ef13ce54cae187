//! `rnnlab bench fixed-points`: seconds to find every fixed point of a trained flip-flop network
//! (1024 starts, one thread), with what was found, so speed is never bought with recall.

use std::fmt;
use std::ops::ControlFlow;
use std::path::PathBuf;

use serde::Serialize;

use super::error::LabError;
use super::network_file;
use crate::analysis::{network_fixed_points, FixedPointOptions};
use crate::net::{Activation, Arch, Params};
use crate::task::{FlipFlop, Task};
use crate::train::{self, TrainConfig};

/// The networks to time: saved ones, or flip-flop GRUs trained here first.
#[derive(Clone, Debug)]
pub enum BenchNetworks {
    /// `.rnn` files written by `rnnlab train --save`.
    Files(Vec<PathBuf>),
    /// Train a tanh flip-flop GRU (seed 0, default settings) of each width.
    TrainGru(Vec<usize>),
}

/// One timed network.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointBenchRow {
    /// Where the network came from.
    pub network: String,
    /// Architecture.
    pub arch: Arch,
    /// Hidden units.
    pub units: usize,
    /// Starts per input.
    pub starts: usize,
    /// Median seconds of the whole search (every constant input), one thread.
    pub median_seconds: f64,
    /// Fastest repeat.
    pub min_seconds: f64,
    /// Points found (all inputs), by number of unstable modes (index 0: stable); slow points
    /// included in their class.
    pub by_unstable: Vec<usize>,
    /// Slow points among them.
    pub slow: usize,
}

/// What `rnnlab bench fixed-points` measured.
#[derive(Clone, Debug, Serialize)]
pub struct FixedPointBench {
    /// One row per network.
    pub rows: Vec<FixedPointBenchRow>,
}

fn trained_gru(units: usize) -> Result<(Task, Params<f32>), LabError> {
    let task = Task::FlipFlop(FlipFlop::default());
    let config = TrainConfig::for_network(&task, Arch::Gru, Activation::Tanh);
    let spec = train::net_spec(&task, Arch::Gru, Activation::Tanh, units);
    eprintln!("training a flip-flop GRU with {units} units first (seed 0)…");
    let outcome = train::train(&task, spec, &config, 0, &mut |_| ControlFlow::Continue(()));
    if let Some(d) = outcome.diverged {
        return Err(LabError::Invalid(format!(
            "the benchmark network diverged: {}",
            d.reason
        )));
    }
    Ok((task, outcome.params))
}

/// Times the fixed-point search `repeats` times on each network.
pub fn bench_fixed_points(
    networks: &BenchNetworks,
    starts: usize,
    repeats: usize,
) -> Result<FixedPointBench, LabError> {
    if starts == 0 || repeats == 0 {
        return Err(LabError::Invalid(
            "--starts and --repeats must be at least 1".into(),
        ));
    }
    let loaded: Vec<(String, Task, Params<f32>)> = match networks {
        BenchNetworks::Files(paths) => paths
            .iter()
            .map(|p| {
                let (meta, params) = network_file::load(p)?;
                Ok((p.display().to_string(), meta.task, params))
            })
            .collect::<Result<_, LabError>>()?,
        BenchNetworks::TrainGru(units) => units
            .iter()
            .map(|&n| {
                let (task, params) = trained_gru(n)?;
                Ok((format!("flip-flop GRU-{n}, seed 0"), task, params))
            })
            .collect::<Result<_, LabError>>()?,
    };
    let options = FixedPointOptions {
        starts,
        ..FixedPointOptions::default()
    };
    let mut rows = Vec::new();
    for (name, task, params) in loaded {
        let mut times = Vec::new();
        let mut found = None;
        for _ in 0..repeats {
            let result = network_fixed_points(&params, &task, &options);
            times.push(result.seconds);
            found = Some(result);
        }
        let found = found.expect("at least one repeat");
        let mut by_unstable = Vec::new();
        for p in found.points() {
            if by_unstable.len() <= p.unstable {
                by_unstable.resize(p.unstable + 1, 0);
            }
            by_unstable[p.unstable] += 1;
        }
        times.sort_by(f64::total_cmp);
        rows.push(FixedPointBenchRow {
            network: name,
            arch: params.spec.arch,
            units: params.spec.units,
            starts,
            median_seconds: times[times.len() / 2],
            min_seconds: times[0],
            by_unstable,
            slow: found.points().filter(|p| !p.converged).count(),
        });
    }
    Ok(FixedPointBench { rows })
}

impl fmt::Display for FixedPointBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<28} {:>6} {:>7} {:>9} {:>9}  points by unstable modes (0 = stable)",
            "network", "units", "starts", "median s", "min s"
        )?;
        for r in &self.rows {
            let counts: Vec<String> = r.by_unstable.iter().map(|c| c.to_string()).collect();
            writeln!(
                f,
                "{:<28} {:>6} {:>7} {:>9.3} {:>9.3}  {} ({} slow)",
                r.network,
                r.units,
                r.starts,
                r.median_seconds,
                r.min_seconds,
                counts.join(" / "),
                r.slow
            )?;
        }
        Ok(())
    }
}
