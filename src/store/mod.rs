//! The notebook: one SQLite file holding every experiment, network, curve and weight vector.
//!
//! WAL mode (readers never wait for the writer), a busy timeout, foreign keys, and versioned
//! migrations. A file that is not an rnnlab notebook, or was written by a newer rnnlab, is
//! refused before anything is written. Every write is one short transaction.

mod analyses;
mod blob;
mod filter;
mod monitor;
mod networks;
mod recordings;
mod schema;
mod similarity;
mod slurm;
mod types;
mod workers;

pub use analyses::{
    AnalysisRecord, AnalysisRow, AnalysisScope, StoredFixedPoint, TopologyRecord, TopologyRow,
};
pub use filter::{parse_filter, Filter, FILTER_COLUMNS};
pub use monitor::{ClassCount, HeldNetwork};
pub use recordings::{NewRecording, RecordingDistance, RecordingRow};
pub use similarity::{DsaPair, PairCounts, SimilarityPair};
pub use slurm::{ResultOrigin, SlurmSubmission, SlurmTask};
pub use types::{
    CurvePoints, ExperimentRow, FinishedSearch, ListQuery, NetState, NetworkRow, NewNetwork,
    Outcome, Role, StatusRow, WorkerRow,
};
pub use workers::{lease_seconds, this_host};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags};

/// Why the notebook could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not an rnnlab notebook.
    #[error("{}: not an rnnlab notebook ({reason})", path.display())]
    NotANotebook {
        /// The file.
        path: PathBuf,
        /// What gave it away.
        reason: String,
    },
    /// The file was written by a newer rnnlab.
    #[error("{}: written by a newer rnnlab (notebook schema {found}, this rnnlab knows up to {known}); upgrade rnnlab to open it", path.display())]
    TooNew {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: i64,
    },
    /// An experiment of this name exists with a different specification.
    #[error("experiment '{0}' already exists in this notebook with a different specification; rename the experiment (its `name`) or use another --db")]
    ExperimentConflict(String),
    /// No such network.
    #[error("no network with id {0} in this notebook")]
    NoSuchNetwork(i64),
    /// No such experiment.
    #[error("no experiment named '{0}' in this notebook")]
    NoSuchExperiment(String),
    /// A bad `--where` filter or `--sort` column.
    #[error("{0}")]
    BadQuery(String),
    /// SQLite refused (locked past the timeout, read-only, disk full, ...).
    #[error("{}: {}", path.display(), describe(path, source))]
    Sqlite {
        /// The notebook.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
}

fn describe(path: &Path, e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode::*;
    if let rusqlite::Error::FromSqlConversionFailure(_, _, value) = e {
        return value.to_string();
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match e.sqlite_error_code() {
        Some(CannotOpen) | Some(ReadOnly) if folder.is_dir() && !writable(folder) => format!(
            "its folder {} is not writable here (a read-only mount or permissions)",
            folder.display()
        ),
        Some(CannotOpen) if !folder.is_dir() => {
            format!(
                "cannot open the notebook file: its folder {} does not exist",
                folder.display()
            )
        }
        // A nearly full disk can surface as an I/O error on a page write or the shared memory.
        Some(SystemIoFailure) if free_bytes(folder).is_some_and(|b| b < (1 << 20)) => {
            "disk full: the notebook could not be written (nothing was lost)".into()
        }
        Some(DatabaseBusy) | Some(DatabaseLocked) => {
            "notebook is locked by another process (busy timeout passed)".into()
        }
        Some(ReadOnly) => "notebook is read-only".into(),
        Some(DiskFull) => "disk full: the notebook could not be written (nothing was lost)".into(),
        Some(CannotOpen) => "cannot open the notebook file (does its folder exist?)".into(),
        Some(NotADatabase) => "not an SQLite database".into(),
        // Keep it one line: SQLite's messages may quote multi-line SQL.
        _ => e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// What SQLite returns, as the notebook's error naming its file: `.at(self)` after each call.
trait At<T> {
    fn at(self, notebook: &Notebook) -> Result<T, StoreError>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, notebook: &Notebook) -> Result<T, StoreError> {
        self.map_err(|e| notebook.err(e))
    }
}

/// A stored name (an architecture, a state, a task, ...) decoded into its type. A value this
/// rnnlab does not know is an error naming the table, column and value, never a silent default.
fn decode<T: std::str::FromStr>(
    row: &rusqlite::Row,
    table: &'static str,
    column: &'static str,
) -> rusqlite::Result<T> {
    let index = row.as_ref().column_index(column)?;
    let value: String = row.get(index)?;
    value.parse().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            Box::new(UnknownValue {
                table,
                column,
                value,
            }),
        )
    })
}

/// A stored name this rnnlab does not know (a newer or a hand-edited notebook).
#[derive(Debug, thiserror::Error)]
#[error("{table}.{column} holds '{value}', which this rnnlab does not know (a notebook from a newer rnnlab, or edited by hand)")]
struct UnknownValue {
    table: &'static str,
    column: &'static str,
    value: String,
}

