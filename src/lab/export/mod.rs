//! `rnnlab export`: networks and curves as CSV or JSON, weights as NumPy `.npz`.
//!
//! Weights of network ID are stored under `net<ID>/` (README: "Exported weights"):
//! `arch`, `activation` (strings), `inputs`, `units`, `outputs` (int64), `params` (the flat
//! f32 vector), `input_kernel` I×G, `recurrent_kernel` N×G, `bias` G, `readout_kernel` N×O,
//! `readout_bias` O, and per gate block g (e.g. `update`, `candidate`): `kernel_g` (I+N)×N acting
//! on [x; h] and `bias_g` N.

pub mod fixed_points;
pub mod similarity;

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::files::npz::{f32_npy, int_npy, text_npy, Npz};
use crate::lab::notebook::{for_each_network, StoredNetworks};
use crate::lab::LabError;
use crate::net::{Layout, NetSpec};
use crate::store::{ListQuery, NetworkRow, Notebook, FILTER_COLUMNS};

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> LabError + '_ {
    move |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Streams one record per matching network: CSV under `header`, or one JSON array. `record`
/// gives a network's CSV lines and JSON value, or None to leave it out.
fn export_records(
    notebook: &Notebook,
    query: &ListQuery,
    csv: bool,
    header: &str,
    out: &mut dyn Write,
    out_name: &Path,
    mut record: impl FnMut(&NetworkRow) -> Result<Option<(String, String)>, LabError>,
) -> Result<(), LabError> {
    let e = io_err(out_name);
    let mut first = true;
    if csv {
        writeln!(out, "{header}").map_err(&e)?;
    } else {
        write!(out, "[").map_err(&e)?;
    }
    for_each_network(notebook, query, |row| {
        let Some((lines, json)) = record(row)? else {
            return Ok(());
        };
        if csv {
            write!(out, "{lines}").map_err(&e)
        } else {
            let sep = if first { "" } else { "," };
            first = false;
            write!(out, "{sep}{json}").map_err(&e)
        }
    })?;
    if !csv {
        writeln!(out, "]").map_err(&e)?;
    }
    Ok(())
}

/// Writes every matching network as CSV (with a header) or JSON (one array).
pub fn export_networks(
    notebook: &Notebook,
    query: &ListQuery,
    csv: bool,
    out: &mut dyn Write,
    out_name: &Path,
) -> Result<(), LabError> {
    export_records(
        notebook,
        query,
        csv,
        &network_csv_header(),
        out,
        out_name,
        |row| {
            let json = serde_json::to_string(row).expect("row serialises");
            Ok(Some((format!("{}\n", network_csv(row)), json)))
        },
    )
}

