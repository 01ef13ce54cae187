//! `rnnlab run`: plan an experiment into the notebook, then train and analyse every planned
//! network with a pool of workers, each finished network (and then its fixed points) stored in
//! its own short transaction.
//!
//! One process is one registered worker with `jobs` threads, each holding its own connection and
//! one network at a time (memory is flat in the number of networks). A heartbeat thread keeps
//! the worker alive in the notebook; a run killed in any way loses only the networks in flight,
//! which the next run (or a live peer) plans again. Several processes on one notebook share the
//! work: claiming is one atomic UPDATE.

use std::ops::ControlFlow;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::analyse::{analyse_network, store_record, SearchSettings};
use super::compare::{settings_key, update_after_work};
use super::pool::{panic_message, run_workers};
use crate::analysis::similarity::ReductionOptions;
use crate::experiment::Experiment;
use crate::net::NetSpec;
use crate::store::{AnalysisRecord, AnalysisScope, NetState, NetworkRow, Notebook, Outcome};
use crate::train::{self, LossCurve, Progress, TrainConfig};
use crate::LabError;

/// Points kept per loss curve (between this and twice this).
pub const CURVE_POINTS: usize = 200;

/// What a run did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    /// Experiment name.
    pub experiment: String,
    /// Networks newly planned by this run.
    pub planned: usize,
    /// Networks this process trained successfully.
    pub trained: usize,
    /// Networks this process analysed (fixed points stored).
    pub analysed: usize,
    /// Geometry distance pairs computed at the end (SVCCA, angular CCA, Procrustes).
    pub compared_pairs: usize,
    /// The end-of-sweep similarity update was left to another runner (one still training, or
    /// the one computing it now).
    pub compared_elsewhere: bool,
    /// Networks this process found diverged.
    pub diverged: usize,
    /// Networks that failed (panicked) here.
    pub failed: usize,
    /// In-flight networks given back because the run was stopped.
    pub interrupted: usize,
    /// Networks of a dead worker planned again at start.
    pub requeued: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Worker-seconds spent training (summed over this process's workers).
    pub train_seconds: f64,
    /// Worker-seconds spent on fixed points and scaffolds (summed likewise).
    pub analysis_seconds: f64,
    /// Seconds of the end-of-sweep similarity update.
    pub compare_seconds: f64,
    /// Worker threads.
    pub workers: usize,
    /// True if stopped by a signal before the sweep finished.
    pub stopped: bool,
}

impl RunSummary {
    /// The share of the workers' time (wall time × workers) not spent training: analysis, the
    /// similarity update, the notebook, and workers idle at the end waiting for the last
    /// network.
    pub fn outside_training(&self) -> Option<f64> {
        let capacity = self.seconds * self.workers as f64;
        (capacity > 0.0 && self.trained > 0).then(|| 1.0 - self.train_seconds / capacity)
    }
}

impl std::fmt::Display for RunSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} newly planned, {} trained, {} analysed, {} diverged, {} failed",
            self.experiment, self.planned, self.trained, self.analysed, self.diverged, self.failed
        )?;
        if self.stopped {
            write!(
                f,
                ", stopped ({} in flight planned again)",
                self.interrupted
            )?;
        }
        if self.compared_elsewhere {
            write!(f, "; similarity left to another runner")?;
        }
        writeln!(f, " in {:.1} s", self.seconds)?;
        if let Some(outside) = self.outside_training() {
            writeln!(
                f,
                "time: training {:.1} s, analysis {:.1} s (worker-seconds over {} workers), \
                 similarity {:.1} s; {:.1} % of the workers' time outside training",
                self.train_seconds,
                self.analysis_seconds,
                self.workers,
                self.compare_seconds,
                100.0 * outside
            )?;
        }
        Ok(())
    }
}

