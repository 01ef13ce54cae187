//! The terminal notebook without a terminal: snapshots of every pane on a fixture notebook at
//! 80×24 and 120×40, key-driven behaviour, themes, and a real launch.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui::Terminal;
use rnnlab::net::{Activation, Arch};
use rnnlab::store::{NetState, NewNetwork, Notebook, Outcome, Role};
use rnnlab::task::TaskKind;
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
        .ensure_experiment("demo", TaskKind::FlipFlop, "name = \"demo\"", "demo")
        .unwrap();
    let config = serde_json::to_string(&TrainConfig::default()).unwrap();
    let plan: Vec<NewNetwork> = (0..12)
        .map(|k| NewNetwork {
            arch: Arch::STUDY[k % 4],
            activation: Activation::Tanh,
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
            &n,
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
    let s = poll(db, &app.request(), &Default::default()).unwrap();
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
        insta::with_settings!({ filters => vec![(r" *\d+/h", " N/h"), (r"ETA [0-9.]+ (s|min|h) *", "ETA t "), (r"stress [0-9.]+", "stress s")] }, {
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
        for pane in [Pane::Runs, Pane::Networks, Pane::Curves] {
            app.pane = pane;
            refresh(&mut app, &db);
            assert_screen!(
                format!("{}_{w}x{h}", pane.title()),
                text(&screen(&app, &Theme::default()))
            );
        }
        app.overlay = Overlay::Help(0);
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
    assert_eq!(key(&mut app, KeyCode::Tab), Some(Effect::Poll));
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
    assert!(app.snapshot.networks.iter().all(|n| n.arch == Arch::Gru));
    // A bad filter is reported, not fatal; `/` starts a new filter (it does not append).
    key(&mut app, KeyCode::Char('/'));
    assert_eq!(app.typing.as_deref(), Some(""));
    for c in "arch = gru and nonsense > 1".chars() {
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
    let shown = text(&screen(&app, &Theme::default()));
    assert!(shown.contains("the filter does not parse"), "{shown}");
    assert!(shown.contains("unknown column 'nonsense'"), "{shown}");
    assert!(
        !shown.contains("0–0 of 0"),
        "not as if nothing matched: {shown}"
    );
    // Esc clears it.
    assert_eq!(key(&mut app, KeyCode::Esc), Some(Effect::Poll));
    refresh(&mut app, &db);
    assert_eq!(app.snapshot.total, 12);

    // `s` sorts by the next column (arch), `r` reverses; j/k and G move.
    key(&mut app, KeyCode::Char('s'));
    key(&mut app, KeyCode::Char('r'));
    refresh(&mut app, &db);
    assert_eq!(app.snapshot.networks[0].arch, Arch::Vanilla);
    key(&mut app, KeyCode::Char('G'));
    refresh(&mut app, &db);
    assert_eq!(app.selected().unwrap().arch, Arch::Gru);
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
    assert_eq!(app.overlay, Overlay::Help(0));
    assert!(text(&screen(&app, &Theme::default())).contains("filter, as rnnlab ls --where"));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);

    // `n` offers the experiment files; `x` asks before stopping.
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.overlay, Overlay::Launch(0));
    key(&mut app, KeyCode::Esc);
    // Nothing runs: `x` says so instead of asking.
    key(&mut app, KeyCode::Char('x'));
    assert_eq!(app.overlay, Overlay::None);
    assert!(app
        .message
        .as_deref()
        .unwrap()
        .contains("nothing runs for 'demo'"));
    // A live worker holds one of its networks: `x` asks before stopping.
    app.snapshot.workers.push(rnnlab::tui::snapshot::Worker {
        row: rnnlab::store::WorkerRow {
            id: "w".into(),
            host: "h".into(),
            pid: 1,
            heartbeat: 0.0,
        },
        age: 1.0,
        holding: vec![(1, "demo".into())],
    });
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
        shown.contains("terminal too small") && shown.contains("80×23"),
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
    // The Runs bar draws each state with its own letter, and the counts below name them.
    app.pane = Pane::Runs;
    let runs = text(&screen(&app, &theme));
    assert!(
        runs.contains(". 2 planned") && runs.contains("t 9 trained"),
        "{runs}"
    );
    assert!(runs.contains("ttt") && runs.contains("D"), "{runs}");
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
                .and_then(|e| e.states.iter().find(|s| s.0 == NetState::Analysed))
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

/// The fixture with analyses: two fixed points per trained network, a flip-flop scaffold (ideal
/// for even ids), and geometry distances for every pair, all written by hand so the screens do
/// not depend on floating-point details of the machine.
fn fixture_with_analyses(dir: &Path) -> PathBuf {
    use rnnlab::analysis::topology::{FlipFlopScaffold, Node};
    use rnnlab::analysis::{Topology, TOPOLOGY_VERSION};
    use rnnlab::lab::analyse::store_record;
    use rnnlab::store::{AnalysisRecord, AnalysisScope, StoredFixedPoint, TopologyRecord};
    let db = fixture(dir);
    let nb = Notebook::open(&db).unwrap();
    let worker = nb.register_worker().unwrap();
    let point = |unstable: usize, moduli: [f64; 3]| StoredFixedPoint {
        input_index: 0,
        input: vec![0.0; 3],
        state: vec![0.1, -0.2, 0.3],
        q: 1e-20,
        converged: true,
        unstable,
        max_modulus: moduli[0],
        eigenvalues: vec![
            [moduli[0], 0.0],
            [0.0, moduli[1]],
            [0.0, -moduli[1]],
            [moduli[2], 0.0],
        ],
        readout: vec![1.0, -1.0, 1.0],
    };
    let mut trained = Vec::new();
    while let Some(n) = nb
        .claim_analysis(AnalysisScope::default(), &worker)
        .unwrap()
    {
        let ideal = n.id % 2 == 0;
        let mut nodes = vec![Node {
            unstable: 0,
            pattern: "+-+".into(),
            readout: vec![1.0, -1.0, 1.0],
        }];
        if !ideal {
            nodes.push(Node {
                unstable: 1,
                pattern: "+0+".into(),
                readout: vec![1.0, 0.0, 1.0],
            });
        }
        let topology = Topology::FlipFlop(FlipFlopScaffold {
            bits: 3,
            nodes,
            edges: Vec::new(),
            lost_flows: 0,
            transitions: (3, 3),
            ideal,
            distance_to_ideal: if ideal { 0.0 } else { 2.0 },
        });
        let record = AnalysisRecord {
            settings: "{}".into(),
            summary: "[]".into(),
            note: None,
            seconds: 0.5,
            points: vec![point(0, [0.9, 0.5, 0.1]), point(1, [1.3, 0.7, 0.2])],
            pseudo: 0,
            topology: Some(TopologyRecord {
                version: TOPOLOGY_VERSION,
                descriptor: serde_json::to_string(&topology).unwrap(),
                ideal,
                distance_to_ideal: if ideal { 0.0 } else { 2.0 },
            }),
        };
        assert!(store_record(&nb, &n, &record).unwrap());
        trained.push(n);
    }
    let exp = nb.experiment("demo").unwrap().id;
    let settings = rnnlab::lab::compare::settings_key(&Default::default());
    let mut pairs = Vec::new();
    for (i, a) in trained.iter().enumerate() {
        for b in &trained[i + 1..] {
            let other_cell = if a.arch == b.arch { 0.0 } else { 0.3 };
            let d = 0.1 + other_cell + 0.05 * ((a.id + b.id) % 3) as f64;
            pairs.push((a.id, b.id, [d, d * 1.5, d * 0.8]));
        }
    }
    nb.store_similarity(exp, &settings, &pairs).unwrap();
    nb.retire_worker(&worker).unwrap();
    db
}

#[test]
fn the_analysis_panes_at_80x24_and_120x40() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = app_on(&db, w, h);
        for pane in [Pane::FixedPoints, Pane::Similarity, Pane::Topology] {
            app.pane = pane;
            refresh(&mut app, &db);
            assert_screen!(
                format!("{}_{w}x{h}", pane.title()),
                text(&screen(&app, &Theme::default()))
            );
        }
    }
}

#[test]
fn the_similarity_pane_reads_without_colour_and_jumps_to_a_network() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    let mut app = app_on(&db, 120, 40);
    app.pane = Pane::Similarity;
    refresh(&mut app, &db);
    let (mono, _) = load(None, &[], true, false);
    let shown = text(&screen(&app, &mono));
    // Shades instead of colours in the heat map, letters on the map, a legend.
    assert!(
        shown.contains('▓') || shown.contains('▒') || shown.contains('░'),
        "{shown}"
    );
    assert!(
        shown.contains("v vanilla") && shown.contains("g gru"),
        "{shown}"
    );
    assert!(shown.contains('@'));
    // A colour scale, lowest to highest shade, with the values at its ends.
    assert!(
        shown.contains(" 0.100     ░░░░▒▒▒▒▓▓▓▓████ 0.500 "),
        "{shown}"
    );
    // `c` colours by activation; `m` cycles the metric; Enter jumps to the map's network.
    key(&mut app, KeyCode::Char('c'));
    assert!(text(&screen(&app, &mono)).contains("t tanh"));
    assert_eq!(key(&mut app, KeyCode::Char('m')), Some(Effect::Poll));
    refresh(&mut app, &db);
    assert_eq!(
        app.snapshot.similarity.as_ref().unwrap().0.metric,
        "cca-angular"
    );
    // The heat map remembered from the svcca frame is not reused for the new comparison, nor
    // for another size: each frame equals one drawn from scratch.
    let from_scratch = |app: &App| {
        let fresh = app.clone();
        *fresh.heat_memo.borrow_mut() = None;
        text(&screen(&fresh, &mono))
    };
    assert_eq!(text(&screen(&app, &mono)), from_scratch(&app));
    app.resize(80, 24);
    assert_eq!(text(&screen(&app, &mono)), from_scratch(&app));
    app.resize(120, 40);
    key(&mut app, KeyCode::Char('j'));
    let id = app.snapshot.similarity.as_ref().unwrap().0.map[1].network;
    assert_eq!(key(&mut app, KeyCode::Enter), Some(Effect::Poll));
    refresh(&mut app, &db);
    assert_eq!(app.pane, Pane::Networks);
    assert_eq!(app.selected().unwrap().id, id);
}

