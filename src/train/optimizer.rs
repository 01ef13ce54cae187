//! Optimisers over the flat parameter vector: Adam and SGD with momentum (TensorFlow's forms).

use serde::{Deserialize, Serialize};

/// Which optimiser a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba), the default: fast and robust across the four cells.
    Adam,
    /// SGD with momentum, the paper's optimiser.
    Sgd,
}

impl std::str::FromStr for OptimizerKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "adam" => Ok(OptimizerKind::Adam),
            "sgd" => Ok(OptimizerKind::Sgd),
            _ => Err(format!("unknown optimizer '{s}' (expected adam or sgd)")),
        }
    }
}

/// The moment buffers of an optimiser for one network.
#[derive(Clone, Debug)]
pub(crate) enum Optimizer {
    Adam {
        beta1: f32,
        beta2: f32,
        epsilon: f32,
        m: Vec<f32>,
        v: Vec<f32>,
        step: i32,
    },
    Sgd {
        momentum: f32,
        velocity: Vec<f32>,
    },
}

impl Optimizer {
    pub(crate) fn adam(len: usize, beta1: f64, beta2: f64, epsilon: f64) -> Self {
        Optimizer::Adam {
            beta1: beta1 as f32,
            beta2: beta2 as f32,
            epsilon: epsilon as f32,
            m: vec![0.0; len],
            v: vec![0.0; len],
            step: 0,
        }
    }

    pub(crate) fn sgd(len: usize, momentum: f64) -> Self {
        Optimizer::Sgd {
            momentum: momentum as f32,
            velocity: vec![0.0; len],
        }
    }

    /// One update of `params` along `grad` with learning rate `lr`.
    pub(crate) fn update(&mut self, params: &mut [f32], grad: &[f32], lr: f64) {
        match self {
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
                m,
                v,
                step,
            } => {
                *step += 1;
                let (b1, b2) = (*beta1, *beta2);
                // Bias correction folded into the step size, as TensorFlow does.
                let lr_t = (lr * (1.0 - f64::from(b2).powi(*step)).sqrt()
                    / (1.0 - f64::from(b1).powi(*step))) as f32;
                let eps = *epsilon;
                for (((w, &g), m), v) in params.iter_mut().zip(grad).zip(m).zip(v) {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *w -= lr_t * *m / (v.sqrt() + eps);
                }
            }
            Optimizer::Sgd { momentum, velocity } => {
                let (mu, lr) = (*momentum, lr as f32);
                for ((w, &g), a) in params.iter_mut().zip(grad).zip(velocity) {
                    *a = mu * *a + g;
                    *w -= lr * *a;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both optimisers minimise a convex quadratic.
    #[test]
    fn optimisers_descend_a_quadratic() {
        for mut opt in [Optimizer::adam(2, 0.9, 0.999, 1e-8), Optimizer::sgd(2, 0.9)] {
            let mut w = vec![3.0f32, -2.0];
            for _ in 0..2000 {
                let g: Vec<f32> = w.iter().zip([1.0f32, 10.0]).map(|(w, a)| a * w).collect();
                opt.update(&mut w, &g, 0.01);
            }
            assert!(w.iter().all(|w| w.abs() < 1e-2), "{w:?}");
        }
    }

    /// The first Adam step moves every weight by exactly lr against its gradient's sign.
    #[test]
    fn first_adam_step_has_size_lr() {
        let mut opt = Optimizer::adam(3, 0.9, 0.999, 0.0);
        let mut w = vec![0.0f32; 3];
        opt.update(&mut w, &[2.0, -0.5, 1e-3], 0.1);
        for (w, want) in w.iter().zip([-0.1, 0.1, -0.1]) {
            assert!((w - want).abs() < 1e-6, "{w} vs {want}");
        }
    }
}