/// What the run reports as it goes, for progress bars or log lines.
pub trait RunObserver: Sync {
    /// The sweep is planned: `remaining` networks wait, `total` in the experiment.
    fn planned(&self, total: usize, remaining: usize);
    /// A worker thread took a network.
    fn started(&self, slot: usize, network: &NetworkRow);
    /// A training step of the network in `slot`.
    fn step(&self, slot: usize, progress: &Progress);
    /// A network is stored.
    fn finished(&self, slot: usize, network: &NetworkRow, outcome: &Outcome);
    /// The worker in `slot` is finding a network's fixed points.
    fn analysing(&self, slot: usize, network: &NetworkRow);
    /// A network's fixed points are stored.
    fn analysed(&self, slot: usize, network: &NetworkRow, record: &AnalysisRecord);
}

/// Plans `experiment` into the notebook at `db` and trains what is planned with `jobs` threads
/// until done or `stop` is set.
pub fn run_sweep(
    experiment: &Experiment,
    db: &Path,
    jobs: usize,
    stop: Arc<AtomicBool>,
    observer: &dyn RunObserver,
) -> Result<RunSummary, LabError> {
    run_planned(
        experiment,
        db,
        &experiment.networks(),
        jobs,
        stop,
        observer,
        true,
    )
}

/// Networks planned per transaction (about 0.1 s of inserts).
const PLAN_BATCH: usize = 10_000;

/// Seconds after which a similarity claim whose holder never released it (it died) is taken
/// over: longer than any update takes (3,000 networks: well under a minute of pairs).
const CLAIM_STALE: f64 = 3600.0;

