//! Workers that never lose or double a network, and input that never reaches a panic: dead
//! and paused peers, a full disk, and a fuzz of experiment files and filters.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rnnlab::experiment::Experiment;
use rnnlab::store::{parse_filter, ListQuery, NetState, Notebook};

use crate::common;
use common::s;

/// Six flip-flop networks of long trainings (killed and paused mid-way).
fn experiment(dir: &Path, steps: usize) -> PathBuf {
    let path = dir.join("peers.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"peers\"\nseeds = 3\n\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\n\
             [grid]\narch = [\"vanilla\", \"gru\"]\nunits = [8]\n\n\
             [train]\nsteps = {steps}\ntarget_loss = 1e-12\nbatch = 16\n\n\
             [analysis]\nstarts = 16\n"
        ),
    )
    .unwrap();
    path
}

fn runner(exp: &Path, db: &Path, lease: Option<&str>) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rnnlab"));
    command
        .args(["run", s(exp), "--db", s(db), "--jobs", "1", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(seconds) = lease {
        command.env("RNNLAB_LEASE_SECONDS", seconds);
    }
    command.spawn().expect("rnnlab starts")
}

fn count(db: &Path, state: NetState) -> usize {
    let Ok(nb) = Notebook::open(db) else {
        return 0;
    };
    nb.list(&ListQuery {
        limit: 1000,
        ..ListQuery::default()
    })
    .map(|rows| rows.iter().filter(|r| r.state == state).count())
    .unwrap_or(0)
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ready() {
        assert!(t0.elapsed() < Duration::from_secs(60), "never: {what}");
        sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
}

#[test]
fn a_live_runner_retrains_the_network_of_a_peer_killed_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, exp) = (dir.path().join("nb.db"), experiment(dir.path(), 20_000));
    let a = runner(&exp, &db, None);
    wait_for("a holds a network", || count(&db, NetState::Training) >= 1);
    let b = runner(&exp, &db, None);
    wait_for("both hold one", || count(&db, NetState::Training) >= 2);
    signal(&a, libc::SIGKILL);
    let _ = a.wait_with_output();
    let out = b.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["requeued"].as_u64().unwrap() >= 1, "{summary}");
    assert_eq!(count(&db, NetState::Analysed), 6, "every network done");
    assert_eq!(count(&db, NetState::Training), 0, "none left held");
    assert!(Notebook::open(&db).unwrap().workers().unwrap().is_empty());
}

#[test]
fn a_paused_runner_past_its_lease_has_its_writes_refused_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (db, exp) = (dir.path().join("nb.db"), experiment(dir.path(), 6_000));
    let ghost = runner(&exp, &db, Some("3"));
    wait_for("the ghost holds a network", || {
        count(&db, NetState::Training) >= 1
    });
    signal(&ghost, libc::SIGSTOP);
    sleep(Duration::from_millis(4000)); // past its lease
    let live = runner(&exp, &db, Some("3"));
    wait_for("the live runner took over", || {
        count(&db, NetState::Training) >= 1 && count(&db, NetState::Planned) < 5
    });
    signal(&ghost, libc::SIGCONT);
    let ghost = ghost.wait_with_output().unwrap();
    let live = live.wait_with_output().unwrap();
    let ghost_err = String::from_utf8_lossy(&ghost.stderr);
    assert_eq!(ghost.status.code(), Some(2), "{ghost_err}");
    assert!(ghost_err.contains("lease"), "{ghost_err}");
    let live_err = String::from_utf8_lossy(&live.stderr);
    assert_eq!(live.status.code(), Some(0), "{live_err}");
    let summary: serde_json::Value = serde_json::from_slice(&live.stdout).unwrap();
    assert_eq!(
        summary["trained"], 6,
        "the live runner's results for every network were kept: none was taken by the ghost"
    );
    assert_eq!(count(&db, NetState::Analysed), 6);
}

