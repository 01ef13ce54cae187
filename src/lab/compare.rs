//! Comparing an experiment's networks (`rnnlab compare`, and after every sweep and analysis):
//! the geometry distance matrices, kept in the notebook and extended incrementally (only pairs
//! not stored yet are computed), then MDS maps and separability scores per metric, the
//! topology distance among them.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::Array2;
use serde::Serialize;

use super::notebook::{stored_experiment, stored_params};
use super::population::trained_networks;
use super::stats::Stats;
use super::MISSING;
use crate::analysis::similarity::dsa::{self, DsaMetric, DsaOptions};
use crate::analysis::similarity::{
    classical_mds, pairwise, reduce, separation, Metric, ReductionOptions, Separation, StateProbe,
    Tested,
};
use crate::net::{Activation, Arch, Group, Params};
use crate::store::{DsaPair, NetworkRow, Notebook, SimilarityPair};
use crate::LabError;

/// Pairs stored per transaction.
const BATCH: usize = 20_000;
/// Geometry pairs computed between looks at the stop flag: about 0.1 s on 2 cores.
const CHUNK: usize = 2_000;
/// DSA pairs computed between looks at the stop flag: about 0.5 s on 2 cores (a pair's
/// rotation search takes about 2 ms).
const DSA_CHUNK: usize = 500;
/// Neighbours voting in the k-NN separability score.
pub const KNN: usize = 3;
/// Label shuffles of each separability score's permutation null (fewer for very large
/// populations: [`permutations_for`](crate::analysis::similarity::permutations_for)).
pub const PERMUTATIONS: usize = 1000;
/// The seed of those shuffles: the same population gives the same p-values.
pub const NULL_SEED: u64 = 2019;

/// What an update of an experiment's matrices did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SimilarityUpdate {
    /// Networks in the matrices.
    pub networks: usize,
    /// Pairs of networks compared now (under the geometry metrics, DSA or both).
    pub new_pairs: usize,
    /// Networks left out (states not finite, or no operator could be fitted).
    pub skipped: usize,
    /// Seconds.
    pub seconds: f64,
    /// Stopped by a signal before every pair was computed (those computed are stored).
    pub stopped: bool,
}

/// The settings of a comparison: the reduction of the geometry metrics and DSA's own. Each
/// has its own key in the notebook, so changing one never recomputes the other's pairs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CompareOptions {
    /// How states are reduced for SVCCA, angular CCA and Procrustes.
    pub reduction: ReductionOptions,
    /// How DSA embeds and fits the dynamics.
    pub dsa: DsaOptions,
}

/// The settings key the geometry matrices are stored under.
pub fn settings_key(options: &ReductionOptions) -> String {
    // v2: angular CCA zero-pads unequal widths (netrep's); pairs stored under the first
    // definition are not mixed with it, they are computed again.
    format!(
        "v2:{}",
        serde_json::to_string(options).expect("settings serialise")
    )
}

/// The settings key the DSA matrices are stored under (the LSTM's compared state included).
pub fn dsa_settings_key(options: &CompareOptions) -> String {
    format!(
        "dsa-v1:{}:{}",
        options.reduction.lstm_cell_state,
        serde_json::to_string(&options.dsa).expect("settings serialise")
    )
}

/// Computes and stores every pair of the experiment's networks not stored yet under
/// `options`, on `threads` threads. Old pairs are never recomputed.
pub fn update_similarity(
    notebook: &Notebook,
    experiment: &str,
    options: &CompareOptions,
    threads: usize,
) -> Result<SimilarityUpdate, LabError> {
    update_similarity_until(
        notebook,
        experiment,
        options,
        threads,
        &AtomicBool::new(false),
    )
}

/// The update every sweep and analysis run ends with: the pairs of the default comparison the
/// experiment is missing, until `stop`.
pub fn update_after_work(
    notebook: &Notebook,
    experiment: &str,
    threads: usize,
    stop: &AtomicBool,
) -> Result<SimilarityUpdate, LabError> {
    update_similarity_until(
        notebook,
        experiment,
        &CompareOptions::default(),
        threads,
        stop,
    )
}