#[test]
fn a_heat_map_of_a_thousand_networks_averages_blocks_exactly() {
    use rand::{Rng, SeedableRng};
    use rnnlab::tui::heatmap::heat_map;
    let n = 1000;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut d = ndarray::Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in i + 1..n {
            let v = rng.random_range(0.0..1.0);
            d[[i, j]] = v;
            d[[j, i]] = v;
        }
    }
    let order: Vec<usize> = (0..n).rev().collect();
    let heat = heat_map(&d, &order, 37);
    assert_eq!(heat.blocks.len(), 37);
    assert_eq!(heat.blocks.iter().map(Vec::len).sum::<usize>(), n);
    for (a, rows) in heat.blocks.iter().enumerate() {
        for (b, cols) in heat.blocks.iter().enumerate() {
            let (mut sum, mut count) = (0.0, 0);
            for &i in rows {
                for &j in cols {
                    if i != j {
                        sum += d[[i, j]];
                        count += 1;
                    }
                }
            }
            let want = sum / count as f64;
            assert!((heat.means[a][b].unwrap() - want).abs() < 1e-12);
        }
    }
    // Fewer networks than cells: one network per block, and the diagonal has no pair.
    let small = heat_map(&d, &[0, 1, 2], 37);
    assert_eq!(small.blocks.len(), 3);
    assert_eq!(small.means[0][0], None);
    assert_eq!(small.means[0][1], Some(d[[0, 1]]));
}