/// Plans `networks` of `experiment` into the notebook at `db` and trains and analyses what is
/// planned, as [`run_sweep`]; with `compare`, brings the geometry matrices up to date at the
/// end unless another runner still trains a network of the experiment. A Slurm array task runs
/// this on its share, in its own result file.
pub fn run_planned(
    experiment: &Experiment,
    db: &Path,
    networks: &[crate::store::NewNetwork],
    jobs: usize,
    stop: Arc<AtomicBool>,
    observer: &dyn RunObserver,
    compare: bool,
) -> Result<RunSummary, LabError> {
    experiment.trainable()?;
    let started = Instant::now();
    let notebook = super::notebook::open_sound(db)?;
    let experiment_id = experiment.ensure_in(&notebook)?;
    // Planned a batch per transaction, so a stop during a large plan is seen within a fraction
    // of a second and leaves whole batches (the next run plans the rest).
    let mut planned = 0;
    for batch in networks.chunks(PLAN_BATCH) {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        planned += notebook.plan(experiment_id, batch)?;
    }
    let requeued = notebook.requeue_orphans()?;
    let status = notebook
        .status()?
        .into_iter()
        .find(|s| s.experiment == experiment.name)
        .expect("experiment just ensured");
    let total: i64 = status.states.iter().map(|(_, c)| c).sum();
    observer.planned(total as usize, status.count(NetState::Planned) as usize);

    let summary = Mutex::new(RunSummary {
        experiment: experiment.name.clone(),
        planned,
        requeued,
        workers: jobs,
        ..RunSummary::default()
    });
    let run = Run {
        experiment,
        experiment_id,
        stop: &stop,
        observer,
        summary: &summary,
    };
    run_workers(db, jobs, &stop, &|slot, notebook, worker| {
        run.work(notebook, worker, slot)
    })?;
    let mut summary = summary.into_inner().expect("threads joined");
    summary.stopped = stop.load(Ordering::SeqCst);
    // The population is complete: bring its geometry distance matrices up to date, once per
    // sweep. A runner that ends while another still trains a network leaves it to that one;
    // of runners that end together (on one host they wait for each other), the one that takes
    // the notebook's claim computes and the others leave it. `compare`, `report` and `analyze`
    // compute whatever is still missing.
    if compare && !summary.stopped {
        let key = settings_key(&ReductionOptions::default());
        let holder = format!("{}:{}", crate::store::this_host(), std::process::id());
        let ours = counts(&notebook, &experiment.name)?.1 == 0
            && notebook.claim_similarity_update(experiment_id, &key, &holder, CLAIM_STALE)?;
        if ours {
            let compare_started = Instant::now();
            let update = update_after_work(&notebook, &experiment.name, jobs, &stop);
            notebook.release_similarity_update(experiment_id, &key, &holder)?;
            let update = update?;
            summary.compared_pairs = update.new_pairs;
            summary.stopped = update.stopped;
            summary.compare_seconds = compare_started.elapsed().as_secs_f64();
        } else {
            summary.compared_elsewhere = true;
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// (networks in the experiment, networks planned or training).
fn counts(notebook: &Notebook, experiment: &str) -> Result<(usize, usize), LabError> {
    let status = notebook
        .status()?
        .into_iter()
        .find(|s| s.experiment == experiment)
        .ok_or_else(|| LabError::Invalid(format!("experiment '{experiment}' vanished")))?;
    let total: i64 = status.states.iter().map(|(_, c)| c).sum();
    let left: i64 = status
        .states
        .iter()
        .filter(|(s, _)| s.is_open())
        .map(|(_, c)| c)
        .sum();
    Ok((total as usize, left as usize))
}

/// What every worker thread of a run shares.
struct Run<'a> {
    experiment: &'a Experiment,
    experiment_id: i64,
    stop: &'a AtomicBool,
    observer: &'a dyn RunObserver,
    summary: &'a Mutex<RunSummary>,
}

impl Run<'_> {
    /// One worker thread (`worker` in the notebook, `slot` on screen): trains and analyses
    /// what it claims until nothing is left or the run is stopped.
    fn work(&self, notebook: &Notebook, worker: &str, slot: usize) -> Result<(), LabError> {
        let Run {
            experiment,
            experiment_id,
            stop,
            observer,
            summary,
        } = *self;
        let this_experiment = AnalysisScope {
            experiment_id: Some(experiment_id),
            network: None,
        };
        while !stop.load(Ordering::SeqCst) {
            let network = match notebook.claim(experiment_id, worker)? {
                Some(n) => n,
                None => {
                    // Trained but not analysed (an earlier run was stopped in between): analyse.
                    if let Some(trained) = notebook.claim_analysis(this_experiment, worker)? {
                        self.analyse(notebook, &trained, slot)?;
                        continue;
                    }
                    // Out of work: configurations whose search just finished bring their seeds,
                    // and while other search runs are still training, more may come.
                    if promote_searches(experiment, notebook, experiment_id)? > 0 {
                        let (total, remaining) = counts(notebook, &experiment.name)?;
                        observer.planned(total, remaining);
                        continue;
                    }
                    if notebook.in_flight_here(experiment_id)? > 0
                        || notebook.analysing_elsewhere(experiment_id, worker)? > 0
                    {
                        // Others still train or analyse (or a search may still bring seeds): wait,
                        // and take back the networks of any that died (their process is gone on
                        // this host, or their lease expired): they are trained or analysed here.
                        let requeued = notebook.requeue_orphans()?;
                        summary.lock().expect("no panics hold it").requeued += requeued;
                        thread::sleep(Duration::from_millis(300));
                        continue;
                    }
                    break;
                }
            };
            observer.started(slot, &network);
            let outcome = train_network(
                experiment,
                &network,
                stop,
                &mut |p| observer.step(slot, p),
                &mut |curve, seconds| {
                    // Watching a sweep must not stop it: a failed write is only logged.
                    if let Err(e) = notebook.store_live_curve(&network, curve, seconds) {
                        tracing::warn!("network {}: live curve not stored: {e}", network.id);
                    }
                },
            );
            let Some(outcome) = outcome else {
                summary.lock().expect("no panics hold it").interrupted += 1;
                break; // stopped: retire_worker plans it again
            };
            if notebook.finish(&network, &outcome)? {
                let mut s = summary.lock().expect("no panics hold it");
                s.train_seconds += outcome.train_seconds;
                match outcome.state {
                    NetState::Trained => s.trained += 1,
                    NetState::Diverged => s.diverged += 1,
                    // A training outcome is trained, diverged or failed; anything else is a failure.
                    NetState::Failed
                    | NetState::Planned
                    | NetState::Training
                    | NetState::Analysed => s.failed += 1,
                }
            }
            observer.finished(slot, &network, &outcome);
            if outcome.state == NetState::Trained && !stop.load(Ordering::SeqCst) {
                let just_trained = AnalysisScope {
                    network: Some(network.id),
                    ..this_experiment
                };
                if let Some(trained) = notebook.claim_analysis(just_trained, worker)? {
                    self.analyse(notebook, &trained, slot)?;
                }
            }
        }
        Ok(())
    }

    /// Finds and stores the fixed points of a network this worker has claimed for analysis, with
    /// the settings of the experiment file being run.
    fn analyse(
        &self,
        notebook: &Notebook,
        network: &NetworkRow,
        slot: usize,
    ) -> Result<(), LabError> {
        let Run {
            experiment,
            stop,
            observer,
            summary,
            ..
        } = *self;
        observer.analysing(slot, network);
        let Some(record) = analyse_network(
            notebook,
            network,
            SearchSettings::Exactly(&experiment.analysis),
            stop,
        )?
        else {
            return Ok(()); // stopped: the worker's retirement gives the network back
        };
        if store_record(notebook, network, &record)? {
            let mut s = summary.lock().expect("no panics hold it");
            s.analysed += 1;
            s.analysis_seconds += record.seconds;
        }
        observer.analysed(slot, network, &record);
        Ok(())
    }
}

/// Plans the population of every configuration whose hyperparameter search is finished.
/// Idempotent, so concurrent workers and runners may all call it.
pub(crate) fn promote_searches(
    experiment: &Experiment,
    notebook: &Notebook,
    experiment_id: i64,
) -> Result<usize, LabError> {
    if experiment.search.is_none() {
        return Ok(0);
    }
    let mut planned = 0;
    for done in notebook.finished_searches(experiment_id)? {
        planned += notebook.plan(experiment_id, &experiment.final_networks(&done)?)?;
    }
    Ok(planned)
}

/// Trains one planned network; None if stopped before it finished.
/// Seconds between two stores of a training network's curve.
const LIVE_CURVE_SECONDS: f64 = 2.0;

/// Trains one network; `on_step` sees every step, `live` the decimated curve so far every
/// [`LIVE_CURVE_SECONDS`].
fn train_network(
    experiment: &Experiment,
    network: &NetworkRow,
    stop: &AtomicBool,
    on_step: &mut dyn FnMut(&Progress),
    live: &mut dyn FnMut(&crate::store::CurvePoints, f64),
) -> Option<Outcome> {
    let failed = |reason: String| Outcome {
        state: NetState::Failed,
        train_seconds: 0.0,
        steps_run: 0,
        final_loss: None,
        score: None,
        backoffs: 0,
        reason: Some(reason),
        curve: (Vec::new(), Vec::new()),
        weights: None,
    };
    let config: TrainConfig = match serde_json::from_str(&network.config) {
        Ok(c) => c,
        Err(e) => return Some(failed(format!("stored training settings: {e}"))),
    };
    let spec = NetSpec::for_task(
        &experiment.task,
        network.arch,
        network.activation,
        network.units as usize,
    );
    let mut curve = LossCurve::new(CURVE_POINTS);
    let began = Instant::now();
    let mut stored = began;
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        train::train(
            &experiment.task,
            spec,
            &config,
            network.seed as u64,
            &mut |p| {
                curve.push(p.step, p.loss);
                on_step(p);
                if stored.elapsed().as_secs_f64() >= LIVE_CURVE_SECONDS {
                    live(&curve.points(), began.elapsed().as_secs_f64());
                    stored = Instant::now();
                }
                if stop.load(Ordering::Relaxed) {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        )
    }));
    let outcome = match result {
        Ok(o) => o,
        Err(panic) => {
            return Some(failed(format!(
                "training panicked: {}",
                panic_message(panic.as_ref())
            )));
        }
    };
    if outcome.cancelled {
        return None;
    }
    let diverged = outcome.diverged.is_some();
    let finite = |v: f64| v.is_finite().then_some(v);
    Some(Outcome {
        state: if diverged {
            NetState::Diverged
        } else {
            NetState::Trained
        },
        train_seconds: outcome.seconds,
        steps_run: outcome.steps_run,
        final_loss: finite(outcome.final_loss),
        score: finite(outcome.score),
        backoffs: outcome.backoffs,
        reason: outcome.diverged.map(|d| d.reason),
        curve: curve.points(),
        weights: (!diverged).then_some(outcome.params.data),
    })
}
