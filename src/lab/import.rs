//! `rnnlab import`: networks trained elsewhere (PyTorch, Keras) enter the notebook as trained
//! members of an experiment of their task, are scored on the task's held-out batch, and are
//! analysed like rnnlab's own (fixed points, scaffold, similarity with the experiment's
//! population).
//!
//! Every file is read and checked before anything is written: one bad file stores nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use serde::Serialize;

use super::analyse::{run_analysis, AnalyseObserver, AnalyseSummary};
use super::LabError;
use crate::experiment::fingerprint::fnv1a;
use crate::experiment::settings::AnalysisSettings;
use crate::experiment::Experiment;
use crate::files::framework::{convert, Converted, ReadOptions};
use crate::net::{Activation, Arch, Params};
use crate::store::{AnalysisScope, NewNetwork, Role, StoreError};
use crate::task::{Batch, Task};
use crate::train::{evaluate, evaluation_batch, TrainConfig};

/// What to import and where.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The task the networks were trained on.
    pub task: Task,
    /// The experiment to enter them in (default `imported-TASK`; created if absent).
    pub experiment: Option<String>,
    /// A label for the network (one file only); default the file's stem.
    pub name: Option<String>,
    /// How to read the files.
    pub read: ReadOptions,
    /// Analysis threads.
    pub jobs: usize,
}

/// One imported network.
#[derive(Clone, Debug, Serialize)]
pub struct ImportedNetwork {
    /// The file it came from.
    pub file: String,
    /// Its label.
    pub name: String,
    /// Its id in the notebook.
    pub network: i64,
    /// False if the same network was imported before (nothing new stored).
    pub new: bool,
    /// The framework whose names it followed.
    pub framework: String,
    /// rnnlab's name for its cell.
    pub arch: Arch,
    /// Its nonlinearity.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// MSE on the task's held-out batch.
    pub held_out_loss: f64,
    /// The task's score on that batch.
    pub score: f64,
    /// Fixed points found (after the analysis).
    pub fixed_points: Option<i64>,
    /// Of which stable.
    pub stable_points: Option<i64>,
    /// Whether its scaffold is the task's ideal one.
    pub ideal_scaffold: Option<bool>,
}

/// What `rnnlab import` did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportSummary {
    /// The experiment the networks entered.
    pub experiment: String,
    /// Each network, in the order of the files.
    pub networks: Vec<ImportedNetwork>,
    /// The analysis that followed.
    pub analysis: AnalyseSummary,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "experiment {}:", self.experiment)?;
        for n in &self.networks {
            let points = match (n.fixed_points, n.stable_points) {
                (Some(all), Some(stable)) => format!("{all} fixed points, {stable} stable"),
                _ => "not analysed".into(),
            };
            let ideal = match n.ideal_scaffold {
                Some(true) => ", ideal scaffold",
                Some(false) => ", not the ideal scaffold",
                None => "",
            };
            writeln!(
                f,
                "  #{} {} ({}): {} {}/{} N={}, held-out loss {:.2e}, score {:.4}; {points}{ideal}{}",
                n.network,
                n.name,
                n.file,
                n.framework,
                n.arch,
                n.activation,
                n.units,
                n.held_out_loss,
                n.score,
                if n.new { "" } else { " (imported before)" }
            )?;
        }
        write!(f, "{}", self.analysis)?;
        if let Some(n) = self.networks.first() {
            writeln!(
                f,
                "next: rnnlab fixed-points --network {} · rnnlab topology --network {} · rnnlab",
                n.network, n.network
            )?;
        }
        Ok(())
    }
}

/// The weight files named: files as given, folders' `.npz` and `.safetensors` files (sorted).
pub fn weight_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LabError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| LabError::Io {
                path: path.clone(),
                source,
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| e == "npz" || e == "safetensors")
                })
                .collect();
            if found.is_empty() {
                return Err(LabError::Invalid(format!(
                    "{}: no .npz or .safetensors files in this folder",
                    path.display()
                )));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    if files.is_empty() {
        return Err(LabError::Invalid("import: name at least one file".into()));
    }
    Ok(files)
}

/// A network read and checked, not yet stored.
struct Candidate {
    file: PathBuf,
    name: String,
    converted: Converted,
    params: Params<f32>,
    evaluation: (f64, f64),
}

/// An identifier for a network's weights: FNV-1a over its cell, activation and f32 weights,
/// kept below 2⁵³ so it survives JSON readers that parse numbers as doubles. It stands in for
/// the seed, so importing the same file twice stores it once.
fn weights_id(params: &Params<f32>) -> u64 {
    let bytes = params
        .spec
        .arch
        .name()
        .bytes()
        .chain(params.spec.activation.name().bytes())
        .chain(params.data.iter().flat_map(|v| v.to_le_bytes()));
    fnv1a(bytes) & ((1 << 53) - 1)
}

