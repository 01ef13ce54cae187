//! The rows the notebook reads and writes.

use serde::Serialize;

use crate::net::{Activation, Arch, Group};
use crate::task::TaskKind;

/// Where a network is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetState {
    /// Waiting for a worker.
    Planned,
    /// Held by a worker.
    Training,
    /// Trained; weights and curve stored.
    Trained,
    /// Trained, and its fixed points found and stored.
    Analysed,
    /// Could not be trained (the reason says why).
    Failed,
    /// Loss or gradient became NaN/∞ after every back-off.
    Diverged,
}

impl NetState {
    /// Every state, in life order.
    pub const ALL: [NetState; 6] = [
        NetState::Planned,
        NetState::Training,
        NetState::Trained,
        NetState::Analysed,
        NetState::Failed,
        NetState::Diverged,
    ];

    /// The name stored in the notebook.
    pub fn name(self) -> &'static str {
        match self {
            NetState::Planned => "planned",
            NetState::Training => "training",
            NetState::Trained => "trained",
            NetState::Analysed => "analysed",
            NetState::Failed => "failed",
            NetState::Diverged => "diverged",
        }
    }

    /// The letter a progress bar draws it with where there is no colour (one per state).
    pub fn letter(self) -> char {
        match self {
            NetState::Planned => '.',
            NetState::Training => '>',
            NetState::Trained => 't',
            NetState::Analysed => 'a',
            NetState::Failed => 'F',
            NetState::Diverged => 'D',
        }
    }

    /// Still to be trained: planned, or held by a worker now.
    pub fn is_open(self) -> bool {
        match self {
            NetState::Planned | NetState::Training => true,
            NetState::Trained | NetState::Analysed | NetState::Failed | NetState::Diverged => false,
        }
    }
}
crate::named!(NetState, "network state");

/// An experiment as stored.
#[derive(Clone, Debug, Serialize)]
pub struct ExperimentRow {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Which task.
    pub task: TaskKind,
    /// The file as written.
    pub spec: String,
    /// Unix seconds.
    pub created: f64,
}

/// A network to plan: its configuration and full training settings (JSON).
#[derive(Clone, Debug, PartialEq)]
pub struct NewNetwork {
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// L2 penalty.
    pub l2: f64,
    /// Seed.
    pub seed: u64,
    /// `final` (a member of the population) or `search` (a hyperparameter-search run).
    pub role: Role,
    /// The hyperparameter sample of a search run (0 for final networks).
    pub trial: u32,
    /// Training settings, JSON.
    pub config: String,
}

/// Why a network is trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A member of the population the analyses study.
    Final,
    /// One sample of the paper's random search over training hyperparameters.
    Search,
}

impl Role {
    /// Both roles.
    pub const ALL: [Role; 2] = [Role::Final, Role::Search];

    /// The name stored in the notebook.
    pub fn name(self) -> &'static str {
        match self {
            Role::Final => "final",
            Role::Search => "search",
        }
    }
}
crate::named!(Role, "role");

/// A configuration whose hyperparameter search is complete.
#[derive(Clone, Debug, PartialEq)]
pub struct FinishedSearch {
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: usize,
    /// L2 penalty.
    pub l2: f64,
    /// Settings (JSON) of the search run with the lowest held-out loss, if any trained.
    pub best_config: Option<String>,
}

