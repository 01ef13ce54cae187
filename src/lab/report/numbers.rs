//! The numbers of a report, read from the notebook: nothing is trained or searched again (the
//! similarity matrices are brought up to date, as `rnnlab compare` does, and the chosen
//! networks are run once on the probe batch for their state-space picture).

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::Serialize;

use super::task::{task_check, IdealShare, TaskCheck};
use crate::analysis::similarity::dsa::DsaMetric;
use crate::analysis::similarity::{Metric, PrincipalAxes, StateProbe, Tested};
use crate::analysis::Topology;
use crate::lab::compare::{
    stored_comparisons_among, update_similarity, CompareMetric, CompareOptions, Comparison,
};
use crate::lab::notebook::trained_network;
use crate::lab::population::{exclusion, final_networks, trained_networks, Exclusion};
use crate::lab::recordings::{
    compare_recording, on_map, recording_options, RecordingComparison, RESAMPLES,
};
pub use crate::lab::stats::Quartiles;
use crate::net::Group;
use crate::store::{NetState, NetworkRow, Notebook, StoredFixedPoint};
use crate::task::TaskKind;
use crate::LabError;

/// What a report covers and how.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// The experiment.
    pub experiment: String,
    /// Networks to draw in state space (else the one nearest each group's median loss).
    pub networks: Vec<i64>,
    /// Exclude networks whose held-out loss is above this (else 10 × their target loss).
    pub max_loss: Option<f64>,
    /// The reduction of the geometry metrics.
    pub comparison: CompareOptions,
    /// Threads for the similarity update.
    pub threads: usize,
}

/// Training of one architecture × activation.
#[derive(Clone, Debug, Serialize)]
pub struct TrainingGroup {
    /// `arch/activation`.
    pub group: Group,
    /// Final networks of the group.
    pub networks: usize,
    /// Of which included.
    pub included: usize,
    /// Held-out loss (MSE) of the included networks.
    pub final_loss: Option<Quartiles>,
    /// Task score of the included networks.
    pub score: Option<Quartiles>,
    /// Training steps of the curve below.
    pub steps: Vec<u32>,
    /// Per step, the quartiles of the included networks' training loss.
    pub loss: Vec<Quartiles>,
}

/// Mean fixed points per network of one group, by stability.
#[derive(Clone, Debug, Serialize)]
pub struct PointCounts {
    /// `arch/activation`.
    pub group: Group,
    /// Analysed networks.
    pub networks: usize,
    /// Stable points.
    pub stable: f64,
    /// Saddles with one unstable mode.
    pub one_unstable: f64,
    /// With two.
    pub two_unstable: f64,
    /// With three or more.
    pub more_unstable: f64,
    /// Slow points (q small, not below the fixed-point tolerance).
    pub slow: f64,
    /// Pseudo points (met and discarded: saturated gates or outside the visited region).
    pub pseudo: f64,
}

/// Sorted |λ| of one group: mean and standard error over its networks.
#[derive(Clone, Debug, Serialize)]
pub struct Spectrum {
    /// `arch/activation`.
    pub group: Group,
    /// Networks with a spectrum.
    pub networks: usize,
    /// Mean of the k-th largest |λ|, k = 1, 2, ...
    pub mean: Vec<f64>,
    /// Its standard error of the mean.
    pub sem: Vec<f64>,
}

/// A fixed point on the top principal components of its network's probe states.
#[derive(Clone, Debug, Serialize)]
pub struct ProjectedPoint {
    /// Coordinates on PC1-3.
    pub pc: Vec<f64>,
    /// Unstable modes.
    pub unstable: usize,
    /// Index of its constant input.
    pub input_index: usize,
    /// A fixed point (else a slow point: q small, not below the fixed-point tolerance).
    pub fixed: bool,
}

/// A network drawn in state space.
#[derive(Clone, Debug, Serialize)]
pub struct ChosenNetwork {
    /// Network id.
    pub network: i64,
    /// `arch/activation`.
    pub group: Group,
    /// Why this one.
    pub why: String,
    /// Share of the probe states' variance on PC1-3.
    pub variance_explained: Vec<f64>,
    /// Its fixed and slow points.
    pub points: Vec<ProjectedPoint>,
    /// A few probe trials' states on PC1-3.
    pub trajectories: Vec<Vec<[f64; 3]>>,
    /// Eigenvalues at its fixed points (re, im), with the point's unstable modes.
    pub eigenvalues: Vec<(usize, [f64; 2])>,
}

/// One claim of the study against this population.
#[derive(Clone, Debug, Serialize)]
pub struct Claim {
    /// The claim, in the study's words.
    pub claim: String,
    /// What was measured.
    pub measured: String,
    /// Whether the population supports it (None: too few networks to judge; `measured` says
    /// what is needed).
    pub supported: Option<bool>,
    /// The p-value the verdict rests on, where it rests on one.
    pub p: Option<f64>,
}

