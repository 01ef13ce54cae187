//! Recorded population activity placed among an experiment's networks: `rnnlab data add | ls |
//! rm` and `rnnlab compare --data LABEL`.
//!
//! A recording is aligned to the experiment's conditions: for a built-in task, condition k is
//! probe trial k (`rnnlab export states` writes the networks' states on them, rows (step,
//! trial)); for a task given as arrays, the conditions are its labels, in sorted order. Each
//! network is run on the probe trials and its states averaged over each condition's trials; both
//! sides are then compared as condition-averaged trajectories (T, conditions, units).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use ndarray::Array3;
use serde::Serialize;

use super::notebook::{stored_experiment, stored_params};
use super::population::trained_networks;
use super::stats::Quartiles;
use super::MISSING;
use crate::analysis::similarity::dsa::{Drive, DsaOptions};
use crate::analysis::similarity::recording::{
    bootstrap, condition_means, distances_between, kruskal_wallis, split_half_ceiling, subsampled,
    Recorded, RecordingOptions, METRICS,
};
use crate::analysis::similarity::{each_pair, place, Embedding, ReductionOptions, StateProbe};
use crate::experiment::Experiment;
use crate::files::arrays::read_arrays;
use crate::lab::compare::Comparison;
use crate::net::{Arch, Group};
use crate::store::{NetworkRow, NewRecording, Notebook, RecordingDistance, RecordingRow};
use crate::task::arrays::time_major;
use crate::task::{Task, PROBE_TRIALS};
use crate::LabError;
use ndarray::Array2;

/// Bootstrap resamples unless told.
pub const RESAMPLES: usize = 100;
/// Random halvings the ceiling averages.
const SPLITS: usize = 20;
/// Label shuffles of the rank test.
const PERMUTATIONS: usize = 999;
/// Networks listed as nearest.
const NEAREST: usize = 5;

/// The experiment's conditions: their labels (for an arrays task, the task's; else the probe
/// trials' indices) and each probe trial's condition index.
fn conditions_of(task: &Task) -> Result<(Vec<i64>, Vec<usize>), String> {
    match task {
        Task::FlipFlop(_) | Task::Sine(_) | Task::Integration(_) => Ok((
            (0..PROBE_TRIALS as i64).collect(),
            (0..PROBE_TRIALS).collect(),
        )),
        Task::Arrays(t) => {
            let trials = t.trials();
            let labels = trials.labels();
            let of_probe: Vec<usize> = trials
                .probe
                .iter()
                .map(|&b| {
                    labels
                        .binary_search(&trials.conditions[b])
                        .expect("a probe trial's label is a label")
                })
                .collect();
            if (0..labels.len()).any(|c| !of_probe.contains(&c)) {
                return Err(format!(
                    "the task has {} conditions, more than its probe batch holds trials of: \
                     recordings are compared on the probe trials",
                    labels.len()
                ));
            }
            Ok((labels, of_probe))
        }
    }
}

/// What `rnnlab data add` stored.
#[derive(Clone, Debug, Serialize)]
pub struct Added {
    /// The recording as stored.
    pub recording: RecordingRow,
}

impl fmt::Display for Added {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.recording;
        writeln!(
            f,
            "recording '{}' of experiment {}: {} conditions × {} steps × {} neurons{}, from {}",
            r.name,
            r.experiment,
            r.conditions,
            r.steps,
            r.neurons,
            r.trials.map_or(" (condition means)".into(), |n| format!(
                " ({n} single trials)"
            )),
            r.source
        )?;
        writeln!(
            f,
            "next: `rnnlab compare --experiment {} --data {}` places it among the networks",
            r.experiment, r.name
        )
    }
}