#[test]
fn the_slurm_dialog_submits_with_its_fields_and_the_runs_pane_shows_array_tasks() {
    use rnnlab::lab::slurm::{SlurmStatus, TaskStatus};
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 120, 30);
    assert_eq!(key(&mut app, KeyCode::Char('S')), None);
    assert!(matches!(app.overlay, Overlay::SlurmSubmit(_)));
    for c in "debug".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Tab);
    for c in "1:00:00".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let dialog = text(&screen(&app, &Theme::default()));
    assert!(
        dialog.contains("Submit to Slurm") && dialog.contains("1:00:00"),
        "{dialog}"
    );
    match key(&mut app, KeyCode::Enter) {
        Some(Effect::SlurmSubmit(file, form)) => {
            assert_eq!(file, PathBuf::from("experiments/quickstart.toml"));
            assert_eq!(
                (
                    form.partition.as_str(),
                    form.time.as_str(),
                    form.per_task.as_str()
                ),
                ("debug", "1:00:00", "4")
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(app.overlay, Overlay::None);
    // An experiment with array tasks out on the cluster.
    let task = |task: i64, state: &str, node: &str, done: usize| TaskStatus {
        submission: 1,
        job_id: "77".into(),
        task,
        state: state.into(),
        node: node.into(),
        networks: 2,
        done,
    };
    app.snapshot.slurm = Some(SlurmStatus {
        tasks: vec![
            task(0, "COMPLETED", "n1", 2),
            task(1, "RUNNING", "n2", 1),
            task(2, "PENDING", "", 0),
        ],
        queue_age_seconds: 3.0,
        queue_note: None,
        held: 3,
        submitted: None,
        rejected: Vec::new(),
    });
    app.pane = Pane::Runs;
    let runs = text(&screen(&app, &Theme::default()));
    assert!(
        runs.contains(
            "Slurm: 3 tasks (1 COMPLETED, 1 PENDING, 1 RUNNING), 3/6 published, 3 to merge, on n2"
        ),
        "{runs}"
    );
}

#[test]
fn p_saves_the_figure_of_the_pane_in_view() {
    use rnnlab::lab::report::pane::{save_pane_figure, PaneFigure};
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    let Some(Effect::SaveFigure(figure)) = key(&mut app, KeyCode::Char('p')) else {
        panic!("p asks to save a figure");
    };
    assert_eq!(
        figure,
        PaneFigure::Training {
            experiment: "demo".into()
        }
    );
    app.pane = Pane::Curves;
    refresh(&mut app, &db);
    let Some(Effect::SaveFigure(figure)) = key(&mut app, KeyCode::Char('p')) else {
        panic!("p asks to save a figure");
    };
    let selected = app.selected().unwrap().id;
    assert_eq!(
        figure,
        PaneFigure::Curves {
            networks: vec![selected]
        }
    );
    // What the loop then does with it: the SVG and PNG beside the notebook.
    let nb = rnnlab::store::Notebook::open_read_only(&db).unwrap();
    let svg = save_pane_figure(&nb, &figure, &dir.path().join("figures")).unwrap();
    assert!(svg.exists() && svg.with_extension("png").exists());
}

#[test]
fn long_names_and_framework_cells_are_cut_with_an_ellipsis_not_silently() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("long.db");
    let nb = Notebook::open(&db).unwrap();
    let exp = nb
        .ensure_experiment(
            "an-experiment-with-a-very-long-name",
            TaskKind::FlipFlop,
            "name = \"x\"",
            "x",
        )
        .unwrap();
    let config = serde_json::to_string(&TrainConfig::default()).unwrap();
    let plan: Vec<NewNetwork> = [Arch::GruTorch, Arch::LstmTorch]
        .into_iter()
        .map(|arch| NewNetwork {
            arch,
            activation: Activation::Tanh,
            units: 32,
            l2: 1e-5,
            seed: 8_702_292_832_788_102,
            role: Role::Final,
            trial: 0,
            config: config.clone(),
        })
        .collect();
    nb.plan(exp, &plan).unwrap();
    drop(nb);
    let mut app = app_on(&db, 80, 24);
    let theme = Theme::default();
    let runs = text(&screen(&app, &theme));
    assert!(runs.contains("an-experiment…"), "{runs}");
    assert!(!runs.contains("an-experiment-"), "{runs}");
    key(&mut app, KeyCode::Tab);
    refresh(&mut app, &db);
    let networks = text(&screen(&app, &theme));
    // The framework cells are shown whole; the weights fingerprint seed is cut.
    assert!(networks.contains("lstm-torch"), "{networks}");
    assert!(networks.contains("8702…"), "{networks}");
}

#[test]
fn an_integration_experiment_shows_its_lines_not_a_count_of_merged_points() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::common::tiny_integration(dir.path(), "0.1");
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = app_on(&db, w, h);
        app.pane = Pane::FixedPoints;
        refresh(&mut app, &db);
        let shown = text(&screen(&app, &Theme::default()));
        assert!(shown.contains("Line attractors per context"), "{shown}");
        assert!(
            shown.contains("vanilla/tanh") && shown.contains("gru/tanh"),
            "{shown}"
        );
        assert!(shown.contains("τ/T") && shown.contains("modes"), "{shown}");
        assert!(
            shown.contains("/2 "),
            "line attractors of the two contexts: {shown}"
        );
        assert!(!shown.contains("Fixed points per network"), "{shown}");
    }
}

