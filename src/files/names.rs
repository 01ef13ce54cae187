//! Names a user gives (experiments) are identifiers, not paths: files and folders are built
//! from them (`report-NAME/`, the Slurm sweep folder `NAME-ID/`, `NAME-weights.npz`), so a name
//! may only hold letters, digits and `-_.`, may not start with a dot, and has a length bound.
//! Every path built from a name goes through [`inside`], which refuses a name that would leave
//! its folder even if an older notebook stored it before these rules.

use std::path::{Path, PathBuf};

use super::LabError;

/// Longest name, in characters.
pub const MAX_NAME: usize = 100;

/// Checks that `name` is an identifier; the message says what is wrong (`what` names it: "name",
/// "--experiment", ...).
pub fn check(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    let length = name.chars().count();
    if length > MAX_NAME {
        return Err(format!(
            "{what} has {length} characters; at most {MAX_NAME} are allowed"
        ));
    }
    if name.starts_with('.') {
        return Err(format!("{what} '{name}' must not start with a dot"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let shown = if c.is_control() {
            format!("{:?}", c)
        } else {
            format!("'{c}'")
        };
        return Err(format!(
            "{what} may hold only letters, digits and - _ . (found {shown}); it names files \
             and folders"
        ));
    }
    Ok(())
}

/// `dir/file`, where `file` was built from a name: refused unless it is one plain file name
/// (no separator, not `.` or `..`, no leading dot), so the path stays inside `dir`.
pub fn inside(dir: &Path, file: &str) -> Result<PathBuf, LabError> {
    check("a file name built from a name", file).map_err(|m| {
        LabError::Invalid(format!(
            "{m}: refusing to write outside {} (rename the experiment)",
            dir.display()
        ))
    })?;
    Ok(dir.join(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_pass_and_paths_do_not() {
        for good in ["quickstart", "paper-flipflop", "run_2.b", "A1"] {
            assert!(check("name", good).is_ok(), "{good}");
        }
        let long = "x".repeat(MAX_NAME + 1);
        for (bad, says) in [
            ("", "empty"),
            ("x/../../outside/pwned", "'/'"),
            ("..", "dot"),
            (".hidden", "dot"),
            ("a b", "' '"),
            ("tab\there", "'\\t'"),
            ("é", "'é'"),
            (long.as_str(), "101 characters"),
        ] {
            let err = check("name", bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        let dir = Path::new("/nb");
        assert_eq!(
            inside(dir, "report-q").unwrap(),
            PathBuf::from("/nb/report-q")
        );
        assert!(inside(dir, "report-x/../../y").is_err());
        assert!(inside(dir, "..").is_err());
    }
}