/// Reads `file` (`responses`: (conditions, T, neurons) condition means, or (trials, T,
/// neurons) single trials with `conditions` (trials,) labels), checks it against the
/// experiment and stores it as `name` (default: the file's stem). Errors name the file.
pub fn add_recording(
    notebook: &Notebook,
    experiment: &str,
    file: &Path,
    name: Option<&str>,
) -> Result<Added, LabError> {
    let bad = |m: String| LabError::Invalid(format!("{}: {m}", file.display()));
    let name = match name {
        Some(n) => n.to_string(),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default(),
    };
    crate::files::names::check("--name", &name).map_err(LabError::Invalid)?;
    let exp = stored_experiment(notebook, experiment)?;
    let arrays = read_arrays(file)?;
    if let Some(other) = arrays
        .keys()
        .find(|k| !["responses", "conditions"].contains(&k.as_str()))
    {
        return Err(bad(format!(
            "array {other}: a recording holds `responses` and, for single trials, `conditions`"
        )));
    }
    let responses = arrays
        .get("responses")
        .ok_or_else(|| bad("no array 'responses' (conditions or trials, T, neurons)".into()))?;
    let [count, steps, neurons] = match responses.shape[..] {
        [a, b, c] => [a, b, c],
        _ => {
            return Err(bad(format!(
                "array responses: shape {:?}; it must be (conditions or trials, T, neurons)",
                responses.shape
            )))
        }
    };
    if let Some(k) = responses.data.iter().position(|v| !v.is_finite()) {
        return Err(bad(format!(
            "array responses: value {k} is {} (not finite)",
            responses.data[k]
        )));
    }
    let task_steps = exp.task.definition().time_steps();
    if steps != task_steps {
        return Err(bad(format!(
            "array responses: {steps} time bins, but experiment {experiment}'s trials have \
             {task_steps} steps (bin the recording in the task's steps)"
        )));
    }
    if neurons < 2 {
        return Err(bad(format!(
            "array responses: {neurons} neuron; a population needs at least 2"
        )));
    }
    let (labels, _) = conditions_of(&exp.task).map_err(bad)?;
    let conditions = labels.len();
    let (means, trials) = match arrays.get("conditions") {
        None => {
            if count != conditions {
                return Err(bad(format!(
                    "array responses: {count} conditions, but experiment {experiment} has \
                     {conditions} ({}); single trials need a `conditions` array",
                    describe_conditions(&exp.task)
                )));
            }
            (responses.data.clone(), None)
        }
        Some(given) => {
            if given.shape != [count] {
                return Err(bad(format!(
                    "array conditions: shape {:?}; it must be ({count},), one label per trial",
                    given.shape
                )));
            }
            let mut index = Vec::with_capacity(count);
            for (k, &c) in given.data.iter().enumerate() {
                let found = (c.fract() == 0.0)
                    .then(|| labels.binary_search(&(c as i64)).ok())
                    .flatten()
                    .ok_or_else(|| {
                        bad(format!(
                            "array conditions: value {k} is {c}, not a condition of experiment \
                             {experiment} ({})",
                            describe_conditions(&exp.task)
                        ))
                    })?;
                index.push(found);
            }
            let trials = time_major(&responses.data, count, steps, neurons);
            let means = condition_means(trials.view(), &index, conditions).ok_or_else(|| {
                bad("array conditions: some condition of the experiment has no trial".into())
            })?;
            let means: Vec<f64> = (0..conditions)
                .flat_map(|c| {
                    let means = &means;
                    (0..steps).flat_map(move |t| (0..neurons).map(move |m| means[[t, c, m]]))
                })
                .collect();
            let index = index.iter().map(|&i| i as i64).collect();
            (means, Some((index, responses.data.clone())))
        }
    };
    let id = notebook.add_recording(
        notebook.experiment(experiment)?.id,
        &NewRecording {
            name: name.clone(),
            conditions,
            steps,
            neurons,
            means,
            trials,
            source: file.display().to_string(),
        },
    )?;
    let recording = notebook
        .recordings(Some(experiment))?
        .into_iter()
        .find(|r| r.id == id)
        .expect("just stored");
    Ok(Added { recording })
}

/// The conditions a recording of this task aligns to, in words.
fn describe_conditions(task: &Task) -> &'static str {
    match task {
        Task::FlipFlop(_) | Task::Sine(_) | Task::Integration(_) => {
            "condition k is probe trial k, as `rnnlab export states` writes them"
        }
        Task::Arrays(_) => "the task's condition labels, in sorted order",
    }
}

/// The recordings of `rnnlab data ls`.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct Recordings(pub Vec<RecordingRow>);

