//! What the notebook holds, read in one go for the screen: run on a blocking thread at most
//! about once a second, never on the UI's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use std::collections::{BTreeMap, HashSet};

use ndarray::Array2;

use crate::lab::compare::{
    dsa_settings_key, settings_key, stored_comparison, CompareMetric, CompareOptions, Comparison,
};
use crate::lab::topology::{experiment_topology, stored_topology, ExperimentTopology};
use crate::net::{Arch, Group};
use crate::store::{
    ClassCount, ListQuery, NetworkRow, Notebook, StatusRow, StoredFixedPoint, WorkerRow,
};

/// Curves per architecture summarised into a band.
pub const BAND_CURVES: usize = 200;
/// Points of a band.
const BAND_POINTS: usize = 60;

/// What the panes ask the poller for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Request {
    /// The experiment whose networks and curves are shown.
    pub experiment: Option<String>,
    /// The networks page: filter, sort, order, offset, size.
    pub filter: Option<String>,
    /// Sort column.
    pub sort: Option<String>,
    /// Descending.
    pub descending: bool,
    /// First row of the page.
    pub offset: usize,
    /// Rows per page.
    pub limit: usize,
    /// Networks whose curves are drawn.
    pub curves: Vec<i64>,
    /// Read the fixed-point counts and this network's points (the fixed points pane).
    pub points_of: Option<i64>,
    /// Read the comparison under this metric (the similarity pane).
    pub similarity: Option<CompareMetric>,
    /// Read the scaffolds: per group, and this network's (the topology pane).
    pub topology_of: Option<Option<i64>>,
}

/// Mean fixed points per network of one architecture × activation, by stability class.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassRow {
    /// `arch/activation`.
    pub group: Group,
    /// Analysed networks in the group.
    pub networks: usize,
    /// Mean count per network: stable, 1, 2, 3+ unstable modes.
    pub mean: [f64; 4],
}

/// A live worker and what it holds.
#[derive(Clone, Debug)]
pub struct Worker {
    /// As registered.
    pub row: WorkerRow,
    /// Seconds since its last heartbeat.
    pub age: f64,
    /// (network id, experiment) it holds.
    pub holding: Vec<(i64, String)>,
}

/// The median and interquartile band of an architecture's curves (log10 loss by step).
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Architecture.
    pub arch: Arch,
    /// Curves summarised.
    pub curves: usize,
    /// (step, q1, median, q3) of log10 loss.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// Everything the screen shows, as of one poll.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Per experiment: counts by state, throughput.
    pub experiments: Vec<StatusRow>,
    /// Live workers.
    pub workers: Vec<Worker>,
    /// The requested page of networks.
    pub networks: Vec<NetworkRow>,
    /// Networks matching the filter.
    pub total: i64,
    /// A filter that did not parse, with why.
    pub filter_error: Option<String>,
    /// Curves asked for: (id, arch, steps, losses).
    pub curves: Vec<(i64, Arch, Vec<u32>, Vec<f32>)>,
    /// Per-architecture bands of the experiment.
    pub bands: Vec<Band>,
    /// Fixed points by class per group (fixed points pane).
    pub classes: Vec<ClassRow>,
    /// The selected network's points (fixed points pane).
    pub points: Vec<StoredFixedPoint>,
    /// The comparison and its matrix, rows in map order (similarity pane).
    pub similarity: Option<SharedComparison>,
    /// The experiment's recordings on that map, where their stored distances place them.
    pub recordings: Vec<crate::lab::recordings::RecordingMark>,
    /// Scaffolds by group (topology pane).
    pub topology_groups: Option<ExperimentTopology>,
    /// The selected network's scaffold, as text (topology pane).
    pub scaffold: Option<String>,
    /// The experiment's Slurm array tasks, if it was submitted to a cluster (runs pane).
    pub slurm: Option<crate::lab::slurm::SlurmStatus>,
    /// What merging the published Slurm results did this poll, if anything came back.
    pub collected: Option<String>,
    /// What the poll answered.
    pub request: Request,
}

