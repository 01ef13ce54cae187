//! Helpers the integration tests share: running the rnnlab binary and reading its output.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// Runs the rnnlab binary with `args` to completion.
pub fn rnnlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(args)
        .output()
        .expect("rnnlab runs")
}

/// Starts the rnnlab binary with `args`, its output piped.
pub fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rnnlab"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rnnlab starts")
}

/// Runs rnnlab expecting success and one JSON document on stdout.
pub fn run_ok(args: &[&str]) -> serde_json::Value {
    let out = rnnlab(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

/// A command's stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A command's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Trains and analyses two small integration networks (vanilla and GRU, 8 units, 150 steps,
/// aiming at `target_loss`) into `dir/lines.db`, which it returns.
pub fn tiny_integration(dir: &Path, target_loss: &str) -> std::path::PathBuf {
    let (file, db) = (dir.join("lines.toml"), dir.join("lines.db"));
    std::fs::write(
        &file,
        format!(
            "name = \"lines\"\ndescription = \"two small integrators\"\nseeds = 1\n\
         [task]\nkind = \"integration\"\n\
         [grid]\narch = [\"vanilla\", \"gru\"]\nactivation = [\"tanh\"]\nunits = [8]\nl2 = [1e-5]\n\
         [train]\nsteps = 150\ntarget_loss = {target_loss}\n"
        ),
    )
    .unwrap();
    let out = rnnlab(&["run", s(&file), "--db", s(&db), "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    db
}