/// One row of the networks table.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkRow {
    /// Row id.
    pub id: i64,
    /// Experiment name.
    pub experiment: String,
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: i64,
    /// L2 penalty.
    pub l2: f64,
    /// Seed.
    pub seed: i64,
    /// A member of the population or a search run.
    pub role: Role,
    /// Hyperparameter sample of a search run.
    pub trial: i64,
    /// Life state.
    pub state: NetState,
    /// Iterations run.
    pub steps_run: Option<i64>,
    /// Held-out MSE.
    pub final_loss: Option<f64>,
    /// Held-out task score.
    pub score: Option<f64>,
    /// Training wall-clock seconds.
    pub train_seconds: Option<f64>,
    /// Learning-rate back-offs.
    pub backoffs: Option<i64>,
    /// Why it failed or diverged.
    pub reason: Option<String>,
    /// Fixed points found (analysed networks; q and the gate-free residual below the
    /// fixed-point tolerance).
    pub fixed_points: Option<i64>,
    /// Of which stable.
    pub stable_points: Option<i64>,
    /// Slow points found (q below the slow-point tolerance only).
    pub slow_points: Option<i64>,
    /// Pseudo fixed points rejected (outside the visited region, or held by a saturated gate).
    pub pseudo_points: Option<i64>,
    /// The fencing token of the claim that holds it, if held.
    #[serde(skip)]
    pub lease: Option<i64>,
    /// Seconds the fixed-point analysis took.
    pub analysis_seconds: Option<f64>,
    /// The scaffold is the task's ideal one.
    pub ideal_scaffold: Option<bool>,
    /// Topology distance to the ideal scaffold.
    pub scaffold_distance: Option<f64>,
    /// Training settings, JSON.
    #[serde(skip)]
    pub config: String,
}

impl NetworkRow {
    /// What was planned: its configuration, seed, role, trial and settings.
    pub fn to_new(&self) -> NewNetwork {
        NewNetwork {
            arch: self.arch,
            activation: self.activation,
            units: self.units as usize,
            l2: self.l2,
            seed: self.seed as u64,
            role: self.role,
            trial: self.trial as u32,
            config: self.config.clone(),
        }
    }

    /// Its cell of the population.
    pub fn group(&self) -> Group {
        Group {
            arch: self.arch,
            activation: self.activation,
        }
    }
}

impl StatusRow {
    /// Networks in `state`.
    pub fn count(&self, state: NetState) -> i64 {
        self.states
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    }
}

/// A decimated loss curve: steps and the batch losses at them.
pub type CurvePoints = (Vec<u32>, Vec<f32>);

/// What a worker reports when a network is done.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Trained, diverged or failed.
    pub state: NetState,
    /// Wall-clock seconds.
    pub train_seconds: f64,
    /// Iterations run.
    pub steps_run: usize,
    /// Held-out MSE (None if diverged).
    pub final_loss: Option<f64>,
    /// Held-out score (None if diverged).
    pub score: Option<f64>,
    /// Learning-rate back-offs.
    pub backoffs: usize,
    /// Why it diverged or failed.
    pub reason: Option<String>,
    /// Decimated curve: steps and batch losses.
    pub curve: CurvePoints,
    /// The flat parameter vector (trained networks only).
    pub weights: Option<Vec<f32>>,
}

/// A worker process as registered.
#[derive(Clone, Debug, Serialize)]
pub struct WorkerRow {
    /// `host:pid:start`.
    pub id: String,
    /// Host name.
    pub host: String,
    /// Process id.
    pub pid: i64,
    /// Unix seconds of the last heartbeat.
    pub heartbeat: f64,
}

/// Per experiment: counts by state and by architecture, throughput.
#[derive(Clone, Debug, Serialize)]
pub struct StatusRow {
    /// Experiment name.
    pub experiment: String,
    /// Which task.
    pub task: TaskKind,
    /// Count per state (every state present, zeros included, in life order).
    pub states: Vec<(NetState, i64)>,
    /// Per architecture: (arch, done, total).
    pub archs: Vec<(Arch, i64, i64)>,
    /// Networks finished per hour, over the last 10 minutes.
    pub per_hour: f64,
    /// Mean training seconds of finished networks.
    pub mean_train_seconds: Option<f64>,
}

/// A page of the networks table.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Only this experiment.
    pub experiment: Option<String>,
    /// A `--where` filter.
    pub filter: Option<String>,
    /// Sort column (see [`super::FILTER_COLUMNS`]).
    pub sort: Option<String>,
    /// Sort descending.
    pub descending: bool,
    /// Page size.
    pub limit: usize,
    /// Rows to skip.
    pub offset: usize,
}