impl fmt::Display for Recordings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return writeln!(
                f,
                "no recordings (`rnnlab data add FILE --experiment X` adds one)"
            );
        }
        writeln!(
            f,
            "{:>4} {:<20} {:<16} {:>10} {:>6} {:>8} {:>7}  source",
            "id", "experiment", "name", "conditions", "steps", "neurons", "trials"
        )?;
        for r in &self.0 {
            writeln!(
                f,
                "{:>4} {:<20} {:<16} {:>10} {:>6} {:>8} {:>7}  {}",
                r.id,
                r.experiment,
                r.name,
                r.conditions,
                r.steps,
                r.neurons,
                r.trials.map_or(MISSING.to_string(), |n| n.to_string()),
                r.source
            )?;
        }
        Ok(())
    }
}

/// One network's distance to the recording under one metric.
#[derive(Clone, Debug, Serialize)]
pub struct Placed {
    /// Network id.
    pub network: i64,
    /// Its cell.
    pub group: Group,
    /// Distance on all the data.
    pub distance: f64,
    /// Bootstrap interval (2.5 %, 97.5 %).
    pub low: Option<f64>,
    /// Its high end.
    pub high: Option<f64>,
    /// With the network's units cut to the recording's neuron count.
    pub subsampled: Option<f64>,
}

/// A group's distances to the recording.
#[derive(Clone, Debug, Serialize)]
pub struct GroupDistances {
    /// The cell.
    pub group: Group,
    /// Networks.
    pub networks: usize,
    /// Their distances' quartiles.
    pub distance: Option<Quartiles>,
}

/// Whether the cells differ in their distance to the recording: Kruskal–Wallis across
/// architectures.
#[derive(Clone, Debug, Serialize)]
pub struct RankTest {
    /// H.
    pub h: f64,
    /// Its permutation p-value.
    pub p: f64,
    /// ε² = H / (n − 1): the share of the ranks' variance the cells explain.
    pub effect: f64,
}

/// The recording among the networks under one metric.
#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    /// The metric.
    pub metric: &'static str,
    /// Every network, by id.
    pub networks: Vec<Placed>,
    /// Per cell.
    pub groups: Vec<GroupDistances>,
    /// The nearest networks, nearest first.
    pub nearest: Vec<Placed>,
    /// The nearest network's interval lies wholly below the second's (None without intervals).
    pub nearest_distinguished: Option<bool>,
    /// The nearest network when every network's units are cut to the recording's neurons.
    pub nearest_subsampled: Option<i64>,
    /// Whether the architectures differ in their distance to the recording.
    pub architectures_differ: Option<RankTest>,
    /// The data's own ceiling: the distance between two halves of its trials.
    pub ceiling: Option<f64>,
}

/// What `rnnlab compare --data LABEL` shows.
#[derive(Clone, Debug, Serialize)]
pub struct RecordingComparison {
    /// Experiment.
    pub experiment: String,
    /// The recording.
    pub recording: RecordingRow,
    /// How both sides were reduced and fitted.
    pub settings: String,
    /// Bootstrap resamples behind each interval.
    pub resamples: usize,
    /// Networks compared now (the others' distances were stored).
    pub computed: usize,
    /// Networks left out (states not finite, no variance).
    pub skipped: usize,
    /// Per metric.
    pub placements: Vec<Placement>,
}

/// The options of a recording comparison: the comparison's reduction and DSA settings, DSA
/// fitted on the probe trials (a recording was made on the task's trials, not left alone).
pub fn recording_options(
    reduction: &ReductionOptions,
    dsa: &DsaOptions,
    resamples: usize,
) -> RecordingOptions {
    RecordingOptions {
        reduction: reduction.clone(),
        dsa: DsaOptions {
            drive: Drive::Probe,
            ..dsa.clone()
        },
        resamples,
        seed: 0xDA7A,
        metrics: [true; 5],
    }
}

fn settings_key(options: &RecordingOptions) -> String {
    // "bias-shifted": the intervals' method (stored intervals of another are not reused).
    format!(
        "recording {} | {} | {} resamples, seed {}, bias-shifted",
        serde_json::to_string(&options.reduction).expect("serialises"),
        serde_json::to_string(&options.dsa).expect("serialises"),
        options.resamples,
        options.seed
    )
}

