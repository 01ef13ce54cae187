//! The file of a task given as arrays (`[task] kind = "arrays"`, `file = "..."`): found beside
//! the experiment file, read once, fingerprinted and checked before anything is planned.
//!
//! The experiment's text as the notebook keeps it names the file by its absolute path and
//! carries its fingerprint, so every later reader (a resumed run, a Slurm array task, a report)
//! reads the same file and refuses it if it has changed: a changed file is a different
//! experiment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::fingerprint::fnv1a;
use crate::files::arrays::{arrays_of, max_array_bytes};
use crate::task::arrays::ARRAY_NAMES;
use crate::task::{ArraysTask, Trials};
use crate::LabError;

/// Where the `file` key of `[task]` sits in an experiment's text.
#[derive(Deserialize)]
struct TaskSpan {
    task: FileSpan,
}

#[derive(Deserialize)]
struct FileSpan {
    file: toml::Spanned<String>,
}

/// Reads `task`'s file (relative paths from the folder of `experiment`, the experiment file),
/// checks its arrays and, if the task carries a fingerprint, that the file still has it; fills
/// in the trials, the absolute path and the fingerprint. Returns `text` naming the file by
/// that path and carrying the fingerprint. Errors name the file and the array at fault.
pub(super) fn read(
    experiment: &Path,
    text: &str,
    task: &mut ArraysTask,
) -> Result<String, LabError> {
    let folder = experiment.parent().unwrap_or(Path::new(""));
    let given: PathBuf = if task.file.is_absolute() {
        task.file.clone()
    } else {
        folder.join(&task.file)
    };
    let (trials, fingerprint) = read_trials(&given)?;
    if let Some(planned) = &task.fingerprint {
        if *planned != fingerprint {
            return Err(LabError::Invalid(format!(
                "{}: changed since its experiment was planned (fingerprint {planned}, now \
                 {fingerprint}); a changed task is a new experiment: give it another name",
                given.display()
            )));
        }
    }
    let absolute = std::fs::canonicalize(&given).map_err(|source| LabError::Io {
        path: given.clone(),
        source,
    })?;
    let text = with_file(
        text,
        &absolute,
        task.fingerprint.is_none().then_some(&fingerprint),
    )
    .map_err(|m| LabError::Invalid(format!("{}: {m}", experiment.display())))?;
    task.file = absolute;
    task.fingerprint = Some(fingerprint);
    task.trials = Some(Arc::new(trials));
    Ok(text)
}

/// The checked trials of the task file at `path`, and its fingerprint (FNV-1a of its bytes, in
/// hex). Errors name the file and the array at fault.
pub fn read_trials(path: &Path) -> Result<(Trials, String), LabError> {
    let bad = |m: String| LabError::Invalid(format!("{}: {m}", path.display()));
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("npz") => "npz",
        Some(e) if e.eq_ignore_ascii_case("safetensors") => "safetensors",
        _ => {
            return Err(bad(
                "a task's arrays are an .npz or .safetensors file".into()
            ))
        }
    };
    let bytes = crate::files::read_bounded(path, max_array_bytes())?;
    let fingerprint = format!("{:016x}", fnv1a(bytes.iter().copied()));
    let arrays = arrays_of(path, format, &bytes)?;
    if let Some(unknown) = arrays.keys().find(|k| !ARRAY_NAMES.contains(&k.as_str())) {
        return Err(bad(format!(
            "array {unknown}: not one a task file holds ({})",
            ARRAY_NAMES.join(", ")
        )));
    }
    let trials = Trials::from_arrays(|name| arrays.get(name).map(|a| (&a.shape[..], &a.data[..])))
        .map_err(bad)?;
    Ok((trials, fingerprint))
}

/// `text` with `[task] file` set to `file`, and `fingerprint = "…"` added after it if given.
fn with_file(text: &str, file: &Path, fingerprint: Option<&String>) -> Result<String, String> {
    let span: TaskSpan = toml::from_str(text).map_err(|e| e.message().to_string())?;
    let range = span.task.file.span();
    let path = file
        .to_str()
        .ok_or("the task file's path is not UTF-8 text")?;
    let mut value = toml::Value::String(path.to_string()).to_string();
    if let Some(fp) = fingerprint {
        value.push_str(&format!("\nfingerprint = \"{fp}\""));
    }
    Ok(format!(
        "{}{value}{}",
        &text[..range.start],
        &text[range.end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_key_is_rewritten_in_place_and_the_rest_kept() {
        let text =
            "name = \"x\" # mine\n[task]\nkind = \"arrays\"\nfile = 'a.npz'  # here\n\n[grid]\n";
        let out = with_file(text, Path::new("/d/a.npz"), Some(&"00ff".to_string())).unwrap();
        assert_eq!(
            out,
            "name = \"x\" # mine\n[task]\nkind = \"arrays\"\nfile = \"/d/a.npz\"\nfingerprint = \
             \"00ff\"  # here\n\n[grid]\n"
        );
        let again = with_file(&out, Path::new("/d/a.npz"), None).unwrap();
        assert_eq!(again, out);
    }
}
