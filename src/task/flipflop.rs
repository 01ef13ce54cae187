//! K-bit flip-flop: each input channel carries rare ±1 pulses; output k holds the sign of the
//! last pulse on input k.

use ndarray::{Array2, Array3};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Batch, ScoreKind, TaskDefinition};

/// Parameters of the flip-flop task (docs/SCIENCE.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlipFlop {
    /// Number of bits K (inputs = outputs = K).
    pub bits: usize,
    /// Steps per trial T.
    pub time_steps: usize,
    /// Chance of a pulse per step and channel after step 0 (every channel pulses at step 0).
    pub pulse_probability: f64,
}

impl Default for FlipFlop {
    fn default() -> Self {
        FlipFlop {
            bits: 3,
            time_steps: 100,
            pulse_probability: 0.05,
        }
    }
}

impl TaskDefinition for FlipFlop {
    fn inputs(&self) -> usize {
        self.bits
    }
    fn outputs(&self) -> usize {
        self.bits
    }
    fn time_steps(&self) -> usize {
        self.time_steps
    }

    fn batch(&self, trials: usize, rng: &mut ChaCha8Rng) -> Batch {
        let (t_len, k_len) = (self.time_steps, self.bits);
        let mut inputs = Array3::zeros((t_len, trials, k_len));
        let mut targets = Array3::zeros((t_len, trials, k_len));
        for b in 0..trials {
            for k in 0..k_len {
                let mut held = 0.0f32;
                for t in 0..t_len {
                    if t == 0 || rng.random_bool(self.pulse_probability) {
                        held = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                        inputs[[t, b, k]] = held;
                    }
                    targets[[t, b, k]] = held;
                }
            }
        }
        Batch::new(inputs, targets)
    }

    /// Zero input: the network holds its memories with no pulse.
    fn constant_inputs(&self) -> Array2<f64> {
        Array2::zeros((1, self.bits))
    }

    fn score_kind(&self) -> ScoreKind {
        ScoreKind::SignAccuracy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn targets_hold_the_last_pulse() {
        let task = FlipFlop::default();
        let batch = task.batch(16, &mut ChaCha8Rng::seed_from_u64(1));
        let mut pulses = 0;
        for b in 0..16 {
            for k in 0..3 {
                assert_ne!(
                    batch.inputs[[0, b, k]],
                    0.0,
                    "every channel pulses at step 0"
                );
                let mut last = 0.0;
                for t in 0..100 {
                    let x = batch.inputs[[t, b, k]];
                    if x != 0.0 {
                        assert!(x == 1.0 || x == -1.0);
                        last = x;
                        pulses += 1;
                    }
                    assert_eq!(batch.targets[[t, b, k]], last);
                }
            }
        }
        // 48 channels: 48 initial pulses plus ~0.05·99 each.
        let later = pulses - 48;
        assert!((150..330).contains(&later), "{later} later pulses");
    }

    #[test]
    fn same_seed_same_batch() {
        let task = FlipFlop::default();
        let a = task.batch(8, &mut ChaCha8Rng::seed_from_u64(5));
        let b = task.batch(8, &mut ChaCha8Rng::seed_from_u64(5));
        let c = task.batch(8, &mut ChaCha8Rng::seed_from_u64(6));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