/// The condition-averaged states (T, conditions, units) of `params` on the probe trials.
fn network_trajectories(
    probe: &mut StateProbe,
    params: &crate::net::Params<f32>,
    lstm_cell_state: bool,
    of_probe: &[usize],
    conditions: usize,
) -> Option<Array3<f64>> {
    let steps = probe.steps();
    let states = probe.states(params, lstm_cell_state)?;
    let (rows, units) = states.dim();
    let trials = states
        .to_owned()
        .into_shape_with_order((steps, rows / steps, units))
        .ok()?;
    condition_means(trials.view(), of_probe, conditions)
}

/// Places recording `name` among `experiment`'s trained networks under every metric, computing
/// and storing the distances not stored yet under these settings.
pub fn compare_recording(
    notebook: &Notebook,
    experiment: &str,
    name: &str,
    options: &RecordingOptions,
    threads: usize,
) -> Result<RecordingComparison, LabError> {
    let (row, data) = notebook.recording(experiment, name)?;
    let key = settings_key(options);
    let networks = trained_networks(notebook, experiment)?;
    let stored = notebook.recording_distances(row.id, &key)?;
    let have: std::collections::HashSet<(i64, &str)> = stored
        .iter()
        .map(|d| (d.network, d.metric.as_str()))
        .collect();
    // A network is computed again only for the metrics asked that it lacks.
    let lacking = |n: &NetworkRow| -> [bool; 5] {
        std::array::from_fn(|k| options.metrics[k] && !have.contains(&(n.id, METRICS[k])))
    };
    let missing: Vec<(&NetworkRow, [bool; 5])> = networks
        .iter()
        .map(|n| (n, lacking(n)))
        .filter(|(_, lacks)| lacks.contains(&true))
        .collect();
    let mut skipped = 0;
    if !missing.is_empty() {
        let exp: Experiment = stored_experiment(notebook, experiment)?;
        let (_, of_probe) = conditions_of(&exp.task).map_err(LabError::Invalid)?;
        let recorded = recorded(&data);
        let mut probe = StateProbe::new(&exp.task);
        let mut trajectories = Vec::new();
        for (n, _) in &missing {
            let states = stored_params(notebook, n, &exp)?.and_then(|p| {
                network_trajectories(
                    &mut probe,
                    &p,
                    options.reduction.lstm_cell_state,
                    &of_probe,
                    data.conditions,
                )
            });
            trajectories.push(states);
        }
        let jobs: Vec<(usize, usize)> = (0..missing.len()).map(|i| (i, i)).collect();
        let results: Vec<Option<Vec<RecordingDistance>>> = each_pair(&jobs, threads, |i, _| {
            let network = trajectories[i].as_ref()?;
            let (row, lacks) = missing[i];
            let options = &RecordingOptions {
                metrics: lacks,
                ..options.clone()
            };
            let full = distances_between(recorded.means.view(), network.view(), options)?;
            let intervals = bootstrap(&recorded, network.view(), full, options);
            let cut = (data.neurons < network.dim().2).then(|| {
                let cut = subsampled(network.view(), data.neurons, options.seed);
                distances_between(recorded.means.view(), cut.view(), options)
            });
            Some(
                (0..METRICS.len())
                    .filter(|&k| lacks[k])
                    .map(|k| RecordingDistance {
                        network: row.id,
                        metric: METRICS[k].to_string(),
                        distance: full[k],
                        low: intervals[k].map(|x| x.0),
                        high: intervals[k].map(|x| x.1),
                        subsampled: cut.flatten().map(|d| d[k]),
                    })
                    .collect(),
            )
        });
        let fresh: Vec<RecordingDistance> = results
            .into_iter()
            .filter_map(|r| {
                if r.is_none() {
                    skipped += 1;
                }
                r
            })
            .flatten()
            .collect();
        notebook.store_recording_distances(row.id, &key, &fresh)?;
    }
    let all = notebook.recording_distances(row.id, &key)?;
    let ceiling = split_half_ceiling(&recorded(&data), SPLITS, options);
    let groups: BTreeMap<i64, Group> = networks.iter().map(|n| (n.id, n.group())).collect();
    let placements = METRICS
        .iter()
        .enumerate()
        .filter(|(k, _)| options.metrics[*k])
        .map(|(k, metric)| {
            let placed: Vec<Placed> = all
                .iter()
                .filter(|d| d.metric == *metric)
                .filter_map(|d| {
                    Some(Placed {
                        network: d.network,
                        group: *groups.get(&d.network)?,
                        distance: d.distance,
                        low: d.low,
                        high: d.high,
                        subsampled: d.subsampled,
                    })
                })
                .collect();
            placement(metric, placed, ceiling.map(|c| c[k]), options.seed)
        })
        .collect();
    Ok(RecordingComparison {
        experiment: experiment.to_string(),
        recording: row,
        settings: format!(
            "{}; DSA {} (fitted on the probe trials)",
            options.reduction, options.dsa
        ),
        resamples: options.resamples,
        computed: missing.len() - skipped,
        skipped,
        placements,
    })
}

