//! The trajectories DSA fits for one network: the probe trials, or the network left alone at
//! the task's constant inputs.

use ndarray::{s, Array3};

use super::Drive;
use crate::analysis::similarity::StateProbe;
use crate::net::{CellMap, Params};
use crate::task::Task;

/// The trajectories of `params` under `drive`, (steps, trials, columns): the hidden states
/// (LSTM h, or [c; h] with `lstm_cell_state`). None if a state is not finite.
///
/// Relaxation: trial k starts from the probe trial's full state a quarter of the way in and
/// runs for a trial's length at the task's constant input row k mod K, with no other input.
pub fn trajectories(
    probe: &mut StateProbe,
    task: &Task,
    params: &Params<f32>,
    drive: Drive,
    lstm_cell_state: bool,
) -> Option<Array3<f64>> {
    let steps = task.definition().time_steps();
    match drive {
        Drive::Probe => {
            let states = probe.states(params, lstm_cell_state)?;
            let (rows, columns) = states.dim();
            let trials = rows / steps;
            states
                .to_owned()
                .into_shape_with_order((steps, trials, columns))
                .ok()
        }
        Drive::Relaxation => {
            let full = probe.states(params, true)?.to_owned();
            let trials = full.nrows() / steps;
            let state_dim = full.ncols();
            let keep = if lstm_cell_state {
                state_dim
            } else {
                params.spec.units
            };
            let start = steps / 4;
            let mut h = full
                .slice(s![start * trials..(start + 1) * trials, ..])
                .to_owned();
            let constant = task.definition().constant_inputs();
            let inputs = ndarray::Array2::from_shape_fn((trials, constant.ncols()), |(k, i)| {
                constant[[k % constant.nrows(), i]]
            });
            let map = CellMap::new(params);
            let mut out = Array3::zeros((steps, trials, keep));
            for t in 0..steps {
                out.slice_mut(s![t, .., ..])
                    .assign(&h.slice(s![.., state_dim - keep..]));
                h = map.step_each(h.view(), inputs.view());
            }
            out.iter().all(|v| v.is_finite()).then_some(out)
        }
    }
}
