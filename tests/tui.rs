//! The terminal notebook without a terminal: snapshots of every pane on a fixture notebook at
//! 80×24 and 120×40, key-driven behaviour, themes, and a real launch.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui::Terminal;
use rnnlab::store::{NetState, NewNetwork, Notebook, Outcome, Role};
use rnnlab::train::TrainConfig;
use rnnlab::tui::app::{App, Effect, Overlay, Pane};
use rnnlab::tui::draw::draw;
use rnnlab::tui::snapshot::poll;
use rnnlab::tui::theme::{load, Theme};

/// A notebook with one experiment: 12 networks (4 cells × 3 seeds), 9 trained with curves, 1
/// diverged with a reason, 2 planned.
fn fixture(dir: &Path) -> PathBuf {
    let db = dir.join("fixture.db");
    let nb = Notebook::open(&db).unwrap();
    let exp = nb
        .ensure_experiment("demo", "flipflop", "name = \"demo\"", "demo")
        .unwrap();
    let config = serde_json::to_string(&TrainConfig::default()).unwrap();
    let archs = ["vanilla", "ugrnn", "gru", "lstm"];
    let plan: Vec<NewNetwork> = (0..12)
        .map(|k| NewNetwork {
            arch: archs[k % 4].into(),
            activation: "tanh".into(),
            units: 32,
            l2: 1e-5,
            seed: (k / 4) as u64,
            role: Role::Final,
            trial: 0,
            config: config.clone(),
        })
        .collect();
    nb.plan(exp, &plan).unwrap();
    let worker = nb.register_worker().unwrap();
    for k in 0..10 {
        let n = nb.claim(exp, &worker).unwrap().unwrap();
        let steps: Vec<u32> = (0..50).map(|s| s * 20).collect();
        let losses: Vec<f32> = steps
            .iter()
            .map(|&s| 1.0 / (1.0 + s as f32 * (0.01 + 0.002 * k as f32)))
            .collect();
        let diverged = k == 7;
        nb.finish(
            n.id,
            &worker,
            &Outcome {
                state: if diverged {
                    NetState::Diverged
                } else {
                    NetState::Trained
                },
                train_seconds: 2.0 + k as f64,
                steps_run: 1000,
                final_loss: (!diverged).then_some(1e-3 * (1.0 + k as f64)),
                score: (!diverged).then_some(1.0 - 0.001 * k as f64),
                backoffs: 0,
                reason: diverged.then(|| "loss became NaN at step 412 after 3 back-offs".into()),
                curve: (steps, losses),
                weights: None,
            },
        )
        .unwrap();
    }
    nb.retire_worker(&worker).unwrap();
    db
}

/// An app on the fixture, polled (twice: the first poll picks the experiment).
fn app_on(db: &Path, width: u16, height: u16) -> App {
    let mut app = App::new(
        PathBuf::from("fixture.db"),
        vec![PathBuf::from("experiments/quickstart.toml")],
    );
    app.resize(width, height);
    refresh(&mut app, db);
    refresh(&mut app, db);
    app
}

fn refresh(app: &mut App, db: &Path) {
    let s = poll(db, &app.request()).unwrap();
    app.apply(s);
}

fn screen(app: &App, theme: &Theme) -> Terminal<TestBackend> {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| draw(f, app, theme)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    t.backend().to_string()
}

fn key(app: &mut App, code: KeyCode) -> Option<Effect> {
    app.key(KeyEvent::from(code))
}

/// Throughput depends on the clock: it is the one thing snapshots do not pin.
macro_rules! assert_screen {
    ($name:expr, $screen:expr) => {
        insta::with_settings!({ filters => vec![(r" *\d+/h", " N/h"), (r"ETA [0-9.]+ (s|min|h) *", "ETA t ")] }, {
            insta::assert_snapshot!($name, $screen);
        });
    };
}

#[test]
fn every_pane_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = app_on(&db, w, h);
        for pane in Pane::ALL {
            app.pane = pane;
            refresh(&mut app, &db);
            assert_screen!(
                format!("{}_{w}x{h}", pane.title()),
                text(&screen(&app, &Theme::default()))
            );
        }
        app.overlay = Overlay::Help;
        assert_screen!(
            format!("help_{w}x{h}"),
            text(&screen(&app, &Theme::default()))
        );
    }
}

