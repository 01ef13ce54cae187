//! `rnnlab estimate`: core-hours and wall time of a sweep from this machine's speed, measured
//! now (a few training iterations of each configuration, as `bench train` does), so a user
//! sizes `--time` and `--per-task` before submitting to a cluster.

use std::fmt;

use serde::Serialize;

use super::bench::{bench_train, BenchRequest};
use super::LabError;
use crate::experiment::Experiment;

/// Timed iterations per configuration (after warm-up).
const ITERATIONS: usize = 5;

/// One configuration's cost.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigurationCost {
    /// `arch/activation`.
    pub cell: String,
    /// Hidden units.
    pub units: usize,
    /// Networks of this configuration in the sweep (seeds × L2 values, search runs included).
    pub networks: usize,
    /// Milliseconds per training iteration here (one thread).
    pub ms_per_iteration: f64,
    /// Training iterations per network at most (runs that reach the target loss stop sooner).
    pub steps: usize,
    /// Seconds per network at most.
    pub seconds_per_network: f64,
}

/// The whole sweep's cost.
#[derive(Clone, Debug, Serialize)]
pub struct Estimate {
    /// The experiment.
    pub experiment: String,
    /// Per configuration.
    pub configurations: Vec<ConfigurationCost>,
    /// Networks in all.
    pub networks: usize,
    /// Core-hours of training at most (one network per core).
    pub core_hours: f64,
    /// Cores assumed.
    pub cores: usize,
    /// Wall-clock hours on those cores at most.
    pub wall_hours: f64,
}

impl fmt::Display for Estimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<14} {:>6} {:>9} {:>10} {:>7} {:>12}",
            "cell", "units", "networks", "ms/iter", "steps", "s/network"
        )?;
        for c in &self.configurations {
            writeln!(
                f,
                "{:<14} {:>6} {:>9} {:>10.2} {:>7} {:>12.0}",
                c.cell, c.units, c.networks, c.ms_per_iteration, c.steps, c.seconds_per_network
            )?;
        }
        writeln!(
            f,
            "{}: {} networks, at most {:.1} core-hours of training; on {} cores at most {:.1} h \
             (measured on this machine; runs that reach the target loss stop sooner, and the \
             fixed-point analysis adds a few percent)",
            self.experiment, self.networks, self.core_hours, self.cores, self.wall_hours
        )
    }
}

/// Measures every configuration of `experiment` here and adds up the sweep.
pub fn estimate(experiment: &Experiment, cores: usize) -> Result<Estimate, LabError> {
    experiment.trainable()?;
    let grid = &experiment.grid;
    let per_config = experiment.seeds.len() * grid.l2.len();
    let searched = experiment.search.as_ref().map_or(0, |s| s.samples) * grid.l2.len();
    let mut configurations = Vec::new();
    for &arch in &grid.arch {
        for &activation in &grid.activation {
            let config = experiment.config_for(arch, activation, grid.l2[0]);
            for &units in &grid.units {
                let row = bench_train(&BenchRequest {
                    arch,
                    activation,
                    units,
                    batch: config.batch,
                    time_steps: experiment.task.definition().time_steps(),
                    iters: ITERATIONS,
                })?;
                let search_steps = experiment
                    .search
                    .as_ref()
                    .and_then(|s| s.steps)
                    .unwrap_or(config.steps);
                let seconds = row.median_ms * 1e-3 * config.steps as f64;
                let search_seconds = row.median_ms * 1e-3 * search_steps as f64;
                configurations.push((
                    ConfigurationCost {
                        cell: format!("{arch}/{activation}"),
                        units,
                        networks: per_config + searched,
                        ms_per_iteration: row.median_ms,
                        steps: config.steps,
                        seconds_per_network: seconds,
                    },
                    per_config as f64 * seconds + searched as f64 * search_seconds,
                ));
            }
        }
    }
    let total: f64 = configurations.iter().map(|(_, s)| s).sum();
    let cores = cores.max(1);
    Ok(Estimate {
        experiment: experiment.name.clone(),
        networks: configurations.iter().map(|(c, _)| c.networks).sum(),
        configurations: configurations.into_iter().map(|(c, _)| c).collect(),
        core_hours: total / 3600.0,
        cores,
        wall_hours: total / 3600.0 / cores as f64,
    })
}