/// Per group, the mean number of fixed points per analysed network by class.
fn class_rows(counts: &[ClassCount]) -> Vec<ClassRow> {
    let mut groups: BTreeMap<Group, (HashSet<i64>, [f64; 4])> = BTreeMap::new();
    for (id, group, unstable, count) in counts {
        let g = groups.entry(*group).or_default();
        g.0.insert(*id);
        g.1[(*unstable).min(3)] += *count as f64;
    }
    groups
        .into_iter()
        .map(|(group, (ids, sums))| ClassRow {
            group,
            networks: ids.len(),
            mean: sums.map(|s| s / ids.len().max(1) as f64),
        })
        .collect()
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// log10 loss of a decimated curve at `step` (linear between stored points), if covered.
fn at_step(steps: &[u32], losses: &[f32], step: f64) -> Option<f64> {
    let k = steps.partition_point(|&s| (s as f64) < step);
    if k >= steps.len() {
        return None;
    }
    let y = |i: usize| (losses[i].max(f32::MIN_POSITIVE) as f64).log10();
    if k == 0 || steps[k] as f64 == step {
        return Some(y(k));
    }
    let (s0, s1) = (steps[k - 1] as f64, steps[k] as f64);
    Some(y(k - 1) + (y(k) - y(k - 1)) * (step - s0) / (s1 - s0))
}

fn band(arch: Arch, curves: &[(Vec<u32>, Vec<f32>)]) -> Option<Band> {
    let last = curves.iter().filter_map(|(s, _)| s.last()).max()?;
    let points = (0..BAND_POINTS)
        .filter_map(|k| {
            let step = *last as f64 * k as f64 / (BAND_POINTS - 1) as f64;
            let mut ys: Vec<f64> = curves
                .iter()
                .filter_map(|(s, l)| at_step(s, l, step))
                .collect();
            if ys.is_empty() {
                return None;
            }
            ys.sort_by(f64::total_cmp);
            Some((
                step,
                quantile(&ys, 0.25),
                quantile(&ys, 0.5),
                quantile(&ys, 0.75),
            ))
        })
        .collect();
    Some(Band {
        arch,
        curves: curves.len(),
        points,
    })
}

/// What changes when anyone writes the notebook: the sizes and times of the file and its
/// write-ahead log, and of the result folders of its Slurm sweeps (a task publishing results).
/// An idle notebook keeps it, so an idle TUI skips its polls.
pub fn stamp(db: &Path) -> Vec<(Option<std::time::SystemTime>, u64)> {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let sweeps = PathBuf::from(format!("{}.slurm", db.display()));
    let results = std::fs::read_dir(sweeps)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("results"));
    [db.to_path_buf(), wal]
        .into_iter()
        .chain(results)
        .collect::<Vec<_>>()
        .iter()
        .map(|p| std::fs::metadata(p).map_or((None, 0), |m| (m.modified().ok(), m.len())))
        .collect()
}

/// The last comparison the similarity pane read, kept across polls: building one (MDS and the
/// separability of every metric) costs far more than a poll, and it only changes when pairs
/// are added.
#[derive(Default)]
pub struct ComparisonCache(Mutex<Option<(ComparisonKey, SharedComparison)>>);

/// A comparison and its distance matrix, shared between the cache and the snapshot.
pub type SharedComparison = Arc<(Comparison, Array2<f64>)>;

/// What a stored comparison depends on: the experiment, the metric and the pairs stored.
type ComparisonKey = (i64, CompareMetric, crate::store::PairCounts);

impl ComparisonCache {
    /// The stored comparison of `experiment` under `metric`, rebuilt only when its key changed.
    fn get(
        &self,
        notebook: &Notebook,
        experiment: &crate::store::ExperimentRow,
        metric: CompareMetric,
    ) -> Option<SharedComparison> {
        let options = CompareOptions::default();
        let counts = notebook
            .pair_counts(
                experiment.id,
                &settings_key(&options.reduction),
                &dsa_settings_key(&options),
            )
            .ok()?;
        let key = (experiment.id, metric, counts);
        let mut cached = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, comparison)) = cached.as_ref() {
            if *k == key {
                return Some(Arc::clone(comparison));
            }
        }
        // Only what is stored: the TUI never runs a network.
        let fresh = Arc::new(stored_comparison(notebook, &experiment.name, metric, &options).ok()?);
        *cached = Some((key, Arc::clone(&fresh)));
        Some(fresh)
    }
}