/// Everything a report shows.
#[derive(Clone, Debug, Serialize)]
pub struct ReportNumbers {
    /// Experiment.
    pub experiment: String,
    /// Task.
    pub task: TaskKind,
    /// Which networks the statistics cover.
    pub exclusion: Exclusion,
    /// Training per group.
    pub training: Vec<TrainingGroup>,
    /// Geometry (SVCCA) over the included networks, with every metric's separability.
    pub svcca: Option<Comparison>,
    /// Topology over the included networks.
    pub topology: Option<Comparison>,
    /// DSA (Procrustes over vector fields) over the included networks.
    pub dsa: Option<Comparison>,
    /// Fixed points per group.
    pub fixed_points: Vec<PointCounts>,
    /// Linearised spectra per group (at stable points when a network has any, else at all).
    pub spectra: Vec<Spectrum>,
    /// Networks drawn in state space.
    pub chosen: Vec<ChosenNetwork>,
    /// The task's check.
    pub task_check: TaskCheck,
    /// The study's claims.
    pub claims: Vec<Claim>,
    /// What DSA says of the architectures: a finding beside the study's claims, judged by the
    /// same rule as geometry's ("separates" when both scores are above their nulls).
    pub dsa_finding: Option<Claim>,
    /// The SVCCA matrix, rows in the order of `svcca.map`.
    #[serde(skip)]
    pub svcca_matrix: Option<Array2<f64>>,
    /// The experiment's recordings, each placed among the networks.
    pub recordings: Vec<RecordingInReport>,
}

/// A recording among the report's networks.
#[derive(Clone, Debug, Serialize)]
pub struct RecordingInReport {
    /// Its placement under every metric.
    pub comparison: RecordingComparison,
    /// Where it falls on the maps (metric, x, y): the point whose distances to the networks'
    /// points best match its distances to them (the networks' map does not move).
    pub on_maps: Vec<(String, f64, f64)>,
}

/// The experiment's recordings placed among its networks (under the report's reduction and DSA
/// settings), each placed on the maps given (comparison with its matrix, rows in map order).
fn recordings_in(
    notebook: &Notebook,
    experiment: &str,
    options: &ReportOptions,
    maps: &[(Option<&Comparison>, Option<&Array2<f64>>)],
) -> Result<Vec<RecordingInReport>, LabError> {
    let settings = recording_options(
        &options.comparison.reduction,
        &options.comparison.dsa,
        RESAMPLES,
    );
    let mut out = Vec::new();
    for r in notebook.recordings(Some(experiment))? {
        let comparison =
            compare_recording(notebook, experiment, &r.name, &settings, options.threads)?;
        let on_maps = maps
            .iter()
            .filter_map(|&(c, d)| {
                let (c, d) = (c?, d?);
                let distance = comparison
                    .placement(c.metric)?
                    .networks
                    .iter()
                    .map(|n| (n.network, n.distance))
                    .collect();
                let (x, y) = on_map(c, d, &distance)?;
                Some((c.metric.to_string(), x, y))
            })
            .collect();
        out.push(RecordingInReport {
            comparison,
            on_maps,
        });
    }
    Ok(out)
}

/// How many of the largest |λ| a spectrum keeps.
const SPECTRUM_MODES: usize = 20;
/// Probe trials drawn as trajectories.
const TRAJECTORIES: usize = 6;

