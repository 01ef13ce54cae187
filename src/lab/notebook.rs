//! The notebook as commands use it: opening one that must exist, choosing an experiment,
//! paging through networks, and rebuilding a stored network (its experiment and parameters).

use std::path::Path;

use crate::experiment::Experiment;
use crate::net::{NetSpec, Params};
use crate::store::{ListQuery, NetworkRow, Notebook};
use crate::LabError;

/// Opens a notebook that must already exist (reading commands never create one); where it
/// cannot be written (a read-only mount, another user's file) it is opened read-only.
pub fn open_existing(db: &Path) -> Result<Notebook, LabError> {
    if !db.exists() {
        return Err(LabError::Invalid(format!(
            "{}: no notebook here (start one with `rnnlab run EXPERIMENT.toml`, or pass --db)",
            db.display()
        )));
    }
    match Notebook::open(db) {
        Err(e) if Notebook::is_read_only_error(&e) => Ok(Notebook::open_read_only(db)?),
        other => Ok(other?),
    }
}

/// Opens a notebook to write into it, refusing one that fails SQLite's quick check: writing
/// into a damaged file could spread the damage.
pub fn open_sound(db: &Path) -> Result<Notebook, LabError> {
    let notebook = Notebook::open(db)?;
    if !notebook.quick_check_ok()? {
        return Err(LabError::Invalid(format!(
            "{}: the notebook is damaged (SQLite's quick_check fails); nothing was written. \
             Restore it from a copy, or recover it with `sqlite3 {} .recover`",
            db.display(),
            db.display()
        )));
    }
    Ok(notebook)
}

/// The experiment a command is about: the one named, or the notebook's only one.
pub fn one_experiment(notebook: &Notebook, name: Option<&str>) -> Result<String, LabError> {
    if let Some(name) = name {
        return Ok(notebook.experiment(name)?.name);
    }
    let all = notebook.experiments()?;
    match all.as_slice() {
        [one] => Ok(one.name.clone()),
        [] => Err(LabError::Invalid(
            "the notebook has no experiment yet".into(),
        )),
        many => Err(LabError::Invalid(format!(
            "--experiment: the notebook has {} ({})",
            many.len(),
            many.iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Rows fetched per page while exporting, so memory stays flat.
const PAGE: usize = 1000;

/// Calls `each` for every network matching `query`, a page at a time.
pub fn for_each_network(
    notebook: &Notebook,
    query: &ListQuery,
    mut each: impl FnMut(&NetworkRow) -> Result<(), LabError>,
) -> Result<(), LabError> {
    // In id order, each page starts after the last id seen (an index seek), not at an offset
    // that SQLite would have to skip row by row.
    let by_id = query.sort.is_none() && !query.descending;
    let (mut offset, mut after) = (0, None::<i64>);
    loop {
        let filter = match (after, &query.filter) {
            (Some(id), Some(f)) => Some(format!("({f}) and id > {id}")),
            (Some(id), None) => Some(format!("id > {id}")),
            (None, f) => f.clone(),
        };
        let page = notebook.list(&ListQuery {
            limit: PAGE,
            offset: if by_id { 0 } else { offset },
            filter,
            ..query.clone()
        })?;
        for row in &page {
            each(row)?;
        }
        if page.len() < PAGE {
            return Ok(());
        }
        offset += PAGE;
        if by_id {
            after = page.last().map(|r| r.id);
        }
    }
}

/// The experiment a stored network belongs to, parsed from the file stored with it.
pub fn stored_experiment(notebook: &Notebook, name: &str) -> Result<Experiment, LabError> {
    let stored = notebook.experiment(name)?;
    Experiment::parse_stored(
        Path::new(&format!("<stored experiment {name}>")),
        &stored.spec,
    )
}

/// The experiment and trained parameters of a stored network (None if it has no weights yet).
pub fn stored_network(
    notebook: &Notebook,
    row: &NetworkRow,
) -> Result<Option<(Experiment, Params<f32>)>, LabError> {
    let experiment = stored_experiment(notebook, &row.experiment)?;
    Ok(stored_params(notebook, row, &experiment)?.map(|params| (experiment, params)))
}

/// Network `id`, its experiment and its trained parameters; an error saying so if it has no
/// weights yet.
pub fn trained_network(
    notebook: &Notebook,
    id: i64,
) -> Result<(NetworkRow, Experiment, Params<f32>), LabError> {
    let row = notebook.network(id)?;
    let (experiment, params) = stored_network(notebook, &row)?.ok_or_else(|| {
        LabError::Invalid(format!(
            "network {id} is {} and has no weights yet",
            row.state.name()
        ))
    })?;
    Ok((row, experiment, params))
}

/// Stored networks of any experiments, each experiment's file parsed once (exports page
/// through thousands of networks of a few experiments).
#[derive(Default)]
pub struct StoredNetworks {
    experiments: std::collections::HashMap<String, Experiment>,
}

impl StoredNetworks {
    /// The experiment and trained parameters of a stored network (None if it has no weights).
    pub fn get(
        &mut self,
        notebook: &Notebook,
        row: &NetworkRow,
    ) -> Result<Option<(&Experiment, Params<f32>)>, LabError> {
        if !self.experiments.contains_key(&row.experiment) {
            let parsed = stored_experiment(notebook, &row.experiment)?;
            self.experiments.insert(row.experiment.clone(), parsed);
        }
        let experiment = &self.experiments[&row.experiment];
        Ok(stored_params(notebook, row, experiment)?.map(|params| (experiment, params)))
    }
}

/// The trained parameters of a stored network of `experiment` (parsed once by the caller for
/// all its networks); None if it has no weights yet.
pub fn stored_params(
    notebook: &Notebook,
    row: &NetworkRow,
    experiment: &Experiment,
) -> Result<Option<Params<f32>>, LabError> {
    let Some(data) = notebook.weights(row.id)? else {
        return Ok(None);
    };
    let spec = NetSpec::for_task(
        &experiment.task,
        row.arch,
        row.activation,
        row.units as usize,
    );
    let len = crate::net::Layout::new(spec).len();
    if data.len() != len {
        return Err(LabError::Invalid(format!(
            "network {}: stored weights have {} values, its shape needs {len}",
            row.id,
            data.len(),
        )));
    }
    Ok(Some(Params { spec, data }))
}
