//! The processes training networks, their heartbeats, and the networks a dead one held.

use rusqlite::params;

use super::types::WorkerRow;
use super::{now, At, Notebook, StoreError};

/// How long a worker's claims stay its own without a heartbeat: 30 s, or `RNNLAB_LEASE_SECONDS`
/// (a cluster with a slow shared filesystem may want more; tests want less). Past it the worker
/// counts as dead wherever it ran, its networks go back to planned, and its later writes are
/// refused.
pub fn lease_seconds() -> f64 {
    static LEASE: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *LEASE.get_or_init(|| {
        std::env::var("RNNLAB_LEASE_SECONDS")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(30.0)
    })
}

/// This machine's name, as workers register it and as the terminal notebook compares it before
/// it signals a worker: gethostname(2), which needs no /proc; else `$HOSTNAME`; else "localhost".
pub fn this_host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `len` bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let name = if ok {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).trim().to_string()
    } else {
        String::new()
    };
    if !name.is_empty() {
        return name;
    }
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// True if `holder` (`host:pid`, as a runner names itself in a claim) is a process of this host
/// that no longer exists.
pub(crate) fn holder_is_dead_here(holder: &str) -> bool {
    holder
        .rsplit_once(':')
        .and_then(|(host, pid)| Some((host, pid.parse::<i64>().ok()?)))
        .is_some_and(|(host, pid)| host == this_host() && !process_alive(pid))
}

/// True unless this host can tell that `pid` is gone (Linux: no /proc/PID).
fn process_alive(pid: i64) -> bool {
    let proc_root = std::path::Path::new("/proc");
    !proc_root.join("self").exists() || proc_root.join(pid.to_string()).exists()
}

impl Notebook {
    /// Registers this process as a worker; returns its id.
    pub fn register_worker(&self) -> Result<String, StoreError> {
        let (host, pid, t) = (this_host(), std::process::id(), now());
        let id = format!("{host}:{pid}:{:x}", (t * 1e6) as u64);
        self.conn
            .execute(
                "INSERT INTO workers (id, host, pid, started, heartbeat) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, host, pid, t],
            )
            .at(self)?;
        Ok(id)
    }

    /// Marks `worker` alive now, renewing the leases of what it holds. Returns false if the
    /// worker is no longer registered: its leases expired (it was paused or cut off) and other
    /// workers took its networks over.
    pub fn heartbeat(&self, worker: &str) -> Result<bool, StoreError> {
        let updated = self
            .conn
            .execute(
                "UPDATE workers SET heartbeat = ?1 WHERE id = ?2",
                params![now(), worker],
            )
            .at(self)?;
        Ok(updated > 0)
    }

    /// Puts every network `worker` holds back to planned (or, held for analysis, back to
    /// unclaimed) and removes the worker.
    pub fn retire_worker(&self, worker: &str) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        tx.execute(
            "UPDATE networks SET state = 'planned', worker = NULL, started = NULL, lease = NULL
             WHERE worker = ?1 AND state = 'training'",
            [worker],
        )
        .at(self)?;
        tx.execute(
            "UPDATE networks SET worker = NULL, lease = NULL WHERE worker = ?1 AND state = 'trained'",
            [worker],
        )
        .at(self)?;
        tx.execute("DELETE FROM workers WHERE id = ?1", [worker])
            .at(self)?;
        tx.commit().at(self)
    }

    /// Finds dead workers (heartbeat stale, or a process on this host that no longer exists),
    /// removes them and puts the networks they held back to planned (those held for analysis
    /// back to unclaimed). Returns how many networks were planned again.
    pub fn requeue_orphans(&self) -> Result<usize, StoreError> {
        let host = this_host();
        let dead: Vec<String> = self
            .workers()?
            .into_iter()
            .filter(|w| {
                now() - w.heartbeat > lease_seconds() || (w.host == host && !process_alive(w.pid))
            })
            .map(|w| w.id)
            .collect();
        let tx = self.conn.unchecked_transaction().at(self)?;
        for id in &dead {
            tx.execute("DELETE FROM workers WHERE id = ?1", [id])
                .at(self)?;
        }
        let requeued = tx
            .execute(
                "UPDATE networks SET state = 'planned', worker = NULL, started = NULL, lease = NULL
                 WHERE state = 'training' AND (worker IS NULL OR worker NOT IN (SELECT id FROM workers))",
                [],
            )
            .at(self)?;
        tx.execute(
            "UPDATE networks SET worker = NULL, lease = NULL
             WHERE state = 'trained' AND worker IS NOT NULL AND worker NOT IN (SELECT id FROM workers)",
            [],
        )
        .at(self)?;
        tx.commit().at(self)?;
        Ok(requeued)
    }

    /// Registered workers whose lease is current (a heartbeat within [`lease_seconds`]) and,
    /// on this host, whose process still exists.
    pub fn live_workers(&self) -> Result<Vec<WorkerRow>, StoreError> {
        let (now, host) = (now(), this_host());
        Ok(self
            .workers()?
            .into_iter()
            .filter(|w| now - w.heartbeat <= lease_seconds())
            .filter(|w| w.host != host || process_alive(w.pid))
            // A Slurm submission's worker is shown by `rnnlab slurm status`.
            .filter(|w| w.host != "slurm")
            .collect())
    }

    /// Registered workers, live or not yet found dead.
    pub fn workers(&self) -> Result<Vec<WorkerRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, host, pid, heartbeat FROM workers ORDER BY started")
            .at(self)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(WorkerRow {
                    id: r.get(0)?,
                    host: r.get(1)?,
                    pid: r.get(2)?,
                    heartbeat: r.get(3)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }
}
