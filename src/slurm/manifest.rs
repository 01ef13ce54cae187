//! A submission's manifest: the experiment file and, per array task, the networks it trains.
//! Written once by `submit` (to a temporary name, then renamed) and read by every task.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::experiment::Experiment;
use crate::files::write_atomically;
use crate::net::{Activation, Arch, NetSpec};
use crate::store::{NetworkRow, NewNetwork, Role};
use crate::train::TrainConfig;
use crate::LabError;

/// One network of a manifest: its key in the notebook and its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestNetwork {
    /// Its id in the notebook.
    pub id: i64,
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// L2 penalty.
    pub l2: f64,
    /// Seed.
    pub seed: u64,
    /// A member of the population or a search run.
    pub role: Role,
    /// Search sample.
    pub trial: u32,
    /// The full training settings, JSON.
    pub config: String,
}

impl ManifestNetwork {
    /// From a planned (claimed) row.
    pub fn of(row: &NetworkRow) -> ManifestNetwork {
        ManifestNetwork {
            id: row.id,
            arch: row.arch,
            activation: row.activation,
            units: row.units as usize,
            l2: row.l2,
            seed: row.seed as u64,
            role: row.role,
            trial: row.trial as u32,
            config: row.config.clone(),
        }
    }

    /// As a network to plan into a task's own notebook.
    pub fn to_new(&self) -> NewNetwork {
        NewNetwork {
            arch: self.arch,
            activation: self.activation,
            units: self.units,
            l2: self.l2,
            seed: self.seed,
            role: self.role,
            trial: self.trial,
            config: self.config.clone(),
        }
    }
}

/// Largest manifest a worker reads.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 30;

/// What every task of a submission reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The identity of the notebook the results are for (`Notebook::identity`).
    pub notebook: String,
    /// The submission's id in the notebook.
    pub submission: i64,
    /// The manifest's name within the submission (`manifest-1`, `manifest-2` after a resubmit).
    pub name: String,
    /// The experiment file as written.
    pub experiment_text: String,
    /// The sweep folder (results go to its `results/`).
    pub folder: PathBuf,
    /// Per task, its networks.
    pub tasks: Vec<Vec<ManifestNetwork>>,
}

impl Manifest {
    /// Writes it to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<(), LabError> {
        let text = serde_json::to_string_pretty(self).expect("manifest serialises");
        write_atomically(path, text.as_bytes())
    }

    /// Reads one (a regular file of at most [`MAX_MANIFEST_BYTES`]).
    pub fn read(path: &Path) -> Result<Manifest, LabError> {
        let bytes = crate::files::read_bounded(path, MAX_MANIFEST_BYTES)?;
        serde_json::from_slice(&bytes)
            .map_err(|e| LabError::Invalid(format!("{}: not a manifest ({e})", path.display())))
    }

    /// Checks task `slot`'s networks before any is trained: settings that parse and sizes
    /// within this machine's limits (a hand-edited manifest must not abort the worker).
    pub fn check_task(
        &self,
        path: &Path,
        slot: usize,
        experiment: &Experiment,
    ) -> Result<(), LabError> {
        let networks = self.tasks.get(slot).ok_or_else(|| {
            LabError::Invalid(format!(
                "{}: task {slot} of {} does not exist",
                path.display(),
                self.tasks.len()
            ))
        })?;
        for n in networks {
            let bad = |m: String| {
                LabError::Invalid(format!(
                    "{}: task {slot}, network {}: {m}",
                    path.display(),
                    n.id
                ))
            };
            if n.units == 0 {
                return Err(bad("units must be at least 1".into()));
            }
            let config: TrainConfig =
                serde_json::from_str(&n.config).map_err(|e| bad(format!("config: {e}")))?;
            config.validate().map_err(|m| bad(format!("config: {m}")))?;
            let spec = NetSpec::for_task(&experiment.task, n.arch, n.activation, n.units);
            crate::experiment::limits::check_training(spec, &experiment.task, &config)
                .map_err(bad)?;
        }
        Ok(())
    }

    /// Where task `slot`'s results are published.
    pub fn result_path(&self, slot: usize) -> PathBuf {
        self.folder
            .join("results")
            .join(format!("{}-task-{slot}.db", self.name))
    }
}
