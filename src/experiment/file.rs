//! Experiment files: a task, a grid over architecture × activation × units × L2, seeds, and
//! training settings, read strictly from TOML.
//!
//! ```toml
//! name = "quickstart"
//! seeds = 2                 # a count (0, 1, ...) or a list [0, 5, 9]
//!
//! [task]
//! kind = "flipflop"         # flipflop | sine | integration, then that task's parameters
//!
//! [grid]
//! arch = ["vanilla", "ugrnn", "gru", "lstm"]
//! activation = ["tanh", "relu"]
//! units = [32]
//! l2 = [1e-5]
//!
//! [train]                   # optional; any key of TrainConfig, the rest keep their defaults
//! steps = 3000
//! ```
//! An optional `[search]` table runs the paper's protocol first (see [`Search`]):
//!
//! ```toml
//! [search]
//! samples = 8
//! steps = 2000
//! learning_rate = [1e-4, 1e-1]
//! decay_rate = [0.1, 0.9]
//! clip_norm = [0.1, 10.0]
//! ```
//! Training settings a file leaves out take the per-network defaults
//! ([`TrainConfig::for_network`]), so a ReLU LSTM still gets its smaller learning rate.
//! An optional `[analysis]` table sets the fixed-point search (any key of
//! [`FixedPointOptions`]: `starts = 1024`, `start_noise = 0.5`, `q_tolerance = 1e-12`, ...).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::settings::{AnalysisSettings, TrainSettings};
use crate::analysis::FixedPointOptions;
use crate::net::{Activation, Arch};
use crate::LabError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::store::{FinishedSearch, NewNetwork, Role};
use crate::task::Task;
use crate::train::TrainConfig;

/// Seeds as a count or an explicit list.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Seeds {
    /// Seeds 0..count.
    Count(u64),
    /// These seeds.
    List(Vec<u64>),
}

/// Read by hand so that a wrong value is told in the file's terms, not serde's type names.
impl<'de> Deserialize<'de> for Seeds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Seeds, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Seeds;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a count of seeds (seeds = 4) or a list of seeds (seeds = [0, 5, 9])")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Seeds, E> {
                Ok(Seeds::Count(n))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Seeds, E> {
                u64::try_from(n)
                    .map(Seeds::Count)
                    .map_err(|_| E::custom(format!("seeds = {n}: a count must be ≥ 0")))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Seeds, A::Error> {
                let mut list = Vec::new();
                while let Some(seed) = seq.next_element::<u64>()? {
                    list.push(seed);
                }
                Ok(Seeds::List(list))
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl Seeds {
    /// How many seeds, without listing them.
    pub fn count(&self) -> usize {
        match self {
            Seeds::Count(n) => usize::try_from(*n).unwrap_or(usize::MAX),
            Seeds::List(v) => v.len(),
        }
    }

    /// The seeds, in order.
    pub fn values(&self) -> Vec<u64> {
        match self {
            Seeds::Count(n) => (0..*n).collect(),
            Seeds::List(v) => v.clone(),
        }
    }

    /// The seeds, checked: at least one, none twice, each one a notebook can store.
    fn checked(&self) -> Result<Vec<u64>, String> {
        let listed = self.values();
        if listed.is_empty() {
            return Err("seeds must be at least 1 (or a non-empty list)".into());
        }
        if let Seeds::List(list) = self {
            let mut seen = std::collections::HashSet::new();
            if let Some(s) = list.iter().find(|s| !seen.insert(**s)) {
                return Err(format!("seeds lists {s} twice"));
            }
        }
        // The notebook stores seeds as SQLite integers (i64).
        if let Some(s) = listed.iter().find(|&&s| s > i64::MAX as u64) {
            return Err(format!(
                "seed {s} is larger than {} (the largest a notebook stores)",
                i64::MAX
            ));
        }
        Ok(listed)
    }
}

/// The configurations to train: every combination of these.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Architectures.
    pub arch: Vec<Arch>,
    /// Activations.
    #[serde(default = "default_activations")]
    pub activation: Vec<Activation>,
    /// Hidden-unit counts.
    pub units: Vec<usize>,
    /// L2 penalties on the kernels.
    #[serde(default = "default_l2")]
    pub l2: Vec<f64>,
}

impl Grid {
    /// Every list non-empty and without repeats, units ≥ 1, L2 finite and ≥ 0.
    fn validate(&self) -> Result<(), String> {
        for (key, empty) in [
            ("arch", self.arch.is_empty()),
            ("activation", self.activation.is_empty()),
            ("units", self.units.is_empty()),
            ("l2", self.l2.is_empty()),
        ] {
            if empty {
                return Err(format!("[grid] {key} must list at least one value"));
            }
        }
        if self.units.contains(&0) {
            return Err("[grid] units must all be at least 1".into());
        }
        let repeated = |key: &str, names: Vec<String>| {
            let mut seen = std::collections::HashSet::new();
            match names.into_iter().find(|n| !seen.insert(n.clone())) {
                Some(n) => Err(format!("[grid] {key} lists {n} twice")),
                None => Ok(()),
            }
        };
        repeated("arch", self.arch.iter().map(|a| a.to_string()).collect())?;
        let activations = self.activation.iter().map(|a| a.to_string()).collect();
        repeated("activation", activations)?;
        repeated("units", self.units.iter().map(|u| u.to_string()).collect())?;
        repeated("l2", self.l2.iter().map(|l| format!("{l:e}")).collect())?;
        if self.l2.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
            return Err("[grid] l2 values must be finite and ≥ 0".into());
        }
        Ok(())
    }

    /// Configurations per seed.
    fn size(&self) -> usize {
        self.arch.len() * self.activation.len() * self.units.len() * self.l2.len()
    }
}

