//! Sweeps on Slurm in the notebook: submissions, the array tasks that run their networks, and
//! the worker each submission holds its networks under.

use rusqlite::params;

use super::{now, At, NewNetwork, Notebook, StoreError};

/// A submission of an experiment to Slurm.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SlurmSubmission {
    /// Its id.
    pub id: i64,
    /// The experiment.
    pub experiment: String,
    /// The sweep folder.
    pub folder: String,
    /// The worker id its networks are held under.
    pub worker: String,
    /// Unix seconds.
    pub submitted: f64,
}

/// One array task of a submission.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SlurmTask {
    /// The submission.
    pub submission: i64,
    /// The array job id.
    pub job_id: String,
    /// The index in that array.
    pub task: i64,
    /// The task's number in its manifest.
    pub slot: i64,
    /// The manifest file.
    pub manifest: String,
    /// The networks it trains.
    pub networks: Vec<i64>,
}

/// Whose results a Slurm task's result file holds (written by the task, checked by collect).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ResultOrigin {
    /// The identity of the notebook the results are for ([`Notebook::identity`]).
    pub notebook: String,
    /// The submission there.
    pub submission: i64,
    /// The manifest's name.
    pub manifest: String,
    /// The task's number in that manifest.
    pub slot: i64,
}

impl Notebook {
    /// This notebook's identity: random, made when it was created (or upgraded to version 10).
    pub fn identity(&self) -> Result<String, StoreError> {
        self.conn
            .query_row("SELECT id FROM notebook_identity", [], |r| r.get(0))
            .at(self)
    }

