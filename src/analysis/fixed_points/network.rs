//! A trained network's fixed and slow points at every constant input its task holds it at,
//! searched from the states the network visits on the task's probe trials (plus noise).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::point::{FixedPoint, FixedPointOptions};
use super::search::{find_fixed_points_until, starts_from_states, FoundPoints};
use crate::net::{forward, CellMap, Params, Tape};
use crate::task::Task;

/// The points found at one constant input.
#[derive(Clone, Debug, PartialEq)]
pub struct InputPoints {
    /// The constant input x*.
    pub input: Array1<f64>,
    /// Its fixed and slow points, fewest unstable modes first.
    pub points: Vec<FixedPoint>,
    /// Distinct pseudo fixed points rejected there (never among `points`).
    pub pseudo: usize,
}

/// Everything the fixed-point analysis found for one network.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkFixedPoints {
    /// One entry per constant input of the task, in the task's order.
    pub inputs: Vec<InputPoints>,
    /// Seconds spent.
    pub seconds: f64,
    /// Why the result is thin, when it is: non-finite states, or no point near the trajectories.
    pub note: Option<String>,
}

impl NetworkFixedPoints {
    /// Every point, input by input.
    pub fn points(&self) -> impl Iterator<Item = &FixedPoint> {
        self.inputs.iter().flat_map(|i| i.points.iter())
    }
}

/// The states (one per row, f64) `params` visits on `task`'s probe trials; rows that are not
/// finite are left out.
pub fn visited_states(params: &Params<f32>, task: &Task) -> Array2<f64> {
    let probe = task.probe_batch();
    let (steps, trials, _) = probe.inputs.dim();
    let mut tape = Tape::new(params.spec, trials, steps);
    forward(params, probe.input_slice(), &mut tape);
    let s = params.spec.state_dim();
    let rows: Vec<f64> = tape
        .states()
        .chunks_exact(s)
        .filter(|row| row.iter().all(|v| v.is_finite()))
        .flat_map(|row| row.iter().map(|&v| f64::from(v)))
        .collect();
    Array2::from_shape_vec((rows.len() / s, s), rows).expect("whole rows")
}

/// Finds `params`' fixed and slow points at each constant input of `task`; None if `cancel`
/// was set before the search finished (checked between descents).
pub fn network_fixed_points(
    params: &Params<f32>,
    task: &Task,
    opts: &FixedPointOptions,
    cancel: &AtomicBool,
) -> Option<NetworkFixedPoints> {
    let started = Instant::now();
    let visited = visited_states(params, task);
    let constant_inputs = task.definition().constant_inputs();
    if visited.nrows() == 0 {
        return Some(NetworkFixedPoints {
            inputs: constant_inputs
                .rows()
                .into_iter()
                .map(|x| InputPoints {
                    input: x.to_owned(),
                    points: Vec::new(),
                    pseudo: 0,
                })
                .collect(),
            seconds: started.elapsed().as_secs_f64(),
            note: Some("the network's states on the probe trials are not finite".into()),
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let starts = starts_from_states(visited.view(), opts.starts, opts.start_noise, &mut rng);
    let map = CellMap::new(params);
    let inputs: Vec<InputPoints> = constant_inputs
        .rows()
        .into_iter()
        .map(|x| {
            let FoundPoints { mut points, pseudo } =
                find_fixed_points_until(&map, x, starts.view(), visited.view(), opts, cancel)?;
            points.sort_by(|a, b| {
                (a.unstable, !a.converged)
                    .cmp(&(b.unstable, !b.converged))
                    .then(a.q.total_cmp(&b.q))
            });
            Some(InputPoints {
                input: x.to_owned(),
                points,
                pseudo,
            })
        })
        .collect::<Option<_>>()?;
    let none = inputs.iter().all(|i| i.points.is_empty());
    Some(NetworkFixedPoints {
        inputs,
        seconds: started.elapsed().as_secs_f64(),
        note: none.then(|| "no fixed or slow point near the network's trajectories".into()),
    })
}