#[test]
fn every_pane_works_at_80x23_the_size_tmux_leaves_of_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    let mut app = app_on(&db, 80, 23);
    for pane in Pane::ALL {
        app.pane = pane;
        refresh(&mut app, &db);
        let shown = text(&screen(&app, &Theme::default()));
        assert!(!shown.contains("terminal too small"), "{shown}");
        assert_eq!(shown.lines().count(), 23);
        assert!(shown.contains("? help") || shown.contains('?'), "{shown}");
    }
    app.resize(80, 22);
    assert!(text(&screen(&app, &Theme::default())).contains("needs 80×23"));
}

#[test]
fn moving_in_the_runs_pane_without_changing_experiment_keeps_the_marks() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    app.pane = Pane::Networks;
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(app.marked.len(), 2);
    app.pane = Pane::Runs;
    for code in [
        KeyCode::Char('j'),
        KeyCode::Char('k'),
        KeyCode::Down,
        KeyCode::Char('G'),
    ] {
        key(&mut app, code);
        assert_eq!(
            app.marked.len(),
            2,
            "one experiment: {code:?} changes nothing"
        );
    }
}

#[test]
fn one_selection_is_shared_by_the_networks_table_the_map_and_the_points() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    let mut app = app_on(&db, 120, 40);
    app.pane = Pane::Networks;
    refresh(&mut app, &db);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    refresh(&mut app, &db);
    let chosen = app.selected().unwrap().id;
    // The map's `@` starts on the network selected in Networks.
    app.pane = Pane::Similarity;
    refresh(&mut app, &db);
    let map = &app.snapshot.similarity.as_ref().unwrap().0.map;
    assert_eq!(map[app.map_cursor].network, chosen);
    // Moving `@` moves what Points shows.
    key(&mut app, KeyCode::Char('j'));
    let map = &app.snapshot.similarity.as_ref().unwrap().0.map;
    let moved = map[app.map_cursor].network;
    assert_ne!(moved, chosen);
    app.pane = Pane::FixedPoints;
    assert_eq!(app.request().points_of, Some(moved));
    refresh(&mut app, &db);
    let shown = text(&screen(&app, &Theme::default()));
    assert!(shown.contains(&format!("#{moved} ")), "{shown}");
    // Moving in Networks takes the selection back.
    app.pane = Pane::Networks;
    key(&mut app, KeyCode::Char('k'));
    refresh(&mut app, &db);
    app.pane = Pane::FixedPoints;
    assert_eq!(app.request().points_of, Some(app.selected().unwrap().id));
}

