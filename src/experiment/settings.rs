//! Partial settings: the one way a setting is overridden. Each struct mirrors a full settings
//! struct with every field optional, and derives both the TOML table of an experiment file
//! (`[train]`, `[analysis]`) and the command-line flags (`rnnlab train`, `rnnlab analyze`), so a
//! key and its flag always have the same name (`learning_rate` ↔ `--learning-rate`) and the same
//! meaning: what is given replaces the default, what is left out keeps it.

use serde::{Deserialize, Serialize};

use crate::analysis::FixedPointOptions;
use crate::train::{OptimizerKind, TrainConfig};

/// Declares a partial settings struct over `$full` and its `apply`.
macro_rules! partial_settings {
    ($(#[$meta:meta])* $name:ident over $full:ident {
        $($(#[$field_meta:meta])* $field:ident: $ty:ty,)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, clap::Args)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[arg(long)]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// Replaces the fields of `full` that these settings give.
            pub fn apply(&self, full: &mut $full) {
                $(
                    if let Some(v) = &self.$field {
                        full.$field = v.clone().into();
                    }
                )*
            }
        }
    };
}

partial_settings! {
    /// Training settings ([`TrainConfig`]) to override.
    TrainSettings over TrainConfig {
        /// Optimiser: adam or sgd (with momentum).
        optimizer: OptimizerKind,
        /// Initial learning rate.
        #[arg(alias = "lr", allow_negative_numbers = true)]
        learning_rate: f64,
        /// Multiply the learning rate by this every --decay-steps (continuously).
        #[arg(allow_negative_numbers = true)]
        decay_rate: f64,
        /// See --decay-rate.
        decay_steps: usize,
        /// Maximum training iterations.
        steps: usize,
        /// Trials per batch.
        batch: usize,
        /// Global-norm gradient clipping threshold.
        #[arg(alias = "clip", allow_negative_numbers = true)]
        clip_norm: f64,
        /// L2 penalty on the kernels (in an experiment file, set it in [grid] l2).
        #[arg(allow_negative_numbers = true)]
        l2: f64,
        /// Stop once the held-out MSE is below this.
        #[arg(allow_negative_numbers = true)]
        target_loss: f64,
        /// Adam β₁.
        #[arg(allow_negative_numbers = true)]
        beta1: f64,
        /// Adam β₂.
        #[arg(allow_negative_numbers = true)]
        beta2: f64,
        /// Adam ε.
        #[arg(allow_negative_numbers = true)]
        epsilon: f64,
        /// SGD momentum.
        #[arg(allow_negative_numbers = true)]
        momentum: f64,
        /// Curriculum: grow the trial length from --curriculum-start to the task's over this
        /// many iterations (0: none).
        curriculum_steps: usize,
        /// First trial length of the curriculum.
        curriculum_start: usize,
        /// Times a run goes back to a checkpoint with half the rate after a NaN before it is
        /// declared diverged.
        divergence_retries: usize,
    }
}

partial_settings! {
    /// Fixed-point search settings ([`FixedPointOptions`]) to override.
    AnalysisSettings over FixedPointOptions {
        /// Starts per constant input: visited states plus noise.
        starts: usize,
        /// Std of the Gaussian noise added to the visited states.
        #[arg(allow_negative_numbers = true)]
        start_noise: f64,
        /// Seed of the draw of starts.
        seed: u64,
        /// Newton iterations per start.
        max_iterations: usize,
        /// q below which a point is a fixed point.
        #[arg(allow_negative_numbers = true)]
        q_tolerance: f64,
        /// q below which a point is kept as a slow point.
        #[arg(allow_negative_numbers = true)]
        slow_tolerance: f64,
        /// Distance within which points are one.
        #[arg(allow_negative_numbers = true)]
        merge_distance: f64,
        /// Points farther from the starts' centroid than this × their mean distance are dropped.
        #[arg(allow_negative_numbers = true)]
        outlier_factor: f64,
        /// Points farther from the visited states' centroid than this × the farthest visited
        /// state are pseudo points (0: no such rule).
        #[arg(allow_negative_numbers = true)]
        region_factor: f64,
    }
}

/// A validation message about a settings field (`"q_tolerance must be ..."`) as it reads on
/// the command line, where the field is the flag `--q-tolerance`.
pub fn as_flag(message: &str) -> String {
    let (field, rest) = message.split_once(' ').unwrap_or((message, ""));
    format!("--{} {rest}", field.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_fields_replace_and_the_rest_keep_their_defaults() {
        let mut config = TrainConfig::default();
        let settings: TrainSettings = toml::from_str("steps = 7\nclip_norm = 2.5").unwrap();
        settings.apply(&mut config);
        assert_eq!(config.steps, 7);
        assert_eq!(config.clip_norm, Some(2.5));
        assert_eq!(config.batch, TrainConfig::default().batch);
        let written = serde_json::to_value(&settings).unwrap();
        assert_eq!(written, serde_json::json!({"clip_norm": 2.5, "steps": 7}));
        assert!(toml::from_str::<TrainSettings>("stepz = 1").is_err());
    }

    #[test]
    fn messages_name_the_flag() {
        assert_eq!(
            as_flag("q_tolerance must be a finite number > 0"),
            "--q-tolerance must be a finite number > 0"
        );
    }
}
