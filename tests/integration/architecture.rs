//! The house as docs/ARCHITECTURE.md states it: which folder of `src/` may use which. Read from
//! the sources themselves (every `crate::folder` a file names outside its tests), so a new
//! dependency across floors fails here, not in review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each folder and the folders it may use (besides the crate root's error type and the
/// `named!` macro that gives enums their names). Keep in step with docs/ARCHITECTURE.md.
const MAY_USE: &[(&str, &[&str])] = &[
    ("task", &[]),
    ("net", &["task"]),
    ("train", &["net", "task"]),
    ("analysis", &["net", "task"]),
    ("store", &["net", "task"]),
    ("plot", &[]),
    ("files", &["net", "task", "train", "experiment"]),
    (
        "experiment",
        &["task", "net", "train", "analysis", "store", "files"],
    ),
    ("slurm", &["experiment", "files", "store", "net", "train"]),
    (
        "lab",
        &[
            "task",
            "net",
            "train",
            "analysis",
            "store",
            "plot",
            "files",
            "experiment",
            "slurm",
        ],
    ),
    ("tui", &["store", "lab", "net", "task", "experiment"]),
    (
        "cli",
        &[
            "task",
            "net",
            "train",
            "analysis",
            "store",
            "files",
            "experiment",
            "lab",
            "tui",
        ],
    ),
];

/// The pure floors do no I/O: none of these may appear in their code.
const PURE: &[&str] = &["task", "net", "train", "analysis", "plot"];
const IO: &[&str] = &[
    "std::fs",
    "rusqlite",
    "ratatui",
    "crossterm",
    "tokio",
    "std::process",
];

/// The code of a file above its unit tests.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(k) => text[..k].to_string(),
        None => text,
    }
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `crate::name` in `code`.
fn used(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(k, m)| {
            code[k + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty() && name.chars().next().is_some_and(|c| c.is_lowercase()))
        .collect()
}

#[test]
fn every_folder_uses_only_the_floors_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = MAY_USE.iter().copied().collect();
    let mut folders = BTreeSet::new();
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap().flatten() {
        if !entry.path().is_dir() {
            continue;
        }
        let folder = entry.file_name().to_string_lossy().to_string();
        let may = allowed
            .get(folder.as_str())
            .unwrap_or_else(|| panic!("src/{folder}/ is not in MAY_USE (nor in ARCHITECTURE.md)"));
        folders.insert(folder.clone());
        let mut paths = Vec::new();
        files(&entry.path(), &mut paths);
        for path in paths {
            let code = code(&path);
            for name in used(&code) {
                if name != folder && name != "named" && !may.contains(&name.as_str()) {
                    wrong.push(format!("{} uses crate::{name}", path.display()));
                }
            }
            if PURE.contains(&folder.as_str()) {
                for io in IO {
                    if code.contains(io) {
                        wrong.push(format!("{} (pure) uses {io}", path.display()));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let listed: BTreeSet<String> = allowed.keys().map(|k| k.to_string()).collect();
    assert_eq!(folders, listed, "MAY_USE lists a folder src/ does not have");
}

#[test]
fn no_folder_holds_more_than_a_third_of_the_code() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut lines: BTreeMap<String, usize> = BTreeMap::new();
    let mut all = Vec::new();
    files(&src, &mut all);
    let total: usize = all
        .iter()
        .map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            let rel = p.strip_prefix(&src).unwrap();
            if rel.components().count() > 1 {
                let top = rel
                    .components()
                    .next()
                    .unwrap()
                    .as_os_str()
                    .to_string_lossy();
                *lines.entry(top.to_string()).or_default() += n;
            }
            n
        })
        .sum();
    for (folder, n) in &lines {
        assert!(
            *n * 100 <= total * 35,
            "src/{folder}/ holds {n} of {total} lines ({:.0} %)",
            100.0 * *n as f64 / total as f64
        );
    }
}
