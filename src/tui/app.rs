//! The notebook's state and how actions change it. Drawing reads this state and nothing else;
//! the effects an action asks for (poll now, launch, stop, quit) are carried out by the loop.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent};

use super::heatmap::HeatMap;
use super::keymap::{action_for, Action, KEYMAP};
use super::snapshot::{Request, SharedComparison, Snapshot};
use crate::lab::compare::CompareMetric;
use crate::lab::report::pane::PaneFigure;
use crate::net::{Activation, Arch};
use crate::store::NetworkRow;

/// The panes, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// Experiments, their progress, live workers.
    Runs,
    /// One experiment's networks and the selected one's details.
    Networks,
    /// Loss curves.
    Curves,
    /// Fixed-point counts by class per group; the selected network's points and spectrum.
    FixedPoints,
    /// Distance heat map, MDS map and separability scores.
    Similarity,
    /// Scaffolds per group and the selected network's.
    Topology,
}

impl Pane {
    /// Every pane, in Tab order.
    pub const ALL: [Pane; 6] = [
        Pane::Runs,
        Pane::Networks,
        Pane::Curves,
        Pane::FixedPoints,
        Pane::Similarity,
        Pane::Topology,
    ];

    /// Its tab title.
    pub fn title(self) -> &'static str {
        match self {
            Pane::Runs => "Runs",
            Pane::Networks => "Networks",
            Pane::Curves => "Curves",
            Pane::FixedPoints => "Points",
            Pane::Similarity => "Similarity",
            Pane::Topology => "Topology",
        }
    }
}

/// What covers the panes.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// The keymap, scrolled down this many lines.
    Help(usize),
    /// The wide view: the pane drawn at [`WIDE`] or the screen's size if larger, shown from
    /// this column and row (nothing a small screen cuts is out of reach).
    Wide {
        /// First column shown.
        x: u16,
        /// First row shown.
        y: u16,
    },
    /// Experiment files to launch, with the selected one.
    Launch(usize),
    /// Confirm stopping this experiment's run.
    ConfirmStop(String),
    /// Submit an experiment file to Slurm: the file, the fields, the field being typed.
    SlurmSubmit(SlurmForm),
}

/// The fields of the Slurm submission dialog.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlurmForm {
    /// Index into the experiment files.
    pub file: usize,
    /// `--partition` (empty: the cluster's default).
    pub partition: String,
    /// `--time`.
    pub time: String,
    /// `--per-task`.
    pub per_task: String,
    /// The field being typed: 0 partition, 1 time, 2 networks per task.
    pub focus: usize,
}

impl SlurmForm {
    /// The field being typed.
    pub fn field(&mut self) -> &mut String {
        match self.focus {
            0 => &mut self.partition,
            1 => &mut self.time,
            _ => &mut self.per_task,
        }
    }
}

/// Something for the loop to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Poll the notebook now (the request changed).
    Poll,
    /// `rnnlab run FILE --detach` on this notebook.
    Launch(PathBuf),
    /// SIGTERM the workers of this experiment and cancel its Slurm arrays.
    Stop(String),
    /// `rnnlab slurm submit FILE` with these options on this notebook.
    SlurmSubmit(PathBuf, SlurmForm),
    /// Save the figure of a pane beside the notebook.
    SaveFigure(PaneFigure),
    /// Leave.
    Quit,
}

/// Columns the networks table sorts by, in `s` order (names of `rnnlab ls`).
pub const SORT_COLUMNS: [&str; 14] = [
    "id",
    "arch",
    "activation",
    "units",
    "l2",
    "seed",
    "state",
    "steps_run",
    "final_loss",
    "score",
    "train_seconds",
    "fixed_points",
    "stable_points",
    "scaffold_distance",
];

