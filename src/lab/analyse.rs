//! The analysis of trained networks in the notebook (fixed points, then the scaffold they
//! form): after training in every sweep, and by `rnnlab analyze` (resumable and parallel like `rnnlab run`: each thread claims one
//! trained network at a time and stores its points in one transaction).

use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use super::compare::update_after_work;
use super::notebook::stored_network;
use super::pool::{panic_message, run_workers};
use crate::analysis::{
    network_fixed_points, topology_of, FixedPointOptions, Topology, TOPOLOGY_VERSION,
};
use crate::experiment::settings::AnalysisSettings;
use crate::net::{CellMap, Params};
use crate::store::{
    AnalysisRecord, AnalysisScope, NetworkRow, Notebook, StoredFixedPoint, TopologyRecord,
};
use crate::task::Task;
use crate::LabError;

/// Counts of one constant input's points by stability class.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InputSummary {
    /// Row of the task's constant inputs.
    pub input_index: usize,
    /// The input.
    pub input: Vec<f64>,
    /// Stable fixed points.
    pub stable: usize,
    /// Fixed points with k unstable modes at index k − 1.
    pub saddles: Vec<usize>,
    /// Fixed points on the unit circle (no |λ| > 1, some |λ| = 1).
    pub marginal: usize,
    /// Slow points (q or the gate-free residual above the fixed-point tolerance).
    pub slow: usize,
    /// Pseudo fixed points rejected (not among the points).
    pub pseudo: usize,
}

/// Per-input counts of `points`, for each of `inputs`.
pub fn summarise(inputs: &[Vec<f64>], points: &[StoredFixedPoint]) -> Vec<InputSummary> {
    let mut out: Vec<InputSummary> = inputs
        .iter()
        .enumerate()
        .map(|(k, x)| InputSummary {
            input_index: k,
            input: x.clone(),
            ..InputSummary::default()
        })
        .collect();
    for p in points {
        let Some(s) = out.get_mut(p.input_index) else {
            continue;
        };
        if !p.converged {
            s.slow += 1;
        } else if p.stable() {
            s.stable += 1;
        } else if p.unstable == 0 {
            s.marginal += 1;
        } else {
            if s.saddles.len() < p.unstable {
                s.saddles.resize(p.unstable, 0);
            }
            s.saddles[p.unstable - 1] += 1;
        }
    }
    out
}

/// Runs the fixed-point search on a network, builds its scaffold, and shapes both for the
/// notebook; None if `cancel` was set first.
pub fn analysis_record(
    task: &Task,
    params: &Params<f32>,
    options: &FixedPointOptions,
    cancel: &AtomicBool,
) -> Option<AnalysisRecord> {
    let started = std::time::Instant::now();
    let found = network_fixed_points(params, task, options, cancel)?;
    let map = CellMap::new(params);
    let topology = topology_of(task, &map, &found.inputs);
    let pseudo = found.inputs.iter().map(|i| i.pseudo).sum();
    let points: Vec<StoredFixedPoint> = found
        .inputs
        .iter()
        .enumerate()
        .flat_map(|(k, at)| at.points.iter().map(move |p| (k, p)))
        .map(|(k, p)| StoredFixedPoint {
            input_index: k,
            input: p.input.to_vec(),
            state: p.state.to_vec(),
            q: p.q,
            converged: p.converged,
            unstable: p.unstable,
            max_modulus: p.eigenvalues.first().map_or(0.0, |l| l.norm()),
            eigenvalues: p.eigenvalues.iter().map(|l| [l.re, l.im]).collect(),
            readout: map.readout(p.state.view()).to_vec(),
        })
        .collect();
    let inputs: Vec<Vec<f64>> = found.inputs.iter().map(|i| i.input.to_vec()).collect();
    let mut summary = summarise(&inputs, &points);
    for (s, at) in summary.iter_mut().zip(&found.inputs) {
        s.pseudo = at.pseudo;
    }
    Some(AnalysisRecord {
        settings: serde_json::to_string(options).expect("settings serialise"),
        summary: serde_json::to_string(&summary).expect("summary serialises"),
        note: found.note,
        // The search and the scaffold (its flows) together.
        seconds: started.elapsed().as_secs_f64(),
        points,
        pseudo,
        topology: Some(TopologyRecord {
            version: TOPOLOGY_VERSION,
            descriptor: serde_json::to_string(&topology).expect("descriptor serialises"),
            ideal: topology.ideal(),
            distance_to_ideal: topology.distance_to_ideal(),
        }),
    })
}

/// Stores a network's analysis (see [`Notebook::store_analysis`]), with the topology distances
/// from its scaffold to the experiment's others.
pub fn store_record(
    notebook: &Notebook,
    network: &NetworkRow,
    record: &AnalysisRecord,
) -> Result<bool, LabError> {
    let mine: Option<Topology> = record
        .topology
        .as_ref()
        .and_then(|t| serde_json::from_str(&t.descriptor).ok());
    let distance = |other: &str| -> Option<f64> {
        let other: Topology = serde_json::from_str(other).ok()?;
        mine.as_ref()?.distance(&other)
    };
    Ok(notebook.store_analysis(network, record, &distance)?)
}