/// Gathers a report's numbers.
pub fn gather(notebook: &Notebook, options: &ReportOptions) -> Result<ReportNumbers, LabError> {
    let name = options.experiment.as_str();
    let experiment = notebook.experiment(name)?;
    let all = final_networks(notebook, name)?;
    let (included, exclusion) = exclusion(&all, options.max_loss);
    let included_ids: std::collections::HashSet<i64> = included.iter().map(|n| n.id).collect();

    let training = training_groups(notebook, &all, &included_ids)?;

    update_similarity(notebook, name, &options.comparison, options.threads)?;
    let with_weights: Vec<NetworkRow> = trained_networks(notebook, name)?
        .into_iter()
        .filter(|n| included_ids.contains(&n.id))
        .collect();
    let (svcca, svcca_matrix, topology, dsa, paired, dsa_matrix) = if with_weights.len() < 2 {
        (None, None, None, None, None, None)
    } else {
        let mut three = stored_comparisons_among(
            notebook,
            name,
            &with_weights,
            &[
                CompareMetric::Geometry(Metric::Svcca),
                CompareMetric::Topology,
                CompareMetric::Dynamics(DsaMetric::Procrustes),
            ],
            &options.comparison,
        )?
        .into_iter();
        let (geometry, d) = three.next().expect("three asked");
        let (topology, td) = three.next().expect("three asked");
        let (dynamics, dd) = three.next().expect("three asked");
        let paired = paired_knn((&geometry, &d), (&topology, &td));
        let drawn = |c: Comparison| (c.map.len() >= 2).then_some(c);
        (
            drawn(geometry),
            Some(d),
            drawn(topology),
            drawn(dynamics),
            paired,
            Some(dd),
        )
    };
    let maps = [
        (svcca.as_ref(), svcca_matrix.as_ref()),
        (dsa.as_ref(), dsa_matrix.as_ref()),
    ];
    let recordings = recordings_in(notebook, name, options, &maps)?;

    let analysed: Vec<&NetworkRow> = included
        .iter()
        .filter(|n| n.state == NetState::Analysed)
        .collect();
    let mut points: BTreeMap<i64, Vec<StoredFixedPoint>> = BTreeMap::new();
    for n in &analysed {
        points.insert(n.id, notebook.fixed_points(n.id)?);
    }
    let fixed_points = point_counts(&analysed, &points);
    let spectra = spectra(&analysed, &points);
    let chosen = chosen_networks(notebook, &analysed, &points, &options.networks)?;

    let descriptors = descriptors(notebook, experiment.id, |id| included_ids.contains(&id))?;
    let task_check = task_check(experiment.task, &descriptors);
    let claims = claims(svcca.as_ref(), topology.as_ref(), paired, &task_check);
    let dsa_finding = dsa.as_ref().map(|c| {
        let (measured, supported, p) = separates(Some(c), "DSA");
        Claim {
            claim: "DSA (the dynamics, up to rotation) separates the architectures".into(),
            measured,
            supported,
            p,
        }
    });
    Ok(ReportNumbers {
        experiment: experiment.name,
        task: experiment.task,
        exclusion,
        training,
        svcca,
        topology,
        dsa,
        fixed_points,
        spectra,
        chosen,
        task_check,
        claims,
        dsa_finding,
        svcca_matrix,
        recordings,
    })
}

pub(super) fn training_groups(
    notebook: &Notebook,
    all: &[NetworkRow],
    included: &std::collections::HashSet<i64>,
) -> Result<Vec<TrainingGroup>, LabError> {
    let mut groups: BTreeMap<Group, Vec<&NetworkRow>> = BTreeMap::new();
    for n in all {
        groups.entry(n.group()).or_default().push(n);
    }
    let mut out = Vec::new();
    for (group, members) in groups {
        let kept: Vec<&NetworkRow> = members
            .iter()
            .copied()
            .filter(|n| included.contains(&n.id))
            .collect();
        let mut curves = Vec::new();
        for n in &kept {
            if let Some(c) = notebook.curve(n.id)? {
                curves.push(c);
            }
        }
        let (steps, loss) = curve_quartiles(&curves);
        out.push(TrainingGroup {
            group,
            networks: members.len(),
            included: kept.len(),
            final_loss: Quartiles::of(kept.iter().filter_map(|n| n.final_loss)),
            score: Quartiles::of(kept.iter().filter_map(|n| n.score)),
            steps,
            loss,
        });
    }
    Ok(out)
}

/// Quartiles across curves at the steps of the longest one; a curve that stopped early (its
/// target reached) holds its last value.
fn curve_quartiles(curves: &[(Vec<u32>, Vec<f32>)]) -> (Vec<u32>, Vec<Quartiles>) {
    let Some(longest) = curves
        .iter()
        .max_by_key(|c| c.0.last().copied().unwrap_or(0))
    else {
        return (Vec::new(), Vec::new());
    };
    let steps = longest.0.clone();
    let quartiles = steps
        .iter()
        .filter_map(|&s| {
            Quartiles::of(curves.iter().filter_map(|(st, loss)| {
                let k = st.partition_point(|&x| x <= s);
                (k > 0).then(|| f64::from(loss[k - 1]))
            }))
        })
        .collect::<Vec<_>>();
    (steps[..quartiles.len()].to_vec(), quartiles)
}

fn by_group<'a>(networks: &[&'a NetworkRow]) -> BTreeMap<Group, Vec<&'a NetworkRow>> {
    let mut groups: BTreeMap<Group, Vec<&NetworkRow>> = BTreeMap::new();
    for n in networks {
        groups.entry(n.group()).or_default().push(n);
    }
    groups
}

fn point_counts(
    analysed: &[&NetworkRow],
    points: &BTreeMap<i64, Vec<StoredFixedPoint>>,
) -> Vec<PointCounts> {
    by_group(analysed)
        .into_iter()
        .map(|(group, members)| {
            let n = members.len() as f64;
            let mut c = [0.0; 4];
            for m in &members {
                for p in points[&m.id].iter().filter(|p| p.converged) {
                    c[p.unstable.min(3)] += 1.0 / n;
                }
            }
            let mean = |f: fn(&NetworkRow) -> Option<i64>| {
                members
                    .iter()
                    .map(|m| f(m).unwrap_or(0) as f64)
                    .sum::<f64>()
                    / n
            };
            PointCounts {
                group,
                networks: members.len(),
                stable: c[0],
                one_unstable: c[1],
                two_unstable: c[2],
                more_unstable: c[3],
                slow: mean(|m| m.slow_points),
                pseudo: mean(|m| m.pseudo_points),
            }
        })
        .collect()
}

