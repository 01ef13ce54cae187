//! Calling Slurm's commands: `sbatch`, `squeue`, `scancel`, `scontrol`, each with a time limit
//! (a controller that is down makes them hang for seconds) and its error in one line.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::LabError;

/// How rnnlab reaches Slurm.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// How long one command may take.
    pub timeout: Duration,
    /// The PATH the commands are looked up on (None: this process's).
    pub path: Option<std::ffi::OsString>,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster {
            timeout: Duration::from_secs(30),
            path: None,
        }
    }
}

/// The state of one array task, as `squeue` reports it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QueueEntry {
    /// The array job.
    pub job_id: String,
    /// The index in the array.
    pub task: i64,
    /// PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
    pub state: String,
    /// The node, if any.
    pub node: String,
    /// Time used, as Slurm prints it.
    pub time: String,
}

impl Cluster {
    /// Runs `program args`, returning its stdout; an error names the program and what it said.
    fn run(&self, program: &str, args: &[String]) -> Result<String, LabError> {
        let mut command = Command::new(program);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                LabError::Invalid(format!(
                    "{program}: cannot run it ({e}); is this a Slurm login node?"
                ))
            })?;
        // Both pipes are drained while the command runs: squeue's answer for a large array is
        // more than a pipe holds, and a child blocked on a full pipe never exits.
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_string(&mut text);
                }
                text
            })
        };
        let out = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let err = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child
                .try_wait()
                .map_err(|e| LabError::Invalid(format!("{program}: {e}")))?
            {
                break status;
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(LabError::Invalid(format!(
                    "{program}: no answer within {} s (is the Slurm controller up?)",
                    self.timeout.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The child has exited, so its pipes close (unless it left a grandchild holding them).
        let out = out.join().unwrap_or_default();
        let err = err.join().unwrap_or_default();
        if !status.success() {
            let said = err.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(LabError::Invalid(format!("{program} failed: {said}")));
        }
        Ok(out)
    }

    /// Submits `script` with `args` and one argument for the script; the job id (`sbatch
    /// --parsable` prints `ID` or `ID;CLUSTER`).
    pub fn sbatch_with_arg(
        &self,
        args: &[String],
        script: &std::path::Path,
        script_arg: &str,
    ) -> Result<String, LabError> {
        let mut all = vec!["--parsable".to_string()];
        all.extend(args.iter().cloned());
        all.push(script.to_string_lossy().into_owned());
        all.push(script_arg.to_string());
        let out = self.run("sbatch", &all)?;
        let id = out.trim().split(';').next().unwrap_or_default().to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(LabError::Invalid(format!(
                "sbatch printed no job id: {}",
                out.trim()
            )));
        }
        Ok(id)
    }

    /// The cluster's MaxArraySize (array indices must be below it); 1001 where it cannot be
    /// read (Slurm's default).
    pub fn max_array_size(&self) -> usize {
        self.run("scontrol", &["show".into(), "config".into()])
            .ok()
            .and_then(|out| {
                out.lines()
                    .find(|l| l.trim_start().starts_with("MaxArraySize"))
                    .and_then(|l| l.split('=').nth(1))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(1001)
    }

    /// Every task of these array jobs that Slurm still knows (`squeue -t all`: finished ones
    /// stay for MinJobAge), one entry per task.
    pub fn squeue(&self, job_ids: &[String]) -> Result<Vec<QueueEntry>, LabError> {
        if job_ids.is_empty() {
            return Ok(Vec::new());
        }
        let out = self.run(
            "squeue",
            &[
                "-h".into(),
                "-r".into(),
                "-t".into(),
                "all".into(),
                "-j".into(),
                job_ids.join(","),
                "-o".into(),
                "%i|%T|%N|%M".into(),
            ],
        )?;
        Ok(parse_squeue(&out))
    }

    /// Cancels these jobs.
    pub fn scancel(&self, job_ids: &[String]) -> Result<(), LabError> {
        if job_ids.is_empty() {
            return Ok(());
        }
        self.run("scancel", job_ids).map(drop)
    }
}

/// Parses `squeue -h -r -o '%i|%T|%N|%M'` lines (`JOB_TASK|STATE|NODE|TIME`); lines of other
/// jobs or without a task index are skipped.
pub fn parse_squeue(out: &str) -> Vec<QueueEntry> {
    out.lines()
        .filter_map(|line| {
            let mut f = line.trim().split('|');
            let id = f.next()?;
            let (job, task) = id.split_once('_')?;
            Some(QueueEntry {
                job_id: job.to_string(),
                task: task.parse().ok()?,
                state: f.next()?.trim().to_string(),
                node: f.next().unwrap_or_default().trim().to_string(),
                time: f.next().unwrap_or_default().trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeue_lines_become_tasks() {
        let out = "123_0|RUNNING|node1|0:05\n123_1|PENDING||0:00\n123_[2-3]|PENDING||0:00\n\
                   124_0|TIMEOUT|node2|1:00\n";
        let e = parse_squeue(out);
        assert_eq!(e.len(), 3, "a collapsed range without -r is skipped");
        assert_eq!((e[0].job_id.as_str(), e[0].task), ("123", 0));
        assert_eq!(e[0].state, "RUNNING");
        assert_eq!(e[2].state, "TIMEOUT");
    }
}
