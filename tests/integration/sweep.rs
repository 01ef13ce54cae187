//! Sweeps as a user runs them: plan, train, kill, resume, share, list, export, bad input.

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rnnlab::net::Arch;
use rnnlab::store::{ListQuery, NetState, Notebook, Role};

use crate::common;
use common::{rnnlab, run_ok, s, spawn};

/// A flip-flop sweep of `count` small networks taking about `steps` iterations each.
fn experiment(dir: &Path, name: &str, seeds: usize, steps: usize) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!(
            "name = \"{name}\"\nseeds = {seeds}\n\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\n\
             [grid]\narch = [\"vanilla\", \"gru\"]\nactivation = [\"tanh\"]\nunits = [8]\n\n\
             [train]\nsteps = {steps}\ntarget_loss = 1e-12\nbatch = 16\n"
        ),
    )
    .unwrap();
    path
}

fn states(db: &Path) -> Vec<(i64, NetState, Option<f64>)> {
    let nb = Notebook::open(db).unwrap();
    nb.list(&ListQuery {
        limit: 10_000,
        ..ListQuery::default()
    })
    .unwrap()
    .into_iter()
    .map(|r| (r.id, r.state, r.train_seconds))
    .collect()
}

fn count(db: &Path, state: NetState) -> usize {
    states(db).iter().filter(|s| s.1 == state).count()
}

#[test]
fn run_plans_trains_lists_and_exports_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "small", 3, 40);
    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    assert_eq!(summary["planned"], 6);
    assert_eq!(summary["trained"], 6);
    assert_eq!(count(&db, NetState::Analysed), 6);

    let again = rnnlab(&["run", s(&exp), "--db", s(&db), "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (summary["planned"].as_u64(), summary["trained"].as_u64()),
        (Some(0), Some(0))
    );

    let ls = rnnlab(&[
        "ls",
        "--db",
        s(&db),
        "--where",
        "arch = gru",
        "--sort",
        "seed",
        "--desc",
        "--json",
    ]);
    assert!(ls.status.success());
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&ls.stdout).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r["seed"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![2, 1, 0]
    );

    let status = rnnlab(&["status", "--db", s(&db), "--json"]);
    let st: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(st["experiments"][0]["experiment"], "small");

    let csv = rnnlab(&["export", "networks", "--db", s(&db), "--format", "csv"]);
    assert_eq!(String::from_utf8(csv.stdout).unwrap().lines().count(), 7);
    let npz = dir.path().join("w.npz");
    let out = rnnlab(&[
        "export",
        "weights",
        "--db",
        s(&db),
        "--format",
        "npz",
        "--network",
        "1",
        "--output",
        s(&npz),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&npz).unwrap()).unwrap();
    assert!(zip.by_name("net1/recurrent_kernel.npy").is_ok());
    assert!(zip.by_name("net1/kernel_hidden.npy").is_ok());

    // Fixed points of a stored network, computed on demand.
    let fp = run_ok(&["fixed-points", "--db", s(&db), "--network", "2", "--json"]);
    assert_eq!(fp["network"], 2);
    let points = fp["points"].as_array().unwrap();
    assert!(!points.is_empty());
    assert!(points.iter().all(|p| p["q"].as_f64().unwrap() < 1e-6));
    let missing = rnnlab(&["fixed-points", "--db", s(&db), "--network", "999"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8(missing.stderr).unwrap().contains("999"));

    // The same name with other contents is refused, and nothing changes.
    std::fs::write(
        &exp,
        std::fs::read_to_string(&exp)
            .unwrap()
            .replace("seeds = 3", "seeds = 4"),
    )
    .unwrap();
    let out = rnnlab(&["run", s(&exp), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("already exists") && err.contains("rename"),
        "{err}"
    );
    assert_eq!(states(&db).len(), 6);
}

/// SIGKILL mid-sweep loses only the networks in flight; the next run finishes the rest and
/// retrains nothing that was already stored.
#[test]
fn a_killed_sweep_resumes_without_losing_or_repeating_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "killme", 15, 10_000);
    let mut child = spawn(&["run", s(&exp), "--db", s(&db), "--jobs", "2"]);
    let t0 = Instant::now();
    while !db.exists() || count(&db, NetState::Analysed) < 3 {
        assert!(t0.elapsed() < Duration::from_secs(60), "no progress");
        sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = states(&db);
    // Killed between training and analysis, a network stays trained: the resume analyses it.
    let finished: Vec<_> = before
        .iter()
        .filter(|s| matches!(s.1, NetState::Trained | NetState::Analysed))
        .cloned()
        .collect();
    assert!(finished.len() < 30, "killed before the end");

    let summary = run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    let after = states(&db);
    assert_eq!(after.len(), 30);
    assert!(after.iter().all(|s| s.1 == NetState::Analysed), "{after:?}");
    assert_eq!(
        summary["trained"].as_u64().unwrap() as usize,
        30 - finished.len(),
        "each network trained once"
    );
    for f in &finished {
        assert!(
            after.iter().any(|a| a.0 == f.0 && a.2 == f.2),
            "finished network {} was retrained or lost",
            f.0
        );
    }
    assert!(Notebook::open(&db).unwrap().integrity_ok().unwrap());
}