/// [`update_similarity`], ending early once `stop` is set: it is checked between networks and
/// between batches of pairs (each stored as it is done), so a signal is honoured within about
/// a second and no computed pair is lost. Geometry first, then DSA.
pub fn update_similarity_until(
    notebook: &Notebook,
    experiment: &str,
    options: &CompareOptions,
    threads: usize,
    stop: &AtomicBool,
) -> Result<SimilarityUpdate, LabError> {
    let started = Instant::now();
    let experiment_id = notebook.experiment(experiment)?.id;
    let networks = trained_networks(notebook, experiment)?;
    let ids: Vec<i64> = networks.iter().map(|n| n.id).collect();
    let reduction = &options.reduction;
    let key = settings_key(reduction);
    let dsa_key = dsa_settings_key(options);
    let missing_geometry = missing_pairs(&ids, notebook.similarity_pairs(experiment_id, &key)?);
    let missing_dynamics = missing_pairs(&ids, notebook.dsa_pairs(experiment_id, &dsa_key)?);
    let mut update = SimilarityUpdate {
        networks: ids.len(),
        ..SimilarityUpdate::default()
    };
    if missing_geometry.is_empty() && missing_dynamics.is_empty() {
        return Ok(update);
    }
    let parsed = stored_experiment(notebook, experiment)?;
    let load = |n: &NetworkRow| stored_params(notebook, n, &parsed);
    let population = Population {
        networks: &networks,
        load: &load,
    };

    let mut probe = StateProbe::new(&parsed.task);
    let mut kept = Vec::new();
    let geometry = update_pairs(
        &population,
        &missing_geometry,
        CHUNK,
        stop,
        |n, params| {
            let r = probe
                .states(params, reduction.lstm_cell_state)
                .and_then(|s| reduce(s, reduction));
            if let Some(r) = &r {
                kept.push((n.id, r.components()));
            }
            r
        },
        |reductions, pairs| pairwise(reductions, pairs, threads),
        |rows| Ok(notebook.store_similarity(experiment_id, &key, rows)?),
    )?;
    notebook.store_components(experiment_id, &key, &kept)?;

    let mut dsa_probe = dsa::DsaProbe::new(&parsed.task, options.dsa.drive);
    let dynamics = update_pairs(
        &population,
        &missing_dynamics,
        DSA_CHUNK,
        stop,
        |_, params| {
            dsa_probe
                .trajectories(params, reduction.lstm_cell_state)
                .and_then(|t| dsa::fit(t.view(), &options.dsa))
        },
        |operators, pairs| dsa::pairwise(operators, pairs, options.dsa.random_starts, threads),
        |rows| Ok(notebook.store_dsa(experiment_id, &dsa_key, rows)?),
    )?;
    update.new_pairs = geometry.new_pairs.max(dynamics.new_pairs);
    update.skipped = geometry.skipped.max(dynamics.skipped);
    update.seconds = started.elapsed().as_secs_f64();
    update.stopped = stop.load(Ordering::SeqCst);
    Ok(update)
}

/// The pairs (i, j), i < j, of positions in `ids` whose networks have no row in `stored`.
fn missing_pairs<const K: usize>(
    ids: &[i64],
    stored: Vec<(i64, i64, [f64; K])>,
) -> Vec<(usize, usize)> {
    let stored: HashSet<(i64, i64)> = stored.into_iter().map(|(a, b, _)| (a, b)).collect();
    (0..ids.len())
        .flat_map(|i| (i + 1..ids.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| !stored.contains(&(ids[i], ids[j])))
        .collect()
}

/// Reads a network's weights (None: it has none).
type Load<'a> = &'a dyn Fn(&NetworkRow) -> Result<Option<Params<f32>>, LabError>;

/// An experiment's networks and how their weights are read.
struct Population<'a> {
    networks: &'a [NetworkRow],
    load: Load<'a>,
}

