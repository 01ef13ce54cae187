//! Sine-wave generation: a static input x sets the frequency of the sine the network must
//! produce, ω = ω_min + ω_span·x cycles per step.

use ndarray::{Array1, Array2, Array3};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Batch, ScoreKind, TaskDefinition};

/// Parameters of the sine-wave task (docs/SCIENCE.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sine {
    /// Steps per trial T.
    pub time_steps: usize,
    /// Frequency at x = 0, cycles per step.
    pub frequency_min: f64,
    /// Frequency added at x = 1, cycles per step.
    pub frequency_span: f64,
    /// Number of static inputs, evenly spaced on [0, 1], the fixed-point analysis uses.
    pub fixed_point_grid: usize,
}

impl Default for Sine {
    fn default() -> Self {
        Sine {
            time_steps: 500,
            frequency_min: 0.01,
            frequency_span: 0.04,
            fixed_point_grid: 11,
        }
    }
}

impl Sine {
    /// ω(x), cycles per step.
    pub fn frequency(&self, x: f64) -> f64 {
        self.frequency_min + self.frequency_span * x
    }
}

impl TaskDefinition for Sine {
    fn inputs(&self) -> usize {
        1
    }
    fn outputs(&self) -> usize {
        1
    }
    fn time_steps(&self) -> usize {
        self.time_steps
    }

    fn batch(&self, trials: usize, rng: &mut ChaCha8Rng) -> Batch {
        let t_len = self.time_steps;
        let mut inputs = Array3::zeros((t_len, trials, 1));
        let mut targets = Array3::zeros((t_len, trials, 1));
        for b in 0..trials {
            let x: f64 = rng.random();
            let omega = self.frequency(x);
            for t in 0..t_len {
                inputs[[t, b, 0]] = x as f32;
                targets[[t, b, 0]] = (std::f64::consts::TAU * omega * t as f64).sin() as f32;
            }
        }
        Batch::new(inputs, targets)
    }

    fn constant_inputs(&self) -> Array2<f64> {
        let n = self.fixed_point_grid.max(1);
        let xs = if n == 1 {
            Array1::from(vec![0.5])
        } else {
            Array1::linspace(0.0, 1.0, n)
        };
        xs.insert_axis(ndarray::Axis(1))
    }

    fn score_kind(&self) -> ScoreKind {
        ScoreKind::NormalizedMse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn target_has_the_input_frequency_and_zero_phase() {
        let task = Sine::default();
        let batch = task.batch(8, &mut ChaCha8Rng::seed_from_u64(2));
        for b in 0..8 {
            let x = batch.inputs[[0, b, 0]] as f64;
            assert!((0.0..1.0).contains(&x));
            assert!(
                (0..500).all(|t| batch.inputs[[t, b, 0]] as f64 == x),
                "input is static"
            );
            assert_eq!(batch.targets[[0, b, 0]], 0.0, "zero phase at t = 0");
            // Upward zero crossings are one period 1/ω apart.
            let crossings: Vec<usize> = (1..500)
                .filter(|&t| batch.targets[[t - 1, b, 0]] < 0.0 && batch.targets[[t, b, 0]] >= 0.0)
                .collect();
            let omega = 0.04 * x + 0.01;
            if crossings.len() >= 2 {
                let period = (crossings[crossings.len() - 1] - crossings[0]) as f64
                    / (crossings.len() - 1) as f64;
                assert!(
                    (period - 1.0 / omega).abs() < 1.0,
                    "period {period} vs {}",
                    1.0 / omega
                );
            }
        }
    }

    #[test]
    fn constant_inputs_span_the_unit_interval() {
        let grid = Sine::default().constant_inputs();
        assert_eq!(grid.shape(), &[11, 1]);
        assert_eq!(grid[[0, 0]], 0.0);
        assert_eq!(grid[[10, 0]], 1.0);
    }
}
