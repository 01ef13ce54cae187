//! The shipped experiments, compiled into the binary: `rnnlab run quickstart` works in any
//! folder, after `cargo install`, with no checkout beside it. `rnnlab init` writes them out to
//! edit.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Experiment;
use crate::LabError;

/// (name, file text) of every shipped experiment, quickstart first.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "quickstart",
        include_str!("../../experiments/quickstart.toml"),
    ),
    (
        "quickstart-activations",
        include_str!("../../experiments/quickstart-activations.toml"),
    ),
    ("flipflop", include_str!("../../experiments/flipflop.toml")),
    ("sine", include_str!("../../experiments/sine.toml")),
    (
        "integration",
        include_str!("../../experiments/integration.toml"),
    ),
    (
        "paper-flipflop",
        include_str!("../../experiments/paper-flipflop.toml"),
    ),
    (
        "paper-sine",
        include_str!("../../experiments/paper-sine.toml"),
    ),
    (
        "paper-integration",
        include_str!("../../experiments/paper-integration.toml"),
    ),
];

/// The experiment an argument names: the file at that path if there is one, else the built-in
/// experiment of that name.
pub fn resolve(arg: &Path) -> Result<Experiment, LabError> {
    if arg.exists() {
        return Experiment::load(arg);
    }
    let name = arg.to_string_lossy();
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => Experiment::parse(Path::new(&format!("<built-in {n}>")), text),
        None => Err(LabError::Invalid(format!(
            "{name}: no such experiment file, and no built-in experiment of that name \
             (built-in: {}; `rnnlab experiments` lists them)",
            BUILTIN
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// One built-in experiment, as `rnnlab experiments` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct BuiltinRow {
    /// Its name (`rnnlab run NAME`).
    pub name: String,
    /// Its task.
    pub task: String,
    /// Networks it plans.
    pub networks: usize,
    /// What it is.
    pub description: String,
}

/// The built-in experiments.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct Builtins(pub Vec<BuiltinRow>);

impl std::fmt::Display for Builtins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.0 {
            writeln!(
                f,
                "{:<18} {:<12} {:>6} networks  {}",
                r.name, r.task, r.networks, r.description
            )?;
        }
        writeln!(
            f,
            "run one with `rnnlab run NAME`; `rnnlab init` writes them to ./experiments to edit"
        )
    }
}

/// Lists the built-in experiments.
pub fn builtins() -> Result<Builtins, LabError> {
    BUILTIN
        .iter()
        .map(|(name, _)| {
            let e = resolve(Path::new(name))?;
            Ok(BuiltinRow {
                name: name.to_string(),
                task: e.task.name().into(),
                networks: e.networks().len(),
                description: e.description.clone(),
            })
        })
        .collect::<Result<_, _>>()
        .map(Builtins)
}

/// What `rnnlab init` wrote.
#[derive(Clone, Debug, Serialize)]
pub struct InitReport {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Files left as they were (they existed).
    pub kept: Vec<PathBuf>,
}

impl std::fmt::Display for InitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.written {
            writeln!(f, "wrote {}", p.display())?;
        }
        for p in &self.kept {
            writeln!(f, "kept {} (it exists)", p.display())?;
        }
        Ok(())
    }
}

/// Writes every built-in experiment into `dir` (created if needed) as NAME.toml, never over an
/// existing file.
pub fn init(dir: &Path) -> Result<InitReport, LabError> {
    std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut report = InitReport {
        written: Vec::new(),
        kept: Vec::new(),
    };
    for (name, text) in BUILTIN {
        let path = dir.join(format!("{name}.toml"));
        if path.exists() {
            report.kept.push(path);
            continue;
        }
        std::fs::write(&path, text).map_err(|source| LabError::Io {
            path: path.clone(),
            source,
        })?;
        report.written.push(path);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_is_built_in_and_parses() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
        // An example of a task given as arrays needs its file beside it: not built in.
        let files = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
            .filter(|e| {
                !std::fs::read_to_string(e.path())
                    .unwrap()
                    .contains("kind = \"arrays\"")
            })
            .count();
        assert_eq!(
            files,
            BUILTIN.len(),
            "a shipped file is missing from BUILTIN"
        );
        let rows = builtins().unwrap();
        assert_eq!(rows.0[0].name, "quickstart");
        assert_eq!(rows.0[0].networks, 20);
        assert!(resolve(Path::new("no-such-thing")).is_err());
    }
}
