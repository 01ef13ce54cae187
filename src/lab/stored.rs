//! Rebuilding a stored network: its task and parameters from the notebook.

use std::path::Path;

use super::error::LabError;
use super::experiment::Experiment;
use crate::net::{Activation, Arch, Params};
use crate::store::{NetworkRow, Notebook};
use crate::task::Task;
use crate::train::net_spec;

/// The task and trained parameters of a stored network (None if it has no weights yet).
pub fn stored_network(
    notebook: &Notebook,
    row: &NetworkRow,
) -> Result<Option<(Task, Params<f32>)>, LabError> {
    let Some(data) = notebook.weights(row.id)? else {
        return Ok(None);
    };
    let experiment = notebook.experiment(&row.experiment)?;
    let task = Experiment::parse(Path::new("<stored experiment>"), &experiment.spec)?.task;
    let spec = net_spec(
        &task,
        row.arch.parse::<Arch>().map_err(LabError::Invalid)?,
        row.activation
            .parse::<Activation>()
            .map_err(LabError::Invalid)?,
        row.units as usize,
    );
    if data.len() != spec_len(&spec) {
        return Err(LabError::Invalid(format!(
            "network {}: stored weights have {} values, its shape needs {}",
            row.id,
            data.len(),
            spec_len(&spec)
        )));
    }
    Ok(Some((task, Params { spec, data })))
}

fn spec_len(spec: &crate::net::NetSpec) -> usize {
    crate::net::Layout::new(*spec).len()
}
