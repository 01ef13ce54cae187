//! `rnnlab bench fixed-points`: seconds to find every fixed point of a trained flip-flop network
//! (1024 starts, one thread), with what was found, so speed is never bought with recall; with
//! `--reference`, FixedPointFinder's method on the same starts for comparison.

use std::fmt;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::network_file;
use crate::lab::LabError;
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::analysis::{
    adam_fixed_points, network_fixed_points, starts_from_states, visited_states, AdamReference,
    FixedPoint, FixedPointOptions, NetworkFixedPoints,
};
use crate::lab::MISSING;
use crate::net::{Activation, Arch, CellMap, NetSpec, Params};
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
    /// FixedPointFinder's method on the same starts (`--reference`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceRow>,
    /// Every point found, so a later build's search can be checked against it (`--baseline`).
    pub points: Vec<BenchPoint>,
    /// How many of a baseline run's points this search found again (`--baseline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineRecall>,
}

/// One point as the bench's JSON lists it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchPoint {
    /// The constant input.
    pub input: Vec<f64>,
    /// The state.
    pub state: Vec<f64>,
    /// Unstable modes.
    pub unstable: usize,
    /// A fixed point (else a slow point).
    pub converged: bool,
}

impl BenchPoint {
    fn of(p: &FixedPoint) -> Self {
        BenchPoint {
            input: p.input.to_vec(),
            state: p.state.to_vec(),
            unstable: p.unstable,
            converged: p.converged,
        }
    }

    fn distance(&self, other: &BenchPoint) -> f64 {
        if self.input != other.input || self.state.len() != other.state.len() {
            return f64::INFINITY;
        }
        let squares = self
            .state
            .iter()
            .zip(&other.state)
            .map(|(a, b)| (a - b) * (a - b));
        squares.sum::<f64>().sqrt()
    }
}

/// A baseline run's points (`rnnlab bench fixed-points --json` of an earlier build) found again.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineRecall {
    /// The baseline's fixed points (q below the tolerance).
    pub fixed: usize,
    /// Those found again: a fixed point with the same unstable modes within `SAME_POINT`.
    pub fixed_found: usize,
    /// The baseline's slow points.
    pub slow: usize,
    /// Those with a point of this search within `MATCH_DISTANCE` (slow points are where a
    /// descent stops on a slow manifold: they may move along it).
    pub slow_found: usize,
    /// The baseline's fixed points not found again, as "input i, k unstable".
    pub missing: Vec<String>,
}

/// The same fixed point found by two builds: its position agrees to the polish's precision.
const SAME_POINT: f64 = 1e-6;

#[derive(Deserialize)]
struct BaselineFile {
    rows: Vec<BaselineFileRow>,
}

#[derive(Deserialize)]
struct BaselineFileRow {
    network: String,
    points: Vec<BenchPoint>,
}

fn read_baseline(path: &Path) -> Result<Vec<BaselineFileRow>, LabError> {
    let text = std::fs::read_to_string(path).map_err(|source| LabError::Io {
        path: path.to_owned(),
        source,
    })?;
    let file: BaselineFile = serde_json::from_str(&text).map_err(|e| LabError::BadFile {
        path: path.to_owned(),
        message: format!("not the JSON of `rnnlab bench fixed-points --json`: {e}"),
    })?;
    Ok(file.rows)
}

fn baseline_recall(baseline: &[BenchPoint], found: &[BenchPoint]) -> BaselineRecall {
    let near = |b: &BenchPoint, within: f64| {
        found.iter().any(|p| {
            b.distance(p) <= within && (!b.converged || (p.converged && p.unstable == b.unstable))
        })
    };
    let inputs: Vec<&Vec<f64>> = baseline.iter().fold(Vec::new(), |mut seen, b| {
        if !seen.contains(&&b.input) {
            seen.push(&b.input);
        }
        seen
    });
    let (fixed, slow): (Vec<&BenchPoint>, Vec<&BenchPoint>) =
        baseline.iter().partition(|b| b.converged);
    let missing = fixed
        .iter()
        .filter(|b| !near(b, SAME_POINT))
        .map(|b| {
            let input = inputs.iter().position(|i| *i == &b.input).unwrap_or(0);
            format!("input {input}, {} unstable", b.unstable)
        })
        .collect::<Vec<_>>();
    BaselineRecall {
        fixed: fixed.len(),
        fixed_found: fixed.len() - missing.len(),
        slow: slow.len(),
        slow_found: slow.iter().filter(|b| near(b, MATCH_DISTANCE)).count(),
        missing,
    }
}

/// What Adam on q (FixedPointFinder's method) found from the same starts.
#[derive(Clone, Debug, Serialize)]
pub struct ReferenceRow {
    /// Seconds, one thread.
    pub seconds: f64,
    /// Adam iterations run (the most over the inputs).
    pub iterations: usize,
    /// Points found, by number of unstable modes.
    pub by_unstable: Vec<usize>,
    /// Slow points among them.
    pub slow: usize,
    /// End points with a small q dropped as outside the reachable region (pseudo points).
    pub pseudo: usize,
    /// Share of the reference's points (fixed or slow) that rnnlab's search found too (a point
    /// of rnnlab's within `MATCH_DISTANCE`); None if the reference kept no point.
    pub recall_of_reference: Option<f64>,
    /// rnnlab's fixed points with no reference point within `MATCH_DISTANCE`.
    pub found_only_by_rnnlab: usize,
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
    let spec = NetSpec::for_task(&task, Arch::Gru, Activation::Tanh, units);
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

/// Two searches found the same point if they are this close: Adam's points are often slow
/// points near a root, not on it, while distinct points of a trained network are ≳ 0.1 apart.
const MATCH_DISTANCE: f64 = 0.05;

fn by_unstable<'a>(points: impl Iterator<Item = &'a FixedPoint>) -> Vec<usize> {
    let mut counts = Vec::new();
    for p in points {
        if counts.len() <= p.unstable {
            counts.resize(p.unstable + 1, 0);
        }
        counts[p.unstable] += 1;
    }
    counts
}