#[test]
fn a_curve_that_blew_up_is_said_to_be_clipped_with_its_peak() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    app.pane = Pane::Curves;
    refresh(&mut app, &db);
    let calm = text(&screen(&app, &Theme::default()));
    assert!(!calm.contains("clipped"), "{calm}");
    app.snapshot
        .curves
        .push((99, Arch::Gru, vec![0, 10, 20], vec![1.0, 6.0e13, 1e-3]));
    let shown = text(&screen(&app, &Theme::default()));
    assert!(shown.contains("clipped above"), "{shown}");
    assert!(shown.contains("#99 peaks at 6.0e13"), "{shown}");
}

#[test]
fn marked_curves_are_told_apart_by_symbol_even_without_colour_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    app.pane = Pane::Networks;
    for _ in 0..3 {
        key(&mut app, KeyCode::Char(' '));
        key(&mut app, KeyCode::Char('j'));
    }
    app.pane = Pane::Curves;
    refresh(&mut app, &db);
    let (mono, _) = load(None, &[], true, false);
    let shown = text(&screen(&app, &mono));
    let ids: Vec<i64> = app.marked.clone();
    assert_eq!(ids.len(), 3);
    // The legend stays at 80×24 with three marks, each network with its own symbol.
    for (id, symbol) in ids.iter().zip(["•", "█", "▄"]) {
        assert!(shown.contains(&format!("#{id} {symbol}")), "#{id}: {shown}");
    }
}

