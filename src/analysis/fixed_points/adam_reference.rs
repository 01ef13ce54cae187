//! FixedPointFinder's method (Golub & Sussillo 2018), as the reference rnnlab's finder is
//! measured against: Adam on q(h) = ½‖F(h, x*) − h‖² over every start at once, with its adaptive
//! learning rate (scaled down when the total q rises), for thousands of iterations. Slow; used
//! by `rnnlab bench fixed-points --reference` for recall and speed, not by the analyses.

use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use super::collector::Collector;
use super::point::{FixedPoint, FixedPointOptions};
use crate::net::CellMap;

/// FixedPointFinder's defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamReference {
    /// Iterations (FixedPointFinder: `max_iters` 5000).
    pub iterations: usize,
    /// Initial learning rate (`lr_init` 1.0).
    pub learning_rate: f64,
    /// Adam's ε (`adam_hps` epsilon 0.01).
    pub epsilon: f64,
    /// Learning-rate factor when the total q rises (`decrease_factor` 0.95); its inverse after
    /// `patience` steps of falling q (`increase_factor`).
    pub decay: f64,
    /// Steps between rate changes (`min_steps_per_decrease`, `min_steps_per_increase`: 5).
    pub patience: usize,
    /// Floor of the rate (`min_rate` 1e-3).
    pub min_rate: f64,
    /// End points with q below this are reported (as slow points unless below the fixed-point
    /// tolerance): FixedPointFinder returns every end point with its q, and after 5000
    /// iterations few reach 1e-6.
    pub report_below: f64,
}

impl Default for AdamReference {
    fn default() -> Self {
        AdamReference {
            iterations: 5000,
            learning_rate: 1.0,
            epsilon: 0.01,
            decay: 0.95,
            patience: 5,
            min_rate: 1e-3,
            report_below: 1e-4,
        }
    }
}

/// What Adam on q reached.
#[derive(Clone, Debug)]
pub struct AdamOutcome {
    /// End points kept by the same rules as [`super::find_fixed_points`] (region, merging),
    /// with q below `report_below`.
    pub points: Vec<FixedPoint>,
    /// Iterations run.
    pub iterations: usize,
    /// End points with q below `report_below` that were dropped as pseudo fixed points: outside
    /// the region the network can reach, or held by a saturated gate (pseudo fixed points, docs/SCIENCE.md).
    pub pseudo: usize,
}

/// Runs Adam on q from every row of `starts` at once.
pub fn adam_fixed_points(
    map: &CellMap,
    x: ArrayView1<f64>,
    starts: ArrayView2<f64>,
    opts: &FixedPointOptions,
    adam: &AdamReference,
) -> AdamOutcome {
    let (beta1, beta2): (f64, f64) = (0.9, 0.999);
    let mut h = starts.to_owned();
    let mut m = Array2::<f64>::zeros(h.raw_dim());
    let mut v = Array2::<f64>::zeros(h.raw_dim());
    let mut lr = adam.learning_rate;
    let mut last_total = f64::INFINITY;
    let (mut falling, mut since_change) = (0, 0);
    let mut iterations = 0;
    for t in 1..=adam.iterations {
        iterations = t;
        let r = map.step_rows(h.view(), x) - &h;
        let q_rows: Vec<f64> = r
            .rows()
            .into_iter()
            .map(|row| 0.5 * row.dot(&row))
            .collect();
        if q_rows.iter().all(|&q| q < opts.q_tolerance) {
            break;
        }
        // FixedPointFinder's AdaptiveLearningRate on the total q.
        let total: f64 = q_rows.iter().sum();
        since_change += 1;
        if total > last_total {
            falling = 0;
            if since_change >= adam.patience {
                lr = (lr * adam.decay).max(adam.min_rate);
                since_change = 0;
            }
        } else {
            falling += 1;
            if falling >= adam.patience && since_change >= adam.patience {
                lr /= adam.decay;
                since_change = 0;
            }
        }
        last_total = total;
        // ∇q = (J − I)ᵀ r, batched: rᵀJ from the cell's backward pass, minus r.
        let grad = map.pullback_rows(h.view(), x, r.view()) - &r;
        let (c1, c2) = (1.0 - beta1.powi(t as i32), 1.0 - beta2.powi(t as i32));
        Zip::from(&mut h)
            .and(&mut m)
            .and(&mut v)
            .and(&grad)
            .for_each(|h, m, v, &g| {
                *m = beta1 * *m + (1.0 - beta1) * g;
                *v = beta2 * *v + (1.0 - beta2) * g * g;
                *h -= lr * (*m / c1) / ((*v / c2).sqrt() + adam.epsilon);
            });
    }
    let r = map.step_rows(h.view(), x) - &h;
    let reported = FixedPointOptions {
        slow_tolerance: opts.slow_tolerance.max(adam.report_below),
        ..opts.clone()
    };
    let mut collector = Collector::new(map, x, starts, starts, &reported);
    let mut pseudo = 0;
    for (row, res) in h.rows().into_iter().zip(r.rows()) {
        let q = 0.5 * res.dot(&res);
        if collector.offer(row.to_owned(), q).is_none() && q < adam.report_below {
            pseudo += 1;
        }
    }
    AdamOutcome {
        points: collector.finish().0,
        iterations,
        pseudo,
    }
}