/// The `missing` pairs of a population's networks (positions): each network a pair needs is loaded
/// (`load`) and prepared once (`prepare`: its reduction or operator; None leaves it out), the
/// pairs computed a chunk at a time (`compute`) so a stop is seen within a fraction of a
/// second, and stored a batch at a time (`store`), with whatever is computed when stopped;
/// `chunk` pairs between looks at `stop`.
fn update_pairs<T, const K: usize>(
    population: &Population,
    missing: &[(usize, usize)],
    chunk: usize,
    stop: &AtomicBool,
    mut prepare: impl FnMut(&NetworkRow, &Params<f32>) -> Option<T>,
    compute: impl Fn(&[T], &[(usize, usize)]) -> Vec<[f64; K]>,
    mut store: impl FnMut(&[(i64, i64, [f64; K])]) -> Result<(), LabError>,
) -> Result<SimilarityUpdate, LabError> {
    let stopped = || stop.load(Ordering::SeqCst);
    let mut update = SimilarityUpdate::default();
    if missing.is_empty() {
        return Ok(update);
    }
    let mut needed: Vec<usize> = missing.iter().flat_map(|&(i, j)| [i, j]).collect();
    needed.sort_unstable();
    needed.dedup();
    let mut prepared = Vec::with_capacity(needed.len());
    let Population { networks, load } = population;
    let mut slot = vec![None; networks.len()];
    for &k in &needed {
        if stopped() {
            break;
        }
        let n = &networks[k];
        match load(n)?.and_then(|params| prepare(n, &params)) {
            Some(p) => {
                slot[k] = Some(prepared.len());
                prepared.push(p);
            }
            None => update.skipped += 1,
        }
    }
    // Each pair as positions among the prepared, and as network ids.
    type Ends = (Vec<(usize, usize)>, Vec<(i64, i64)>);
    let (pairs, ends): Ends = missing
        .iter()
        .filter_map(|&(i, j)| Some(((slot[i]?, slot[j]?), (networks[i].id, networks[j].id))))
        .unzip();
    let mut rows = Vec::with_capacity(BATCH);
    for (pairs, ends) in pairs.chunks(chunk).zip(ends.chunks(chunk)) {
        if stopped() {
            break;
        }
        let distances = compute(&prepared, pairs);
        rows.extend(ends.iter().zip(&distances).map(|(&(a, b), &d)| (a, b, d)));
        if rows.len() >= BATCH {
            store(&rows)?;
            update.new_pairs += rows.len();
            rows.clear();
        }
    }
    if !rows.is_empty() {
        store(&rows)?;
        update.new_pairs += rows.len();
    }
    Ok(update)
}

/// Which distance a comparison shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompareMetric {
    /// One of the geometry metrics.
    Geometry(Metric),
    /// One of the DSA scores (dynamics compared as dynamics).
    Dynamics(DsaMetric),
    /// The topology distance of the scaffolds.
    Topology,
}

impl CompareMetric {
    /// Every metric: geometry, dynamics, topology.
    pub const ALL: [CompareMetric; 6] = [
        CompareMetric::Geometry(Metric::Svcca),
        CompareMetric::Geometry(Metric::CcaAngular),
        CompareMetric::Geometry(Metric::Procrustes),
        CompareMetric::Dynamics(DsaMetric::Procrustes),
        CompareMetric::Dynamics(DsaMetric::Spectral),
        CompareMetric::Topology,
    ];

    /// Its command-line name.
    pub fn name(self) -> &'static str {
        match self {
            CompareMetric::Geometry(m) => m.name(),
            CompareMetric::Dynamics(m) => m.name(),
            CompareMetric::Topology => "topology",
        }
    }
}

impl std::str::FromStr for CompareMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CompareMetric::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = CompareMetric::ALL.iter().map(|m| m.name()).collect();
                format!("unknown metric '{s}' ({})", names.join(", "))
            })
    }
}

