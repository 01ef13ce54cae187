//! `rnnlab bench similarity --metric dsa`: the cost of Dynamical Similarity Analysis over a
//! population: each network's operator (probe states, principal components, delay embedding,
//! HAVOK-DMD), then every pair by the Procrustes angle and by the spectral score, timed apart.

use std::fmt;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::analysis::similarity::dsa::{self, DsaOperator, DsaOptions, DsaProbe};
use crate::analysis::similarity::each_pair;
use crate::lab::notebook::{stored_experiment, stored_params};
use crate::lab::stats::Stats;
use crate::lab::LabError;
use crate::net::{Activation, Arch, NetSpec, Params};
use crate::store::Notebook;
use crate::task::{FlipFlop, Task};

/// Which networks the benchmark compares.
pub enum DsaPopulation<'a> {
    /// Freshly initialised flip-flop networks, the four cells in turn: (networks, units).
    Synthetic(usize, usize),
    /// The trained networks of an experiment in a notebook.
    Experiment(&'a Notebook, &'a str),
}

/// What the DSA benchmark measured.
#[derive(Clone, Debug, Serialize)]
pub struct DsaBench {
    /// Where the networks came from.
    pub population: String,
    /// Networks with an operator.
    pub networks: usize,
    /// Threads for the pairs.
    pub threads: usize,
    /// The settings.
    pub settings: String,
    /// Median milliseconds per network: probe states, components, embedding, operator.
    pub fit_ms_median: f64,
    /// Pairs compared.
    pub pairs: usize,
    /// Seconds for every pair's Procrustes angle (None with `spectral_only`).
    pub procrustes_seconds: Option<f64>,
    /// Share of pairs whose bounds met, so that no ascent ran.
    pub bounds_met: Option<f64>,
    /// Mean ascents per pair.
    pub mean_ascents: Option<f64>,
    /// Seconds for every pair's spectral score.
    pub spectral_seconds: f64,
}

/// Fits every network's operator and compares every pair on `threads` threads.
pub fn bench_dsa(
    population: DsaPopulation,
    options: &DsaOptions,
    threads: usize,
    spectral_only: bool,
) -> Result<DsaBench, LabError> {
    let mut times = Vec::new();
    let mut operators: Vec<DsaOperator> = Vec::new();
    let mut fit = |probe: &mut DsaProbe, params: &Params<f32>| {
        let t0 = Instant::now();
        let op = probe
            .trajectories(params, false)
            .and_then(|t| dsa::fit(t.view(), options));
        times.push(t0.elapsed().as_secs_f64() * 1e3);
        operators.extend(op);
    };
    let described = match population {
        DsaPopulation::Synthetic(networks, units) => {
            let task = Task::FlipFlop(FlipFlop::default());
            let mut probe = DsaProbe::new(&task, options.drive);
            let archs = [Arch::Vanilla, Arch::Ugrnn, Arch::Gru, Arch::Lstm];
            for k in 0..networks {
                let spec = NetSpec::for_task(&task, archs[k % 4], Activation::Tanh, units);
                let params = Params::<f32>::init(spec, &mut ChaCha8Rng::seed_from_u64(k as u64));
                fit(&mut probe, &params);
            }
            format!("{networks} freshly initialised flip-flop networks, N = {units}")
        }
        DsaPopulation::Experiment(notebook, name) => {
            let parsed = stored_experiment(notebook, name)?;
            let mut probe = DsaProbe::new(&parsed.task, options.drive);
            for n in crate::lab::population::trained_networks(notebook, name)? {
                if let Some(params) = stored_params(notebook, &n, &parsed)? {
                    fit(&mut probe, &params);
                }
            }
            format!("the trained networks of {name}")
        }
    };
    let n = operators.len();
    if n < 2 {
        return Err(LabError::Invalid(
            "the benchmark needs at least 2 networks with an operator".into(),
        ));
    }
    let pairs: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
        .collect();
    let t0 = Instant::now();
    let spectral = each_pair(&pairs, threads, |i, j| {
        dsa::spectral_distance(&operators[i], &operators[j])
    });
    let spectral_seconds = t0.elapsed().as_secs_f64();
    assert_eq!(spectral.len(), pairs.len());
    let (procrustes_seconds, bounds_met, mean_ascents) = if spectral_only {
        (None, None, None)
    } else {
        let t0 = Instant::now();
        let results = each_pair(&pairs, threads, |i, j| {
            dsa::procrustes_angle(&operators[i], &operators[j], options.random_starts)
        });
        let seconds = t0.elapsed().as_secs_f64();
        let met = results.iter().filter(|r| r.ascents == 0).count();
        let ascents: usize = results.iter().map(|r| r.ascents).sum();
        (
            Some(seconds),
            Some(met as f64 / pairs.len() as f64),
            Some(ascents as f64 / pairs.len() as f64),
        )
    };
    Ok(DsaBench {
        population: described,
        networks: n,
        threads,
        settings: options.to_string(),
        fit_ms_median: Stats::of(times).median,
        pairs: pairs.len(),
        procrustes_seconds,
        bounds_met,
        mean_ascents,
        spectral_seconds,
    })
}

impl fmt::Display for DsaBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "DSA over {} ({} with an operator)",
            self.population, self.networks
        )?;
        writeln!(f, "settings: {}", self.settings)?;
        writeln!(
            f,
            "per network (probe states, components, embedding, operator): {:.2} ms (median)",
            self.fit_ms_median
        )?;
        if let (Some(s), Some(met), Some(ascents)) =
            (self.procrustes_seconds, self.bounds_met, self.mean_ascents)
        {
            writeln!(
                f,
                "all {} pairs, Procrustes over vector fields, {} threads: {:.2} s ({:.3} ms a \
                 pair per thread; bounds met for {:.1} % of pairs, {:.1} ascents a pair)",
                self.pairs,
                self.threads,
                s,
                s * 1e3 * self.threads as f64 / self.pairs as f64,
                100.0 * met,
                ascents
            )?;
        }
        writeln!(
            f,
            "all {} pairs, spectral (eigenvalue matching), {} threads: {:.2} s",
            self.pairs, self.threads, self.spectral_seconds
        )
    }
}