/// Where a recording falls on comparison `c`'s map (its matrix `d`, rows in map order), from
/// its distance to each network under the map's metric: the point whose distances to theirs
/// best match its distances to them. None if a network of the map has no distance to it.
pub fn on_map(
    c: &Comparison,
    d: &Array2<f64>,
    distance: &BTreeMap<i64, f64>,
) -> Option<(f64, f64)> {
    let to_new: Vec<f64> = c
        .map
        .iter()
        .map(|p| distance.get(&p.network).copied())
        .collect::<Option<_>>()?;
    let embedding = Embedding {
        coordinates: Array2::from_shape_fn((c.map.len(), 2), |(i, k)| {
            if k == 0 {
                c.map[i].x
            } else {
                c.map[i].y
            }
        }),
        stress: c.stress,
    };
    let at = place(d.view(), &embedding, &to_new);
    Some((at[0], at[1]))
}

/// Every recording of `experiment` with the distances stored for it under the comparison
/// settings `reduction` and `dsa` (what `compare --data` and the report computed; nothing is
/// computed here).
pub fn stored_distances(
    notebook: &Notebook,
    experiment: &str,
    reduction: &ReductionOptions,
    dsa: &DsaOptions,
) -> Result<Vec<(String, Vec<RecordingDistance>)>, LabError> {
    let key = settings_key(&recording_options(reduction, dsa, RESAMPLES));
    notebook
        .recordings(Some(experiment))?
        .into_iter()
        .map(|r| Ok((r.name.clone(), notebook.recording_distances(r.id, &key)?)))
        .collect()
}

/// A recording on the terminal notebook's map: its label, where it falls, its nearest network.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingMark {
    /// Its label.
    pub name: String,
    /// Map coordinates.
    pub x: f64,
    /// Map coordinates.
    pub y: f64,
    /// Its nearest network under the map's metric.
    pub nearest: Option<i64>,
}

/// The experiment's recordings on comparison `c`'s map, from the distances `rnnlab compare
/// --data` (or the report) stored under the default settings; nothing is computed.
pub fn stored_marks(
    notebook: &Notebook,
    c: &Comparison,
    d: &Array2<f64>,
) -> Result<Vec<RecordingMark>, LabError> {
    let settings = recording_options(
        &ReductionOptions::default(),
        &DsaOptions::default(),
        RESAMPLES,
    );
    let key = settings_key(&settings);
    let mut marks = Vec::new();
    let on_map_ids: std::collections::HashSet<i64> = c.map.iter().map(|p| p.network).collect();
    for r in notebook.recordings(Some(&c.experiment))? {
        // The networks on the map only; nothing but the nearest is needed here.
        let distance: BTreeMap<i64, f64> = notebook
            .recording_distances(r.id, &key)?
            .into_iter()
            .filter(|x| x.metric == c.metric && on_map_ids.contains(&x.network))
            .map(|x| (x.network, x.distance))
            .collect();
        let nearest = distance
            .iter()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(&id, _)| id);
        if let Some((x, y)) = on_map(c, d, &distance) {
            marks.push(RecordingMark {
                name: r.name,
                x,
                y,
                nearest,
            });
        }
    }
    Ok(marks)
}

/// The stored data as the comparison reads it: means and single trials, time-major.
fn recorded(data: &NewRecording) -> Recorded {
    let (c, t, m) = (data.conditions, data.steps, data.neurons);
    Recorded {
        means: time_major(&data.means, c, t, m),
        trials: data.trials.as_ref().map(|(labels, values)| {
            (
                time_major(values, labels.len(), t, m),
                labels.iter().map(|&l| l as usize).collect(),
            )
        }),
    }
}

