//! `rnnlab run --detach`: the same run in the background, in its own session, so it survives
//! the SSH connection (and its terminal) closing.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::LabError;

/// Starts `rnnlab run EXPERIMENT --db DB [--jobs N]` detached with the rnnlab binary `exe`.
/// Returns the child's pid and its log path.
pub fn run_detached(
    exe: &Path,
    experiment: &Path,
    db: &Path,
    jobs: Option<usize>,
) -> Result<(u32, PathBuf), LabError> {
    let mut args: Vec<OsString> = vec![
        "run".into(),
        experiment.as_os_str().to_owned(),
        "--db".into(),
        db.as_os_str().to_owned(),
    ];
    if let Some(jobs) = jobs {
        args.extend(["--jobs".into(), jobs.to_string().into()]);
    }
    spawn_detached(exe, &args, db)
}

/// Starts the rnnlab binary `exe` with `args` detached, its output appended to a log beside
/// the notebook `db`. Returns the child's pid and the log path.
fn spawn_detached(exe: &Path, args: &[OsString], db: &Path) -> Result<(u32, PathBuf), LabError> {
    let log = log_path_beside(db);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LabError::Io { path, source }
    };
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(io(&log))?;
    let err = out.try_clone().map_err(io(&log))?;
    let mut command = Command::new(exe);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command.spawn().map_err(io(&log))?;
    let pid = child.id();
    // Reaped when it ends, so a long-lived parent (the terminal notebook) leaves no zombie.
    std::thread::spawn(move || child.wait());
    Ok((pid, log))
}

/// Where a detached run writes its log: beside the notebook, named for it and the start time.
fn log_path_beside(db: &Path) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "rnnlab.db".into());
    db.with_file_name(format!("{name}.run-{stamp}.log"))
}
