//! The terminal notebook (`rnnlab` or `rnnlab tui`): watches, launches and stops sweeps, and
//! browses them in six panes (runs, networks, curves, fixed points, similarity, topology), over
//! SSH and in tmux, at 80×24 and up.
//!
//! tokio drives three sources — terminal events (read on their own thread), a one-second tick,
//! and the store poller (a blocking task, one at a time, so a busy notebook never stalls the
//! screen). Events become actions on the [`app::App`] state; drawing is a pure function of that
//! state ([`draw::draw`]), done once per loop turn after every pending event is handled, so
//! bursts of input coalesce into one frame.

pub mod app;
pub mod bench;
pub mod draw;
pub mod heatmap;
pub mod keymap;
pub mod launch;
pub mod snapshot;
pub mod theme;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{Event, KeyEventKind, MouseEventKind};
use ratatui::Terminal;
use tokio::sync::mpsc;

use crate::lab::LabError;
use app::{App, Effect};
use keymap::Action;

/// How the notebook is opened.
#[derive(Clone, Debug, Default)]
pub struct TuiOptions {
    /// Theme name (None: the terminal's colours).
    pub theme: Option<String>,
    /// Capture the mouse (wheel scrolls).
    pub mouse: bool,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> LabError + '_ {
    move |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the TUI logs: `$XDG_STATE_HOME/rnnlab/tui.log` (default `~/.local/state/...`).
pub fn log_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("rnnlab").join("tui.log"))
}

fn start_logging() {
    let Some(path) = log_path() else {
        return;
    };
    let file = path
        .parent()
        .map(std::fs::create_dir_all)
        .and_then(|r| r.ok())
        .and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .ok()
        });
    if let Some(file) = file {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
}

/// Opens the notebook at `db` on this terminal until the user quits.
pub fn run(db: &Path, options: TuiOptions) -> Result<(), LabError> {
    if !std::io::stdout().is_terminal() {
        return Err(LabError::Invalid(
            "rnnlab's notebook needs a terminal and stdout is not one; for a text report use `rnnlab status`".into(),
        ));
    }
    start_logging();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let true_color = std::env::var("COLORTERM").is_ok_and(|v| v == "truecolor" || v == "24bit");
    let (theme, problem) = theme::load(
        options.theme.as_deref(),
        &theme::theme_dirs(),
        no_color,
        true_color,
    );
    let cwd = std::env::current_dir().map_err(io(Path::new(".")))?;
    let mut app = App::new(db.to_path_buf(), launch::experiment_files(&cwd));
    app.message = problem;
    let exe = std::env::current_exe().map_err(io(Path::new("rnnlab")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(io(Path::new("tokio runtime")))?;
    // try_init installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::try_init().map_err(io(Path::new("terminal")))?;
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    }
    tracing::info!(db = %db.display(), "notebook opened");
    let result = runtime.block_on(event_loop(&mut terminal, app, &theme, &exe));
    if options.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    let running = result?;
    if running > 0 {
        eprintln!("{running} worker(s) keep running in the background; `rnnlab` shows them again.");
    }
    Ok(())
}

/// Carries out an effect; returns false to quit.
fn effect(app: &mut App, effect: Effect, exe: &Path, poll_wanted: &mut bool) -> bool {
    match effect {
        Effect::Quit => return false,
        Effect::Poll => *poll_wanted = true,
        Effect::Launch(file) => {
            app.message = Some(match launch::launch(exe, &file, &app.db) {
                Ok(m) => m,
                Err(e) => e.to_string(),
            });
            *poll_wanted = true;
        }
        Effect::Stop(name) => {
            app.message = Some(match launch::stop(&app.db, &name) {
                Ok(m) => m,
                Err(e) => e.to_string(),
            });
            *poll_wanted = true;
        }
        Effect::SaveFigure(figure) => {
            let dir = crate::lab::report::pane::figures_dir(&app.db);
            let saved = crate::store::Notebook::open_read_only(&app.db)
                .map_err(LabError::from)
                .and_then(|nb| crate::lab::report::pane::save_pane_figure(&nb, &figure, &dir));
            app.message = Some(match saved {
                Ok(svg) => format!("figure saved: {} and .png", svg.display()),
                Err(e) => format!("figure not saved: {e}"),
            });
        }
        Effect::SlurmSubmit(file, form) => {
            app.message = Some(match launch::submit_to_slurm(&file, &app.db, &form) {
                Ok(m) => m,
                Err(e) => e.to_string(),
            });
            *poll_wanted = true;
        }
    }
    true
}

/// The loop; returns the number of live workers at exit.
async fn event_loop<B: ratatui::backend::Backend>(
    terminal: &mut Terminal<B>,
    mut app: App,
    theme: &theme::Theme,
    exe: &Path,
) -> Result<usize, LabError> {
    let (event_tx, mut events) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            if event_tx.send(ev).is_err() {
                break;
            }
        }
    });
    let (poll_tx, mut polls) = mpsc::unbounded_channel();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut poll_wanted, mut polling, mut dirty) = (true, false, true);
    // What the last poll read: an unchanged notebook and request need no new poll.
    let mut polled = (Vec::new(), None);
    let comparisons = std::sync::Arc::new(snapshot::ComparisonCache::default());
    if let Ok(size) = terminal.size() {
        app.resize(size.width, size.height);
    }
    loop {
        if poll_wanted && !polling {
            let (db, request, tx) = (app.db.clone(), app.request(), poll_tx.clone());
            let cache = std::sync::Arc::clone(&comparisons);
            polled = (snapshot::stamp(&db), Some(request.clone()));
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(snapshot::poll(&db, &request, &cache).map_err(|e| e.to_string()));
            });
            polling = true;
            poll_wanted = false;
        }
        if dirty {
            terminal
                .draw(|f| draw::draw(f, &app, theme))
                .map_err(io(Path::new("terminal")))?;
            dirty = false;
        }
        tokio::select! {
            Some(first) = events.recv() => {
                let mut next = Some(first);
                while let Some(ev) = next {
                    let wanted = match ev {
                        Event::Key(k) if k.kind != KeyEventKind::Release => app.key(k),
                        Event::Mouse(m) => match m.kind {
                            MouseEventKind::ScrollUp => app.act(Action::Up),
                            MouseEventKind::ScrollDown => app.act(Action::Down),
                            _ => None,
                        },
                        Event::Resize(w, h) => app.resize(w, h),
                        _ => None,
                    };
                    if let Some(e) = wanted {
                        if !effect(&mut app, e, exe, &mut poll_wanted) {
                            return Ok(app.snapshot.workers.len());
                        }
                    }
                    next = events.try_recv().ok();
                }
                dirty = true;
            }
            Some(result) = polls.recv() => {
                polling = false;
                match result {
                    Ok(s) => {
                        poll_wanted |= s.request != app.request();
                        app.apply(s);
                    }
                    Err(m) => app.message = Some(m),
                }
                dirty = true;
            }
            _ = tick.tick() => {
                poll_wanted |= snapshot::stamp(&app.db) != polled.0
                    || polled.1.as_ref() != Some(&app.request());
                // Heartbeat ages on screen move with the clock.
                dirty |= !app.snapshot.workers.is_empty();
            }
        }
    }
}
