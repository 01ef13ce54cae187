//! The errors a user can cause; each prints as one line naming what is at fault.

use std::path::PathBuf;

/// An error from a lab command.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A value on the command line or in a file that cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// A file that could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file at fault.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The notebook refused.
    #[error("{0}")]
    Store(crate::store::StoreError),
    /// A file whose content is not what rnnlab expects.
    #[error("{}: {message}", path.display())]
    BadFile {
        /// The file at fault.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl From<crate::store::StoreError> for LabError {
    fn from(e: crate::store::StoreError) -> Self {
        LabError::Store(e)
    }
}

impl LabError {
    /// The process exit code for this error (always 2: bad input or error).
    pub fn exit_code(&self) -> i32 {
        2
    }
}