/// Separability of the architecture and activation labels under one metric.
#[derive(Clone, Debug, Serialize)]
pub struct Scores {
    /// The metric.
    pub metric: &'static str,
    /// Networks in its matrix.
    pub networks: usize,
    /// Mean silhouette of the architecture labels.
    pub silhouette_arch: Option<f64>,
    /// Leave-one-out k-NN accuracy of the architecture labels.
    pub knn_arch: Option<f64>,
    /// Mean silhouette of the activation labels.
    pub silhouette_activation: Option<f64>,
    /// Leave-one-out k-NN accuracy of the activation labels.
    pub knn_activation: Option<f64>,
    /// The architecture labels' scores with their permutation nulls and p-values.
    pub arch_test: Option<Separation>,
    /// The activation labels' scores with their permutation nulls and p-values.
    pub activation_test: Option<Separation>,
}

impl Scores {
    /// Its row as tables show it: metric, networks, then the four scores to three decimals
    /// ("—" where undefined).
    pub fn cells(&self) -> Vec<String> {
        let tested = |s: Option<Separation>, knn: bool| {
            s.map_or(MISSING.to_string(), |s| {
                with_p(if knn { s.knn } else { s.silhouette })
            })
        };
        vec![
            self.metric.to_string(),
            self.networks.to_string(),
            tested(self.arch_test, false),
            tested(self.arch_test, true),
            tested(self.activation_test, false),
            tested(self.activation_test, true),
        ]
    }
}

/// A score and its permutation p-value, short: `0.73 p.012`, `0.73 p<.001`.
pub fn with_p(t: Tested) -> String {
    format!("{:.2} {}", t.score, p_text(t.p))
}

/// A p-value in three characters after the `p`: `p.012`, `p<.001`, `p1.00`.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p<.001".into()
    } else if p >= 0.9995 {
        "p1.00".into()
    } else {
        format!("p{}", &format!("{p:.3}")[1..])
    }
}

/// One network on the MDS map.
#[derive(Clone, Debug, Serialize)]
pub struct MapPoint {
    /// Network id.
    pub network: i64,
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// MDS coordinates.
    pub x: f64,
    /// MDS coordinates.
    pub y: f64,
}

impl MapPoint {
    /// The network's group.
    pub fn group(&self) -> Group {
        Group::new(self.arch, self.activation)
    }
}

/// What `rnnlab compare` shows.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Experiment name.
    pub experiment: String,
    /// The metric of the table and map.
    pub metric: &'static str,
    /// Groups (architecture/activation), in the order of the table.
    pub groups: Vec<Group>,
    /// Mean distance between the networks of group i and group j (diagonal: within).
    pub block_means: Vec<Vec<Option<f64>>>,
    /// The MDS map.
    pub map: Vec<MapPoint>,
    /// Kruskal stress of the map.
    pub stress: f64,
    /// Scores under every metric with a matrix: the paper's contrast side by side.
    pub scores: Vec<Scores>,
    /// How the states were reduced before the geometry metrics.
    pub reduction: String,
    /// How DSA embedded and fitted the dynamics.
    pub dynamics: String,
    /// Per group, the principal components the networks' reductions kept.
    pub components: Vec<GroupComponents>,
    /// Said when the reduction keeps about as many components as the task's own dimension.
    pub warning: Option<String>,
}

/// The components kept by the reductions of one group's networks.
#[derive(Clone, Debug, Serialize)]
pub struct GroupComponents {
    /// `arch/activation`.
    pub group: Group,
    /// Count, mean, median, min and max of the components kept.
    pub kept: Stats,
}

/// Components kept per group, and a warning when their median is no more than the task's
/// own dimension (the comparison then sees the task, not the networks).
fn components_of(
    notebook: &Notebook,
    experiment_id: i64,
    networks: &[NetworkRow],
    options: &ReductionOptions,
    task_dimension: Option<usize>,
) -> Result<(Vec<GroupComponents>, Option<String>), LabError> {
    let kept: HashMap<i64, usize> = notebook
        .components(experiment_id, &settings_key(options))?
        .into_iter()
        .collect();
    let mut by_group: std::collections::BTreeMap<Group, Vec<f64>> = Default::default();
    for n in networks {
        if let Some(&k) = kept.get(&n.id) {
            by_group.entry(n.group()).or_default().push(k as f64);
        }
    }
    let all: Vec<f64> = by_group.values().flatten().copied().collect();
    let groups = by_group
        .into_iter()
        .map(|(group, v)| GroupComponents {
            group,
            kept: Stats::of(v),
        })
        .collect();
    let median = Stats::of(all).median;
    let task_dimension = task_dimension.unwrap_or(0);
    let warning = (median > 0.0 && median <= task_dimension as f64 + 1.0).then(|| {
        format!(
            "the reductions keep a median of {median} components, about the task's own \
             dimension ({task_dimension}): the geometry metrics see the task more than the \
             networks; compare with --components 10 (and see --sensitivity)"
        )
    });
    Ok((groups, warning))
}