/// The whole state of the screen.
#[derive(Clone, Debug)]
pub struct App {
    /// The notebook file, as given.
    pub db: PathBuf,
    /// The pane shown.
    pub pane: Pane,
    /// What covers it.
    pub overlay: Overlay,
    /// The latest poll.
    pub snapshot: Snapshot,
    /// Index into the snapshot's experiments.
    pub experiment: usize,
    /// Selected row within the networks page.
    pub cursor: usize,
    /// First row of the networks page.
    pub offset: usize,
    /// Rows per page (set from the screen height).
    pub page: usize,
    /// Index into [`SORT_COLUMNS`].
    pub sort: usize,
    /// Sort descending.
    pub descending: bool,
    /// The filter applied.
    pub filter: Option<String>,
    /// The filter being typed, if typing.
    pub typing: Option<String>,
    /// Networks marked for the curves overlay.
    pub marked: Vec<i64>,
    /// Experiment files that can be launched.
    pub files: Vec<PathBuf>,
    /// A one-line message (launch result, theme problem, errors).
    pub message: Option<String>,
    /// The screen size.
    pub size: (u16, u16),
    /// Selected point in the fixed points pane.
    pub point_cursor: usize,
    /// The metric of the similarity pane.
    pub metric: CompareMetric,
    /// Colour the MDS map by activation (else by architecture).
    pub by_activation: bool,
    /// Selected network on the MDS map (index into the map).
    pub map_cursor: usize,
    /// The network `@` was moved to on the map (id, arch, activation), until the Networks
    /// cursor moves again.
    pub focus: Option<(i64, Arch, Activation)>,
    /// Networks each launcher entry plans (None: it does not parse), read when it opens.
    pub launch_sizes: Vec<Option<usize>>,
    /// The launcher entry a first Enter asked to confirm (a large experiment).
    pub launch_confirm: Option<usize>,
    /// First line of the scaffold text shown.
    pub scroll: usize,
    /// The similarity pane's heat map, remembered for the comparison in view and the number of
    /// cells it was drawn at: at 3000 networks its block means take ~20 ms, and frames come
    /// every second. Drawing stays a function of the state; this only keeps its result.
    pub heat_memo: HeatMemo,
}

/// The last heat map drawn, with the comparison and the cells it was drawn for (the
/// comparison is held, so a new one is never mistaken for it).
pub type HeatMemo = std::cell::RefCell<Option<(SharedComparison, usize, std::sync::Arc<HeatMap>)>>;

/// Networks above which the launcher asks for a second Enter.
pub const LARGE_LAUNCH: usize = 200;

/// The smallest screen the panes are drawn on.
pub const MIN_SIZE: (u16, u16) = (80, 23);

/// The screen size the wide view draws a pane at (where nothing is cut).
pub const WIDE: (u16, u16) = (200, 60);

impl App {
    /// A fresh state for the notebook at `db`, with the launchable `files`.
    pub fn new(db: PathBuf, files: Vec<PathBuf>) -> App {
        App {
            db,
            pane: Pane::Runs,
            overlay: Overlay::None,
            snapshot: Snapshot::default(),
            experiment: 0,
            cursor: 0,
            offset: 0,
            page: 10,
            sort: 0,
            descending: false,
            filter: None,
            typing: None,
            marked: Vec::new(),
            files,
            message: None,
            size: MIN_SIZE,
            point_cursor: 0,
            metric: CompareMetric::ALL[0],
            by_activation: false,
            map_cursor: 0,
            focus: None,
            launch_sizes: Vec::new(),
            launch_confirm: None,
            scroll: 0,
            heat_memo: HeatMemo::default(),
        }
    }

    /// The experiment selected, by name.
    pub fn experiment_name(&self) -> Option<&str> {
        self.snapshot
            .experiments
            .get(self.experiment)
            .map(|e| e.experiment.as_str())
    }

    /// The figure of the pane in view, if it has something to draw.
    pub fn pane_figure(&self) -> Option<PaneFigure> {
        let experiment = self.experiment_name()?.to_string();
        Some(match self.pane {
            Pane::Runs | Pane::Networks => PaneFigure::Training { experiment },
            Pane::Curves => {
                let networks = self.request().curves;
                if networks.is_empty() {
                    return None;
                }
                PaneFigure::Curves { networks }
            }
            Pane::FixedPoints => PaneFigure::Points {
                network: self.selected()?.id,
            },
            Pane::Similarity => PaneFigure::Map {
                experiment,
                metric: self.metric,
            },
            Pane::Topology => PaneFigure::Scaffolds { experiment },
        })
    }

    /// The network under the cursor.
    pub fn selected(&self) -> Option<&NetworkRow> {
        self.snapshot.networks.get(self.cursor)
    }