    /// Marks this notebook as the result file of `origin`.
    pub fn set_result_origin(&self, origin: &ResultOrigin) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        tx.execute("DELETE FROM result_origin", []).at(self)?;
        tx.execute(
            "INSERT INTO result_origin (notebook, submission, manifest, slot)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                origin.notebook,
                origin.submission,
                origin.manifest,
                origin.slot
            ],
        )
        .at(self)?;
        tx.commit().at(self)
    }

    /// Whose result file this is, if it is one.
    pub fn result_origin(&self) -> Result<Option<ResultOrigin>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT notebook, submission, manifest, slot FROM result_origin",
                [],
                |r| {
                    Ok(ResultOrigin {
                        notebook: r.get(0)?,
                        submission: r.get(1)?,
                        manifest: r.get(2)?,
                        slot: r.get(3)?,
                    })
                },
            )
            .optional()
            .at(self)
    }

    /// Records a submission of `experiment_id` to the sweep folder `folder` and registers the
    /// worker that holds its networks: a lease that does not expire with time (Slurm's jobs
    /// have no heartbeat here; `slurm cancel` releases them). Returns (id, worker).
    pub fn add_submission(
        &self,
        experiment_id: i64,
        folder: &str,
    ) -> Result<(i64, String), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        tx.execute(
            "INSERT INTO slurm_submissions (experiment_id, folder, worker, submitted)
             VALUES (?1, ?2, '', ?3)",
            params![experiment_id, folder, now()],
        )
        .at(self)?;
        let id = tx.last_insert_rowid();
        let worker = format!("slurm:{id}");
        tx.execute(
            "UPDATE slurm_submissions SET worker = ?1 WHERE id = ?2",
            params![worker, id],
        )
        .at(self)?;
        // A heartbeat in the far future: never stale, and no pid on this host to check.
        tx.execute(
            "INSERT INTO workers (id, host, pid, started, heartbeat) VALUES (?1, 'slurm', 0, ?2, 1e18)",
            params![worker, now()],
        )
        .at(self)?;
        tx.commit().at(self)?;
        Ok((id, worker))
    }

    /// Sets a submission's sweep folder.
    pub fn set_submission_folder(&self, id: i64, folder: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE slurm_submissions SET folder = ?1 WHERE id = ?2",
                params![folder, id],
            )
            .at(self)?;
        Ok(())
    }

    /// Hands up to `count` planned networks of `experiment_id` to `worker`, each under a lease
    /// (the rows returned). Used to give a submission its networks.
    pub fn claim_many(
        &self,
        experiment_id: i64,
        worker: &str,
        count: usize,
    ) -> Result<Vec<super::NetworkRow>, StoreError> {
        let mut out = Vec::new();
        while out.len() < count {
            match self.claim(experiment_id, worker)? {
                Some(row) => out.push(row),
                None => break,
            }
        }
        Ok(out)
    }

    /// Networks of `experiment_id` that runners on this notebook may still bring: planned, or
    /// training under a runner's worker (not a Slurm submission's, whose results arrive by
    /// `slurm collect`).
    pub fn in_flight_here(&self, experiment_id: i64) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM networks WHERE experiment_id = ?1 AND (state = 'planned'
                   OR (state = 'training' AND (worker IS NULL OR worker NOT LIKE 'slurm:%')))",
                [experiment_id],
                |r| r.get(0),
            )
            .at(self)
    }

    /// Trained networks of `experiment_id` that another runner (not `worker`, not a Slurm
    /// submission) holds for analysis: work a peer may still finish, or leave behind if it died.
    pub fn analysing_elsewhere(&self, experiment_id: i64, worker: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM networks WHERE experiment_id = ?1 AND state = 'trained'
                   AND worker IS NOT NULL AND worker != ?2 AND worker NOT LIKE 'slurm:%'",
                params![experiment_id, worker],
                |r| r.get(0),
            )
            .at(self)
    }

    /// Records array tasks.
    pub fn add_slurm_tasks(&self, tasks: &[SlurmTask]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        for t in tasks {
            tx.execute(
                "INSERT OR REPLACE INTO slurm_tasks
                     (submission_id, job_id, task, slot, manifest, networks)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.submission,
                    t.job_id,
                    t.task,
                    t.slot,
                    t.manifest,
                    serde_json::to_string(&t.networks).expect("ids serialise")
                ],
            )
            .at(self)?;
        }
        tx.commit().at(self)
    }

    /// Every submission (of one experiment, if given), oldest first.
    pub fn submissions(
        &self,
        experiment: Option<&str>,
    ) -> Result<Vec<SlurmSubmission>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, e.name, s.folder, s.worker, s.submitted
                 FROM slurm_submissions s JOIN experiments e ON e.id = s.experiment_id
                 WHERE ?1 IS NULL OR e.name = ?1 ORDER BY s.id",
            )
            .at(self)?;
        let rows = stmt
            .query_map([experiment], |r| {
                Ok(SlurmSubmission {
                    id: r.get(0)?,
                    experiment: r.get(1)?,
                    folder: r.get(2)?,
                    worker: r.get(3)?,
                    submitted: r.get(4)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// The array tasks of a submission.
    pub fn slurm_tasks(&self, submission: i64) -> Result<Vec<SlurmTask>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT submission_id, job_id, task, slot, manifest, networks FROM slurm_tasks
                 WHERE submission_id = ?1 ORDER BY job_id, task",
            )
            .at(self)?;
        let rows = stmt
            .query_map([submission], |r| {
                let ids: String = r.get(5)?;
                Ok(SlurmTask {
                    submission: r.get(0)?,
                    job_id: r.get(1)?,
                    task: r.get(2)?,
                    slot: r.get(3)?,
                    manifest: r.get(4)?,
                    networks: serde_json::from_str(&ids).unwrap_or_default(),
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// The ids of the networks `worker` still holds (not yet trained, or trained and not yet
    /// analysed), in one query.
    pub fn held_ids(&self, worker: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM networks WHERE worker = ?1 ORDER BY id")
            .at(self)?;
        let rows = stmt.query_map([worker], |r| r.get(0)).at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// The networks `worker` still holds.
    pub fn held_by(&self, worker: &str) -> Result<Vec<super::NetworkRow>, StoreError> {
        self.held_ids(worker)?
            .into_iter()
            .map(|id| self.network(id))
            .collect()
    }

    /// The id of the network of `experiment_id` with `network`'s key (configuration, seed,
    /// role and trial), if planned.
    pub fn network_by_key(
        &self,
        experiment_id: i64,
        network: &NewNetwork,
    ) -> Result<Option<i64>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT id FROM networks WHERE experiment_id = ?1 AND arch = ?2
                   AND activation = ?3 AND units = ?4 AND l2 = ?5 AND seed = ?6 AND role = ?7
                   AND trial = ?8",
                params![
                    experiment_id,
                    network.arch.name(),
                    network.activation.name(),
                    network.units as i64,
                    network.l2,
                    network.seed as i64,
                    network.role.name(),
                    network.trial
                ],
                |r| r.get(0),
            )
            .optional()
            .at(self)
    }

    /// Writes a copy of the notebook to `path` (one file, no journal beside it): SQLite's
    /// `VACUUM INTO`. How a Slurm task publishes its results.
    pub fn copy_to(&self, path: &std::path::Path) -> Result<(), StoreError> {
        self.conn
            .execute("VACUUM INTO ?1", [path.to_string_lossy()])
            .at(self)?;
        Ok(())
    }
}