/// Which fixed-point search settings analyse a network.
#[derive(Clone, Copy, Debug)]
pub enum SearchSettings<'a> {
    /// These (a sweep: the `[analysis]` table of the file being run).
    Exactly(&'a FixedPointOptions),
    /// The network's stored experiment's `[analysis]` table, with these replaced
    /// (`rnnlab analyze --starts ...`).
    StoredWith(&'a AnalysisSettings),
}

/// Analyses one claimed network; a network that cannot be analysed gets a record saying why
/// (and no points) rather than an error, so one bad network never stops a sweep. None if
/// `stop` was set before the search finished (nothing to store: the network stays trained).
pub fn analyse_network(
    notebook: &Notebook,
    network: &NetworkRow,
    settings: SearchSettings,
    stop: &AtomicBool,
) -> Result<Option<AnalysisRecord>, LabError> {
    let failed = |note: String| AnalysisRecord {
        settings: "{}".into(),
        summary: "[]".into(),
        note: Some(note),
        seconds: 0.0,
        points: Vec::new(),
        pseudo: 0,
        topology: None,
    };
    let (experiment, params) = match stored_network(notebook, network) {
        Ok(Some(found)) => found,
        Ok(None) => return Ok(Some(failed("no stored weights".into()))),
        Err(LabError::Store(e)) => return Err(LabError::Store(e)),
        Err(e) => return Ok(Some(failed(e.to_string()))),
    };
    let options = match settings {
        SearchSettings::Exactly(options) => options.clone(),
        SearchSettings::StoredWith(given) => {
            let mut options = experiment.analysis.clone();
            given.apply(&mut options);
            options
        }
    };
    if let Err(m) = options.validate() {
        return Ok(Some(failed(format!("analysis settings: {m}"))));
    }
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        analysis_record(&experiment.task, &params, &options, stop)
    }));
    Ok(match result {
        Ok(record) => record,
        Err(panic) => Some(failed(format!(
            "analysis panicked: {}",
            panic_message(panic.as_ref())
        ))),
    })
}

/// What `rnnlab analyze` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AnalyseSummary {
    /// Analysed networks marked for a new analysis (`--force`).
    pub reset: usize,
    /// Networks this process analysed.
    pub analysed: usize,
    /// Of which with a note (no points found, non-finite states, a failure).
    pub with_note: usize,
    /// Fixed and slow points stored.
    pub points: usize,
    /// Geometry distance pairs computed at the end (SVCCA, angular CCA, Procrustes).
    pub compared_pairs: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// True if stopped by a signal before every network was analysed.
    pub stopped: bool,
}

impl std::fmt::Display for AnalyseSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} networks analysed ({} with a note), {} fixed and slow points stored",
            self.analysed, self.with_note, self.points
        )?;
        if self.reset > 0 {
            write!(f, ", {} marked for a new analysis", self.reset)?;
        }
        if self.stopped {
            write!(f, ", stopped")?;
        }
        writeln!(f, " in {:.1} s", self.seconds)
    }
}

/// Reports each analysed network.
pub trait AnalyseObserver: Sync {
    /// `remaining` trained networks wait for analysis.
    fn planned(&self, remaining: usize);
    /// A network's analysis is stored.
    fn analysed(&self, network: &NetworkRow, record: &AnalysisRecord);
}

/// Analyses every trained, unanalysed network in `scope` with `jobs` threads until done or
/// `stop` is set; with `force`, analysed ones are analysed again. `settings` replace fields of
/// each experiment's `[analysis]` settings.
pub fn run_analysis(
    db: &Path,
    scope: AnalysisScope,
    force: bool,
    settings: &AnalysisSettings,
    jobs: usize,
    stop: Arc<AtomicBool>,
    observer: &dyn AnalyseObserver,
) -> Result<AnalyseSummary, LabError> {
    let started = Instant::now();
    let notebook = super::notebook::open_sound(db)?;
    notebook.requeue_orphans()?;
    let reset = if force { notebook.reanalyse(scope)? } else { 0 };
    observer.planned(notebook.unanalysed(scope)?);
    let summary = Mutex::new(AnalyseSummary {
        reset,
        ..AnalyseSummary::default()
    });
    run_workers(db, jobs, &stop, &|_, notebook, worker| {
        while !stop.load(Ordering::SeqCst) {
            let Some(network) = notebook.claim_analysis(scope, worker)? else {
                break;
            };
            let Some(record) = analyse_network(
                notebook,
                &network,
                SearchSettings::StoredWith(settings),
                &stop,
            )?
            else {
                break; // stopped: the worker's retirement gives the network back
            };
            if store_record(notebook, &network, &record)? {
                let mut sm = summary.lock().expect("no panics hold it");
                sm.analysed += 1;
                sm.with_note += usize::from(record.note.is_some());
                sm.points += record.points.len();
            }
            observer.analysed(&network, &record);
        }
        Ok(())
    })?;
    let mut summary = summary.into_inner().expect("threads joined");
    summary.stopped = stop.load(Ordering::SeqCst) && notebook.unanalysed(scope)? > 0;
    if !summary.stopped {
        // Bring the geometry matrices of the experiments in scope up to date.
        for experiment in notebook.experiments()? {
            if scope.experiment_id.is_none_or(|id| id == experiment.id) {
                let update = update_after_work(&notebook, &experiment.name, jobs, &stop)?;
                summary.compared_pairs += update.new_pairs;
                summary.stopped |= update.stopped;
            }
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
