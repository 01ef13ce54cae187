//! The Slurm commands rnnlab calls, faked on PATH: the arguments it passes, the arrays it splits
//! at MaxArraySize, a refused submission, and a controller that does not answer.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rnnlab::lab::slurm::Cluster;
use rnnlab::store::{ListQuery, NetState, Notebook};

use crate::common;
use common::s;

fn fake(dir: &Path, name: &str, body: &str) {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn rnnlab_with_path(path: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(args)
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn fake_slurm_commands_see_the_right_arguments_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("calls.log");
    // sbatch: records its arguments, prints ids 100, 101, ... ("ID;cluster" as on federations).
    fake(
        &bin,
        "sbatch",
        &format!(
            "echo \"sbatch $*\" >> {log}\nn=$(grep -c sbatch {log})\necho \"$((99 + n));main\"",
            log = log.display()
        ),
    );
    fake(&bin, "scontrol", "echo 'MaxArraySize            = 3'");
    fake(
        &bin,
        "squeue",
        "echo '100_0|RUNNING|node7|0:10'; echo '100_1|FAILED|node7|0:01'",
    );
    fake(
        &bin,
        "scancel",
        &format!("echo \"scancel $*\" >> {}", log.display()),
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let exp = dir.path().join("e.toml");
    std::fs::write(
        &exp,
        "name = \"fake\"\nseeds = 2\n[task]\nkind = \"flipflop\"\n[grid]\n\
         arch = [\"vanilla\", \"gru\"]\nactivation = [\"tanh\", \"relu\"]\nunits = [8]\n",
    )
    .unwrap();
    let db = dir.path().join("nb.db");

    let out = rnnlab_with_path(
        &path,
        &[
            "slurm",
            "submit",
            s(&exp),
            "--db",
            s(&db),
            "--per-task",
            "1",
            "--partition",
            "short",
            "--time",
            "0-02:00",
            "--max-parallel",
            "2",
            "--json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["tasks"], 8);
    let arrays: Vec<(String, u64, u64)> = report["arrays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a[0].as_str().unwrap().to_string(),
                a[1].as_u64().unwrap(),
                a[2].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        arrays,
        vec![
            ("100".into(), 0, 2),
            ("101".into(), 3, 5),
            ("102".into(), 6, 7)
        ],
        "split below MaxArraySize = 3"
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let sbatch: Vec<&str> = calls.lines().filter(|l| l.starts_with("sbatch")).collect();
    assert_eq!(sbatch.len(), 3);
    assert!(
        sbatch[0].contains("--parsable --array=0-2%2"),
        "{}",
        sbatch[0]
    );
    assert!(
        sbatch[1].ends_with(" 3"),
        "the second array starts at task 3: {}",
        sbatch[1]
    );
    assert!(sbatch[2].contains("--array=0-1%2") && sbatch[2].ends_with(" 6"));
    let script = std::fs::read_to_string(
        Path::new(report["folder"].as_str().unwrap()).join("manifest-1.sh"),
    )
    .unwrap();
    for line in [
        "#SBATCH --partition=short",
        "#SBATCH --time=0-02:00",
        "#SBATCH --signal=B:TERM@120",
        "worker --manifest",
    ] {
        assert!(script.contains(line), "{line}: {script}");
    }
    let nb = Notebook::open(&db).unwrap();
    let rows = nb
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap();
    assert!(
        rows.iter().all(|r| r.state == NetState::Training),
        "held by the submission"
    );
    drop(nb);

    // Status reads the canned queue: task 0 running, task 1 failed, the rest gone.
    let out = rnnlab_with_path(&path, &["slurm", "status", "--db", s(&db), "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let state = |k: usize| status["tasks"][k]["state"].as_str().unwrap().to_string();
    assert_eq!(
        (state(0), state(1), state(2)),
        ("RUNNING".into(), "FAILED".into(), "GONE".into())
    );

    // Cancel: scancel gets every array job, the networks are planned again.
    let out = rnnlab_with_path(&path, &["slurm", "cancel", "--db", s(&db), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.contains("scancel 100 101 102"), "{calls}");
    let nb = Notebook::open(&db).unwrap();
    let planned = nb
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap()
        .iter()
        .filter(|r| r.state == NetState::Planned)
        .count();
    assert_eq!(planned, 8);
    drop(nb);

    // A refused submission: one line with sbatch's reason, exit 2, the networks given back.
    fake(
        &bin,
        "sbatch",
        "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2; exit 1",
    );
    let out = rnnlab_with_path(&path, &["slurm", "submit", s(&exp), "--db", s(&db)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("Invalid partition"), "{err}");
    let nb = Notebook::open(&db).unwrap();
    assert!(nb
        .list(&ListQuery {
            limit: 100,
            ..ListQuery::default()
        })
        .unwrap()
        .iter()
        .all(|r| r.state == NetState::Planned));

    // A controller that does not answer: the command is given up after the timeout.
    fake(&bin, "squeue", "sleep 5");
    let cluster = Cluster {
        timeout: Duration::from_millis(500),
        path: Some(path.into()),
    };
    let t0 = Instant::now();
    let err = cluster.squeue(&["100".into()]).unwrap_err().to_string();
    assert!(t0.elapsed() < Duration::from_secs(3));
    assert!(err.contains("no answer"), "{err}");
}