/// An experiment's stored distances, read once: the geometry pairs under one reduction (all
/// three metrics per row), the DSA pairs under one setting and the topology pairs.
pub(super) struct StoredPairs {
    geometry: Vec<SimilarityPair>,
    dynamics: Vec<DsaPair>,
    topology: Vec<(i64, i64, f64)>,
}

impl StoredPairs {
    /// Reads them.
    pub(super) fn read(
        notebook: &Notebook,
        experiment_id: i64,
        options: &CompareOptions,
    ) -> Result<StoredPairs, LabError> {
        Ok(StoredPairs {
            geometry: notebook
                .similarity_pairs(experiment_id, &settings_key(&options.reduction))?,
            dynamics: notebook.dsa_pairs(experiment_id, &dsa_settings_key(options))?,
            topology: notebook.topology_distances(experiment_id)?,
        })
    }
}

/// The full matrix of `metric` over the networks that have every pair, with those networks.
pub(super) fn matrix(
    stored: &StoredPairs,
    networks: &[NetworkRow],
    metric: CompareMetric,
) -> (Vec<NetworkRow>, Array2<f64>) {
    let pairs: Box<dyn Iterator<Item = (i64, i64, f64)>> = match metric {
        CompareMetric::Topology => Box::new(stored.topology.iter().copied()),
        CompareMetric::Geometry(m) => {
            let k = Metric::ALL.iter().position(|x| *x == m).expect("listed");
            Box::new(stored.geometry.iter().map(move |&(a, b, d)| (a, b, d[k])))
        }
        CompareMetric::Dynamics(m) => {
            let k = DsaMetric::ALL.iter().position(|x| *x == m).expect("listed");
            Box::new(stored.dynamics.iter().map(move |&(a, b, d)| (a, b, d[k])))
        }
    };
    // Indexed by position, not hashed by pair: 4.5 million pairs fill it in a fraction of a
    // second.
    let position: HashMap<i64, usize> = networks
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id, i))
        .collect();
    let n = networks.len();
    let mut full = Array2::from_elem((n, n), f64::NAN);
    let mut paired = vec![false; n];
    for (a, b, d) in pairs {
        if let (Some(&i), Some(&j)) = (position.get(&a), position.get(&b)) {
            full[[i, j]] = d;
            full[[j, i]] = d;
            paired[i] = true;
            paired[j] = true;
        }
    }
    // Keep, in order, the networks paired with every network kept before them.
    let mut kept: Vec<usize> = Vec::new();
    for i in (0..n).filter(|&i| paired[i]) {
        if kept.iter().all(|&k| full[[k, i]].is_finite()) {
            kept.push(i);
        }
    }
    let d = Array2::from_shape_fn((kept.len(), kept.len()), |(i, j)| {
        if i == j {
            0.0
        } else {
            full[[kept[i], kept[j]]]
        }
    });
    (kept.iter().map(|&i| networks[i].clone()).collect(), d)
}

fn scores_of(metric: CompareMetric, rows: &[NetworkRow], d: &Array2<f64>) -> Scores {
    let arch: Vec<&str> = rows.iter().map(|r| r.arch.name()).collect();
    let act: Vec<&str> = rows.iter().map(|r| r.activation.name()).collect();
    let arch_test = separation(d.view(), &arch, KNN, PERMUTATIONS, NULL_SEED);
    let activation_test = separation(d.view(), &act, KNN, PERMUTATIONS, NULL_SEED);
    Scores {
        metric: metric.name(),
        networks: rows.len(),
        silhouette_arch: arch_test.map(|s| s.silhouette.score),
        knn_arch: arch_test.map(|s| s.knn.score),
        silhouette_activation: activation_test.map(|s| s.silhouette.score),
        knn_activation: activation_test.map(|s| s.knn.score),
        arch_test,
        activation_test,
    }
}

