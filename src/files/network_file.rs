//! A trained network saved on its own (`rnnlab train --save FILE`): a header line, one line of
//! JSON metadata, then the parameters as little-endian f32.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::net::{Layout, NetSpec, Params};
use crate::task::Task;
use crate::train::TrainConfig;
use crate::LabError;

const MAGIC: &str = "rnnlab-network 1\n";

/// Everything about a saved network except its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkMeta {
    /// The task it was trained on.
    pub task: Task,
    /// Its shape.
    pub spec: NetSpec,
    /// How it was trained.
    pub config: TrainConfig,
    /// Its seed.
    pub seed: u64,
    /// Iterations run.
    pub steps_run: usize,
    /// Held-out MSE.
    pub final_loss: f64,
    /// Held-out task score.
    pub score: f64,
}

/// Writes `params` with `meta` to `path` atomically (a temporary file renamed into place), so an
/// interrupted save never leaves a truncated network behind.
pub fn save(path: &Path, meta: &NetworkMeta, params: &Params<f32>) -> Result<(), LabError> {
    let mut bytes = Vec::with_capacity(params.data.len() * 4 + 1024);
    bytes.extend_from_slice(MAGIC.as_bytes());
    serde_json::to_writer(&mut bytes, meta).expect("metadata serialises");
    bytes.push(b'\n');
    for w in &params.data {
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    super::write_atomically(path, &bytes)
}

/// Checks, before a long training run, that [`save`] will be able to write `path`: its folder
/// exists and takes a new file.
pub fn check_writable(path: &Path) -> Result<(), LabError> {
    let tmp = super::partial_path(path);
    fs::File::create(&tmp)
        .and_then(|_| fs::remove_file(&tmp))
        .map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Reads a network written by [`save`].
pub fn load(path: &Path) -> Result<(NetworkMeta, Params<f32>), LabError> {
    let bad = |message: String| LabError::BadFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = fs::read(path).map_err(|source| LabError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let rest = bytes
        .strip_prefix(MAGIC.as_bytes())
        .ok_or_else(|| bad("not an rnnlab network file".into()))?;
    let newline = rest
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("truncated header".into()))?;
    let meta: NetworkMeta =
        serde_json::from_slice(&rest[..newline]).map_err(|e| bad(format!("bad header: {e}")))?;
    let weights = &rest[newline + 1..];
    let expected = Layout::new(meta.spec).len();
    if weights.len() != expected * 4 {
        return Err(bad(format!(
            "expected {expected} parameters, found {} bytes",
            weights.len()
        )));
    }
    let data = weights
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((
        meta.clone(),
        Params {
            spec: meta.spec,
            data,
        },
    ))
}