#[test]
fn a_network_in_training_shows_its_live_curve_steps_and_eta() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let file = dir.path().join("live.toml");
    std::fs::write(
        &file,
        "name = \"live\"\nseeds = 1\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\
         [grid]\narch = [\"gru\"]\nunits = [16]\n\
         [train]\nsteps = 200000\ntarget_loss = 1e-12\nbatch = 16\n",
    )
    .unwrap();
    let mut run =
        crate::common::spawn(&["run", file.to_str().unwrap(), "--db", db.to_str().unwrap()]);
    // Within a few seconds the network in flight has stored its curve and its steps.
    let t0 = Instant::now();
    let row = loop {
        assert!(t0.elapsed() < Duration::from_secs(60), "no live curve");
        std::thread::sleep(Duration::from_millis(300));
        let Ok(nb) = Notebook::open_read_only(&db) else {
            continue;
        };
        let Ok(row) = nb.network(1) else { continue };
        if row.state == NetState::Training && nb.curve(1).unwrap().is_some() {
            break row;
        }
    };
    assert!(
        row.steps_run.unwrap() > 0 && row.train_seconds.unwrap() > 0.0,
        "{row:?}"
    );
    let mut app = app_on(&db, 120, 40);
    app.pane = Pane::Curves;
    refresh(&mut app, &db);
    let curves = text(&screen(&app, &Theme::default()));
    assert!(!curves.contains("no curves yet"), "{curves}");
    assert!(curves.contains("#1 "), "{curves}");
    app.pane = Pane::Networks;
    refresh(&mut app, &db);
    let details = text(&screen(&app, &Theme::default()));
    assert!(details.contains("training: step"), "{details}");
    assert!(details.contains("of 200000"), "{details}");
    run.kill().unwrap();
    run.wait().unwrap();
}

#[test]
fn a_new_sort_column_starts_ascending() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = app_on(&db, 80, 24);
    app.pane = Pane::Networks;
    key(&mut app, KeyCode::Char('r'));
    assert!(app.descending);
    key(&mut app, KeyCode::Char('s'));
    assert!(
        !app.descending,
        "the reversed order of one column does not carry to the next"
    );
}

#[test]
fn the_launcher_shows_each_experiment_s_size_and_asks_twice_for_a_cluster_s_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture(dir.path());
    let mut app = App::new(
        PathBuf::from("fixture.db"),
        vec![PathBuf::from("quickstart"), PathBuf::from("paper-flipflop")],
    );
    app.resize(80, 24);
    refresh(&mut app, &db);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.overlay, Overlay::Launch(0));
    let shown = text(&screen(&app, &Theme::default()));
    assert!(shown.contains("quickstart · 20 networks"), "{shown}");
    assert!(shown.contains("paper-flipflop · 2880 networks"), "{shown}");
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        None,
        "a first Enter only asks"
    );
    assert!(app.message.as_deref().unwrap().contains("2880 networks"));
    assert_eq!(
        key(&mut app, KeyCode::Enter),
        Some(Effect::Launch(PathBuf::from("paper-flipflop")))
    );
}

#[test]
fn looking_at_a_path_without_a_notebook_creates_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mistyped.db");
    let mut app = App::new(db.clone(), Vec::new());
    app.resize(80, 24);
    refresh(&mut app, &db);
    assert!(!db.exists(), "a notebook was created by looking");
    let shown = text(&screen(&app, &Theme::default()));
    assert!(shown.contains("No notebook at"), "{shown}");
    assert!(shown.contains("Press n"), "{shown}");
}

#[test]
fn the_wide_view_shows_whole_what_80x24_cuts_and_the_help_scrolls() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    let mut app = app_on(&db, 80, 24);

    // The details pane cuts the settings at 80×24; `v` draws the pane at 200×58 and the
    // arrows pan over it until the last setting is in view.
    app.pane = Pane::Networks;
    refresh(&mut app, &db);
    assert!(!text(&screen(&app, &Theme::default())).contains("target_loss="));
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.overlay, Overlay::Wide { x: 0, y: 0 });
    let mut seen = String::new();
    key(&mut app, KeyCode::Char('G'));
    for _ in 0..20 {
        seen += &text(&screen(&app, &Theme::default()));
        key(&mut app, KeyCode::Char('h'));
    }
    assert!(seen.contains("target_loss="), "{seen}");
    assert!(seen.contains("wide view 200×58"), "{seen}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, Overlay::None);

    // The points list cuts each point's class; the wide view shows it.
    app.pane = Pane::FixedPoints;
    refresh(&mut app, &db);
    assert!(!text(&screen(&app, &Theme::default())).contains("saddle"));
    key(&mut app, KeyCode::Char('v'));
    let wide = text(&screen(&app, &Theme::default()));
    assert!(wide.contains("unstable 1 saddle"), "{wide}");
    assert_eq!(wide.lines().count(), 24);
    key(&mut app, KeyCode::Char('v'));
    assert_eq!(app.overlay, Overlay::None);

    // The help keeps every line whole and scrolls to the ones below the screen.
    key(&mut app, KeyCode::Char('?'));
    let help = text(&screen(&app, &Theme::default()));
    assert!(
        help.contains("mark a network for the curves overlay"),
        "{help}"
    );
    assert!(help.contains("↓ more") && !help.contains("quit (runs keep going)"));
    for _ in 0..10 {
        key(&mut app, KeyCode::Char('j'));
    }
    let help = text(&screen(&app, &Theme::default()));
    assert!(help.contains("quit (runs keep going)"), "{help}");
}