    /// True if a live worker holds a network of `experiment`, or a Slurm submission of it
    /// still has tasks that may run.
    fn runs(&self, experiment: &str) -> bool {
        let live_here = self
            .snapshot
            .workers
            .iter()
            .any(|w| w.holding.iter().any(|(_, e)| e == experiment));
        let on_slurm = self.snapshot.slurm.as_ref().is_some_and(|s| s.held > 0);
        live_here || on_slurm
    }

    /// The network every pane is about: the one `@` was last moved to on the similarity map,
    /// else the one under the Networks cursor. (id, arch, activation)
    pub fn focused(&self) -> Option<(i64, Arch, Activation)> {
        self.focus
            .or_else(|| self.selected().map(|n| (n.id, n.arch, n.activation)))
    }

    /// What the next poll should read.
    pub fn request(&self) -> Request {
        let mut curves = self.marked.clone();
        if let Some(n) = self.selected() {
            if !curves.contains(&n.id) {
                curves.insert(0, n.id);
            }
        }
        let selected = self.focused().map(|(id, _, _)| id);
        Request {
            experiment: self.experiment_name().map(str::to_string),
            filter: self.filter.clone(),
            sort: Some(SORT_COLUMNS[self.sort].to_string()),
            descending: self.descending,
            offset: self.offset,
            limit: self.page.max(1),
            curves,
            points_of: (self.pane == Pane::FixedPoints).then_some(selected.unwrap_or(-1)),
            similarity: (self.pane == Pane::Similarity).then_some(self.metric),
            topology_of: (self.pane == Pane::Topology).then_some(selected),
        }
    }

    /// Takes a poll's result.
    pub fn apply(&mut self, snapshot: Snapshot) {
        if let Some(note) = &snapshot.collected {
            self.message = Some(note.clone());
        }
        self.snapshot = snapshot;
        let n = self.snapshot.experiments.len();
        self.experiment = self.experiment.min(n.saturating_sub(1));
        self.cursor = self
            .cursor
            .min(self.snapshot.networks.len().saturating_sub(1));
        self.point_cursor = self
            .point_cursor
            .min(self.snapshot.points.len().saturating_sub(1));
        let mapped = self
            .snapshot
            .similarity
            .as_ref()
            .map_or(0, |s| s.0.map.len());
        self.map_cursor = self.map_cursor.min(mapped.saturating_sub(1));
        // `@` sits on the network the other panes show.
        if let (Some((id, _, _)), Some(s)) = (self.focused(), &self.snapshot.similarity) {
            if let Some(k) = s.0.map.iter().position(|p| p.network == id) {
                self.map_cursor = k;
            }
        }
    }

    /// The size the wide view draws the pane at: [`WIDE`]'s body, or the screen's if larger.
    pub fn wide_size(&self) -> (u16, u16) {
        (
            self.size.0.max(WIDE.0),
            self.size.1.max(WIDE.1).saturating_sub(2),
        )
    }

    /// The wide view's farthest origin: the drawn pane less the screen's body (the screen
    /// less its tab and status lines).
    pub fn wide_limit(&self) -> (u16, u16) {
        let (width, height) = self.wide_size();
        (
            width.saturating_sub(self.size.0),
            height.saturating_sub(self.size.1.saturating_sub(2)),
        )
    }

    /// The first column and row the wide view shows, if it is open (kept within the drawn pane
    /// when the screen grew since the view moved).
    pub fn wide_origin(&self) -> Option<(u16, u16)> {
        let Overlay::Wide { x, y } = self.overlay else {
            return None;
        };
        let (max_x, max_y) = self.wide_limit();
        Some((x.min(max_x), y.min(max_y)))
    }

    /// The screen changed size: pages follow its height.
    pub fn resize(&mut self, width: u16, height: u16) -> Option<Effect> {
        self.size = (width, height);
        // Tabs, status line, table borders and header, and the details box take 12 rows.
        let page = (height as usize).saturating_sub(12).max(1);
        (page != self.page).then(|| {
            self.page = page;
            Effect::Poll
        })
    }

    fn total(&self) -> usize {
        self.snapshot.total.max(0) as usize
    }

