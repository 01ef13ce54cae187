//! rnnlab: train populations of recurrent networks on neuroscience tasks and study what they
//! have in common (Maheswaranathan et al., NeurIPS 2019). The layers: docs/ARCHITECTURE.md; the
//! science: docs/SCIENCE.md.
#![warn(missing_docs)]

/// `FromStr` (case-insensitive, the error lists the names) and `Display` for an enum with
/// `ALL` and `name()`: one spelling of each name, read and written.
#[macro_export]
#[doc(hidden)]
macro_rules! named {
    ($ty:ident, $what:literal) => {
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $ty::ALL
                    .into_iter()
                    .find(|v| v.name().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let names: Vec<_> = $ty::ALL.iter().map(|v| v.name()).collect();
                        format!(
                            "unknown {} '{}' (expected one of: {})",
                            $what,
                            s,
                            names.join(", ")
                        )
                    })
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.name())
            }
        }
    };
}

pub mod analysis;
pub mod cli;
mod error;
pub mod experiment;
pub mod files;
pub mod lab;
pub mod net;
pub mod plot;
pub mod slurm;
pub mod store;
pub mod task;
pub mod train;
pub mod tui;

pub use error::LabError;