fn default_activations() -> Vec<Activation> {
    vec![Activation::Tanh]
}
fn default_l2() -> Vec<f64> {
    vec![TrainConfig::default().l2]
}

/// The paper's protocol: per configuration, `samples` runs with training hyperparameters drawn
/// from these ranges (log-uniform where the range is positive, else uniform); the seeds of the
/// population then train at the sample of lowest held-out loss.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Search {
    /// Hyperparameter samples per configuration.
    pub samples: usize,
    /// Iterations of each search run (default: the training steps).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Range of the initial learning rate.
    #[serde(default, deserialize_with = "range")]
    pub learning_rate: Option<[f64; 2]>,
    /// Range of the decay factor per `decay_steps`.
    #[serde(default, deserialize_with = "range")]
    pub decay_rate: Option<[f64; 2]>,
    /// Range of the SGD momentum.
    #[serde(default, deserialize_with = "range")]
    pub momentum: Option<[f64; 2]>,
    /// Range of the clipping norm.
    #[serde(default, deserialize_with = "range")]
    pub clip_norm: Option<[f64; 2]>,
}

/// A `[low, high]` pair, refusing any other length.
fn range<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<[f64; 2]>, D::Error> {
    let v: Vec<f64> = Vec::deserialize(d)?;
    match v.as_slice() {
        [lo, hi] => Ok(Some([*lo, *hi])),
        _ => Err(serde::de::Error::custom(format!(
            "a range is [low, high], got {} numbers",
            v.len()
        ))),
    }
}

/// A training setting the search draws.
#[derive(Clone, Copy)]
enum Searched {
    LearningRate,
    DecayRate,
    Momentum,
    ClipNorm,
}

impl Searched {
    fn name(self) -> &'static str {
        match self {
            Searched::LearningRate => "learning_rate",
            Searched::DecayRate => "decay_rate",
            Searched::Momentum => "momentum",
            Searched::ClipNorm => "clip_norm",
        }
    }

    /// Sets this setting of `config` to the drawn `v`.
    fn set(self, config: &mut TrainConfig, v: f64) {
        match self {
            Searched::LearningRate => config.learning_rate = v,
            Searched::DecayRate => config.decay_rate = v,
            Searched::Momentum => config.momentum = v.min(0.999_999),
            Searched::ClipNorm => config.clip_norm = Some(v),
        }
    }
}

impl Search {
    fn ranges(&self) -> [(Searched, Option<[f64; 2]>); 4] {
        [
            (Searched::LearningRate, self.learning_rate),
            (Searched::DecayRate, self.decay_rate),
            (Searched::Momentum, self.momentum),
            (Searched::ClipNorm, self.clip_norm),
        ]
    }

