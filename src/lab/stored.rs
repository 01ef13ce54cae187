//! Rebuilding a stored network: its task and parameters from the notebook.

use std::path::Path;

use super::error::LabError;
use super::experiment::Experiment;
use crate::net::{Activation, Arch, Params};
use crate::store::{NetworkRow, Notebook};
use crate::train::net_spec;

/// The experiment a stored network belongs to, parsed from the file stored with it.
pub fn stored_experiment(notebook: &Notebook, name: &str) -> Result<Experiment, LabError> {
    let stored = notebook.experiment(name)?;
    Experiment::parse(
        Path::new(&format!("<stored experiment {name}>")),
        &stored.spec,
    )
}

/// The experiment and trained parameters of a stored network (None if it has no weights yet).
pub fn stored_network(
    notebook: &Notebook,
    row: &NetworkRow,
) -> Result<Option<(Experiment, Params<f32>)>, LabError> {
    let Some(data) = notebook.weights(row.id)? else {
        return Ok(None);
    };
    let experiment = stored_experiment(notebook, &row.experiment)?;
    let spec = net_spec(
        &experiment.task,
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
    Ok(Some((experiment, Params { spec, data })))
}

fn spec_len(spec: &crate::net::NetSpec) -> usize {
    crate::net::Layout::new(*spec).len()
}