fn read_one(
    file: &Path,
    name: String,
    options: &ImportOptions,
    held_out: &Batch,
) -> Result<Candidate, LabError> {
    let arrays = crate::files::arrays::read_arrays(file)?;
    let converted = convert(&arrays, &options.task, &options.read)
        .map_err(|m| LabError::Invalid(format!("{}: {m}", file.display())))?;
    let units = converted.params.spec.units;
    if units > crate::experiment::limits::MAX_UNITS {
        return Err(LabError::Invalid(format!(
            "{}: a network of {units} units is more than rnnlab analyses ({})",
            file.display(),
            crate::experiment::limits::MAX_UNITS
        )));
    }
    let params: Params<f32> = converted.params.cast();
    let evaluation = evaluate(&options.task, &params, held_out);
    Ok(Candidate {
        file: file.to_path_buf(),
        name,
        converted,
        params,
        evaluation,
    })
}

/// Imports the weight files `paths` into the notebook at `db` and analyses them.
pub fn import(
    db: &Path,
    paths: &[PathBuf],
    options: &ImportOptions,
    stop: Arc<AtomicBool>,
    observer: &dyn AnalyseObserver,
) -> Result<ImportSummary, LabError> {
    let files = weight_files(paths)?;
    if options.name.is_some() && files.len() > 1 {
        return Err(LabError::Invalid(format!(
            "--name labels one network; {} files were given (each is labelled by its file name)",
            files.len()
        )));
    }
    let held_out = evaluation_batch(&options.task);
    let candidates = files
        .iter()
        .map(|file| {
            let stem = file
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            read_one(
                file,
                options.name.clone().unwrap_or(stem),
                options,
                &held_out,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;

    let notebook = super::notebook::open_sound(db)?;
    let name = options
        .experiment
        .clone()
        .unwrap_or_else(|| format!("imported-{}", options.task.name()));
    let experiment_id = match notebook.experiment(&name) {
        Ok(row) => {
            let stored = super::notebook::stored_experiment(&notebook, &name)?;
            if stored.task.kind() != options.task.kind() {
                return Err(LabError::Invalid(format!(
                    "--task {}: experiment '{name}' is on the {} task",
                    options.task.name(),
                    stored.task.name()
                )));
            }
            row.id
        }
        Err(StoreError::NoSuchExperiment(_)) => {
            let text = Experiment::imports_text(&name, &options.task);
            Experiment::parse(Path::new("<import>"), &text)?.ensure_in(&notebook)?
        }
        Err(e) => return Err(e.into()),
    };
    let target_loss = TrainConfig::for_task(&options.task).target_loss;
    let mut imported = Vec::new();
    for c in &candidates {
        let spec = c.params.spec;
        let config = serde_json::json!({
            "imported": c.file.display().to_string(),
            "name": c.name,
            "framework": c.converted.framework.name(),
            "prefix": c.converted.prefix,
            "readout_prefix": c.converted.readout_prefix,
            "target_loss": target_loss,
        });
        let network = NewNetwork {
            arch: spec.arch,
            activation: spec.activation,
            units: spec.units,
            l2: 0.0,
            seed: weights_id(&c.params),
            role: Role::Final,
            trial: 0,
            config: config.to_string(),
        };
        let (id, new) =
            notebook.import_network(experiment_id, &network, c.evaluation, &c.params.data)?;
        imported.push((id, new));
    }
    drop(notebook);

    let analysis = run_analysis(
        db,
        AnalysisScope {
            experiment_id: Some(experiment_id),
            network: None,
        },
        false,
        &AnalysisSettings::default(),
        options.jobs,
        stop,
        observer,
    )?;
    let notebook = super::notebook::open_existing(db)?;
    let mut networks = Vec::new();
    for (c, (id, new)) in candidates.iter().zip(imported) {
        let row = notebook.network(id)?;
        let spec = c.params.spec;
        networks.push(ImportedNetwork {
            file: c.file.display().to_string(),
            name: c.name.clone(),
            network: id,
            new,
            framework: c.converted.framework.name().into(),
            arch: spec.arch,
            activation: spec.activation,
            units: spec.units,
            held_out_loss: c.evaluation.0,
            score: c.evaluation.1,
            fixed_points: row.fixed_points,
            stable_points: row.stable_points,
            ideal_scaffold: row.ideal_scaffold,
        });
    }
    Ok(ImportSummary {
        experiment: name,
        networks,
        analysis,
    })
}