#[test]
fn at_200x60_the_networks_table_keeps_its_columns_together_and_says_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_with_analyses(dir.path());
    let mut app = app_on(&db, 200, 60);
    app.pane = Pane::Networks;
    refresh(&mut app, &db);
    let shown = text(&screen(&app, &Theme::default()));
    let header = shown.lines().find(|l| l.contains("fp/st")).unwrap();
    let gap = header.find(" l2").unwrap() - header.find("fp/st").unwrap();
    assert!(gap < 12, "l2 sits {gap} columns after fp/st: {header}");
    assert!(
        header.contains("backoffs") && header.contains("from ideal"),
        "{header}"
    );
    assert_screen!("Networks_200x60", shown);
}

/// Every pane before there is anything to show says so, and what is coming, instead of empty
/// numbers (`inf–-inf`, NaN): on a notebook with no experiment, one with a planned sweep only and
/// one with a network in training, at 80×24.
#[test]
fn every_pane_on_an_empty_a_planned_and_a_running_notebook_says_what_is_coming() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.db");
    Notebook::open(&empty).unwrap();
    let planned = dir.path().join("planned.db");
    let running = dir.path().join("running.db");
    for (db, claim) in [(&planned, false), (&running, true)] {
        let nb = Notebook::open(db).unwrap();
        let exp = nb
            .ensure_experiment("demo", TaskKind::FlipFlop, "name = \"demo\"", "demo")
            .unwrap();
        let config = serde_json::to_string(&TrainConfig::default()).unwrap();
        let plan: Vec<NewNetwork> = (0..4)
            .map(|k| NewNetwork {
                arch: Arch::STUDY[k],
                activation: Activation::Tanh,
                units: 32,
                l2: 1e-5,
                seed: 0,
                role: Role::Final,
                trial: 0,
                config: config.clone(),
            })
            .collect();
        nb.plan(exp, &plan).unwrap();
        if claim {
            let worker = nb.register_worker().unwrap();
            nb.claim(exp, &worker).unwrap().unwrap();
        }
    }
    // What each pane must say, by notebook (the Runs pane's own empty text is tested apart).
    let says = |db: &PathBuf, pane: Pane| -> &[&str] {
        match (db == &empty, pane) {
            (true, Pane::Networks) => &["no networks yet: n in the Runs pane"],
            (true, Pane::FixedPoints) => &["none analysed yet", "no network selected: choose one"],
            (false, Pane::FixedPoints) => &["#1's fixed points are found once"],
            (_, Pane::Curves) => &["no curves yet"],
            (_, Pane::Similarity) => &["No pairs yet: they are computed when the sweep ends"],
            (_, Pane::Topology) => &["no scaffolds yet", "has no scaffold yet:"],
            _ => &[],
        }
    };
    for db in [&empty, &planned, &running] {
        let mut app = app_on(db, 80, 24);
        for pane in Pane::ALL {
            app.pane = pane;
            refresh(&mut app, db);
            let shown = text(&screen(&app, &Theme::default()));
            for bad in ["inf", "NaN", "cell 0.00"] {
                assert!(!shown.contains(bad), "{}: {bad} in\n{shown}", db.display());
            }
            for said in says(db, pane) {
                assert!(
                    shown.contains(said),
                    "{}: no {said:?} in\n{shown}",
                    db.display()
                );
            }
        }
    }
}