/// The recording among the networks under one metric.
fn placement(
    metric: &'static str,
    mut networks: Vec<Placed>,
    ceiling: Option<f64>,
    seed: u64,
) -> Placement {
    networks.sort_by_key(|p| p.network);
    let mut by_group: BTreeMap<Group, Vec<f64>> = BTreeMap::new();
    for p in &networks {
        by_group.entry(p.group).or_default().push(p.distance);
    }
    let groups = by_group
        .iter()
        .map(|(g, d)| GroupDistances {
            group: *g,
            networks: d.len(),
            distance: Quartiles::of(d.iter().copied()),
        })
        .collect();
    let mut nearest = networks.clone();
    nearest.sort_by(|a, b| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.network.cmp(&b.network))
    });
    let nearest_distinguished = match (nearest.first(), nearest.get(1)) {
        (Some(a), Some(b)) => a.high.zip(b.low).map(|(high, low)| high < low),
        _ => None,
    };
    let nearest_subsampled = networks
        .iter()
        .filter_map(|p| Some((p.subsampled?, p.network)))
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, id)| id);
    nearest.truncate(NEAREST);
    let arch_index = |a: Arch| Arch::ALL.iter().position(|&x| x == a).expect("every arch");
    let values: Vec<f64> = networks.iter().map(|p| p.distance).collect();
    let labels: Vec<usize> = networks.iter().map(|p| arch_index(p.group.arch)).collect();
    let architectures_differ = kruskal_wallis(&values, &labels, PERMUTATIONS, seed)
        .map(|(h, p, effect)| RankTest { h, p, effect });
    Placement {
        metric,
        networks,
        groups,
        nearest,
        nearest_distinguished,
        nearest_subsampled,
        architectures_differ,
        ceiling,
    }
}

impl RecordingComparison {
    /// The placement under `metric`, if it is one of the recording's metrics.
    pub fn placement(&self, metric: &str) -> Option<&Placement> {
        self.placements.iter().find(|p| p.metric == metric)
    }
}

impl fmt::Display for RecordingComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.recording;
        writeln!(
            f,
            "recording '{}' ({} conditions × {} steps × {} neurons{}) among the {} networks of \
             {}; {}; intervals from {} bootstrap resamples",
            r.name,
            r.conditions,
            r.steps,
            r.neurons,
            r.trials.map_or(String::new(), |n| format!(", {n} trials")),
            self.placements.first().map_or(0, |p| p.networks.len()),
            self.experiment,
            self.settings,
            self.resamples
        )?;
        for p in &self.placements {
            write!(f, "\n{}", p)?;
        }
        Ok(())
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = |v: Option<f64>| v.map_or(MISSING.to_string(), |v| format!("{v:.3}"));
        writeln!(
            f,
            "{}: ceiling (two halves of the trials) {}",
            self.metric,
            q(self.ceiling)
        )?;
        for g in &self.groups {
            let d = g.distance;
            writeln!(
                f,
                "  {:<16} {:>3} networks  median {} [{} – {}]",
                g.group.to_string(),
                g.networks,
                q(d.map(|d| d.median)),
                q(d.map(|d| d.q1)),
                q(d.map(|d| d.q3))
            )?;
        }
        let nearest: Vec<String> = self
            .nearest
            .iter()
            .map(|p| {
                format!(
                    "#{} {} {} [{} – {}]",
                    p.network,
                    p.group,
                    q(Some(p.distance)),
                    q(p.low),
                    q(p.high)
                )
            })
            .collect();
        writeln!(f, "  nearest: {}", nearest.join(", "))?;
        match self.nearest_distinguished {
            Some(true) => writeln!(
                f,
                "  the nearest is closer than the second beyond both intervals"
            )?,
            Some(false) => writeln!(
                f,
                "  the nearest is not distinguishable from the second (their intervals overlap)"
            )?,
            None => {}
        }
        if let Some(id) = self.nearest_subsampled {
            writeln!(
                f,
                "  with each network cut to the recording's neurons: nearest #{id}"
            )?;
        }
        if let Some(t) = &self.architectures_differ {
            writeln!(
                f,
                "  architectures differ in distance to the data: Kruskal–Wallis H {:.2}, {}, \
                 ε² {:.2}",
                t.h,
                crate::lab::compare::p_text(t.p),
                t.effect
            )?;
        }
        Ok(())
    }
}
