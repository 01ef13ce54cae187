//! Sweeps on a Slurm cluster. SQLite's WAL needs shared memory on one host, so the notebook is
//! never written from the compute nodes: `submit` plans the sweep, gives its networks to a
//! submission (a worker of their own in the notebook), packs them into array tasks and writes a
//! manifest and a batch script into a sweep folder beside the notebook; each array task runs
//! `rnnlab worker` on its share into a small notebook of its own on node-local disk and
//! publishes a copy into the sweep folder (written beside, then renamed) after every network;
//! `collect` checks each published result against its submission (a foreign or damaged file is
//! moved to `results/rejected/` with its reason) and merges the rest, each network exactly once.

mod collect;
mod status;
mod submit;
mod worker;

pub use crate::slurm::Cluster;
pub use crate::slurm::{Manifest, ManifestNetwork};
pub use collect::{collect, collect_into, CollectReport, RejectedFile};
pub use status::{cancel, slurm_status, CancelReport, SlurmStatus, TaskStatus};
pub use submit::{
    resubmit, slurm_seconds as slurm_time_seconds, submit, SubmitOptions, SubmitReport,
};
pub use worker::{run_task, task_from_env};
