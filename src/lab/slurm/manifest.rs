//! A submission's manifest: the experiment file and, per array task, the networks it trains.
//! Written once by `submit` (to a temporary name, then renamed) and read by every task.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::lab::LabError;
use crate::store::{NetworkRow, NewNetwork, Role};

/// One network of a manifest: its key in the notebook and its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestNetwork {
    /// Its id in the notebook.
    pub id: i64,
    /// Architecture.
    pub arch: String,
    /// Activation.
    pub activation: String,
    /// Hidden units.
    pub units: usize,
    /// L2 penalty.
    pub l2: f64,
    /// Seed.
    pub seed: u64,
    /// `final` or `search`.
    pub role: String,
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
            arch: row.arch.clone(),
            activation: row.activation.clone(),
            units: row.units as usize,
            l2: row.l2,
            seed: row.seed as u64,
            role: row.role.clone(),
            trial: row.trial as u32,
            config: row.config.clone(),
        }
    }

    /// As a network to plan into a task's own notebook.
    pub fn to_new(&self) -> NewNetwork {
        NewNetwork {
            arch: self.arch.clone(),
            activation: self.activation.clone(),
            units: self.units,
            l2: self.l2,
            seed: self.seed,
            role: if self.role == "search" {
                Role::Search
            } else {
                Role::Final
            },
            trial: self.trial,
            config: self.config.clone(),
        }
    }
}

/// What every task of a submission reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
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

    /// Reads one.
    pub fn read(path: &Path) -> Result<Manifest, LabError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text)
            .map_err(|e| LabError::Invalid(format!("{}: not a manifest ({e})", path.display())))
    }

    /// Where task `slot`'s results are published.
    pub fn result_path(&self, slot: usize) -> PathBuf {
        self.folder
            .join("results")
            .join(format!("{}-task-{slot}.db", self.name))
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place, so a reader never
/// sees a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), LabError> {
    let io = |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}