/// Runs FixedPointFinder's method on the starts rnnlab's search used and compares.
fn reference(
    task: &Task,
    params: &Params<f32>,
    options: &FixedPointOptions,
    ours: &NetworkFixedPoints,
) -> ReferenceRow {
    let visited = visited_states(params, task);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let starts = starts_from_states(
        visited.view(),
        options.starts,
        options.start_noise,
        &mut rng,
    );
    let map = CellMap::new(params);
    let started = Instant::now();
    let mut theirs = Vec::new();
    let (mut iterations, mut pseudo) = (0, 0);
    for input in task.definition().constant_inputs().rows() {
        let outcome = adam_fixed_points(
            &map,
            input,
            starts.view(),
            options,
            &AdamReference::default(),
        );
        theirs.extend(outcome.points);
        iterations = iterations.max(outcome.iterations);
        pseudo += outcome.pseudo;
    }
    let seconds = started.elapsed().as_secs_f64();
    let near = |p: &FixedPoint, set: &[&FixedPoint]| {
        set.iter().any(|o| {
            o.input == p.input
                && (&o.state - &p.state).mapv(|v| v * v).sum().sqrt() <= MATCH_DISTANCE
        })
    };
    let ours_all: Vec<&FixedPoint> = ours.points().collect();
    let theirs_all: Vec<&FixedPoint> = theirs.iter().collect();
    let recalled = theirs_all.iter().filter(|p| near(p, &ours_all)).count();
    ReferenceRow {
        seconds,
        iterations,
        by_unstable: by_unstable(theirs.iter()),
        slow: theirs.iter().filter(|p| !p.converged).count(),
        pseudo,
        recall_of_reference: (!theirs.is_empty()).then(|| recalled as f64 / theirs.len() as f64),
        found_only_by_rnnlab: ours
            .points()
            .filter(|p| p.converged && !near(p, &theirs_all))
            .count(),
    }
}

/// What to time and what to compare with.
#[derive(Clone, Debug)]
pub struct FixedPointBenchRequest {
    /// The networks.
    pub networks: BenchNetworks,
    /// Starts per constant input.
    pub starts: usize,
    /// Timed repeats per network.
    pub repeats: usize,
    /// Also run FixedPointFinder's method once on the same starts.
    pub reference: bool,
    /// An earlier run's JSON: report how many of its points were found again.
    pub baseline: Option<PathBuf>,
}

/// Times the fixed-point search `repeats` times on each network; with `reference`, also runs
/// FixedPointFinder's method once on the same starts; with `baseline`, checks the points found
/// against an earlier run's.
pub fn bench_fixed_points(request: &FixedPointBenchRequest) -> Result<FixedPointBench, LabError> {
    let FixedPointBenchRequest {
        ref networks,
        starts,
        repeats,
        reference: with_reference,
        ref baseline,
    } = *request;
    if starts == 0 || repeats == 0 {
        return Err(LabError::Invalid(
            "--starts and --repeats must be at least 1".into(),
        ));
    }
    let baseline = baseline.as_deref().map(read_baseline).transpose()?;
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
            let result = network_fixed_points(
                &params,
                &task,
                &options,
                &std::sync::atomic::AtomicBool::new(false),
            )
            .expect("never cancelled");
            times.push(result.seconds);
            found = Some(result);
        }
        let found = found.expect("at least one repeat");
        times.sort_by(f64::total_cmp);
        let points: Vec<BenchPoint> = found.points().map(BenchPoint::of).collect();
        let baseline = match &baseline {
            None => None,
            Some(rows) => {
                let row = rows.iter().find(|r| r.network == name).ok_or_else(|| {
                    LabError::Invalid(format!("the --baseline file has no row for {name}"))
                })?;
                Some(baseline_recall(&row.points, &points))
            }
        };
        rows.push(FixedPointBenchRow {
            network: name,
            arch: params.spec.arch,
            units: params.spec.units,
            starts,
            median_seconds: times[times.len() / 2],
            min_seconds: times[0],
            by_unstable: by_unstable(found.points()),
            slow: found.points().filter(|p| !p.converged).count(),
            reference: with_reference.then(|| reference(&task, &params, &options, &found)),
            points,
            baseline,
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
            if let Some(b) = &r.baseline {
                writeln!(
                    f,
                    "  baseline: {} of {} fixed points found again, {} of {} slow points{}",
                    b.fixed_found,
                    b.fixed,
                    b.slow_found,
                    b.slow,
                    if b.missing.is_empty() {
                        String::new()
                    } else {
                        format!("; missing: {}", b.missing.join(", "))
                    }
                )?;
            }
            if let Some(a) = &r.reference {
                let counts: Vec<String> = a.by_unstable.iter().map(|c| c.to_string()).collect();
                writeln!(
                    f,
                    "{:<28} {:>6} {:>7} {:>9.3} {:>9}  {} ({} slow, {} pseudo points outside the \
                     region dropped); {} Adam iterations; recall of its points {}, {} found only \
                     by rnnlab",
                    "  Adam on q (reference)",
                    r.units,
                    r.starts,
                    a.seconds,
                    "",
                    counts.join(" / "),
                    a.slow,
                    a.pseudo,
                    a.iterations,
                    a.recall_of_reference
                        .map_or(MISSING.into(), |r| format!("{:.0}%", 100.0 * r)),
                    a.found_only_by_rnnlab
                )?;
            }
        }
        Ok(())
    }
}