    /// Moves the networks selection to absolute row `row`.
    fn goto(&mut self, row: usize) -> Option<Effect> {
        // Moving in Networks selects there: the map's `@`, Points and Topology follow it, and
        // the next network's scaffold is read from its top.
        self.focus = None;
        self.scroll = 0;
        let row = row.min(self.total().saturating_sub(1));
        let page = self.page.max(1);
        if row >= self.offset && row < self.offset + page {
            self.cursor = row - self.offset;
            return Some(Effect::Poll); // the selected curve follows
        }
        self.offset = row / page * page;
        self.cursor = row - self.offset;
        Some(Effect::Poll)
    }

    fn select_experiment(&mut self, k: usize) -> Option<Effect> {
        let n = self.snapshot.experiments.len();
        if n == 0 {
            return None;
        }
        let to = k.min(n - 1);
        if to == self.experiment {
            // Nothing changes (the first or last experiment, or the only one): keep the page
            // and every mark.
            return None;
        }
        self.experiment = to;
        self.offset = 0;
        self.cursor = 0;
        self.focus = None;
        self.marked.clear();
        Some(Effect::Poll)
    }

    /// Handles one key.
    pub fn key(&mut self, key: KeyEvent) -> Option<Effect> {
        if let Overlay::SlurmSubmit(form) = &mut self.overlay {
            match key.code {
                KeyCode::Enter => {
                    let form = form.clone();
                    self.overlay = Overlay::None;
                    return self
                        .files
                        .get(form.file)
                        .cloned()
                        .map(|f| Effect::SlurmSubmit(f, form));
                }
                KeyCode::Esc => self.overlay = Overlay::None,
                KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % 3,
                KeyCode::BackTab | KeyCode::Up => form.focus = (form.focus + 2) % 3,
                KeyCode::Left => form.file = form.file.saturating_sub(1),
                KeyCode::Right => {
                    form.file = (form.file + 1).min(self.files.len().saturating_sub(1))
                }
                KeyCode::Backspace => {
                    form.field().pop();
                }
                KeyCode::Char(c) if !c.is_control() => form.field().push(c),
                _ => {}
            }
            return None;
        }
        let ctrl = key
            .modifiers
            .contains(crossterm::event::KeyModifiers::CONTROL);
        if let Some(text) = &mut self.typing {
            match key.code {
                KeyCode::Enter => {
                    let text = self.typing.take().unwrap_or_default();
                    self.filter = (!text.trim().is_empty()).then_some(text);
                    self.offset = 0;
                    self.cursor = 0;
                    return Some(Effect::Poll);
                }
                KeyCode::Esc => self.typing = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                // The line-editing keys of a shell: Ctrl-C cancels, Ctrl-U clears, Ctrl-W
                // deletes the last word.
                KeyCode::Char('c') if ctrl => self.typing = None,
                KeyCode::Char('u') if ctrl => text.clear(),
                KeyCode::Char('w') if ctrl => {
                    let kept = text.trim_end().rfind(' ').map_or(0, |k| k + 1);
                    text.truncate(kept);
                }
                KeyCode::Char(_) if ctrl => {}
                KeyCode::Char(c) => text.push(c),
                _ => {}
            }
            return None;
        }
        let action = action_for(key)?;
        self.act(action)
    }

