//! `rnnlab export distances|states`: an experiment's distance matrices (every metric: SVCCA,
//! angular CCA, Procrustes at the reduction asked for, and topology) as CSV or `.npz`, and
//! networks' probe-batch hidden states as `.npz`.

use std::io::Write;
use std::path::Path;

use crate::analysis::similarity::StateProbe;
use crate::files::npz::{f64_npy, ints_npy, Npz};
use crate::lab::compare::{matrix, update_similarity, CompareMetric, CompareOptions, StoredPairs};
use crate::lab::notebook::for_each_network;
use crate::lab::notebook::StoredNetworks;
use crate::lab::population::trained_networks;
use crate::lab::recordings::stored_distances;
use crate::lab::LabError;
use crate::store::{ListQuery, Notebook};

/// CSV rows `metric,a,b,distance` (a < b) of every metric's matrix at the reduction `options`,
/// brought up to date first.
pub fn export_distances_csv(
    notebook: &Notebook,
    experiment: &str,
    options: &CompareOptions,
    threads: usize,
    out: &mut dyn Write,
    out_name: &Path,
) -> Result<(), LabError> {
    let io = |source| LabError::Io {
        path: out_name.to_path_buf(),
        source,
    };
    update_similarity(notebook, experiment, options, threads)?;
    let id = notebook.experiment(experiment)?.id;
    let networks = trained_networks(notebook, experiment)?;
    writeln!(out, "metric,a,b,distance").map_err(io)?;
    let stored = StoredPairs::read(notebook, id, options)?;
    for metric in CompareMetric::ALL {
        let (rows, d) = matrix(&stored, &networks, metric);
        for i in 0..rows.len() {
            for j in i + 1..rows.len() {
                writeln!(
                    out,
                    "{},{},{},{}",
                    metric.name(),
                    rows[i].id,
                    rows[j].id,
                    d[[i, j]]
                )
                .map_err(io)?;
            }
        }
    }
    // A recording's rows: `a` is `recording:NAME`, `b` a network.
    for (name, distances) in
        stored_distances(notebook, experiment, &options.reduction, &options.dsa)?
    {
        for d in distances {
            writeln!(
                out,
                "{},recording:{name},{},{}",
                d.metric, d.network, d.distance
            )
            .map_err(io)?;
        }
    }
    Ok(())
}

/// Per metric, `<metric>` (n×n) and `<metric>_ids` (n) in an `.npz` at `path`, at the
/// reduction `options`.
pub fn export_distances_npz(
    notebook: &Notebook,
    experiment: &str,
    options: &CompareOptions,
    threads: usize,
    path: &Path,
) -> Result<(), LabError> {
    update_similarity(notebook, experiment, options, threads)?;
    let id = notebook.experiment(experiment)?.id;
    let networks = trained_networks(notebook, experiment)?;
    let recordings = stored_distances(notebook, experiment, &options.reduction, &options.dsa)?;
    let mut npz = Npz::create(path)?;
    let stored = StoredPairs::read(notebook, id, options)?;
    for metric in CompareMetric::ALL {
        let (rows, d) = matrix(&stored, &networks, metric);
        let n = rows.len();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let name = metric.name().replace('-', "_");
        npz.add(
            &name,
            &f64_npy(d.as_slice().expect("standard layout"), &[n, n]),
        )?;
        npz.add(&format!("{name}_ids"), &ints_npy(&ids, &[n]))?;
        // Each recording's distance to the same networks, in the same order (NaN: not stored).
        for (recording, distances) in &recordings {
            let row: Vec<f64> = ids
                .iter()
                .map(|&id| {
                    distances
                        .iter()
                        .find(|d| d.network == id && d.metric == metric.name())
                        .map_or(f64::NAN, |d| d.distance)
                })
                .collect();
            if row.iter().any(|v| !v.is_nan()) {
                npz.add(
                    &format!("recording/{recording}/{name}"),
                    &f64_npy(&row, &[n]),
                )?;
            }
        }
    }
    npz.finish()
}

/// Each matching trained network's hidden states on its task's probe batch, `net<ID>/states`
/// (rows step-major (step, trial), columns units; LSTM h), in an `.npz` at `path`. Returns how
/// many networks.
pub fn export_states_npz(
    notebook: &Notebook,
    query: &ListQuery,
    path: &Path,
) -> Result<usize, LabError> {
    let mut npz = Npz::create(path)?;
    let mut probes: Vec<(String, StateProbe)> = Vec::new();
    let mut stored = StoredNetworks::default();
    let mut count = 0;
    for_each_network(notebook, query, |row| {
        let Some((experiment, params)) = stored.get(notebook, row)? else {
            return Ok(());
        };
        let at = match probes.iter().position(|(name, _)| *name == experiment.name) {
            Some(k) => k,
            None => {
                probes.push((experiment.name.clone(), StateProbe::new(&experiment.task)));
                probes.len() - 1
            }
        };
        if let Some(states) = probes[at].1.states(&params, false) {
            let shape = [states.nrows(), states.ncols()];
            let data: Vec<f64> = states.iter().copied().collect();
            npz.add(&format!("net{}/states", row.id), &f64_npy(&data, &shape))?;
            count += 1;
        }
        Ok(())
    })?;
    npz.finish()?;
    Ok(count)
}

/// The probe batch of `experiment`'s task as a recording is aligned to it: `inputs` (trials,
/// T, I) and `targets` (trials, T, O), trial k being condition k of a built-in task (and, for a
/// task given as arrays, `conditions`: each probe trial's label), in an `.npz` at `path`.
pub fn export_probe_npz(
    notebook: &Notebook,
    experiment: &str,
    path: &Path,
) -> Result<usize, LabError> {
    let exp = crate::lab::notebook::stored_experiment(notebook, experiment)?;
    let probe = exp.task.probe_batch();
    let trial_major = |a: &ndarray::Array3<f32>| {
        let (t, b, c) = a.dim();
        let data: Vec<f64> = (0..b)
            .flat_map(|trial| {
                (0..t).flat_map(move |step| (0..c).map(move |k| f64::from(a[[step, trial, k]])))
            })
            .collect();
        (data, [b, t, c])
    };
    let mut npz = Npz::create(path)?;
    let (inputs, shape) = trial_major(&probe.inputs);
    npz.add("inputs", &f64_npy(&inputs, &shape))?;
    let (targets, tshape) = trial_major(&probe.targets);
    npz.add("targets", &f64_npy(&targets, &tshape))?;
    if let crate::task::Task::Arrays(t) = &exp.task {
        let trials = t.trials();
        let labels: Vec<i64> = trials.probe.iter().map(|&b| trials.conditions[b]).collect();
        npz.add("conditions", &ints_npy(&labels, &[labels.len()]))?;
    }
    npz.finish()?;
    Ok(shape[0])
}
