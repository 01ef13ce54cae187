//! Files rnnlab writes and reads outside the notebook, the same way everywhere: a file is
//! written beside its place as `NAME.partial`, synced, and renamed into place (a reader never
//! sees half a file, an interrupted write leaves the old one whole); a file given by a user is
//! read only if it is a regular file, and never past a size bound. Beside those two primitives:
//! NumPy `.npz` writing and `.npz`/`.safetensors` reading, saved network files, and the rule that
//! names used in paths are identifiers.
//!
//! May use: `net`, `task`, `train` (a network file's contents), `experiment::limits`, the crate's error.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::LabError;

pub mod arrays;
pub mod framework;
pub mod names;
pub mod network_file;
pub mod npz;

/// Where a file is written before it is renamed into place: `path.partial`.
pub fn partial_path(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.partial", path.display()))
}

/// Writes `bytes` to `path` atomically and durably: to [`partial_path`], synced, renamed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), LabError> {
    let partial = partial_path(path);
    let written = File::create(&partial)
        .and_then(|mut file| file.write_all(bytes).and_then(|_| file.sync_all()));
    if let Err(source) = written {
        let _ = fs::remove_file(&partial);
        return Err(LabError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    publish(&partial, path)
}

/// Renames a complete, synced `partial` into `path` and syncs the folder, so the new name
/// survives a crash.
pub fn publish(partial: &Path, path: &Path) -> Result<(), LabError> {
    fs::rename(partial, path).map_err(|source| LabError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // A folder cannot be opened for syncing everywhere; the rename itself has happened.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Syncs a file written by another writer (SQLite's `VACUUM INTO`) before it is published.
pub fn sync(path: &Path) -> Result<(), LabError> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|source| LabError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The bytes of the regular file `path`, refused (one line naming it) if it is something else
/// (a device, a FIFO, a folder; a symbolic link is followed to what it names) or holds more
/// than `limit` bytes. Nothing past the limit is read, whatever the file claims.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, LabError> {
    let io = |source| LabError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bad = |message: String| LabError::BadFile {
        path: path.to_path_buf(),
        message,
    };
    let meta = fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(bad("not a regular file".into()));
    }
    if meta.len() > limit {
        return Err(bad(format!(
            "{} bytes; rnnlab reads files of at most {limit} bytes",
            meta.len()
        )));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(bad(format!("grew past {limit} bytes while being read")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_reads_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert!(!partial_path(&path).exists());
        assert_eq!(read_bounded(&path, 3).unwrap(), b"two");
        let err = read_bounded(&path, 2).unwrap_err().to_string();
        assert!(err.contains("at most 2 bytes"), "{err}");
        let err = read_bounded(dir.path(), 10).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let err = read_bounded(Path::new("/dev/zero"), 10)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
        // A write into a folder that does not exist fails cleanly.
        assert!(write_atomically(&dir.path().join("no/such/file"), b"x").is_err());
    }
}