    /// Carries out an action.
    pub fn act(&mut self, action: Action) -> Option<Effect> {
        self.message = None;
        match (&self.overlay, action) {
            (_, Action::Quit) => return Some(Effect::Quit),
            (Overlay::Help(_), Action::Help | Action::Back) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Help(line), a) => {
                let last = KEYMAP.len().saturating_sub(1);
                self.overlay = Overlay::Help(match a {
                    Action::Up => line.saturating_sub(1),
                    Action::Down => (line + 1).min(last),
                    Action::First => 0,
                    _ => *line,
                });
                return None;
            }
            (Overlay::Wide { .. }, Action::Wide | Action::Back) => {
                self.overlay = Overlay::None;
                return None;
            }
            (Overlay::Wide { x, y }, a) => {
                let (x, y) = (*x, *y);
                let (max_x, max_y) = self.wide_limit();
                let page = self.size.1.saturating_sub(3).max(1);
                let (x, y) = match a {
                    Action::PrevExperiment => (x.saturating_sub(8), y),
                    Action::NextExperiment => ((x + 8).min(max_x), y),
                    Action::Up => (x, y.saturating_sub(1)),
                    Action::Down => (x, (y + 1).min(max_y)),
                    Action::PageUp => (x, y.saturating_sub(page)),
                    Action::PageDown => (x, (y + page).min(max_y)),
                    Action::First => (0, 0),
                    Action::Last => (max_x, max_y),
                    _ => (x, y),
                };
                self.overlay = Overlay::Wide { x, y };
                return None;
            }
            (Overlay::Launch(k), a) => {
                let k = *k;
                let n = self.files.len();
                match a {
                    Action::Up => self.overlay = Overlay::Launch(k.saturating_sub(1)),
                    Action::Down => {
                        self.overlay = Overlay::Launch((k + 1).min(n.saturating_sub(1)))
                    }
                    Action::Open => {
                        let size = self.launch_sizes.get(k).copied().flatten();
                        if size.is_some_and(|s| s > LARGE_LAUNCH) && self.launch_confirm != Some(k)
                        {
                            // A cluster's worth of networks is never one key away.
                            self.launch_confirm = Some(k);
                            self.message = Some(format!(
                                "{} plans {} networks (`rnnlab estimate` says how long; \
                                 `rnnlab slurm submit` spreads them over a cluster): Enter again \
                                 to run it here",
                                self.files[k].display(),
                                size.unwrap_or(0)
                            ));
                            return None;
                        }
                        self.overlay = Overlay::None;
                        self.launch_confirm = None;
                        return self.files.get(k).cloned().map(Effect::Launch);
                    }
                    Action::Back => {
                        self.overlay = Overlay::None;
                        self.launch_confirm = None;
                    }
                    _ => {}
                }
                return None;
            }
            (Overlay::ConfirmStop(name), a) => {
                let name = name.clone();
                self.overlay = Overlay::None;
                return (a == Action::Open).then_some(Effect::Stop(name));
            }
            // Its keys are read before actions (see `key`).
            (Overlay::SlurmSubmit(_), _) => return None,
            (Overlay::None, _) => {}
        }
        match action {
            Action::Help => self.overlay = Overlay::Help(0),
            Action::Wide => self.overlay = Overlay::Wide { x: 0, y: 0 },
            Action::NextPane | Action::PrevPane => {
                let n = Pane::ALL.len();
                let k = Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(0);
                let step = if action == Action::NextPane { 1 } else { n - 1 };
                self.pane = Pane::ALL[(k + step) % n];
                return Some(Effect::Poll);
            }
            Action::CycleMetric => {
                let k = CompareMetric::ALL
                    .iter()
                    .position(|m| *m == self.metric)
                    .unwrap_or(0);
                self.metric = CompareMetric::ALL[(k + 1) % CompareMetric::ALL.len()];
                self.map_cursor = 0;
                return Some(Effect::Poll);
            }
            Action::ToggleColour => self.by_activation = !self.by_activation,
            Action::SaveFigure => match self.pane_figure() {
                Some(figure) => return Some(Effect::SaveFigure(figure)),
                None => self.message = Some("nothing to save in this pane yet".into()),
            },
            Action::Launch => {
                if self.files.is_empty() {
                    self.message = Some("no experiment files in ./experiments or here".into());
                } else {
                    // A new user's first sweep is the quickstart: offer it first.
                    let quickstart = self
                        .files
                        .iter()
                        .position(|f| f.file_stem().is_some_and(|s| s == "quickstart"));
                    self.overlay = Overlay::Launch(quickstart.unwrap_or(0));
                    // Each file's size, read once when the launcher opens (parsing a file
                    // trains nothing).
                    self.launch_sizes = self
                        .files
                        .iter()
                        .map(|f| {
                            crate::experiment::builtin::resolve(f)
                                .ok()
                                .map(|e| e.networks().len())
                        })
                        .collect();
                    self.launch_confirm = None;
                }
            }
            Action::SlurmSubmit => {
                if self.files.is_empty() {
                    self.message = Some("no experiment files in ./experiments or here".into());
                } else {
                    self.overlay = Overlay::SlurmSubmit(SlurmForm {
                        per_task: "4".into(),
                        ..SlurmForm::default()
                    });
                }
            }
            Action::Stop => match self.experiment_name() {
                Some(name) if self.runs(name) => {
                    self.overlay = Overlay::ConfirmStop(name.to_string())
                }
                Some(name) => {
                    self.message = Some(format!("nothing runs for '{name}': nothing to stop"))
                }
                None => self.message = Some("no experiment to stop".into()),
            },
            Action::Back => {
                if self.filter.take().is_some() {
                    self.offset = 0;
                    self.cursor = 0;
                    return Some(Effect::Poll);
                }
            }
            Action::Filter => {
                // A new filter starts empty (typing must not append to the old one, which the
                // title still shows and Esc keeps).
                self.typing = Some(String::new());
                if self.pane == Pane::Runs {
                    self.pane = Pane::Networks;
                }
            }
            Action::PrevExperiment => {
                return self.select_experiment(self.experiment.saturating_sub(1));
            }
            Action::NextExperiment => return self.select_experiment(self.experiment + 1),
            _ => return self.move_in_pane(action),
        }
        None
    }

    /// Moves a cursor of `len` items by an action; None if the action is not a move.
    fn moved(at: usize, len: usize, page: usize, action: Action) -> Option<usize> {
        let last = len.saturating_sub(1);
        Some(match action {
            Action::Up => at.saturating_sub(1),
            Action::Down => (at + 1).min(last),
            Action::PageUp => at.saturating_sub(page),
            Action::PageDown => (at + page).min(last),
            Action::First => 0,
            Action::Last => last,
            _ => return None,
        })
    }

    fn move_in_pane(&mut self, action: Action) -> Option<Effect> {
        match self.pane {
            Pane::FixedPoints => {
                if action == Action::Open {
                    self.pane = Pane::Networks;
                    return Some(Effect::Poll);
                }
                let n = self.snapshot.points.len();
                self.point_cursor = Self::moved(self.point_cursor, n, self.page, action)?;
                return None;
            }
            Pane::Similarity => {
                let map = self.snapshot.similarity.as_ref().map(|s| &s.0.map);
                if action == Action::Open {
                    // Jump to the network under the map cursor.
                    let id = map?.get(self.map_cursor)?.network;
                    self.filter = Some(format!("id = {id}"));
                    self.offset = 0;
                    self.cursor = 0;
                    self.pane = Pane::Networks;
                    return Some(Effect::Poll);
                }
                let n = map.map_or(0, |m| m.len());
                self.map_cursor = Self::moved(self.map_cursor, n, self.page, action)?;
                // The network under `@` is the one Points and Topology show next.
                self.focus = map
                    .and_then(|m| m.get(self.map_cursor))
                    .map(|p| (p.network, p.arch, p.activation));
                self.scroll = 0;
                return None;
            }
            Pane::Topology => {
                if action == Action::Open {
                    self.pane = Pane::Networks;
                    return Some(Effect::Poll);
                }
                self.scroll = Self::moved(self.scroll, 1000, self.page, action)?;
                return None;
            }
            _ => {}
        }
        if self.pane == Pane::Runs {
            let n = self.snapshot.experiments.len();
            let k = self.experiment;
            let to = match action {
                Action::Up => k.saturating_sub(1),
                Action::Down => k + 1,
                Action::First | Action::PageUp => 0,
                Action::Last | Action::PageDown => n.saturating_sub(1),
                Action::Open => {
                    self.pane = Pane::Networks;
                    return Some(Effect::Poll);
                }
                _ => return None,
            };
            return self.select_experiment(to);
        }
        let row = self.offset + self.cursor;
        match action {
            Action::Up => self.goto(row.saturating_sub(1)),
            Action::Down => self.goto(row + 1),
            Action::PageUp => self.goto(row.saturating_sub(self.page)),
            Action::PageDown => self.goto(row + self.page),
            Action::First => self.goto(0),
            Action::Last => self.goto(self.total().saturating_sub(1)),
            Action::SortNext => {
                self.sort = (self.sort + 1) % SORT_COLUMNS.len();
                // A new column starts ascending: a direction chosen for another does not carry.
                self.descending = false;
                self.goto(0)
            }
            Action::SortReverse => {
                self.descending = !self.descending;
                self.goto(0)
            }
            Action::Mark => {
                let id = self.selected()?.id;
                match self.marked.iter().position(|&m| m == id) {
                    Some(k) => {
                        self.marked.remove(k);
                    }
                    None => self.marked.push(id),
                }
                Some(Effect::Poll)
            }
            Action::Open => {
                self.pane = Pane::Curves;
                Some(Effect::Poll)
            }
            _ => None,
        }
    }
}