/// Two runners on one notebook split the work; a reader polling meanwhile is never locked out.
#[test]
fn two_runners_share_a_notebook_and_readers_never_see_locks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "shared", 10, 3000);
    // Create the notebook first so both start on the same plan.
    let nb = Notebook::open(&db).unwrap();
    let mut a = spawn(&["run", s(&exp), "--db", s(&db), "--jobs", "1", "--json"]);
    let mut b = spawn(&["run", s(&exp), "--db", s(&db), "--jobs", "1", "--json"]);
    let mut reads = 0;
    let t0 = Instant::now();
    let running = |c: &mut Child| c.try_wait().unwrap().is_none();
    while (running(&mut a) || running(&mut b)) && t0.elapsed() < Duration::from_secs(120) {
        nb.list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .expect("reader never locked out");
        nb.status().expect("reader never locked out");
        reads += 1;
        sleep(Duration::from_millis(5));
    }
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(reads > 5);
    let trained = |o: &Output| -> u64 {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["trained"].as_u64().unwrap()
    };
    assert_eq!(
        trained(&a) + trained(&b),
        20,
        "every network trained exactly once"
    );
    assert_eq!(count(&db, NetState::Analysed), 20);
}

#[test]
fn sigterm_stops_quickly_and_plans_in_flight_networks_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "stopme", 20, 20_000);
    let child = spawn(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    let t0 = Instant::now();
    while !db.exists() || count(&db, NetState::Training) < 2 {
        assert!(t0.elapsed() < Duration::from_secs(60), "never started");
        sleep(Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let stopped_at = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(stopped_at.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["stopped"], true);
    assert_eq!(
        count(&db, NetState::Training),
        0,
        "in-flight networks are planned again"
    );
    assert!(Notebook::open(&db).unwrap().workers().unwrap().is_empty());
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let good = std::fs::read_to_string(experiment(dir.path(), "g", 1, 10)).unwrap();
    let cases = [
        ("malformed", good.replace("[grid]", "[grid")),
        ("arch", good.replace("\"gru\"", "\"transformer\"")),
        ("units", good.replace("units = [8]", "units = [0]")),
        ("empty", good.replace("units = [8]", "units = []")),
        ("key", good.replace("batch = 16", "bacth = 16")),
    ];
    for (what, text) in cases {
        let path = dir.path().join(format!("{what}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = rnnlab(&["run", s(&path), "--db", s(&db)]);
        assert_eq!(out.status.code(), Some(2), "{what}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
        assert!(err.contains(&format!("{what}.toml")), "{what}: {err}");
        assert!(!db.exists(), "{what}: nothing written");
    }
    let exp = experiment(dir.path(), "ok", 1, 10);
    for (args, needle) in [
        (
            vec!["run", s(&exp), "--db", "/nonexistent/dir/nb.db"],
            "nb.db",
        ),
        (
            vec!["run", "/nonexistent/exp.toml", "--db", s(&db)],
            "exp.toml",
        ),
        (vec!["ls", "--db", s(&db)], "no notebook"),
        (
            vec!["run", s(&exp), "--db", s(&exp)],
            "not an rnnlab notebook",
        ),
    ] {
        let out = rnnlab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(
        std::fs::read_to_string(&exp).unwrap().starts_with("name"),
        "the TOML was not overwritten"
    );
    let out = rnnlab(&["run", s(&exp), "--db", s(&db), "--json"]);
    assert!(out.status.success());
    for (args, needle) in [
        (
            vec![
                "ls",
                "--db",
                s(&db),
                "--where",
                "arch = gru; DROP TABLE networks",
            ],
            "--where",
        ),
        (
            vec!["ls", "--db", s(&db), "--where", "colour = red"],
            "colour",
        ),
        (vec!["ls", "--db", s(&db), "--sort", "colour"], "colour"),
        (
            vec!["export", "weights", "--db", s(&db), "--format", "csv"],
            "npz",
        ),
    ] {
        let out = rnnlab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8(out.stderr).unwrap().contains(needle),
            "{args:?}"
        );
    }
    assert_eq!(states(&db).len(), 2, "the notebook is intact");
}

/// The paper's protocol: a random search per configuration, then the seeds at the best sample.
#[test]
fn random_search_then_seeds_at_the_best_setting() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = dir.path().join("search.toml");
    std::fs::write(
        &exp,
        "name = \"search\"\nseeds = 2\n\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\n\
         [grid]\narch = [\"vanilla\", \"gru\"]\nunits = [8]\n\n\
         [train]\nsteps = 300\nbatch = 16\ntarget_loss = 1e-12\n\n\
         [search]\nsamples = 4\nsteps = 100\nlearning_rate = [1e-4, 3e-2]\ndecay_rate = [0.1, 0.9]\n",
    )
    .unwrap();
    run_ok(&["run", s(&exp), "--db", s(&db), "--jobs", "2", "--json"]);
    let nb = Notebook::open(&db).unwrap();
    let rows = nb
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 2 * 4 + 2 * 2);
    // The population is analysed; search runs only train.
    assert!(rows.iter().all(|r| r.state
        == if r.role == Role::Search {
            NetState::Trained
        } else {
            NetState::Analysed
        }));
    for arch in [Arch::Vanilla, Arch::Gru] {
        let search: Vec<_> = rows
            .iter()
            .filter(|r| r.arch == arch && r.role == Role::Search)
            .collect();
        let finals: Vec<_> = rows
            .iter()
            .filter(|r| r.arch == arch && r.role == Role::Final)
            .collect();
        assert_eq!((search.len(), finals.len()), (4, 2));
        let lr = |r: &rnnlab::store::NetworkRow| -> serde_json::Value {
            serde_json::from_str(&r.config).unwrap()
        };
        let rates: Vec<f64> = search
            .iter()
            .map(|r| lr(r)["learning_rate"].as_f64().unwrap())
            .collect();
        assert!(rates.iter().all(|r| (1e-4..=3e-2).contains(r)), "{rates:?}");
        assert!(rates.windows(2).any(|w| w[0] != w[1]), "samples differ");
        let best = search
            .iter()
            .min_by(|a, b| a.final_loss.unwrap().total_cmp(&b.final_loss.unwrap()))
            .unwrap();
        for f in &finals {
            assert_eq!(lr(f)["learning_rate"], lr(best)["learning_rate"]);
            assert_eq!(
                lr(f)["steps"],
                300,
                "the population trains for the full steps"
            );
            assert_eq!(lr(best)["steps"], 100);
        }
    }
}

/// A notebook another process keeps locked past the busy timeout is a clear error, not a hang.
#[test]
fn a_notebook_locked_past_the_timeout_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let exp = experiment(dir.path(), "locked", 1, 10);
    drop(Notebook::open(&db).unwrap());
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let t0 = Instant::now();
    let out = rnnlab(&["run", s(&exp), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("locked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(t0.elapsed() >= rnnlab::store::BUSY_TIMEOUT - Duration::from_secs(1));
    holder.execute_batch("ROLLBACK").unwrap();
    assert!(
        Notebook::open(&db)
            .unwrap()
            .experiments()
            .unwrap()
            .is_empty(),
        "nothing written"
    );
}
