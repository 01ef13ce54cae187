//! The trajectories DSA fits for one network: the probe trials, or the network left alone at
//! the task's constant inputs.

use ndarray::{s, Array3};

use super::Drive;
use crate::analysis::similarity::StateProbe;
use crate::net::Params;
use crate::task::Task;

/// Runs networks on the trials DSA fits, reusing its buffers from one network to the next.
///
/// Relaxation: the probe trials until a quarter of the way in, then, with no other input,
/// trial k held at the task's constant input row k mod K for the rest of the trial; DSA sees
/// the states from that quarter on (each trial starts where the probe trial was, and the
/// network then runs on its own). One f32 forward pass, like the probe's.
pub struct DsaProbe {
    probe: StateProbe,
    skip: usize,
}

impl DsaProbe {
    /// The probe of `task` for `drive`.
    pub fn new(task: &Task, drive: Drive) -> Self {
        let mut batch = task.probe_batch();
        let skip = match drive {
            Drive::Probe => 0,
            Drive::Relaxation => {
                let steps = batch.inputs.dim().0;
                let constant = task.definition().constant_inputs();
                let start = steps / 4;
                for ((t, b, i), x) in batch.inputs.indexed_iter_mut() {
                    if t >= start {
                        *x = constant[[b % constant.nrows(), i]] as f32;
                    }
                }
                start
            }
        };
        DsaProbe {
            probe: StateProbe::of_batch(batch),
            skip,
        }
    }

    /// The trajectories of `params`, (steps, trials, columns): the hidden states (LSTM h, or
    /// [c; h] with `lstm_cell_state`). None if a state is not finite.
    pub fn trajectories(
        &mut self,
        params: &Params<f32>,
        lstm_cell_state: bool,
    ) -> Option<Array3<f64>> {
        let steps = self.probe.steps();
        let states = self.probe.states(params, lstm_cell_state)?;
        let (rows, columns) = states.dim();
        let trials = rows / steps;
        let all = states
            .to_owned()
            .into_shape_with_order((steps, trials, columns))
            .ok()?;
        Some(all.slice(s![self.skip.., .., ..]).to_owned())
    }
}