/// One network's sorted |λ| (the mean over its stable fixed points, or over all its fixed
/// points when none is stable).
fn network_spectrum(points: &[StoredFixedPoint]) -> Option<Vec<f64>> {
    let fixed: Vec<&StoredFixedPoint> = points.iter().filter(|p| p.converged).collect();
    let stable: Vec<&StoredFixedPoint> = fixed.iter().copied().filter(|p| p.stable()).collect();
    let used = if stable.is_empty() { fixed } else { stable };
    let modes = used
        .iter()
        .map(|p| p.eigenvalues.len())
        .min()?
        .min(SPECTRUM_MODES);
    if used.is_empty() || modes == 0 {
        return None;
    }
    let mut mean = vec![0.0; modes];
    for p in &used {
        let mut m: Vec<f64> = p.eigenvalues.iter().map(|[re, im]| re.hypot(*im)).collect();
        m.sort_by(|a, b| b.total_cmp(a));
        for (k, v) in m.iter().take(modes).enumerate() {
            mean[k] += v / used.len() as f64;
        }
    }
    Some(mean)
}

fn spectra(
    analysed: &[&NetworkRow],
    points: &BTreeMap<i64, Vec<StoredFixedPoint>>,
) -> Vec<Spectrum> {
    by_group(analysed)
        .into_iter()
        .filter_map(|(group, members)| {
            let spectra: Vec<Vec<f64>> = members
                .iter()
                .filter_map(|m| network_spectrum(&points[&m.id]))
                .collect();
            let modes = spectra.iter().map(Vec::len).min()?;
            let n = spectra.len() as f64;
            let mean: Vec<f64> = (0..modes)
                .map(|k| spectra.iter().map(|s| s[k]).sum::<f64>() / n)
                .collect();
            let sem = (0..modes)
                .map(|k| {
                    if spectra.len() < 2 {
                        return 0.0;
                    }
                    let var = spectra
                        .iter()
                        .map(|s| (s[k] - mean[k]).powi(2))
                        .sum::<f64>()
                        / (n - 1.0);
                    (var / n).sqrt()
                })
                .collect();
            Some(Spectrum {
                group,
                networks: spectra.len(),
                mean,
                sem,
            })
        })
        .collect()
}

/// The networks to draw: those asked for, else per group the one whose held-out loss is
/// nearest the group's median.
fn chosen_networks(
    notebook: &Notebook,
    analysed: &[&NetworkRow],
    points: &BTreeMap<i64, Vec<StoredFixedPoint>>,
    asked: &[i64],
) -> Result<Vec<ChosenNetwork>, LabError> {
    // A network picked here whose weights cannot be read (a notebook made by hand) is
    // skipped; one asked for is an error.
    let mut picks: Vec<(i64, String)> = Vec::new();
    if asked.is_empty() {
        for (group, members) in by_group(analysed) {
            let median = Quartiles::of(members.iter().filter_map(|m| m.final_loss))
                .map_or(0.0, |q| q.median);
            if let Some(m) = members.iter().min_by(|a, b| {
                let d = |n: &NetworkRow| (n.final_loss.unwrap_or(f64::INFINITY) - median).abs();
                d(a).total_cmp(&d(b))
            }) {
                picks.push((m.id, format!("held-out loss nearest the {group} median")));
            }
        }
    } else {
        picks = asked
            .iter()
            .map(|&id| (id, "asked for".to_string()))
            .collect();
    }
    let mut chosen = Vec::new();
    // One probe for all: the chosen networks share their experiment's task.
    let mut probe: Option<(StateProbe, usize)> = None;
    for (id, why) in picks {
        let (row, experiment, params) = match trained_network(notebook, id) {
            Ok(loaded) => loaded,
            Err(e) if asked.is_empty() => {
                tracing::warn!(network = id, error = %e, "not drawn in state space");
                continue;
            }
            Err(e) => return Err(e),
        };
        let stored = match points.get(&id) {
            Some(p) => p.clone(),
            None => notebook.fixed_points(id)?,
        };
        let (probe, trials) = probe.get_or_insert_with(|| {
            let trials = experiment.task.probe_batch().inputs.dim().1;
            (StateProbe::new(&experiment.task), trials)
        });
        let trials = *trials;
        let Some(states) = probe.states(&params, true) else {
            continue;
        };
        let Some(axes) = PrincipalAxes::of(states) else {
            continue;
        };
        let total: f64 = axes.singular_values.iter().map(|s| s * s).sum();
        let variance_explained = axes
            .singular_values
            .iter()
            .take(3)
            .map(|s| s * s / total.max(f64::MIN_POSITIVE))
            .collect();
        let steps = states.nrows() / trials.max(1);
        let pc3 = |row: &[f64]| {
            let mut p = axes.project(row, 3);
            p.resize(3, 0.0);
            [p[0], p[1], p[2]]
        };
        let trajectories = (0..TRAJECTORIES.min(trials))
            .map(|trial| {
                (0..steps)
                    .map(|t| {
                        let row = states.row(t * trials + trial);
                        pc3(row.as_slice().expect("standard layout"))
                    })
                    .collect()
            })
            .collect();
        let fixed: Vec<&StoredFixedPoint> = stored.iter().filter(|p| p.converged).collect();
        chosen.push(ChosenNetwork {
            network: id,
            group: row.group(),
            why,
            variance_explained,
            // Slow points too: an approximate line attractor is a line of them.
            points: stored
                .iter()
                .map(|p| ProjectedPoint {
                    pc: pc3(&p.state).to_vec(),
                    unstable: p.unstable,
                    input_index: p.input_index,
                    fixed: p.converged,
                })
                .collect(),
            trajectories,
            eigenvalues: fixed
                .iter()
                .flat_map(|p| p.eigenvalues.iter().map(|e| (p.unstable, *e)))
                .collect(),
        });
    }
    Ok(chosen)
}