/// Reads a snapshot from the notebook at `db` (opened per poll, so a TUI never holds it).
pub fn poll(
    db: &Path,
    request: &Request,
    cache: &ComparisonCache,
) -> Result<Snapshot, crate::store::StoreError> {
    // Looking creates nothing: a notebook is started by a run (launched with `n`), not by
    // opening a path (a mistyped --db must not leave an empty notebook behind).
    if !db.exists() {
        return Ok(Snapshot {
            request: request.clone(),
            ..Snapshot::default()
        });
    }
    let notebook = Notebook::open(db)?;
    let experiments = notebook.status()?;
    let held = notebook.held_networks()?;
    let now = crate::store::now();
    let workers = notebook
        .live_workers()?
        .into_iter()
        .map(|w| Worker {
            age: now - w.heartbeat,
            holding: held
                .iter()
                .filter(|h| h.0 == w.id)
                .map(|h| (h.1, h.2.clone()))
                .collect(),
            row: w,
        })
        .collect();
    let mut snapshot = Snapshot {
        experiments,
        workers,
        request: request.clone(),
        ..Snapshot::default()
    };
    let Some(experiment) = &request.experiment else {
        return Ok(snapshot);
    };
    let query = ListQuery {
        experiment: Some(experiment.clone()),
        filter: request.filter.clone(),
        sort: request.sort.clone(),
        descending: request.descending,
        limit: request.limit,
        offset: request.offset,
    };
    match notebook.count(&query) {
        Ok(total) => {
            snapshot.total = total;
            snapshot.networks = notebook.list(&query)?;
        }
        Err(crate::store::StoreError::BadQuery(m)) => snapshot.filter_error = Some(m),
        Err(e) => return Err(e),
    }
    for &id in &request.curves {
        if let (Ok(row), Some((steps, losses))) = (notebook.network(id), notebook.curve(id)?) {
            snapshot.curves.push((id, row.arch, steps, losses));
        }
    }
    let Ok(exp) = notebook.experiment(experiment) else {
        return Ok(snapshot);
    };
    for arch in Arch::STUDY {
        let curves = notebook.curves_of(exp.id, arch, BAND_CURVES)?;
        if let Some(b) = band(arch, &curves) {
            snapshot.bands.push(b);
        }
    }
    if let Some(network) = request.points_of {
        snapshot.classes = class_rows(&notebook.fixed_point_classes(exp.id)?);
        snapshot.points = notebook.fixed_points(network)?;
        if exp.task.has_lines() {
            // Its points lie along lines: the pane shows the lines.
            snapshot.topology_groups = experiment_topology(&notebook, experiment, None).ok();
        }
    }
    if let Some(metric) = request.similarity {
        snapshot.similarity = cache.get(&notebook, &exp, metric);
        if let Some(shared) = &snapshot.similarity {
            // Only distances already stored (`rnnlab compare --data`, the report).
            snapshot.recordings =
                crate::lab::recordings::stored_marks(&notebook, &shared.0, &shared.1)
                    .unwrap_or_default();
        }
    }
    if !notebook.submissions(Some(experiment))?.is_empty() {
        // Results published on the cluster come in on their own while the notebook is open;
        // the geometry matrices wait for `rnnlab slurm collect` (the TUI runs no network).
        match crate::lab::slurm::collect_into(&notebook, 1, false) {
            Ok(report) => {
                let mut said = Vec::new();
                if report.trained + report.analysed > 0 {
                    said.push(format!(
                        "merged {} trained and {} analysed networks from Slurm",
                        report.trained, report.analysed
                    ));
                }
                if let Some(r) = report.rejected.first() {
                    said.push(format!(
                        "refused {} result file(s) ({}: {}); see `rnnlab slurm status`",
                        report.rejected.len(),
                        r.file.file_name().unwrap_or_default().to_string_lossy(),
                        r.reason
                    ));
                }
                if !said.is_empty() {
                    snapshot.collected = Some(said.join("; "));
                }
            }
            Err(e) => {
                // The merge cannot go on: say why on screen and in the log, not silently.
                tracing::warn!("merging Slurm results: {e}");
                snapshot.collected = Some(format!("cannot merge Slurm results: {e}"));
            }
        }
        let cluster = crate::lab::slurm::Cluster {
            timeout: std::time::Duration::from_secs(5),
            ..Default::default()
        };
        snapshot.slurm = crate::lab::slurm::slurm_status(db, Some(experiment), &cluster).ok();
    }
    if let Some(network) = request.topology_of {
        snapshot.topology_groups = experiment_topology(&notebook, experiment, None).ok();
        snapshot.scaffold = match network {
            Some(id) => stored_topology(&notebook, id)
                .ok()
                .flatten()
                .map(|t| t.to_string()),
            None => None,
        };
    }
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_quantiles_of_interpolated_curves() {
        let curves = vec![
            (vec![0, 100], vec![1.0f32, 0.01]),
            (vec![0, 100], vec![1.0, 0.1]),
            (vec![0, 50, 100], vec![1.0, 0.1, 0.001]),
        ];
        let b = band(Arch::Gru, &curves).unwrap();
        let (step, q1, median, q3) = *b.points.last().unwrap();
        assert_eq!(step, 100.0);
        assert!((median - (-2.0)).abs() < 1e-6);
        assert!((q1 - (-2.5)).abs() < 1e-6 && (q3 - (-1.5)).abs() < 1e-6);
        assert!((at_step(&[0, 100], &[1.0, 0.01], 50.0).unwrap() + 1.0).abs() < 1e-6);
        assert_eq!(at_step(&[0, 100], &[1.0, 0.01], 150.0), None);
    }
}
