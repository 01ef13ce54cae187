//! Hostile and foreign input, as an attacker or an unlucky user brings it: names that are paths,
//! Slurm result files that are not this notebook's or not readable at all, hand-edited
//! manifests, import files that lie about their sizes, and runners that die holding work.
//! Each refusal is one line with exit 2; nothing foreign is merged; every valid result is.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rnnlab::store::{ListQuery, NetState, Notebook, ResultOrigin};

use crate::common;
use common::{rnnlab, s, stderr};

/// Refused: exit 2, one line on stderr that says `says`.
fn refused(out: &Output, says: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains(says), "expected '{says}' in: {err}");
}

pub(crate) fn experiment_text(name: &str, task: &str, steps: usize) -> String {
    format!(
        "name = \"{name}\"\nseeds = 2\n[task]\nkind = \"{task}\"\ntime_steps = 10\n\
         [grid]\narch = [\"vanilla\"]\nactivation = [\"tanh\"]\nunits = [4]\n\
         [train]\nsteps = {steps}\ntarget_loss = 1e-12\nbatch = 8\n[analysis]\nstarts = 8\n"
    )
}

#[test]
fn names_that_are_paths_huge_names_and_seeds_past_i64_are_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let good = experiment_text("ok", "flipflop", 5);
    let cases = [
        (
            good.replace("name = \"ok\"", "name = \"x/../../../../../outside/pwned\""),
            "may hold only letters, digits and - _ .",
        ),
        (
            good.replace("name = \"ok\"", &format!("name = \"{}\"", "n".repeat(5000))),
            "5000 characters; at most 100",
        ),
        (
            good.replace("name = \"ok\"", "name = \"..\""),
            "must not start with a dot",
        ),
        (
            good.replace("seeds = 2", "seeds = [18446744073709551615]"),
            "seed 18446744073709551615 is larger than 9223372036854775807",
        ),
        (
            good.replace("seeds = 2", "seeds = \"three\""),
            "a count of seeds (seeds = 4) or a list of seeds",
        ),
        (
            good.replace("time_steps = 10", "time_steps = 10\nbits = 16"),
            "bits = 16 is more than 12",
        ),
    ];
    for (text, says) in cases {
        let file = dir.path().join("e.toml");
        std::fs::write(&file, &text).unwrap();
        let out = rnnlab(&["run", s(&file), "--db", s(&db)]);
        refused(&out, says);
        assert!(stderr(&out).contains(s(&file)), "names the file");
        assert!(!db.exists(), "nothing written for {says}");
    }
    assert!(!dir.path().join("outside").exists());
}

#[test]
fn filters_that_would_match_everything_or_overflow_sqlite_are_refused() {
    use rnnlab::store::parse_filter;
    let err = parse_filter("final_loss < nan").unwrap_err();
    assert!(
        err.contains("final_loss holds numbers; 'nan' is not one"),
        "{err}"
    );
    let err = parse_filter("final_loss < -nan").unwrap_err();
    assert!(err.contains("compares with nothing"), "{err}");
    let chain = vec!["units = 4"; 9000].join(" or ");
    let err = parse_filter(&chain).unwrap_err();
    assert!(err.contains("at most 500 comparisons"), "{err}");
    assert!(parse_filter("ideal_scaffold = true and arch = GRU").is_ok());
    assert!(parse_filter("reason like '%nan%'").is_ok());
}