/// The stored scaffolds of the networks `keep` accepts, with their `arch/activation`.
pub(super) fn descriptors(
    notebook: &Notebook,
    experiment_id: i64,
    keep: impl Fn(i64) -> bool,
) -> Result<Vec<(Group, Topology)>, LabError> {
    Ok(notebook
        .topologies(experiment_id)?
        .into_iter()
        .filter(|t| t.version == crate::analysis::TOPOLOGY_VERSION && keep(t.network_id))
        .filter_map(|t| {
            let d = serde_json::from_str(&t.descriptor).ok()?;
            Some((t.group, d))
        })
        .collect())
}

fn score<'a>(c: Option<&'a Comparison>, metric: &str) -> Option<&'a crate::lab::compare::Scores> {
    c?.scores.iter().find(|s| s.metric == metric)
}

/// The paired test of the dissociation: on the networks both comparisons hold, each network's
/// cell k-NN credit under geometry against under topology (mean difference, p-value).
fn paired_knn(
    geometry: (&Comparison, &Array2<f64>),
    topology: (&Comparison, &Array2<f64>),
) -> Option<(f64, f64)> {
    use crate::analysis::similarity::{knn_credits, paired_greater};
    use crate::lab::compare::{KNN, NULL_SEED, PERMUTATIONS};
    let at: std::collections::HashMap<i64, usize> = topology
        .0
        .map
        .iter()
        .enumerate()
        .map(|(i, p)| (p.network, i))
        .collect();
    let (gi, ti): (Vec<usize>, Vec<usize>) = geometry
        .0
        .map
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, *at.get(&p.network)?)))
        .unzip();
    let labels: Vec<&str> = gi.iter().map(|&i| geometry.0.map[i].arch.name()).collect();
    let sub = |d: &Array2<f64>, idx: &[usize]| {
        Array2::from_shape_fn((idx.len(), idx.len()), |(a, b)| d[[idx[a], idx[b]]])
    };
    let g = knn_credits(sub(geometry.1, &gi).view(), &labels, KNN)?;
    let t = knn_credits(sub(topology.1, &ti).view(), &labels, KNN)?;
    paired_greater(&g, &t, PERMUTATIONS, NULL_SEED)
}

/// The rules each claim is judged by (docs/SCIENCE.md says why).
pub struct ClaimRules {
    /// A separability score "separates" when its permutation p-value is below this.
    pub alpha: f64,
    /// Fewest networks a label's group needs for a k-NN verdict: k + 1 (each member then has k
    /// others, and at least one group mate beside k − 1 others).
    pub min_group: usize,
    /// The ideal scaffold is "universal" in a group when at least this share has it; a group
    /// whose 95 % Wilson interval lies wholly below it refutes the claim.
    pub majority: f64,
    /// Sine: a cell's linearised frequency "tracks" the target when its networks' median
    /// correlation with the target frequency is above this.
    pub tracks: f64,
}

impl ClaimRules {
    /// The rules the report uses.
    pub const STUDY: ClaimRules = ClaimRules {
        alpha: 0.05,
        min_group: crate::lab::compare::KNN + 1,
        majority: 0.5,
        tracks: 0.9,
    };
}

