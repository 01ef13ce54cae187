//! Context-dependent integration: two noisy streams and a one-hot context; the output is the
//! running sum of the stream the context cues.

use ndarray::{Array1, Array2, Array3, ArrayView1};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::{Batch, ScoreKind, TaskDefinition};

/// Parameters of the context-dependent integration task (docs/SCIENCE.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Integration {
    /// Steps per trial T.
    pub time_steps: usize,
    /// Stream means μ_k are drawn from U(−mean_range, mean_range) per trial.
    pub mean_range: f64,
    /// Standard deviation of each stream around its mean.
    pub noise_std: f64,
    /// Divide the running sum by T (keeps targets O(1); a "chosen" option, docs/SCIENCE.md, on by default).
    pub scale_target_by_steps: bool,
    /// Values held on the cued stream (the other at zero) for the fixed-point analysis, per context.
    pub fixed_point_values: Vec<f64>,
}

impl Default for Integration {
    fn default() -> Self {
        Integration {
            time_steps: 30,
            mean_range: 1.0,
            noise_std: 1.0,
            scale_target_by_steps: true,
            fixed_point_values: vec![-0.1, -0.05, 0.0, 0.05, 0.1],
        }
    }
}

impl Integration {
    /// Noise streams, one per context; each is an input channel.
    pub const STREAMS: usize = 2;
    /// Contexts, one-hot on the channels after the streams.
    pub const CONTEXTS: usize = 2;

    /// The input channel that is on while context `k` is cued.
    pub fn context_channel(k: usize) -> usize {
        Self::STREAMS + k
    }

    /// True if input `x` (one step's channels) cues context `k`.
    pub fn cues(x: ArrayView1<f64>, k: usize) -> bool {
        x.len() == Self::STREAMS + Self::CONTEXTS && x[Self::context_channel(k)] > 0.5
    }

    /// Context `k` cued with both streams silent: where its line of fixed points rests.
    pub fn resting_input(k: usize) -> Array1<f64> {
        let mut x = Array1::zeros(Self::STREAMS + Self::CONTEXTS);
        x[Self::context_channel(k)] = 1.0;
        x
    }
}

impl TaskDefinition for Integration {
    /// [stream 1, stream 2, context 1, context 2].
    fn inputs(&self) -> usize {
        Self::STREAMS + Self::CONTEXTS
    }
    fn outputs(&self) -> usize {
        1
    }
    fn time_steps(&self) -> usize {
        self.time_steps
    }

    fn batch(&self, trials: usize, rng: &mut ChaCha8Rng) -> Batch {
        let t_len = self.time_steps;
        let scale = if self.scale_target_by_steps {
            1.0 / t_len.max(1) as f64
        } else {
            1.0
        };
        let noise = Normal::new(0.0, self.noise_std).expect("noise_std is finite and ≥ 0");
        let mut inputs = Array3::zeros((t_len, trials, self.inputs()));
        let mut targets = Array3::zeros((t_len, trials, 1));
        for b in 0..trials {
            let means = [
                rng.random_range(-self.mean_range..=self.mean_range),
                rng.random_range(-self.mean_range..=self.mean_range),
            ];
            let context = usize::from(rng.random_bool(0.5));
            let mut sum = 0.0;
            for t in 0..t_len {
                let s = [means[0] + noise.sample(rng), means[1] + noise.sample(rng)];
                sum += s[context];
                inputs[[t, b, 0]] = s[0] as f32;
                inputs[[t, b, 1]] = s[1] as f32;
                inputs[[t, b, Self::context_channel(context)]] = 1.0;
                targets[[t, b, 0]] = (scale * sum) as f32;
            }
        }
        Batch::new(inputs, targets)
    }

    /// One row per (context, value): the value on the cued stream, the context channel on.
    fn constant_inputs(&self) -> Array2<f64> {
        let v = &self.fixed_point_values;
        let mut rows = Array2::zeros((Self::CONTEXTS * v.len(), self.inputs()));
        for context in 0..Self::CONTEXTS {
            for (j, &value) in v.iter().enumerate() {
                let r = context * v.len() + j;
                rows[[r, context]] = value;
                rows[[r, Self::context_channel(context)]] = 1.0;
            }
        }
        rows
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
    fn target_is_the_scaled_running_sum_of_the_cued_stream() {
        let task = Integration::default();
        let batch = task.batch(32, &mut ChaCha8Rng::seed_from_u64(4));
        let mut contexts = [0, 0];
        for b in 0..32 {
            let ctx = if batch.inputs[[0, b, 2]] == 1.0 { 0 } else { 1 };
            contexts[ctx] += 1;
            assert_eq!(batch.inputs[[0, b, 2 + ctx]], 1.0);
            assert_eq!(batch.inputs[[0, b, 3 - ctx]], 0.0);
            let mut sum = 0.0f64;
            for t in 0..30 {
                sum += batch.inputs[[t, b, ctx]] as f64;
                let want = sum / 30.0;
                assert!((batch.targets[[t, b, 0]] as f64 - want).abs() < 1e-5);
            }
        }
        assert!(
            contexts[0] > 4 && contexts[1] > 4,
            "both contexts occur: {contexts:?}"
        );
    }

    #[test]
    fn constant_inputs_cover_each_context() {
        let rows = Integration::default().constant_inputs();
        assert_eq!(rows.shape(), &[10, 4]);
        assert_eq!(rows.row(0).to_vec(), vec![-0.1, 0.0, 1.0, 0.0]);
        assert_eq!(rows.row(9).to_vec(), vec![0.0, 0.1, 0.0, 1.0]);
    }
}