/// The comparison of an experiment's networks under `metric` (its matrices brought up to date
/// first), with the separability scores of every metric.
pub fn compare(
    notebook: &Notebook,
    experiment: &str,
    metric: CompareMetric,
    options: &CompareOptions,
    threads: usize,
) -> Result<Comparison, LabError> {
    update_similarity(notebook, experiment, options, threads)?;
    Ok(stored_comparison(notebook, experiment, metric, options)?.0)
}

/// The comparison from the matrices as stored (nothing is computed but the map and scores),
/// with the shown metric's matrix, its rows in the order of the map.
pub fn stored_comparison(
    notebook: &Notebook,
    experiment: &str,
    metric: CompareMetric,
    options: &CompareOptions,
) -> Result<(Comparison, Array2<f64>), LabError> {
    let networks = trained_networks(notebook, experiment)?;
    stored_comparison_among(notebook, experiment, &networks, metric, options)
}

/// [`stored_comparison`] over some of the experiment's networks (the report leaves out those
/// that did not solve the task).
pub fn stored_comparison_among(
    notebook: &Notebook,
    experiment: &str,
    networks: &[NetworkRow],
    metric: CompareMetric,
    options: &CompareOptions,
) -> Result<(Comparison, Array2<f64>), LabError> {
    let mut one = stored_comparisons_among(notebook, experiment, networks, &[metric], options)?;
    Ok(one.pop().expect("one metric asked, one comparison"))
}

/// The comparisons under each of `shown` (in that order) from one read of the stored pairs,
/// the separability scores computed once for all.
pub fn stored_comparisons_among(
    notebook: &Notebook,
    experiment: &str,
    networks: &[NetworkRow],
    shown: &[CompareMetric],
    options: &CompareOptions,
) -> Result<Vec<(Comparison, Array2<f64>)>, LabError> {
    let experiment_id = notebook.experiment(experiment)?.id;
    // A notebook made by hand (benchmarks, tests) may hold no parsable experiment file.
    let dimension = stored_experiment(notebook, experiment)
        .ok()
        .map(|e| e.task.dimension());
    let (components, warning) = components_of(
        notebook,
        experiment_id,
        networks,
        &options.reduction,
        dimension,
    )?;
    let stored = StoredPairs::read(notebook, experiment_id, options)?;
    let mut scores = Vec::new();
    let mut matrices = Vec::new();
    for m in CompareMetric::ALL {
        let (rows, d) = matrix(&stored, networks, m);
        if rows.len() >= 2 {
            scores.push(scores_of(m, &rows, &d));
        }
        if shown.contains(&m) {
            matrices.push((m, rows, d));
        }
    }
    let common = Common {
        experiment,
        scores,
        options,
        components,
        warning,
    };
    Ok(shown
        .iter()
        .map(|metric| {
            let k = matrices
                .iter()
                .position(|(m, ..)| m == metric)
                .expect("every shown metric is one of ALL");
            let (_, rows, d) = matrices.swap_remove(k);
            let comparison = comparison_of(&common, *metric, &rows, &d);
            (comparison, d)
        })
        .collect())
}

/// What the comparisons of one read share: the scores under every metric, the settings and
/// the components kept.
struct Common<'a> {
    experiment: &'a str,
    scores: Vec<Scores>,
    options: &'a CompareOptions,
    components: Vec<GroupComponents>,
    warning: Option<String>,
}