/// The CSV header of network rows: the notebook's network columns (those `ls --where` and
/// `--sort` know, and `ls --json` prints).
pub fn network_csv_header() -> String {
    FILTER_COLUMNS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// A network row as one CSV line, in the order of [`network_csv_header`]: its JSON fields,
/// empty where null, text quoted where it holds a comma, quote or line break.
pub fn network_csv(r: &NetworkRow) -> String {
    let json = serde_json::to_value(r).expect("rows serialise");
    FILTER_COLUMNS
        .iter()
        .map(|(name, _)| match &json[*name] {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) if s.contains([',', '"', '\n', '\r']) => {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Serialize)]
struct CurveJson {
    network: i64,
    steps: Vec<u32>,
    losses: Vec<f32>,
}

/// Writes the loss curves of every matching network: CSV rows `network,step,loss` or a JSON
/// array of `{network, steps, losses}`.
pub fn export_curves(
    notebook: &Notebook,
    query: &ListQuery,
    csv: bool,
    out: &mut dyn Write,
    out_name: &Path,
) -> Result<(), LabError> {
    export_records(
        notebook,
        query,
        csv,
        "network,step,loss",
        out,
        out_name,
        |row| {
            let Some((steps, losses)) = notebook.curve(row.id)? else {
                return Ok(None);
            };
            let lines: String = steps
                .iter()
                .zip(&losses)
                .map(|(s, l)| format!("{},{s},{l}\n", row.id))
                .collect();
            let curve = CurveJson {
                network: row.id,
                steps,
                losses,
            };
            let json = serde_json::to_string(&curve).expect("curve serialises");
            Ok(Some((lines, json)))
        },
    )
}

/// The named arrays of one network's weights.
pub fn weight_arrays(spec: NetSpec, params: &[f32]) -> Vec<(String, Vec<u8>)> {
    let layout = Layout::new(spec);
    let (i, n, o, g) = (spec.inputs, spec.units, spec.outputs, spec.kernel_width());
    let block = |r: std::ops::Range<usize>| &params[r];
    let mut arrays = vec![
        ("arch".to_string(), text_npy(spec.arch.name())),
        ("activation".to_string(), text_npy(spec.activation.name())),
        ("inputs".to_string(), int_npy(i as i64)),
        ("units".to_string(), int_npy(n as i64)),
        ("outputs".to_string(), int_npy(o as i64)),
        ("params".to_string(), f32_npy(params, &[params.len()])),
    ];
    for (name, range, (rows, cols)) in layout.named_blocks() {
        let shape: Vec<usize> = if rows == 1 {
            vec![cols]
        } else {
            vec![rows, cols]
        };
        arrays.push((name.to_string(), f32_npy(block(range), &shape)));
    }
    let kernel = block(layout.kernel());
    let bias = block(layout.bias());
    for (k, gate) in spec.arch.block_names().iter().enumerate() {
        let cols = k * n..(k + 1) * n;
        let gate_kernel: Vec<f32> = kernel
            .chunks_exact(g)
            .flat_map(|row| row[cols.clone()].iter().copied())
            .collect();
        arrays.push((format!("kernel_{gate}"), f32_npy(&gate_kernel, &[i + n, n])));
        arrays.push((format!("bias_{gate}"), f32_npy(&bias[cols], &[n])));
    }
    arrays
}

/// Writes the weights of every trained network matching `query` (or of one network) to an
/// `.npz` file at `path` (written beside and renamed into place). Returns how many.
pub fn export_weights(
    notebook: &Notebook,
    query: &ListQuery,
    network: Option<i64>,
    path: &Path,
) -> Result<usize, LabError> {
    let mut npz = Npz::create(path)?;
    let mut count = 0;
    let mut stored = StoredNetworks::default();
    let mut add = |row: &NetworkRow| -> Result<(), LabError> {
        let Some((_, params)) = stored.get(notebook, row)? else {
            return Ok(()); // not trained
        };
        for (name, bytes) in weight_arrays(params.spec, &params.data) {
            npz.add(&format!("net{}/{name}", row.id), &bytes)?;
        }
        count += 1;
        Ok(())
    };
    match network {
        Some(id) => add(&notebook.network(id)?)?,
        None => for_each_network(notebook, query, &mut add)?,
    }
    npz.finish()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Activation, Arch};

    #[test]
    fn gate_blocks_slice_the_kernel_columns() {
        let spec = NetSpec {
            arch: Arch::Gru,
            activation: Activation::Tanh,
            inputs: 1,
            units: 2,
            outputs: 1,
        };
        let params: Vec<f32> = (0..Layout::new(spec).len()).map(|v| v as f32).collect();
        let arrays = weight_arrays(spec, &params);
        let get = |name: &str| &arrays.iter().find(|(n, _)| n == name).unwrap().1;
        // kernel is 3×6: row r, column c holds 6r + c; the candidate block is columns 4..6.
        let cand = get("kernel_candidate");
        let data = &cand[cand.len() - 6 * 4..];
        let values: Vec<f32> = data
            .chunks(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(values, vec![4.0, 5.0, 10.0, 11.0, 16.0, 17.0]);
        assert!(arrays.iter().any(|(n, _)| n == "bias_reset"));
    }
}