/// A fake `sbatch` (job ids 100, 101, ...), `scontrol` and `squeue` on a PATH of their own.
pub(crate) fn fake_slurm(dir: &Path) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("sbatch.log");
    for (name, body) in [
        (
            "sbatch",
            format!(
                "echo x >> {log}\necho $((99 + $(wc -l < {log})))",
                log = log.display()
            ),
        ),
        ("scontrol", "echo 'MaxArraySize = 1000'".into()),
        ("squeue", String::new()),
    ] {
        let path = bin.join(name);
        std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

fn with_path(path: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(args)
        .env("PATH", path)
        .output()
        .unwrap()
}

/// Submits `text` as an experiment into `db` (one network per task) and runs every task's
/// worker by hand, as Slurm would; returns the sweep folder.
pub(crate) fn submit_and_work(dir: &Path, path: &str, db: &Path, text: &str) -> PathBuf {
    let (folder, tasks) = submit(dir, path, db, text, 1);
    for task in 0..tasks {
        let out = rnnlab(&[
            "worker",
            "--manifest",
            s(&folder.join("manifest-1.json")),
            "--task",
            &task.to_string(),
            "--jobs",
            "1",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    folder
}

/// Submits `text` as an experiment into `db` through the fake Slurm on `path`, `per_task`
/// networks per array task; returns the sweep folder and the number of tasks.
pub(crate) fn submit(
    dir: &Path,
    path: &str,
    db: &Path,
    text: &str,
    per_task: usize,
) -> (PathBuf, u64) {
    let file = dir.join(format!(
        "{}.toml",
        db.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&file, text).unwrap();
    let per_task = per_task.to_string();
    let args = [
        "slurm",
        "submit",
        s(&file),
        "--db",
        s(db),
        "--per-task",
        &per_task,
        "--json",
    ];
    let out = with_path(path, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        PathBuf::from(report["folder"].as_str().unwrap()),
        report["tasks"].as_u64().unwrap(),
    )
}

/// Copies result file `from` to `to`, claiming `origin` (as a forger with write access would).
fn forge(from: &Path, to: &Path, origin: &ResultOrigin) {
    std::fs::copy(from, to).unwrap();
    Notebook::open(to)
        .unwrap()
        .set_result_origin(origin)
        .unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", to.display()));
    }
}

#[test]
fn collect_quarantines_foreign_and_unreadable_results_and_merges_every_valid_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_slurm(dir.path());
    let db = dir.path().join("nb.db");
    let folder = submit_and_work(
        dir.path(),
        &path,
        &db,
        &experiment_text("fake", "flipflop", 30),
    );
    let results = folder.join("results");
    let own = results.join("manifest-1-task-0.db");
    assert!(own.exists() && results.join("manifest-1-task-1.db").exists());

    // Another notebook's sweep under the same name: fewer steps (D8), and the sine task (D9).
    let other = submit_and_work(
        dir.path(),
        &path,
        &dir.path().join("other.db"),
        &experiment_text("fake", "flipflop", 3),
    );
    let sine = submit_and_work(
        dir.path(),
        &path,
        &dir.path().join("sine.db"),
        &experiment_text("fake", "sine", 3),
    );
    let foreign = other.join("results/manifest-1-task-0.db");
    std::fs::copy(&foreign, results.join("a-foreign.db")).unwrap();
    let mine = ResultOrigin {
        notebook: Notebook::open(&db).unwrap().identity().unwrap(),
        submission: 1,
        manifest: "manifest-1".into(),
        slot: 0,
    };
    // Forged origins: the checks below the origin must hold on their own.
    forge(&foreign, &results.join("b-forged-steps.db"), &mine);
    forge(
        &sine.join("results/manifest-1-task-0.db"),
        &results.join("c-forged-sine.db"),
        &mine,
    );
    forge(
        &own,
        &results.join("d-forged-submission.db"),
        &ResultOrigin {
            submission: 7,
            ..mine.clone()
        },
    );
    // D10: files that are not results at all.
    let bytes = std::fs::read(&own).unwrap();
    std::fs::write(results.join("e-empty.db"), b"").unwrap();
    std::fs::write(
        results.join("f-random.db"),
        (0..50_000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(results.join("g-truncated.db"), &bytes[..bytes.len() / 3]).unwrap();
    std::fs::create_dir(results.join("h-folder.db")).unwrap();
    let program = rusqlite::Connection::open(results.join("i-program.db")).unwrap();
    program
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(program);
    let newer = results.join("j-newer.db");
    std::fs::copy(&own, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let refused_files = 10;

    let out = with_path(&path, &["slurm", "collect", "--db", s(&db), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "finished, with refusals: {}",
        stderr(&out)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["trained"], 2, "{report}");
    assert_eq!(report["analysed"], 2, "{report}");
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), refused_files, "{report}");
    let reason = |stem: &str| -> String {
        rejected
            .iter()
            .find(|r| r["file"].as_str().unwrap().contains(stem))
            .unwrap_or_else(|| panic!("{stem} not refused: {report}"))["reason"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (stem, says) in [
        ("a-foreign", "written for another notebook"),
        ("b-forged-steps", "is not the file this notebook holds"),
        ("c-forged-sine", "is not the file this notebook holds"),
        ("d-forged-submission", "belongs to submission 7, not 1"),
        ("e-empty", "an empty file"),
        ("f-random", "not an SQLite database"),
        ("h-folder", "not a regular file"),
        ("i-program", "another program"),
        ("j-newer", "newer"),
    ] {
        let r = reason(stem);
        assert!(r.contains(says), "{stem}: {r}");
        assert_eq!(r.lines().count(), 1, "{r}");
    }
    reason("g-truncated");
    // Moved aside with the reason beside each; the valid results stay.
    let quarantine = results.join("rejected");
    assert!(quarantine.join("a-foreign.db").exists());
    assert!(
        std::fs::read_to_string(quarantine.join("a-foreign.db.reason"))
            .unwrap()
            .contains("another notebook")
    );
    assert!(own.exists() && !results.join("a-foreign.db").exists());
    // What was merged is this notebook's own training: 30 steps, not the foreign 3.
    let nb = Notebook::open(&db).unwrap();
    let rows = nb
        .list(&ListQuery {
            limit: 10,
            ..ListQuery::default()
        })
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.state == NetState::Analysed && r.steps_run == Some(30)));
    drop(nb);
    // Every later command works; status says what was refused; a second collect has nothing
    // new and nothing to refuse.
    for args in [
        vec!["export", "weights", "--experiment", "fake", "--output"],
        vec!["fixed-points", "--network", "1", "--json"],
    ] {
        let mut args: Vec<String> = args.into_iter().map(String::from).collect();
        if args.last().unwrap() == "--output" {
            args.push(s(&dir.path().join("w.npz")).to_string());
        }
        args.extend(["--db".to_string(), s(&db).to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = rnnlab(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
    let out = with_path(&path, &["slurm", "status", "--db", s(&db), "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["rejected"].as_array().unwrap().len(), refused_files);
    let out = with_path(&path, &["slurm", "collect", "--db", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            again["trained"].as_u64(),
            again["rejected"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
}

#[test]
fn a_hand_edited_manifest_is_refused_before_anything_trains() {
    let dir = tempfile::tempdir().unwrap();
    let path = fake_slurm(dir.path());
    let db = dir.path().join("nb.db");
    let text = experiment_text("edited", "flipflop", 5);
    let manifest = submit(dir.path(), &path, &db, &text, 4)
        .0
        .join("manifest-1.json");
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    for (field, value, says) in [
        (
            "units",
            serde_json::json!(1_000_000_000u64),
            "units = 1000000000 is more than",
        ),
        ("units", serde_json::json!(0), "units must be at least 1"),
        ("arch", serde_json::json!("transformer"), "transformer"),
        ("config", serde_json::json!("not json"), "config: expected"),
    ] {
        let mut edited = original.clone();
        edited["tasks"][0][0][field] = value;
        let copy = dir.path().join("edited.json");
        std::fs::write(&copy, edited.to_string()).unwrap();
        let out = rnnlab(&["worker", "--manifest", s(&copy), "--task", "0"]);
        refused(&out, says);
    }
    let out = rnnlab(&["worker", "--manifest", "/dev/zero", "--task", "0"]);
    refused(&out, "not a regular file");
}

/// A zip with one deflated entry `name` of `size` zero bytes whose central directory then
/// declares `declared` bytes (a size that lies).
fn lying_npz(path: &Path, size: usize, declared: u32) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("w.npy", options).unwrap();
    zip.write_all(&vec![0u8; size]).unwrap();
    zip.finish().unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    // The uncompressed size: offset 22 of the local header, 24 of the central one.
    let central = bytes.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&declared.to_le_bytes());
    bytes[22..26].copy_from_slice(&declared.to_le_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn import_files_that_lie_about_their_sizes_are_refused_in_bounded_memory() {
    use rnnlab::files::npz::{npy, Npz};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let npz = |name: &str, arrays: &[(&str, Vec<u8>)]| {
        let path = dir.path().join(name);
        let mut z = Npz::create(&path).unwrap();
        for (n, bytes) in arrays {
            z.add(n, bytes).unwrap();
        }
        z.finish().unwrap();
        path
    };
    let mut cases: Vec<(PathBuf, &str)> = vec![
        // D6: declared sizes whose byte count wraps to 0.
        (
            npz("wrap8.npz", &[("w", npy("<f8", &[1 << 32, 1 << 29], &[]))]),
            "truncated",
        ),
        (
            npz("wrap4.npz", &[("w", npy("<f4", &[1 << 31, 1 << 31], &[]))]),
            "truncated",
        ),
    ];
    // D7: an entry declaring 4 GiB, and one that inflates past what it declares.
    let big = dir.path().join("declares-4gib.npz");
    lying_npz(&big, 1 << 20, 0xF000_0000);
    cases.push((big, "rnnlab reads at most"));
    let bomb = dir.path().join("bomb.npz");
    lying_npz(&bomb, 1 << 20, 100);
    cases.push((bomb, "its zip header says 100"));
    let zero = dir.path().join("zero.npz");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    cases.push((zero, "not a regular file"));
    let folder = dir.path().join("folder.npz");
    std::fs::create_dir(&folder).unwrap();
    cases.push((
        folder.join("..").join("folder.npz"),
        "no .npz or .safetensors files",
    ));
    let disguised = dir.path().join("disguised.npz");
    std::fs::write(&disguised, b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}").unwrap();
    cases.push((disguised, "named .npz but it is a .safetensors file"));
    for (file, says) in cases {
        // Under a 2 GiB address-space limit: an allocation of the declared size would abort.
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "ulimit -v 2000000; exec {} import {} --task flipflop --db {}",
                env!("CARGO_BIN_EXE_rnnlab"),
                s(&file),
                s(&db)
            ))
            .output()
            .unwrap();
        refused(&out, says);
        assert!(!db.exists());
    }
}

#[test]
fn a_runner_analyses_the_trained_network_of_a_peer_that_died_holding_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let file = dir.path().join("peers.toml");
    std::fs::write(&file, experiment_text("peers", "flipflop", 20)).unwrap();
    let out = rnnlab(&["run", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A peer (a live process here, for now) holds network 1, trained and not yet analysed.
    let mut peer = Command::new("sleep").arg("30").spawn().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO workers (id, host, pid, started, heartbeat) VALUES ('peer', ?1, ?2, ?3, ?3)",
        rusqlite::params![rnnlab::store::this_host(), peer.id(), rnnlab::store::now()],
    )
    .unwrap();
    conn.execute(
        "UPDATE networks SET state = 'trained', worker = 'peer' WHERE id = 1",
        [],
    )
    .unwrap();
    drop(conn);
    let survivor = common::spawn(&["run", s(&file), "--db", s(&db)]);
    std::thread::sleep(Duration::from_millis(1500));
    // The peer dies holding it; the survivor, still waiting on it, takes it over.
    peer.kill().unwrap();
    peer.wait().unwrap();
    let t0 = Instant::now();
    let out = survivor.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(t0.elapsed() < Duration::from_secs(30));
    let nb = Notebook::open(&db).unwrap();
    assert_eq!(nb.network(1).unwrap().state, NetState::Analysed);
    assert!(nb.workers().unwrap().iter().all(|w| w.id != "peer"));
}

#[test]
fn a_similarity_claim_of_a_killed_runner_on_this_host_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let file = dir.path().join("claim.toml");
    std::fs::write(&file, experiment_text("claim", "flipflop", 20)).unwrap();
    let out = rnnlab(&["run", s(&file), "--db", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Wipe the pairs and leave a claim by a runner that was killed (no such pid here).
    let conn = rusqlite::Connection::open(&db).unwrap();
    let settings: String = conn
        .query_row("SELECT settings FROM similarity_settings", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch("DELETE FROM similarity_pairs").unwrap();
    conn.execute(
        "INSERT INTO similarity_updates (experiment_id, settings, holder, started)
         VALUES (1, ?1, ?2, ?3)",
        rusqlite::params![
            settings,
            format!("{}:{}", rnnlab::store::this_host(), i32::MAX),
            rnnlab::store::now()
        ],
    )
    .unwrap();
    drop(conn);
    let out = rnnlab(&["run", s(&file), "--db", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["compared_pairs"], 1, "{summary}");
    assert_eq!(summary["compared_elsewhere"], false, "{summary}");
}

#[test]
fn a_filter_gives_one_answer_with_or_without_the_experiment_and_in_any_case() {
    use rnnlab::store::ListQuery;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nb.db");
    let file = dir.path().join("f.toml");
    let text = experiment_text("f", "flipflop", 5)
        .replace(
            "arch = [\"vanilla\"]",
            "arch = [\"vanilla\", \"gru\", \"lstm\"]",
        )
        .replace(
            "activation = [\"tanh\"]",
            "activation = [\"tanh\", \"relu\"]",
        );
    std::fs::write(&file, text).unwrap();
    let out = rnnlab(&["run", s(&file), "--db", s(&db)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let nb = Notebook::open(&db).unwrap();
    let count = |experiment: Option<&str>, filter: &str| {
        nb.count(&ListQuery {
            experiment: experiment.map(String::from),
            filter: Some(filter.into()),
            ..ListQuery::default()
        })
        .unwrap()
    };
    // 12 networks: 3 cells × 2 activations × 2 seeds.
    for (filter, expected) in [
        ("arch = GRU or arch = LSTM", 8),
        ("arch = gru or arch = LSTM", 8),
        ("arch = Gru or arch = lstm or arch = VANILLA", 12),
        ("arch = LSTM", 4),
        ("activation = TANH or arch = gru", 8),
        ("not (arch = GRU or arch = lstm)", 4),
        ("(arch = GRU or arch = LSTM) and activation = RELU", 4),
        ("arch != GRU and arch != lstm", 4),
        ("state = ANALYSED and (arch = GRU or arch = LSTM)", 8),
    ] {
        // The terminal notebook asks with the experiment, `rnnlab ls` without: one answer.
        assert_eq!(
            count(Some("f"), filter),
            expected,
            "{filter} (with the experiment)"
        );
        assert_eq!(count(None, filter), expected, "{filter}");
    }
}