/// Block means and the MDS map of one matrix, with what every comparison shares.
fn comparison_of(
    common: &Common,
    metric: CompareMetric,
    rows: &[NetworkRow],
    d: &Array2<f64>,
) -> Comparison {
    let mut groups: Vec<Group> = rows.iter().map(NetworkRow::group).collect();
    groups.sort();
    groups.dedup();
    let index: Vec<usize> = rows
        .iter()
        .map(|r| groups.iter().position(|g| *g == r.group()).expect("listed"))
        .collect();
    let g = groups.len();
    let mut sums = vec![vec![(0.0, 0usize); g]; g];
    for i in 0..rows.len() {
        for j in 0..rows.len() {
            if i != j {
                let cell = &mut sums[index[i]][index[j]];
                cell.0 += d[[i, j]];
                cell.1 += 1;
            }
        }
    }
    let block_means = sums
        .iter()
        .map(|row| {
            row.iter()
                .map(|&(s, c)| (c > 0).then(|| s / c as f64))
                .collect()
        })
        .collect();
    let embedding = classical_mds(d.view(), 2);
    let map = rows
        .iter()
        .enumerate()
        .map(|(i, r)| MapPoint {
            network: r.id,
            arch: r.arch,
            activation: r.activation,
            x: embedding.coordinates[[i, 0]],
            y: embedding.coordinates[[i, 1]],
        })
        .collect();
    Comparison {
        experiment: common.experiment.to_string(),
        metric: metric.name(),
        groups,
        block_means,
        map,
        stress: embedding.stress,
        scores: common.scores.clone(),
        reduction: common.options.reduction.to_string(),
        dynamics: common.options.dsa.to_string(),
        components: common.components.clone(),
        warning: common.warning.clone(),
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} distance, {} networks; mean distance between groups (rows × columns)",
            self.experiment,
            self.metric,
            self.map.len()
        )?;
        write!(f, "  {:<14}", "")?;
        for k in 0..self.groups.len() {
            write!(f, " {:>7}", format!("[{k}]"))?;
        }
        writeln!(f)?;
        for (k, (name, row)) in self.groups.iter().zip(&self.block_means).enumerate() {
            write!(f, "  [{k}] {name:<10}")?;
            for v in row {
                write!(f, " {:>7}", v.map_or(MISSING.into(), |v| format!("{v:.3}")))?;
            }
            writeln!(f)?;
        }
        writeln!(
            f,
            "\ngeometry on {}; components kept (min / median / max):",
            self.reduction
        )?;
        for g in &self.components {
            writeln!(
                f,
                "  {:<14} {} / {} / {}",
                g.group, g.kept.min, g.kept.median, g.kept.max
            )?;
        }
        if let Some(w) = &self.warning {
            writeln!(f, "  warning: {w}")?;
        }
        writeln!(f, "DSA on {}", self.dynamics)?;
        writeln!(
            f,
            "\nseparability (silhouette, leave-one-out {KNN}-NN accuracy; p: share of {PERMUTATIONS} \
             label shuffles scoring as high):"
        )?;
        writeln!(
            f,
            "  {:<12} {:>8} {:>12} {:>12} {:>12} {:>12}",
            "metric", "networks", "arch sil.", "arch kNN", "act. sil.", "act. kNN"
        )?;
        for s in &self.scores {
            let c = s.cells();
            writeln!(
                f,
                "  {:<12} {:>8} {:>12} {:>12} {:>12} {:>12}",
                c[0], c[1], c[2], c[3], c[4], c[5]
            )?;
        }
        writeln!(f, "\nMDS map ({}; stress {:.3}):", self.metric, self.stress)?;
        for p in &self.map {
            writeln!(
                f,
                "  {:>6} {:<10} {:<5} {:>9.4} {:>9.4}",
                p.network, p.arch, p.activation, p.x, p.y
            )?;
        }
        Ok(())
    }
}

/// The separability of the labels under each geometry metric at one reduction.
#[derive(Clone, Debug, Serialize)]
pub struct SensitivityRow {
    /// The reduction.
    pub reduction: String,
    /// The median over the groups of each group's median components kept.
    pub components_median: f64,
    /// Scores of SVCCA, angular CCA and Procrustes.
    pub scores: Vec<Scores>,
}