#[test]
fn keys_filter_sort_switch_panes_and_open_overlays() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    assert_eq!(app.pane, Pane::Runs);
    assert_eq!(key(&mut app, KeyCode::Tab), None);
    assert_eq!(app.pane, Pane::Networks);
    assert_eq!(app.snapshot.total, 12);

    // `/` then a filter in `rnnlab ls` syntax, Enter applies it.
    key(&mut app, KeyCode::Char('/'));
    for c in "arch = gru".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    assert_eq!(key(&mut app, KeyCode::Enter), Some(Effect::Poll));
    refresh(&mut app, &db);
    assert_eq!(app.snapshot.total, 3);
    assert!(app.snapshot.networks.iter().all(|n| n.arch == "gru"));
    // A bad filter is reported, not fatal.
    key(&mut app, KeyCode::Char('/'));
    for c in " and nonsense > 1".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    refresh(&mut app, &db);
    assert!(app
        .snapshot
        .filter_error
        .as_deref()
        .unwrap()
        .contains("nonsense"));
    assert!(text(&screen(&app, &Theme::default())).contains("filter:"));
    // Esc clears it.
    assert_eq!(key(&mut app, KeyCode::Esc), Some(Effect::Poll));
    refresh(&mut app, &db);
    assert_eq!(app.snapshot.total, 12);

    // `s` sorts by the next column (arch), `r` reverses; j/k and G move.
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('r'));
    refresh(&mut app, &db);
    assert_eq!(app.snapshot.networks[0].arch, "vanilla");
    key(&mut app, KeyCode::Char('G'));
    refresh(&mut app, &db);
    assert_eq!(app.selected().unwrap().arch, "gru");
    key(&mut app, KeyCode::Char('g'));
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(app.cursor, 1);
    refresh(&mut app, &db); // the loop polls after every move

    // Space marks for the curves overlay; Enter opens the curves.
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.marked.len(), 1);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane, Pane::Curves);

    // `?` shows the help from the keymap; Esc closes it.
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Overlay::Help);
    assert!(text(&screen(&app, &Theme::default())).contains("filter, as rnnlab ls --where"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);

    // `n` offers the experiment files; `x` asks before stopping.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.overlay, Overlay::Launch(0));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, Overlay::ConfirmStop("demo".into()));
    assert_eq!(key(&mut app, KeyCode::Char('q')), Some(Effect::Quit));
}

#[test]
fn a_small_terminal_says_so_and_still_quits() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 60, 20);
    let shown = text(&screen(&app, &Theme::default()));
    assert!(
        shown.contains("terminal too small") && shown.contains("80×24"),
        "{shown}"
    );
    assert_eq!(key(&mut app, KeyCode::Char('q')), Some(Effect::Quit));
}

#[test]
fn without_colour_the_selection_is_still_visible() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    app.pane = Pane::Networks;
    let (theme, problem) = load(None, &[], true, false);
    assert!(problem.is_none() && theme.monochrome);
    let t = screen(&app, &theme);
    let buffer = t.backend().buffer();
    // Row 3 is the first network (tabs, border, header): reversed, no colour anywhere.
    let cell = &buffer[(5, 3)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert!(buffer
        .content()
        .iter()
        .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset));
    assert!(text(&t).contains("▶"));
}

#[test]
fn a_bad_theme_file_is_reported_and_the_default_used() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), "text = \"blurple\"\n").unwrap();
    std::fs::write(dir.path().join("good.toml"), "accent = \"#ff0000\"\n").unwrap();
    let dirs = vec![dir.path().to_path_buf()];
    let (theme, problem) = load(Some("bad"), &dirs, false, false);
    assert_eq!(theme, Theme::default());
    let problem = problem.unwrap();
    assert!(
        problem.contains("bad.toml") && problem.contains("text"),
        "{problem}"
    );
    let (theme, problem) = load(Some("good"), &dirs, false, true);
    assert!(problem.is_none());
    assert_eq!(theme.accent, ratatui::style::Color::Rgb(255, 0, 0));
    let (_, missing) = load(Some("nope"), &dirs, false, false);
    assert!(missing.unwrap().contains("not found"));
}

#[test]
fn launching_from_the_notebook_runs_a_detached_sweep_that_fills_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("launch.db");
    let file = dir.path().join("tiny.toml");
    std::fs::write(
        &file,
        "name = \"tiny\"\nseeds = 2\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\
         [grid]\narch = [\"gru\"]\nunits = [8]\n[train]\nsteps = 50\nbatch = 16\n\
         [analysis]\nstarts = 16\n",
    )
    .unwrap();
    let mut app = App::new(db.clone(), vec![file.clone()]);
    app.resize(80, 24);
    key(&mut app, KeyCode::Char('n'));
    let Some(Effect::Launch(path)) = key(&mut app, KeyCode::Enter) else {
        panic!("Enter in the launch list launches");
    };
    let message =
        rnnlab::tui::launch::launch(Path::new(env!("CARGO_BIN_EXE_rnnlab")), &path, &db).unwrap();
    assert!(message.contains("pid"), "{message}");
    let t0 = Instant::now();
    loop {
        if db.exists() {
            refresh(&mut app, &db);
            let analysed = app
                .snapshot
                .experiments
                .first()
                .and_then(|e| e.states.iter().find(|s| s.0 == "analysed"))
                .map_or(0, |s| s.1);
            if analysed == 2 {
                break;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the sweep did not fill the notebook"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(text(&screen(&app, &Theme::default())).contains("tiny"));
}

#[test]
fn without_a_terminal_it_says_so_and_suggests_status() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(["--db", "never-created.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("terminal") && err.contains("rnnlab status"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert!(!Path::new("never-created.db").exists());
}