/// The 95 % Wilson score interval of `k` successes in `n` trials.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.959964, n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The smallest group of architecture labels among a comparison's networks.
fn smallest_cell(c: &Comparison) -> usize {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &c.map {
        *counts.entry(p.arch.name()).or_default() += 1;
    }
    if counts.len() < 2 {
        return 0;
    }
    counts.values().copied().min().unwrap_or(0)
}

/// "too few networks per cell to judge" when a comparison's smallest cell is below the rule.
fn too_few(c: Option<&Comparison>, rules: &ClaimRules) -> Option<String> {
    let smallest = c.map_or(0, smallest_cell);
    (smallest < rules.min_group).then(|| {
        format!(
            "too few networks per cell to judge (need ≥ {} in every cell, the smallest has \
             {smallest})",
            rules.min_group
        )
    })
}

fn tested_text(t: Tested) -> String {
    format!(
        "{:.2} (null {:.2}, {})",
        t.score,
        t.null_mean,
        crate::lab::compare::p_text(t.p)
    )
}

/// Which way a separability claim points.
#[derive(Clone, Copy, PartialEq)]
enum Verdict {
    /// "separates the cells": both scores above their nulls, the larger p below α.
    Separates,
    /// "does not separate them": neither above its null, the smaller p at least α.
    SeparatesNot,
}

/// A separability claim judged on the architecture labels of comparison `c` (`what` names
/// its metric, as the comparison's scores do, case aside): (measured, verdict, p).
fn judged(
    c: Option<&Comparison>,
    what: &str,
    verdict: Verdict,
) -> (String, Option<bool>, Option<f64>) {
    let rules = ClaimRules::STUDY;
    let tested = score(c, &what.to_lowercase()).and_then(|s| s.arch_test);
    match (too_few(c, &rules), tested) {
        (Some(few), _) => (few, None, None),
        (None, None) => (format!("no {what} comparison"), None, None),
        (None, Some(t)) => {
            let p = match verdict {
                Verdict::Separates => t.knn.p.max(t.silhouette.p),
                Verdict::SeparatesNot => t.knn.p.min(t.silhouette.p),
            };
            (
                format!(
                    "{what}: cell k-NN {}, silhouette {}; {} label shuffles",
                    tested_text(t.knn),
                    tested_text(t.silhouette),
                    t.permutations
                ),
                Some((p < rules.alpha) == (verdict == Verdict::Separates)),
                Some(p),
            )
        }
    }
}

/// "`what` separates the cells", judged on comparison `c`.
fn separates(c: Option<&Comparison>, what: &str) -> (String, Option<bool>, Option<f64>) {
    judged(c, what, Verdict::Separates)
}