#[test]
fn a_full_disk_ends_the_run_with_one_clear_line() {
    // A small tmpfs stands for a full disk; mounting needs root (as CI has).
    let mount = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=600k", "tmpfs", s(mount.path())])
        .status()
        .is_ok_and(|st| st.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (not root)");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(mount.path());
    let dir = tempfile::tempdir().unwrap();
    let exp = dir.path().join("full.toml");
    std::fs::write(
        &exp,
        "name = \"full\"\nseeds = 40\n[task]\nkind = \"flipflop\"\ntime_steps = 20\n\
         [grid]\narch = [\"vanilla\", \"gru\"]\nunits = [64]\n[train]\nsteps = 30\n\
         [analysis]\nstarts = 16\n",
    )
    .unwrap();
    let db = mount.path().join("nb.db");
    for _ in 0..2 {
        let t0 = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_rnnlab"))
            .args(["run", s(&exp), "--db", s(&db), "--jobs", "2"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(t0.elapsed() < Duration::from_secs(60), "no retry loop");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.contains("disk full"), "{err}");
    }
}

/// A seeded mutation of a good experiment file: values swapped for extremes, keys dropped,
/// duplicated or misspelt, lines cut.
fn mutate(good: &str, rng: &mut ChaCha8Rng) -> String {
    const VALUES: &[&str] = &[
        "nan",
        "inf",
        "-inf",
        "-1",
        "0",
        "1e12",
        "1e308",
        "100000000",
        "18446744073709551615",
        "-9223372036854775808",
        "\"\"",
        "\"x\\u0000y\"",
        "\"a\\nb\"",
        "[]",
        "[1, 2, 3]",
        "[0, 0]",
        "[\"gru\", \"gru\"]",
        "true",
        "{}",
        "0.5",
        "[100000]",
        "1e-300",
    ];
    let mut lines: Vec<String> = good.lines().map(String::from).collect();
    for _ in 0..rng.random_range(1..4) {
        let k = rng.random_range(0..lines.len());
        match rng.random_range(0..5) {
            0 | 1 => {
                if let Some((key, _)) = lines[k].split_once(" = ") {
                    let v = VALUES[rng.random_range(0..VALUES.len())];
                    lines[k] = format!("{key} = {v}");
                }
            }
            2 => {
                lines.remove(k);
            }
            3 => {
                let copy = lines[k].clone();
                lines.insert(k, copy);
            }
            _ => {
                let mut cut = rng.random_range(0..=lines[k].len());
                while !lines[k].is_char_boundary(cut) {
                    cut -= 1;
                }
                lines[k].truncate(cut);
            }
        }
        if lines.is_empty() {
            break;
        }
    }
    lines.join("\n")
}

#[test]
fn thousands_of_mutated_experiment_files_and_filters_never_panic() {
    let good = "name = \"fuzz\"\nseeds = 2\n\n[task]\nkind = \"flipflop\"\nbits = 3\n\
                time_steps = 20\n\n[grid]\narch = [\"vanilla\", \"gru\"]\n\
                activation = [\"tanh\"]\nunits = [8]\nl2 = [1e-5]\n\n[train]\nsteps = 40\n\
                batch = 16\nlearning_rate = 0.003\ndecay_steps = 100\n\n[search]\nsamples = 2\n\
                learning_rate = [1e-4, 1e-2]\n\n[analysis]\nstarts = 16\nmax_iterations = 50\n";
    assert!(Experiment::parse(Path::new("fuzz.toml"), good).is_ok());
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let (mut refused, mut accepted) = (0, 0);
    for _ in 0..3000 {
        let text = mutate(good, &mut rng);
        let parsed = std::panic::catch_unwind(|| Experiment::parse(Path::new("fuzz.toml"), &text));
        match parsed {
            Err(_) => panic!("the parser panicked on:\n{text}"),
            Ok(Err(e)) => {
                let m = e.to_string();
                assert_eq!(m.lines().count(), 1, "{m}");
                assert!(m.starts_with("fuzz.toml"), "{m}");
                refused += 1;
            }
            Ok(Ok(e)) => {
                // What is accepted is usable: finite settings, a bounded population.
                assert!(e.networks().len() <= rnnlab::experiment::limits::MAX_NETWORKS);
                accepted += 1;
            }
        }
    }
    assert!(
        refused > 500 && accepted > 100,
        "{refused} refused, {accepted} accepted"
    );
    let atoms = [
        "arch",
        "=",
        "gru",
        "(",
        ")",
        "and",
        "or",
        "not",
        "final_loss",
        "<",
        "1e-3",
        "'x'",
        "is",
        "null",
        "like",
        "units",
        ">=",
        "\"",
        ";",
        "--",
        "1e999",
    ];
    for n in 0..3000 {
        let len = rng.random_range(0..12);
        let mut filter: Vec<&str> = (0..len)
            .map(|_| atoms[rng.random_range(0..atoms.len())])
            .collect();
        if n % 100 == 0 {
            filter = vec!["("; 5000];
        }
        let filter = filter.join(" ");
        let parsed = std::panic::catch_unwind(|| parse_filter(&filter));
        match parsed {
            Err(_) => panic!("the filter parser panicked on {filter:?}"),
            Ok(Err(m)) => assert_eq!(m.lines().count(), 1, "{m}"),
            Ok(Ok(_)) => {}
        }
    }
}