/// True if this process may create files in `folder` (access(2) with W_OK, which also sees a
/// read-only mount).
fn writable(folder: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
        return true;
    };
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Bytes free to this user on the file system holding `folder` (statvfs(3)).
fn free_bytes(folder: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(folder.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the struct we own; `c` is a valid NUL-terminated path.
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    (unsafe { libc::statvfs(c.as_ptr(), &mut s) } == 0)
        .then(|| s.f_bavail as u64 * s.f_frsize as u64)
}

/// How long a write waits for another process's write to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open notebook.
pub struct Notebook {
    conn: Connection,
    path: PathBuf,
}

/// Unix seconds now.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Notebook {
    /// Opens (creating if absent) the notebook at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Notebook, StoreError> {
        let fail = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(fail)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
        let notebook = Notebook {
            conn,
            path: path.to_path_buf(),
        };
        notebook.check_identity()?;
        let c = &notebook.conn;
        // WAL survives in the file; setting it on a read-only file fails, so only when needed.
        // Switching needs the file to itself: when several processes open a new notebook at
        // once, SQLite answers "busy" at once (no busy handler) to all but one, so retry.
        retry_busy(|| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
            }
            Ok(())
        })
        .map_err(fail)?;
        c.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(fail)?;
        notebook.migrate()?;
        Ok(notebook)
    }

    /// Opens an existing notebook for reading only (a read-only mount, a file of another
    /// user): nothing is created, migrated or written. Where SQLite cannot even set up its
    /// shared memory beside the file, the file is read as immutable.
    pub fn open_read_only(path: &Path) -> Result<Notebook, StoreError> {
        let fail = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let attempt = |conn: Connection| -> Result<Notebook, StoreError> {
            conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
            let notebook = Notebook {
                conn,
                path: path.to_path_buf(),
            };
            notebook.check_identity()?;
            let known = schema::MIGRATIONS.len() as i64;
            if notebook.version()? < known {
                return Err(StoreError::NotANotebook {
                    path: path.to_path_buf(),
                    reason: "written by an older rnnlab and read-only here, so it cannot be \
                             upgraded: open it once where it is writable"
                        .into(),
                });
            }
            Ok(notebook)
        };
        match Connection::open_with_flags(path, flags)
            .map_err(fail)
            .and_then(attempt)
        {
            Ok(notebook) => Ok(notebook),
            Err(StoreError::Sqlite { .. }) => {
                let uri = format!("file:{}?immutable=1", path.display());
                let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
                    .map_err(fail)?;
                attempt(conn)
            }
            Err(e) => Err(e),
        }
    }

    /// True if the notebook cannot be written here (read-only file, folder or mount).
    pub fn is_read_only_error(e: &StoreError) -> bool {
        matches!(e, StoreError::Sqlite { source, .. }
            if matches!(source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen)
                    | Some(rusqlite::ErrorCode::PermissionDenied)))
    }

    /// `PRAGMA quick_check` says "ok": the file's structure is sound. A notebook that fails it
    /// is damaged, and nothing should be written to it.
    pub fn quick_check_ok(&self) -> Result<bool, StoreError> {
        let r: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .at(self)?;
        Ok(r == "ok")
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn check_identity(&self) -> Result<(), StoreError> {
        let not_notebook = |reason: &str| StoreError::NotANotebook {
            path: self.path.clone(),
            reason: reason.into(),
        };
        // One statement, so one consistent snapshot even while another process migrates.
        let read = self.conn.query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |r| {
                Ok((
                    r.get::<_, i32>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        );
        let (app, version, tables) = match read {
            Ok(v) => v,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => {
                return Err(not_notebook("not an SQLite database"))
            }
            Err(e) => return Err(self.err(e)),
        };
        if app != schema::APPLICATION_ID && !(app == 0 && tables == 0) {
            return Err(not_notebook("an SQLite database of another program"));
        }
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        Ok(())
    }

    /// The schema version (number of migrations applied).
    pub fn version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .at(self)
    }

    /// Applies the missing migrations in one write transaction. The version is read inside
    /// it, so two processes opening a new notebook at once migrate it exactly once.
    fn migrate(&self) -> Result<(), StoreError> {
        let known = schema::MIGRATIONS.len();
        if self.version()? as usize >= known {
            return Ok(());
        }
        self.conn.execute_batch("BEGIN IMMEDIATE").at(self)?;
        let applied = (|| {
            let from = self.version()? as usize;
            for sql in &schema::MIGRATIONS[from.min(known)..] {
                self.conn.execute_batch(sql).at(self)?;
            }
            self.conn
                .execute_batch(&format!(
                    "PRAGMA application_id = {}; PRAGMA user_version = {known};",
                    schema::APPLICATION_ID
                ))
                .at(self)
        })();
        let end = if applied.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        self.conn.execute_batch(end).at(self)?;
        applied
    }

    /// `PRAGMA integrity_check` says "ok".
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let r: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .at(self)?;
        Ok(r == "ok")
    }
}

/// Runs `f` again while SQLite answers "busy" without waiting (lock upgrades it refuses to
/// avoid deadlock), for up to the busy timeout.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match f() {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests;
