//! The `rnnlab` binary as a user runs it: outputs, files, exit codes.

use std::process::Command;

use rnnlab::files::network_file;
use rnnlab::net::Arch;

use crate::common;
use common::{rnnlab, run_ok, s, stderr, stdout};

#[test]
fn train_json_prints_one_object_and_saves_a_loadable_network() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("net.rnn");
    let out = rnnlab(&[
        "train",
        "--task",
        "flipflop",
        "--arch",
        "gru",
        "--units",
        "8",
        "--steps",
        "30",
        "--batch",
        "8",
        "--seed",
        "3",
        "--json",
        "--save",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        1,
        "stdout holds only the JSON object: {text}"
    );
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in [
        "task",
        "arch",
        "activation",
        "units",
        "steps_run",
        "final_loss",
        "score",
        "seconds",
        "diverged",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["task"], "flipflop");
    assert_eq!(report["arch"], "gru");
    assert_eq!(report["steps_run"], 30);
    assert_eq!(report["diverged"], false);
    assert!(stderr(&out).contains("step"), "progress goes to stderr");

    let (meta, params) = network_file::load(&path).unwrap();
    assert_eq!(meta.spec.arch, Arch::Gru);
    assert_eq!(meta.spec.units, 8);
    assert_eq!(meta.seed, 3);
    assert_eq!(params.data.len(), params.layout().len());
    assert_eq!(meta.final_loss, report["final_loss"].as_f64().unwrap());
}

#[test]
fn bad_arguments_give_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["train", "--task", "flipflop", "--arch", "transformer"],
            "transformer",
        ),
        (
            &["train", "--task", "juggling", "--arch", "gru"],
            "juggling",
        ),
        (
            &["train", "--task", "sine", "--arch", "gru", "--units", "0"],
            "units",
        ),
        (
            &["train", "--task", "sine", "--arch", "gru", "--lr", "-1"],
            "learning-rate",
        ),
        (
            &[
                "train", "--task", "sine", "--arch", "gru", "--units", "many",
            ],
            "many",
        ),
        (&["bench", "train", "--units", "0", "--iters", "2"], "units"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, needle) in cases {
        let out = rnnlab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}");
    }
}

#[test]
fn a_diverged_run_exits_1_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.rnn");
    let out = rnnlab(&[
        "train",
        "--task",
        "flipflop",
        "--arch",
        "vanilla",
        "--activation",
        "relu",
        "--units",
        "16",
        "--optimizer",
        "sgd",
        "--lr",
        "1e12",
        "--clip",
        "1e30",
        "--steps",
        "100",
        "--json",
        "--save",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["diverged"], true);
    assert!(report["final_loss"].is_null());
    assert!(!path.exists(), "a diverged network is never saved");
}

#[test]
fn bench_train_reports_a_median_and_gflops() {
    let out = rnnlab(&[
        "bench",
        "train",
        "--arch",
        "lstm,vanilla",
        "--units",
        "8",
        "--batch",
        "4",
        "--time-steps",
        "10",
        "--iters",
        "3",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["arch"], "lstm");
    for row in rows {
        assert!(row["median_ms"].as_f64().unwrap() > 0.0);
        assert!(row["gflops"].as_f64().unwrap() > 0.0);
    }
}

/// `bench fixed-points --baseline`: a run finds every point of its own JSON again, names a
/// fixed point the baseline has and the search does not, and refuses a file that is not such a
/// JSON in one line naming it.
#[test]
fn bench_fixed_points_checks_a_baseline_run() {
    let dir = tempfile::tempdir().unwrap();
    let net = dir.path().join("gru.rnn");
    let mut train: Vec<&str> = "train --task flipflop --arch gru --units 12 --steps 600 --save"
        .split(' ')
        .collect();
    train.push(s(&net));
    let trained = rnnlab(&train);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let bench = |extra: &[&str]| {
        let mut args = vec![
            "bench",
            "fixed-points",
            "--load",
            s(&net),
            "--starts",
            "128",
        ];
        args.extend_from_slice(&["--repeats", "1", "--json"]);
        args.extend_from_slice(extra);
        run_ok(&args)
    };
    let first = bench(&[]);
    let points = first["rows"][0]["points"].as_array().unwrap().clone();
    let fixed = points.iter().filter(|p| p["converged"] == true).count();
    assert!(fixed > 0, "{first}");
    let baseline = dir.path().join("before.json");
    std::fs::write(&baseline, first.to_string()).unwrap();
    let again = bench(&["--baseline", s(&baseline)]);
    let recall = &again["rows"][0]["baseline"];
    assert_eq!(recall["fixed"], fixed);
    assert_eq!(recall["fixed_found"], fixed, "{recall}");
    assert!(recall["missing"].as_array().unwrap().is_empty());
    // A fixed point the search never finds: the first one moved far away.
    let mut moved = first.clone();
    let k = points.iter().position(|p| p["converged"] == true).unwrap();
    let state = moved["rows"][0]["points"][k]["state"]
        .as_array_mut()
        .unwrap();
    state[0] = serde_json::json!(state[0].as_f64().unwrap() + 0.5);
    std::fs::write(&baseline, moved.to_string()).unwrap();
    let recall = bench(&["--baseline", s(&baseline)])["rows"][0]["baseline"].clone();
    assert_eq!(recall["fixed_found"], fixed - 1, "{recall}");
    assert_eq!(recall["missing"].as_array().unwrap().len(), 1);
    std::fs::write(&baseline, "not json").unwrap();
    let out = rnnlab(&[
        "bench",
        "fixed-points",
        "--load",
        s(&net),
        "--starts",
        "8",
        "--repeats",
        "1",
        "--baseline",
        s(&baseline),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("before.json"), "{err}");
}

#[test]
fn built_in_experiments_are_listed_written_out_and_resolved_by_name() {
    let out = rnnlab(&["experiments", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "quickstart");
    assert_eq!(list[0]["networks"], 20);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("mine");
    let out = rnnlab(&["init", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_dir(&target).unwrap().count();
    assert_eq!(written, list.as_array().unwrap().len());
    // A name runs the built-in file from any folder; an unknown one is one line, exit 2.
    let out = Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(["slurm", "submit", "quickstart", "--dry-run", "--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["networks"], 20);
    assert!(
        !dir.path().join("rnnlab.db").exists(),
        "a dry run writes nothing"
    );
    let out = rnnlab(&["run", "no-such-experiment"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("built-in"));
    let version = stdout(&rnnlab(&["--version"]));
    assert!(
        version.starts_with("rnnlab ") && version.contains('('),
        "{version}"
    );
}