/// The study's claims, each judged against its own null: geometry separates the cells (its
/// k-NN accuracy and silhouette above their permutation nulls), topology does not (neither
/// above its null), the dissociation (each network's k-NN credit higher under geometry than
/// under topology, by a paired sign-flip test), and the task's scaffold in every group (a
/// majority, with Wilson intervals).
fn claims(
    svcca: Option<&Comparison>,
    topology: Option<&Comparison>,
    paired: Option<(f64, f64)>,
    check: &TaskCheck,
) -> Vec<Claim> {
    let rules = ClaimRules::STUDY;
    let dissociation = match (too_few(svcca, &rules).or(too_few(topology, &rules)), paired) {
        (Some(few), _) => (few, None, None),
        (None, None) => ("no networks compared under both".into(), None, None),
        (None, Some((mean, p))) => (
            format!(
                "per network, cell k-NN credit under SVCCA minus under topology: mean \
                 {mean:+.2}, paired sign-flip {}",
                crate::lab::compare::p_text(p)
            ),
            Some(p < rules.alpha),
            Some(p),
        ),
    };
    let mut claims: Vec<Claim> = [
        (
            "CCA geometry separates the architectures",
            separates(svcca, "SVCCA"),
        ),
        (
            "the topology does not separate them (the scaffold is universal)",
            judged(topology, "topology", Verdict::SeparatesNot),
        ),
        (
            "geometry separates the cells more than topology does",
            dissociation,
        ),
    ]
    .into_iter()
    .map(|(claim, (measured, supported, p))| Claim {
        claim: claim.into(),
        measured,
        supported,
        p,
    })
    .collect();
    let (claim, counted, shares) = match check {
        TaskCheck::FlipFlop { groups } => (
            "every cell and activation reaches the 2³-corner cube",
            "ideal",
            groups,
        ),
        TaskCheck::Integration { ideal, .. } => (
            "every cell and activation builds a line attractor",
            "ideal",
            ideal,
        ),
        TaskCheck::Arrays { recurrence } => (
            "the population's most common scaffold is the typical one in every cell",
            "with the most common scaffold",
            &recurrence.groups,
        ),
        TaskCheck::Sine { groups } => {
            let worst = groups
                .iter()
                .filter_map(|g| Some((g.group, g.correlation?.median)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            claims.push(Claim {
                claim: "every cell's linearised frequency tracks the target ω(x)".into(),
                measured: worst.map_or("no sine descriptor".into(), |(g, r)| {
                    format!("lowest group median correlation {r:.3} ({g})")
                }),
                supported: worst.map(|(_, r)| r > rules.tracks),
                p: None,
            });
            return claims;
        }
    };
    claims.push(scaffold_claim(claim, counted, shares, &rules));
    claims
}

/// Whether the ideal scaffold is the typical outcome in every group (see [`scaffold_claim`]):
/// None when there are no groups or too few networks to tell.
pub fn scaffold_verdict(shares: &[IdealShare], rules: &ClaimRules) -> Option<bool> {
    let below = |s: &IdealShare| wilson(s.ideal, s.networks).1 < rules.majority;
    let short = |s: &IdealShare| (s.ideal as f64) < rules.majority * s.networks as f64;
    if shares.is_empty() {
        None
    } else if shares.iter().any(below) {
        Some(false)
    } else if shares.iter().any(short) {
        None
    } else {
        Some(true)
    }
}

/// The task's scaffold is the typical outcome in every group: supported when every group's share
/// of ideal networks is at least [`ClaimRules::majority`], refuted when some group's 95 % Wilson
/// interval lies wholly below it, and otherwise too few networks to tell.
fn scaffold_claim(claim: &str, counted: &str, shares: &[IdealShare], rules: &ClaimRules) -> Claim {
    let described: Vec<String> = shares
        .iter()
        .map(|s| {
            let (lo, hi) = wilson(s.ideal, s.networks);
            format!("{} {}/{} [{lo:.2}, {hi:.2}]", s.group, s.ideal, s.networks)
        })
        .collect();
    let supported = scaffold_verdict(shares, rules);
    let need = match supported {
        None if !shares.is_empty() => format!(
            "; a group below {:.0} % is not yet significantly so: too few networks per group to \
             judge",
            100.0 * rules.majority
        ),
        _ => String::new(),
    };
    Claim {
        claim: claim.into(),
        measured: format!(
            "{counted} per group with 95 % Wilson intervals (a majority is the rule): {}{need}",
            described.join(", ")
        ),
        supported,
        p: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Arch};

    #[test]
    fn wilson_intervals_match_their_textbook_values() {
        let (lo, hi) = wilson(0, 2);
        assert!(lo == 0.0 && (hi - 0.6576).abs() < 1e-3, "{hi}");
        let (lo, hi) = wilson(5, 5);
        assert!((lo - 0.5655).abs() < 1e-3 && hi == 1.0, "{lo}");
        let (lo, hi) = wilson(3, 10);
        assert!(
            (lo - 0.1078).abs() < 1e-3 && (hi - 0.6032).abs() < 1e-3,
            "{lo} {hi}"
        );
    }

    #[test]
    fn the_scaffold_claim_is_supported_refuted_or_too_few_to_judge() {
        let share = |ideal, networks| IdealShare {
            group: Group::new(Arch::Gru, Activation::Tanh),
            networks,
            ideal,
        };
        let rules = ClaimRules::STUDY;
        let verdict = |s: Vec<IdealShare>| scaffold_claim("c", "ideal", &s, &rules).supported;
        assert_eq!(verdict(vec![share(5, 6), share(3, 5)]), Some(true));
        // 0 of 10: the interval [0, 0.28] lies below a majority.
        assert_eq!(verdict(vec![share(5, 6), share(0, 10)]), Some(false));
        // 0 of 2: [0, 0.66] still reaches a majority: two networks cannot tell.
        let few = scaffold_claim("c", "ideal", &[share(5, 6), share(0, 2)], &rules);
        assert_eq!(few.supported, None);
        assert!(
            few.measured.contains("too few networks"),
            "{}",
            few.measured
        );
        assert_eq!(verdict(Vec::new()), None);
    }

    /// A comparison of 4 cells × `per_cell` networks whose architecture labels score with
    /// k-NN p-value `knn_p` and silhouette p-value `silhouette_p`.
    fn compared(
        metric: &'static str,
        per_cell: usize,
        knn_p: f64,
        silhouette_p: f64,
    ) -> Comparison {
        use crate::analysis::similarity::{Separation, Tested};
        use crate::lab::compare::{MapPoint, Scores};
        let tested = |p: f64| Tested {
            score: 0.5,
            null_mean: 0.25,
            p,
        };
        let map = (0..4 * per_cell)
            .map(|i| MapPoint {
                network: i as i64 + 1,
                arch: Arch::STUDY[i % 4],
                activation: Activation::Tanh,
                x: 0.0,
                y: 0.0,
            })
            .collect();
        Comparison {
            experiment: "e".into(),
            metric,
            groups: Vec::new(),
            block_means: Vec::new(),
            map,
            stress: 0.0,
            scores: vec![Scores {
                metric,
                networks: 4 * per_cell,
                silhouette_arch: None,
                knn_arch: None,
                silhouette_activation: None,
                knn_activation: None,
                arch_test: Some(Separation {
                    knn: tested(knn_p),
                    silhouette: tested(silhouette_p),
                    permutations: 999,
                }),
                activation_test: None,
            }],
            reduction: String::new(),
            dynamics: String::new(),
            components: Vec::new(),
            warning: None,
        }
    }

    /// The verdicts of the three separability claims (geometry separates, topology does not,
    /// the dissociation) on comparisons built to give each answer.
    fn verdicts(svcca: (f64, f64), topology: (f64, f64), paired: f64) -> Vec<Option<bool>> {
        let per_cell = ClaimRules::STUDY.min_group;
        let g = compared("svcca", per_cell, svcca.0, svcca.1);
        let t = compared("topology", per_cell, topology.0, topology.1);
        let check = TaskCheck::FlipFlop { groups: Vec::new() };
        claims(Some(&g), Some(&t), Some((0.3, paired)), &check)
            .iter()
            .take(3)
            .map(|c| c.supported)
            .collect()
    }

    #[test]
    fn the_studys_answer_is_supported_and_its_opposite_is_not() {
        // Geometry separates (both p small), topology does not (both large), and each network
        // is told apart better by geometry: every claim holds.
        assert_eq!(
            verdicts((0.001, 0.002), (0.4, 0.6), 0.001),
            vec![Some(true); 3]
        );
        // The opposite population: geometry mixes the cells, topology separates them.
        assert_eq!(
            verdicts((0.5, 0.7), (0.001, 0.001), 0.6),
            vec![Some(false); 3]
        );
        // One measure is not enough either way: "separates" needs both (the larger p), "does
        // not separate" needs neither (the smaller p).
        assert_eq!(
            verdicts((0.01, 0.2), (0.01, 0.2), 0.2),
            vec![Some(false); 3]
        );
        // Cells below the rule's size are not judged.
        let small = compared("svcca", ClaimRules::STUDY.min_group - 1, 0.001, 0.001);
        let check = TaskCheck::FlipFlop { groups: Vec::new() };
        let c = claims(Some(&small), Some(&small), Some((0.3, 0.001)), &check);
        assert!(
            c[..3].iter().all(|c| c.supported.is_none()),
            "{:?}",
            c[0].measured
        );
    }

    #[test]
    fn curves_that_stopped_early_hold_their_last_value() {
        let a = (vec![0, 10, 20], vec![1.0, 0.5, 0.25]);
        let b = (vec![0, 10], vec![2.0, 1.0]);
        let (steps, q) = curve_quartiles(&[a, b]);
        assert_eq!(steps, vec![0, 10, 20]);
        assert_eq!(q[2].median, 0.625);
    }

    #[test]
    fn a_spectrum_uses_stable_points_when_there_are_some() {
        let point = |unstable, moduli: &[f64]| StoredFixedPoint {
            input_index: 0,
            input: vec![],
            state: vec![],
            q: 0.0,
            converged: true,
            unstable,
            max_modulus: moduli[0],
            eigenvalues: moduli.iter().map(|&m| [0.0, m]).collect(),
            readout: vec![],
        };
        let s = network_spectrum(&[
            point(0, &[0.9, 0.5]),
            point(0, &[0.7, 0.1]),
            point(1, &[3.0, 0.2]),
        ])
        .unwrap();
        assert!((s[0] - 0.8).abs() < 1e-12 && (s[1] - 0.3).abs() < 1e-12);
        let s = network_spectrum(&[point(1, &[3.0, 0.2])]).unwrap();
        assert_eq!(s, vec![3.0, 0.2]);
    }

    /// The quickstart is the first population a user sees the study's answer on: every cell
    /// must have enough networks for the report's k-NN verdicts, and it must stay small. Its
    /// verdicts were checked on seed offsets 0, 5, 10, 15 and 20 (README, "A first population").
    #[test]
    fn the_quickstart_has_the_networks_per_cell_its_verdicts_need() {
        let q = crate::experiment::builtin::resolve(std::path::Path::new("quickstart")).unwrap();
        let per_cell =
            q.seeds.len() * q.grid.activation.len() * q.grid.units.len() * q.grid.l2.len();
        let rules = ClaimRules::STUDY;
        assert!(per_cell >= rules.min_group, "{per_cell} networks per cell");
        assert_eq!(q.grid.arch.len(), 4, "every cell of the study");
        assert!(q.networks().len() <= 24, "a quickstart trains in minutes");
        assert!(q.grid.units.iter().all(|&u| (24..=32).contains(&u)));
        assert!(matches!(q.task, crate::task::Task::FlipFlop(_)));
    }
}
