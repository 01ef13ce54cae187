//! `rnnlab export fixed-points`: every stored fixed and slow point of the matching
//! networks, as CSV (one line per point, vectors space-separated), JSON (one array of points)
//! or `.npz` (per network `net<ID>/fp_*` arrays, one row per point).

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::files::npz::{complex_npy, f64_npy, ints_npy, Npz};
use crate::lab::notebook::for_each_network;
use crate::lab::LabError;
use crate::net::{Activation, Arch};
use crate::store::{ListQuery, NetworkRow, Notebook, StoredFixedPoint};

/// The CSV columns of a point.
pub const FIXED_POINT_CSV_HEADER: &str =
    "network,arch,activation,units,input_index,input,q,converged,stable,unstable,max_modulus,\
     readout,state,eigenvalues";

#[derive(Serialize)]
struct PointJson<'a> {
    network: i64,
    arch: Arch,
    activation: Activation,
    units: i64,
    stable: bool,
    #[serde(flatten)]
    point: &'a StoredFixedPoint,
}

fn spaced(values: impl Iterator<Item = f64>) -> String {
    values.map(|v| v.to_string()).collect::<Vec<_>>().join(" ")
}

fn point_csv(row: &NetworkRow, p: &StoredFixedPoint) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        row.id,
        row.arch,
        row.activation,
        row.units,
        p.input_index,
        spaced(p.input.iter().copied()),
        p.q,
        u8::from(p.converged),
        u8::from(p.stable()),
        p.unstable,
        p.max_modulus,
        spaced(p.readout.iter().copied()),
        spaced(p.state.iter().copied()),
        spaced(p.eigenvalues.iter().flatten().copied()),
    )
}

/// Streams the points of every network matching `query` as CSV or JSON. Returns how many
/// networks had points.
pub fn export_fixed_points_text(
    notebook: &Notebook,
    query: &ListQuery,
    csv: bool,
    out: &mut dyn Write,
    out_name: &Path,
) -> Result<usize, LabError> {
    let io = |source| LabError::Io {
        path: out_name.to_path_buf(),
        source,
    };
    let mut first = true;
    let mut networks = 0;
    if csv {
        writeln!(out, "{FIXED_POINT_CSV_HEADER}").map_err(io)?;
    } else {
        write!(out, "[").map_err(io)?;
    }
    for_each_network(notebook, query, |row| {
        let points = notebook.fixed_points(row.id)?;
        networks += usize::from(!points.is_empty());
        for p in &points {
            if csv {
                write!(out, "{}", point_csv(row, p)).map_err(io)?;
            } else {
                let json = PointJson {
                    network: row.id,
                    arch: row.arch,
                    activation: row.activation,
                    units: row.units,
                    stable: p.stable(),
                    point: p,
                };
                let sep = if first { "" } else { "," };
                first = false;
                write!(
                    out,
                    "{sep}{}",
                    serde_json::to_string(&json).expect("serialises")
                )
                .map_err(io)?;
            }
        }
        Ok(())
    })?;
    if !csv {
        writeln!(out, "]").map_err(io)?;
    }
    Ok(networks)
}

/// Writes the points of every network matching `query` to an `.npz` at `path`: per network
/// with points, `net<ID>/fp_input_index` (P), `fp_input` (P×I), `fp_state` (P×S), `fp_q` (P),
/// `fp_converged` (P, 0/1), `fp_unstable` (P), `fp_eigenvalues` (P×S complex128, largest
/// modulus first), `fp_readout` (P×O). Returns how many networks.
pub fn export_fixed_points_npz(
    notebook: &Notebook,
    query: &ListQuery,
    path: &Path,
) -> Result<usize, LabError> {
    let mut npz = Npz::create(path)?;
    let mut networks = 0;
    for_each_network(notebook, query, |row| {
        let points = notebook.fixed_points(row.id)?;
        let Some(first) = points.first() else {
            return Ok(());
        };
        let p = points.len();
        let (i, s, o) = (first.input.len(), first.state.len(), first.readout.len());
        let flat = |f: &dyn Fn(&StoredFixedPoint) -> &[f64]| -> Vec<f64> {
            points.iter().flat_map(|q| f(q).iter().copied()).collect()
        };
        let ints =
            |f: &dyn Fn(&StoredFixedPoint) -> i64| -> Vec<i64> { points.iter().map(f).collect() };
        let eigenvalues: Vec<[f64; 2]> = points
            .iter()
            .flat_map(|q| q.eigenvalues.iter().copied())
            .collect();
        let name = |what: &str| format!("net{}/fp_{what}", row.id);
        npz.add(
            &name("input_index"),
            &ints_npy(&ints(&|q| q.input_index as i64), &[p]),
        )?;
        npz.add(&name("input"), &f64_npy(&flat(&|q| &q.input), &[p, i]))?;
        npz.add(&name("state"), &f64_npy(&flat(&|q| &q.state), &[p, s]))?;
        let q: Vec<f64> = points.iter().map(|q| q.q).collect();
        npz.add(&name("q"), &f64_npy(&q, &[p]))?;
        npz.add(
            &name("converged"),
            &ints_npy(&ints(&|q| i64::from(q.converged)), &[p]),
        )?;
        npz.add(
            &name("unstable"),
            &ints_npy(&ints(&|q| q.unstable as i64), &[p]),
        )?;
        npz.add(&name("eigenvalues"), &complex_npy(&eigenvalues, &[p, s]))?;
        npz.add(&name("readout"), &f64_npy(&flat(&|q| &q.readout), &[p, o]))?;
        networks += 1;
        Ok(())
    })?;
    npz.finish()?;
    Ok(networks)
}