/// `rnnlab compare --sensitivity`: does the verdict depend on the reduction?
#[derive(Clone, Debug, Serialize)]
pub struct Sensitivity {
    /// Experiment name.
    pub experiment: String,
    /// One row per reduction tried.
    pub rows: Vec<SensitivityRow>,
    /// The DSA scores (their own embedding, no reduction of the geometry kind) and the
    /// topology distance's (none at all), for the contrast.
    pub others: Vec<Scores>,
}

/// The reductions `--sensitivity` tries: three variance shares and three fixed widths.
pub fn sensitivity_reductions(lstm_cell_state: bool) -> Vec<ReductionOptions> {
    let variance = [0.9, 0.95, 0.99].map(|v| ReductionOptions {
        variance: v,
        components: None,
        lstm_cell_state,
    });
    let fixed = [5, 10, 20].map(|k| ReductionOptions {
        variance: ReductionOptions::default().variance,
        components: Some(k),
        lstm_cell_state,
    });
    variance.into_iter().chain(fixed).collect()
}

/// Brings the matrices of every reduction of [`sensitivity_reductions`] up to date and scores
/// each geometry metric under each, beside the DSA scores at `dsa` and the topology distance.
pub fn sensitivity(
    notebook: &Notebook,
    experiment: &str,
    lstm_cell_state: bool,
    dsa: &DsaOptions,
    threads: usize,
) -> Result<Sensitivity, LabError> {
    let experiment_id = notebook.experiment(experiment)?.id;
    let scored = |stored: &StoredPairs, networks: &[NetworkRow], metrics: &[CompareMetric]| {
        metrics
            .iter()
            .filter_map(|&metric| {
                let (rows, d) = matrix(stored, networks, metric);
                (rows.len() >= 2).then(|| scores_of(metric, &rows, &d))
            })
            .collect::<Vec<_>>()
    };
    let mut rows = Vec::new();
    let mut last = None;
    for reduction in sensitivity_reductions(lstm_cell_state) {
        let options = CompareOptions {
            reduction,
            dsa: dsa.clone(),
        };
        update_similarity(notebook, experiment, &options, threads)?;
        let networks = trained_networks(notebook, experiment)?;
        let (groups, _) =
            components_of(notebook, experiment_id, &networks, &options.reduction, None)?;
        let stored = StoredPairs::read(notebook, experiment_id, &options)?;
        let geometry = Metric::ALL.map(CompareMetric::Geometry);
        let medians: Vec<f64> = groups.iter().map(|g| g.kept.median).collect();
        rows.push(SensitivityRow {
            reduction: options.reduction.to_string(),
            components_median: Stats::of(medians).median,
            scores: scored(&stored, &networks, &geometry),
        });
        last = Some((stored, networks));
    }
    let others = last.map_or_else(Vec::new, |(stored, networks)| {
        let others: Vec<CompareMetric> = CompareMetric::ALL
            .into_iter()
            .filter(|m| !matches!(m, CompareMetric::Geometry(_)))
            .collect();
        scored(&stored, &networks, &others)
    });
    Ok(Sensitivity {
        experiment: experiment.to_string(),
        rows,
        others,
    })
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: separability by reduction (silhouette, leave-one-out {KNN}-NN accuracy)",
            self.experiment
        )?;
        writeln!(
            f,
            "  {:<44} {:>6}  {:<12} {:>12} {:>12} {:>12} {:>12}",
            "reduction", "k med", "metric", "arch sil", "arch kNN", "act. sil", "act. kNN"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, reduction: &str, k: String, s: &Scores| {
            let c = s.cells();
            writeln!(
                f,
                "  {:<44} {:>6}  {:<12} {:>12} {:>12} {:>12} {:>12}",
                reduction, k, c[0], c[2], c[3], c[4], c[5]
            )
        };
        for r in &self.rows {
            for s in &r.scores {
                row(f, &r.reduction, format!("{}", r.components_median), s)?;
            }
        }
        for t in &self.others {
            let how = if t.metric == CompareMetric::Topology.name() {
                "(none: fixed points and their graph)"
            } else {
                "(DSA: its own delay embedding)"
            };
            row(f, how, MISSING.into(), t)?;
        }
        Ok(())
    }
}