    fn validate(&self) -> Result<(), String> {
        if self.samples == 0 {
            return Err("[search] samples must be at least 1".into());
        }
        if self.steps == Some(0) {
            return Err("[search] steps must be at least 1".into());
        }
        for (setting, range) in self.ranges() {
            if let Some([lo, hi]) = range {
                if !(lo.is_finite() && hi.is_finite() && lo <= hi && lo >= 0.0) {
                    return Err(format!(
                        "[search] {} must be [low, high] with 0 ≤ low ≤ high",
                        setting.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Draws sample `trial` of a configuration into `config` (deterministic in both).
    fn sample(&self, config: &mut TrainConfig, key: &str, trial: u32) {
        // The configuration and trial's fingerprint: the same draw on every machine and run.
        let seed = super::fingerprint::fnv1a(format!("{key}/{trial}").bytes());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (setting, range) in self.ranges() {
            let Some([lo, hi]) = range else { continue };
            let u: f64 = rng.random();
            let v = if lo > 0.0 {
                (lo.ln() + u * (hi.ln() - lo.ln())).exp()
            } else {
                lo + u * (hi - lo)
            };
            setting.set(config, v);
        }
        if let Some(steps) = self.steps {
            config.steps = steps;
        }
    }
}

/// A name is not empty and holds no control characters (a path built from it is checked
/// where it is built).
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name must not be empty".into());
    }
    if name.chars().any(char::is_control) {
        return Err("name must not contain control characters (newline, tab, NUL...)".into());
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: String,
    #[serde(default)]
    description: String,
    seeds: Option<Seeds>,
    task: Task,
    grid: Option<Grid>,
    #[serde(default)]
    imported: bool,
    #[serde(default)]
    train: TrainSettings,
    #[serde(default)]
    search: Option<Search>,
    #[serde(default)]
    analysis: AnalysisSettings,
}

/// A parsed, validated experiment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Experiment {
    /// Unique name in a notebook.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The task and its parameters.
    pub task: Task,
    /// The configurations.
    pub grid: Grid,
    /// The seeds of every configuration.
    pub seeds: Vec<u64>,
    /// The training settings the file sets explicitly.
    #[serde(serialize_with = "sorted_keys")]
    pub train: TrainSettings,
    /// The paper's random search, if the file asks for it.
    pub search: Option<Search>,
    /// True for an experiment of networks trained elsewhere (`imported = true`): no grid, seeds
    /// or search, and nothing for `rnnlab run` to train.
    pub imported: bool,
    /// The fixed-point search settings (`[analysis]`). Not part of the experiment's identity:
    /// a file with new settings analyses the networks still to come with them.
    #[serde(skip)]
    pub analysis: FixedPointOptions,
    /// The file as written.
    #[serde(skip)]
    pub text: String,
}

/// The written settings as a map with sorted keys: the experiment's identity does not depend on
/// the order of the struct's fields.
fn sorted_keys<S: serde::Serializer>(settings: &TrainSettings, s: S) -> Result<S::Ok, S::Error> {
    serde_json::to_value(settings)
        .map_err(serde::ser::Error::custom)?
        .serialize(s)
}

/// One line: `FILE:LINE: message` (or `FILE: message` when no line is known).
/// Largest experiment file read (the paper's grid is under 2 KB).
const MAX_FILE_BYTES: u64 = 1 << 20;

fn located(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
) -> LabError {
    let mut message = message.trim().replace('\n', " ");
    match span {
        Some(span) => {
            // toml says "duplicate key" without the key; the span holds it.
            if message.starts_with("duplicate key") {
                if let Some(key) = text.get(span.clone()).map(str::trim) {
                    message = format!("duplicate key `{key}`");
                }
            }
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            LabError::Invalid(format!("{}:{line}: {message}", path.display()))
        }
        None => LabError::Invalid(format!("{}: {message}", path.display())),
    }
}

impl Experiment {
    /// Reads and checks an experiment file.
    pub fn load(path: &Path) -> Result<Experiment, LabError> {
        let bytes = crate::files::read_bounded(path, MAX_FILE_BYTES)?;
        let text = String::from_utf8(bytes).map_err(|e| LabError::BadFile {
            path: path.to_path_buf(),
            message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        })?;
        Experiment::parse(path, &text)
    }

    /// Parses and checks experiment text (`path` names it in errors); the name must be an
    /// identifier ([`names::check`](crate::files::names::check)).
    pub fn parse(path: &Path, text: &str) -> Result<Experiment, LabError> {
        let experiment = Experiment::parse_stored(path, text)?;
        crate::files::names::check("name", &experiment.name)
            .map_err(|m| located(path, text, None, &m))?;
        Ok(experiment)
    }

    /// [`Experiment::parse`] of text a notebook already holds: a name an older rnnlab accepted
    /// is kept (every path built from it is still checked where it is built).
    pub fn parse_stored(path: &Path, text: &str) -> Result<Experiment, LabError> {
        let file: ExperimentFile =
            toml::from_str(text).map_err(|e| located(path, text, e.span(), e.message()))?;
        let bad = |m: String| located(path, text, None, &m);
        if file.train.l2.is_some() {
            return Err(bad(
                "[train] l2: set L2 in [grid] l2 (it is part of the grid)".into(),
            ));
        }

        let name = file.name.trim().to_string();
        check_name(&name).map_err(bad)?;
        let mut file = file;
        let mut text = text.to_string();
        if let Task::Arrays(arrays) = &mut file.task {
            text = super::task_file::read(path, &text, arrays)?;
        }
        let text = text.as_str();
        file.task
            .validate()
            .map_err(|m| bad(format!("[task] {m}")))?;
        if file.imported {
            return Experiment::of_imports(file, name, text).map_err(bad);
        }
        let (Some(grid), Some(seeds)) = (file.grid, file.seeds) else {
            return Err(bad(
                "an experiment needs `seeds` and a [grid] (or `imported = true`)".into(),
            ));
        };
        grid.validate().map_err(bad)?;
        if let Some(search) = &file.search {
            search.validate().map_err(bad)?;
        }
        let mut analysis = FixedPointOptions::default();
        file.analysis.apply(&mut analysis);
        analysis
            .validate()
            .map_err(|m| bad(format!("[analysis] {m}")))?;
        // Counted before the seeds are listed: a count of 10^8 must not allocate them.
        let per_seed = grid.size();
        let searched = file.search.as_ref().map_or(0, |s| s.samples);
        let count = seeds.count();
        let total = count
            .saturating_mul(per_seed)
            .saturating_add(searched.saturating_mul(per_seed));
        if total > super::limits::MAX_NETWORKS {
            return Err(bad(format!(
                "seeds × grid plans {total} networks; an experiment holds at most {}",
                super::limits::MAX_NETWORKS
            )));
        }
        let listed = seeds.checked().map_err(bad)?;
        let experiment = Experiment {
            name,
            description: file.description,
            task: file.task,
            grid,
            seeds: listed,
            imported: false,
            train: file.train,
            search: file.search,
            analysis,
            text: text.to_string(),
        };
        // Every network's merged settings must be usable, and fit this machine.
        for &arch in &experiment.grid.arch {
            for &act in &experiment.grid.activation {
                let config = experiment.config_for(arch, act, experiment.grid.l2[0]);
                config.validate().map_err(|m| bad(format!("[train] {m}")))?;
                for &units in &experiment.grid.units {
                    let spec = crate::net::NetSpec::for_task(&experiment.task, arch, act, units);
                    super::limits::check_training(spec, &experiment.task, &config)
                        .map_err(|m| bad(format!("[grid]/[train]/[task]: {m}")))?;
                    super::limits::check_analysis(&experiment.analysis, spec.state_dim())
                        .map_err(|m| bad(format!("[analysis] {m}")))?;
                }
            }
        }
        Ok(experiment)
    }

    /// An experiment of networks trained elsewhere (`imported = true`): a task and analysis
    /// settings, no grid, seeds or search; `rnnlab import` fills it and `rnnlab run` refuses it.
    fn of_imports(file: ExperimentFile, name: String, text: &str) -> Result<Experiment, String> {
        if file.grid.is_some() || file.seeds.is_some() || file.search.is_some() {
            return Err(
                "imported = true: an experiment of imported networks has no [grid], \
                        seeds or [search] (`rnnlab import` adds its networks)"
                    .into(),
            );
        }
        let mut analysis = FixedPointOptions::default();
        file.analysis.apply(&mut analysis);
        analysis.validate().map_err(|m| format!("[analysis] {m}"))?;
        Ok(Experiment {
            name,
            description: file.description,
            task: file.task,
            grid: Grid {
                arch: Vec::new(),
                activation: Vec::new(),
                units: Vec::new(),
                l2: Vec::new(),
            },
            seeds: Vec::new(),
            imported: true,
            train: file.train,
            search: None,
            analysis,
            text: text.to_string(),
        })
    }

    /// Refuses an experiment with nothing to train (one of imported networks).
    pub fn trainable(&self) -> Result<(), LabError> {
        if self.imported {
            return Err(LabError::Invalid(format!(
                "experiment '{}' holds imported networks (imported = true): `rnnlab import` adds \
                 to it; there is nothing to train",
                self.name
            )));
        }
        Ok(())
    }

    /// The text of a new experiment of imported networks on `task` (its default parameters).
    pub fn imports_text(name: &str, task: &Task) -> String {
        let task = toml::to_string(task).expect("a task serialises");
        format!(
            "# Networks trained elsewhere and entered with `rnnlab import`.\n\
             name = {}\nimported = true\n\n[task]\n{task}",
            toml::Value::String(name.into())
        )
    }

    /// The training settings of one configuration: per-network defaults, then the file's keys,
    /// then the grid's L2.
    pub fn config_for(&self, arch: Arch, activation: Activation, l2: f64) -> TrainConfig {
        let mut config = TrainConfig::for_network(&self.task, arch, activation);
        self.train.apply(&mut config);
        config.l2 = l2;
        config
    }

    /// The networks to plan first, in a stable order: the population, or with a search, the
    /// search runs of every configuration (the population follows [`Experiment::final_networks`]).
    pub fn networks(&self) -> Vec<NewNetwork> {
        let mut out = Vec::new();
        for (arch, activation, units, l2) in self.configurations() {
            let config = self.config_for(arch, activation, l2);
            match &self.search {
                None => out.extend(self.seeds_of(arch, activation, units, l2, &config)),
                Some(search) => {
                    let key = format!("{arch}/{activation}/{units}/{l2:e}");
                    for trial in 0..search.samples as u32 {
                        let mut c = config.clone();
                        search.sample(&mut c, &key, trial);
                        out.push(NewNetwork {
                            arch,
                            activation,
                            units,
                            l2,
                            seed: self.seeds[0],
                            role: Role::Search,
                            trial,
                            config: serde_json::to_string(&c).expect("settings serialise"),
                        });
                    }
                }
            }
        }
        out
    }

    /// The population of a configuration whose search is done, at its best sample's settings
    /// (the configuration's defaults if every sample diverged), with the full training steps.
    pub fn final_networks(&self, done: &FinishedSearch) -> Result<Vec<NewNetwork>, LabError> {
        let (arch, activation) = (done.arch, done.activation);
        let defaults = self.config_for(arch, activation, done.l2);
        let config = match &done.best_config {
            Some(json) => {
                let best: TrainConfig = serde_json::from_str(json)
                    .map_err(|e| LabError::Invalid(format!("stored search settings: {e}")))?;
                TrainConfig {
                    steps: defaults.steps,
                    ..best
                }
            }
            None => defaults,
        };
        Ok(self.seeds_of(arch, activation, done.units, done.l2, &config))
    }

    fn configurations(&self) -> Vec<(Arch, Activation, usize, f64)> {
        let g = &self.grid;
        let mut out = Vec::new();
        for &arch in &g.arch {
            for &activation in &g.activation {
                for &units in &g.units {
                    for &l2 in &g.l2 {
                        out.push((arch, activation, units, l2));
                    }
                }
            }
        }
        out
    }

    fn seeds_of(
        &self,
        arch: Arch,
        activation: Activation,
        units: usize,
        l2: f64,
        config: &TrainConfig,
    ) -> Vec<NewNetwork> {
        let config = serde_json::to_string(config).expect("settings serialise");
        self.seeds
            .iter()
            .map(|&seed| NewNetwork {
                arch,
                activation,
                units,
                l2,
                seed,
                role: Role::Final,
                trial: 0,
                config: config.clone(),
            })
            .collect()
    }

    /// Its id in `notebook`, entering it if new (an edited file under a known name is refused).
    pub fn ensure_in(&self, notebook: &crate::store::Notebook) -> Result<i64, LabError> {
        Ok(notebook.ensure_experiment(
            &self.name,
            self.task.kind(),
            &self.text,
            &self.canonical(),
        )?)
    }

    /// The parsed form, for telling an edited file from the same one.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("experiment serialises")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
seeds = 2

[task]
kind = "flipflop"
time_steps = 20

[grid]
arch = ["gru", "lstm"]
activation = ["tanh", "relu"]
units = [8, 16]

[train]
steps = 50
"#;

    fn parse(text: &str) -> Result<Experiment, String> {
        Experiment::parse(Path::new("exp.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn plans_the_full_grid_with_merged_settings() {
        let e = parse(GOOD).unwrap();
        let nets = e.networks();
        assert_eq!(nets.len(), 2 * 2 * 2 * 2);
        let lstm_relu: TrainConfig = serde_json::from_str(
            &nets
                .iter()
                .find(|n| n.arch == Arch::Lstm && n.activation == Activation::Relu)
                .unwrap()
                .config,
        )
        .unwrap();
        assert_eq!(lstm_relu.steps, 50, "the file's key wins");
        assert_eq!(
            lstm_relu.learning_rate, 1e-3,
            "unwritten keys keep per-network defaults"
        );
        let gru: TrainConfig = serde_json::from_str(&nets[0].config).unwrap();
        assert_eq!(gru.learning_rate, 3e-3);
        assert_eq!(
            e.canonical(),
            parse(&GOOD.replace("[train]", "# note\n[train]"))
                .unwrap()
                .canonical()
        );
        assert_ne!(
            e.canonical(),
            parse(&GOOD.replace("steps = 50", "steps = 60"))
                .unwrap()
                .canonical()
        );
    }

    #[test]
    fn bad_files_name_the_line_or_field() {
        let cases = [
            (
                GOOD.replace("steps = 50", "stepz = 50"),
                "exp.toml:15:",
                "stepz",
            ),
            (
                GOOD.replace("\"gru\", ", "\"gru\", \"transformer\", "),
                "exp.toml:10:",
                "transformer",
            ),
            (
                GOOD.replace("units = [8, 16]", "units = [0]"),
                "exp.toml:",
                "units",
            ),
            (
                GOOD.replace("units = [8, 16]", "units = []"),
                "exp.toml:",
                "units",
            ),
            (GOOD.replace("seeds = 2", "seeds = 0"), "exp.toml:", "seeds"),
            (
                GOOD.replace("time_steps = 20", "time_steps = 0"),
                "exp.toml:",
                "time_steps",
            ),
            (
                GOOD.replace("kind = \"flipflop\"", "kind = \"juggling\""),
                "exp.toml:",
                "juggling",
            ),
            (
                GOOD.replace("steps = 50", "learning_rate = -1.0"),
                "exp.toml:",
                "learning_rate",
            ),
            (GOOD.replace("steps = 50", "l2 = 0.1"), "exp.toml:", "l2"),
            (
                GOOD.replace("name = \"t\"", "name = \"t\"\ncolour = 1"),
                "exp.toml:3:",
                "colour",
            ),
            ("name = ".to_string(), "exp.toml:1:", ""),
        ];
        for (text, prefix, needle) in cases {
            let err = parse(&text).expect_err(needle);
            assert!(err.starts_with(prefix), "{err}");
            assert!(err.contains(needle), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn shipped_experiment_files_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let e = Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!e.networks().is_empty());
                seen += 1;
            }
        }
        assert!(seen >= 7, "{seen} experiment files");
    }
}
