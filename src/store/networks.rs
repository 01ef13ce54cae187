//! Experiments and networks: planning, claiming, storing results, listing.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row};

use super::blob::{from_le, to_le};
use super::filter::{column_sql, parse_filter, FILTER_COLUMNS};
use super::types::{
    CurvePoints, ExperimentRow, FinishedSearch, ListQuery, NetState, NetworkRow, NewNetwork,
    Outcome, StatusRow,
};
use super::{decode, now, At, Notebook, StoreError};
use crate::net::Arch;
use crate::task::TaskKind;

/// The SELECT list of a network row: every column of [`FILTER_COLUMNS`] under its own name,
/// then what only the store reads. The one list of network columns is `FILTER_COLUMNS`.
static NETWORK_COLUMNS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    FILTER_COLUMNS
        .iter()
        .map(|(name, sql)| format!("{sql} AS {name}"))
        .chain(["n.config AS config".into(), "n.lease AS lease".into()])
        .collect::<Vec<_>>()
        .join(", ")
});

fn network_row(r: &Row<'_>) -> rusqlite::Result<NetworkRow> {
    Ok(NetworkRow {
        id: r.get("id")?,
        experiment: r.get("experiment")?,
        arch: decode(r, "networks", "arch")?,
        activation: decode(r, "networks", "activation")?,
        units: r.get("units")?,
        l2: r.get("l2")?,
        seed: r.get("seed")?,
        state: decode(r, "networks", "state")?,
        steps_run: r.get("steps_run")?,
        final_loss: r.get("final_loss")?,
        score: r.get("score")?,
        train_seconds: r.get("train_seconds")?,
        backoffs: r.get("backoffs")?,
        reason: r.get("reason")?,
        config: r.get("config")?,
        role: decode(r, "networks", "role")?,
        trial: r.get("trial")?,
        fixed_points: r.get("fixed_points")?,
        stable_points: r.get("stable_points")?,
        slow_points: r.get("slow_points")?,
        pseudo_points: r.get("pseudo_points")?,
        analysis_seconds: r.get("analysis_seconds")?,
        ideal_scaffold: r.get("ideal_scaffold")?,
        scaffold_distance: r.get("scaffold_distance")?,
        lease: r.get("lease")?,
    })
}

impl Notebook {
    /// The id of experiment `name`, creating it if new. The same name with a different
    /// specification (`canonical` differs) is refused. Safe when several runners start at once:
    /// the insert is a no-op for all but the first.
    pub fn ensure_experiment(
        &self,
        name: &str,
        task: TaskKind,
        spec: &str,
        canonical: &str,
    ) -> Result<i64, StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO experiments (name, task, spec, canonical, created)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, task.name(), spec, canonical, now()],
            )
            .at(self)?;
        let (id, stored): (i64, String) = self
            .conn
            .query_row(
                "SELECT id, canonical FROM experiments WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .at(self)?;
        if stored == canonical {
            Ok(id)
        } else {
            Err(StoreError::ExperimentConflict(name.into()))
        }
    }

    /// All experiments, oldest first.
    pub fn experiments(&self) -> Result<Vec<ExperimentRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, task, spec, created FROM experiments ORDER BY id")
            .at(self)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(ExperimentRow {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    task: decode(r, "experiments", "task")?,
                    spec: r.get(3)?,
                    created: r.get(4)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// The experiment called `name`.
    pub fn experiment(&self, name: &str) -> Result<ExperimentRow, StoreError> {
        self.experiments()?
            .into_iter()
            .find(|e| e.name == name)
            .ok_or_else(|| StoreError::NoSuchExperiment(name.into()))
    }

    /// Plans `networks` under experiment `experiment_id` in one transaction; those already
    /// planned (same configuration and seed) are left alone. Returns how many are new.
    pub fn plan(&self, experiment_id: i64, networks: &[NewNetwork]) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        let mut added = 0;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO networks
                         (experiment_id, arch, activation, units, l2, seed, role, trial, config)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .at(self)?;
            for n in networks {
                added += stmt
                    .execute(params![
                        experiment_id,
                        n.arch.name(),
                        n.activation.name(),
                        n.units as i64,
                        n.l2,
                        n.seed as i64,
                        n.role.name(),
                        n.trial,
                        n.config
                    ])
                    .at(self)?;
            }
        }
        tx.commit().at(self)?;
        Ok(added)
    }

    /// Enters a network trained elsewhere as `trained`, with its held-out loss and score and its
    /// weights, in one transaction. Returns its id and whether it is new: the same network
    /// (same configuration and seed) entered before is left as it is.
    pub fn import_network(
        &self,
        experiment_id: i64,
        network: &NewNetwork,
        evaluation: (f64, f64),
        weights: &[f32],
    ) -> Result<(i64, bool), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO networks
                     (experiment_id, arch, activation, units, l2, seed, role, trial, config,
                      state, finished, train_seconds, steps_run, final_loss, score, backoffs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'trained', ?10, 0, 0, ?11, ?12, 0)",
                params![
                    experiment_id,
                    network.arch.name(),
                    network.activation.name(),
                    network.units as i64,
                    network.l2,
                    network.seed as i64,
                    network.role.name(),
                    network.trial,
                    network.config,
                    now(),
                    evaluation.0,
                    evaluation.1
                ],
            )
            .at(self)?;
        let id = self
            .network_by_key(experiment_id, network)?
            .expect("inserted or present");
        if added > 0 {
            tx.execute(
                "INSERT INTO weights (network_id, format, len, data) VALUES (?1, 'f32le', ?2, ?3)",
                params![id, weights.len() as i64, to_le(weights, f32::to_le_bytes)],
            )
            .at(self)?;
        }
        tx.commit().at(self)?;
        Ok((id, added > 0))
    }

    /// Atomically hands the next planned network of `experiment_id` to `worker` under a new
    /// lease (the returned row's `lease`); None if there is none, or if `worker` is no longer
    /// registered (its lease expired and its work was taken over).
    pub fn claim(
        &self,
        experiment_id: i64,
        worker: &str,
    ) -> Result<Option<NetworkRow>, StoreError> {
        self.claim_with(
            "UPDATE networks SET state = 'training', worker = ?1, started = ?2,
                 lease = (SELECT last FROM leases)
             WHERE id = (SELECT id FROM networks WHERE experiment_id = ?3
                         AND state = 'planned' ORDER BY id LIMIT 1)
               AND EXISTS (SELECT 1 FROM workers WHERE id = ?1)
             RETURNING id",
            params![worker, now(), experiment_id],
        )
    }

    /// Runs a claiming UPDATE (which sets `lease = (SELECT last FROM leases)` and returns the
    /// id) after taking the next fencing token, in one transaction; the claimed row.
    pub(super) fn claim_with(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<NetworkRow>, StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        tx.execute("UPDATE leases SET last = last + 1", [])
            .at(self)?;
        let id: Option<i64> = tx
            .query_row(sql, params, |r| r.get(0))
            .optional()
            .at(self)?;
        tx.commit().at(self)?;
        id.map(|id| self.network(id)).transpose()
    }

    /// Stores a finished network in one transaction: its row, curve and weights. Returns false
    /// (and stores nothing) if the claim `network` was made under is no longer current (its
    /// lease was taken over).
    pub fn finish(&self, network: &NetworkRow, outcome: &Outcome) -> Result<bool, StoreError> {
        let id = network.id;
        let tx = self.conn.unchecked_transaction().at(self)?;
        let updated = tx
            .execute(
                "UPDATE networks SET state = ?1, finished = ?2, train_seconds = ?3, steps_run = ?4,
                     final_loss = ?5, score = ?6, backoffs = ?7, reason = ?8, worker = NULL,
                     lease = NULL
                 WHERE id = ?9 AND lease = ?10 AND state = 'training'",
                params![
                    outcome.state.name(),
                    now(),
                    outcome.train_seconds,
                    outcome.steps_run as i64,
                    outcome.final_loss,
                    outcome.score,
                    outcome.backoffs as i64,
                    outcome.reason,
                    id,
                    network.lease
                ],
            )
            .at(self)?;
        if updated == 0 {
            return Ok(false);
        }
        let (steps, losses) = &outcome.curve;
        tx.execute(
            "INSERT OR REPLACE INTO curves (network_id, steps, losses) VALUES (?1, ?2, ?3)",
            params![
                id,
                to_le(steps, u32::to_le_bytes),
                to_le(losses, f32::to_le_bytes)
            ],
        )
        .at(self)?;
        if let Some(w) = &outcome.weights {
            tx.execute(
                "INSERT OR REPLACE INTO weights (network_id, format, len, data) VALUES (?1, 'f32le', ?2, ?3)",
                params![id, w.len() as i64, to_le(w, f32::to_le_bytes)],
            )
            .at(self)?;
        }
        tx.commit().at(self)?;
        Ok(true)
    }

    /// Stores the decimated curve of a network still training, the steps it has run and the
    /// seconds so far, so a long sweep can be watched (the final values replace them in
    /// [`Notebook::finish`]). Fenced like every write of a claim: false, and nothing stored, if
    /// the lease was taken over.
    pub fn store_live_curve(
        &self,
        network: &NetworkRow,
        curve: &CurvePoints,
        seconds: f64,
    ) -> Result<bool, StoreError> {
        let (steps, losses) = curve;
        let tx = self.conn.unchecked_transaction().at(self)?;
        let run = steps.last().map_or(0, |&s| i64::from(s) + 1);
        let updated = tx
            .execute(
                "UPDATE networks SET steps_run = ?1, train_seconds = ?2
                 WHERE id = ?3 AND lease = ?4 AND state = 'training'",
                params![run, seconds, network.id, network.lease],
            )
            .at(self)?;
        if updated == 1 {
            tx.execute(
                "INSERT OR REPLACE INTO curves (network_id, steps, losses) VALUES (?1, ?2, ?3)",
                params![
                    network.id,
                    to_le(steps, u32::to_le_bytes),
                    to_le(losses, f32::to_le_bytes)
                ],
            )
            .at(self)?;
        }
        tx.commit().at(self)?;
        Ok(updated == 1)
    }

    /// Configurations (arch, activation, units, l2) of an experiment whose search runs are all
    /// finished and which have no final networks yet, each with the settings (JSON) of its
    /// search run of lowest held-out loss (None if every search run diverged or failed).
    pub fn finished_searches(&self, experiment_id: i64) -> Result<Vec<FinishedSearch>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT arch, activation, units, l2,
                     (SELECT config FROM networks b WHERE b.experiment_id = n.experiment_id
                        AND b.arch = n.arch AND b.activation = n.activation AND b.units = n.units
                        AND b.l2 = n.l2 AND b.role = 'search' AND b.state IN ('trained', 'analysed')
                      ORDER BY b.final_loss LIMIT 1)
                 FROM networks n WHERE experiment_id = ?1
                 GROUP BY arch, activation, units, l2
                 HAVING sum(role = 'search') > 0
                    AND sum(role = 'search' AND state IN ('planned', 'training')) = 0
                    AND sum(role = 'final') = 0",
            )
            .at(self)?;
        let rows = stmt
            .query_map([experiment_id], |r| {
                Ok(FinishedSearch {
                    arch: decode(r, "networks", "arch")?,
                    activation: decode(r, "networks", "activation")?,
                    units: r.get::<_, i64>(2)? as usize,
                    l2: r.get(3)?,
                    best_config: r.get(4)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// One network by id.
    pub fn network(&self, id: i64) -> Result<NetworkRow, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {} FROM networks n JOIN experiments e ON e.id = n.experiment_id WHERE n.id = ?1", *NETWORK_COLUMNS),
                [id],
                network_row,
            )
            .optional()
            .at(self)?
            .ok_or(StoreError::NoSuchNetwork(id))
    }

    /// A trained network's flat parameter vector.
    pub fn weights(&self, id: i64) -> Result<Option<Vec<f32>>, StoreError> {
        let blob: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT data FROM weights WHERE network_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .at(self)?;
        Ok(blob.map(|b| from_le(&b, f32::from_le_bytes)))
    }

    /// A network's decimated loss curve: steps and batch losses.
    pub fn curve(&self, id: i64) -> Result<Option<CurvePoints>, StoreError> {
        let row: Option<(Vec<u8>, Vec<u8>)> = self
            .conn
            .query_row(
                "SELECT steps, losses FROM curves WHERE network_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .at(self)?;
        Ok(row.map(|(s, l)| {
            (
                from_le(&s, u32::from_le_bytes),
                from_le(&l, f32::from_le_bytes),
            )
        }))
    }

    fn where_clause(&self, q: &ListQuery) -> Result<(String, Vec<Value>), StoreError> {
        let mut conditions = Vec::new();
        let mut values = Vec::new();
        if let Some(exp) = &q.experiment {
            self.experiment(exp)?;
            conditions.push("e.name = ?".to_string());
            values.push(Value::Text(exp.clone()));
        }
        if let Some(f) = &q.filter {
            let f = parse_filter(f).map_err(StoreError::BadQuery)?;
            conditions.push(f.sql);
            values.extend(f.params);
        }
        let clause = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        Ok((clause, values))
    }

    /// A page of networks, filtered and sorted in SQL.
    pub fn list(&self, q: &ListQuery) -> Result<Vec<NetworkRow>, StoreError> {
        let (clause, mut values) = self.where_clause(q)?;
        let order = match &q.sort {
            Some(col) => {
                column_sql(col).map_err(|m| StoreError::BadQuery(format!("--sort: {m}")))?
            }
            None => "n.id",
        };
        let dir = if q.descending { "DESC" } else { "ASC" };
        // Past i64::MAX a page is simply empty (a cast would wrap to the first page).
        let clamp = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        values.push(Value::Integer(clamp(q.limit)));
        values.push(Value::Integer(clamp(q.offset)));
        let columns = &*NETWORK_COLUMNS;
        let sql = format!(
            "SELECT {columns} FROM networks n JOIN experiments e ON e.id = n.experiment_id
             {clause} ORDER BY {order} IS NULL, {order} {dir}, n.id LIMIT ? OFFSET ?"
        );
        let mut stmt = self.conn.prepare(&sql).at(self)?;
        let rows = stmt
            .query_map(params_from_iter(values), network_row)
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// How many networks a query matches (ignoring its page).
    pub fn count(&self, q: &ListQuery) -> Result<i64, StoreError> {
        let (clause, values) = self.where_clause(q)?;
        self.conn
            .query_row(
                &format!("SELECT count(*) FROM networks n JOIN experiments e ON e.id = n.experiment_id {clause}"),
                params_from_iter(values),
                |r| r.get(0),
            )
            .at(self)
    }

    /// Per experiment: counts by state and architecture, recent throughput.
    pub fn status(&self) -> Result<Vec<StatusRow>, StoreError> {
        let mut out = Vec::new();
        for exp in self.experiments()? {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT state, arch, count(*) FROM networks WHERE experiment_id = ?1
                     GROUP BY state, arch",
                )
                .at(self)?;
            let counts = stmt
                .query_map([exp.id], |r| {
                    Ok((
                        decode::<NetState>(r, "networks", "state")?,
                        decode::<Arch>(r, "networks", "arch")?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .at(self)?
                .collect::<Result<Vec<_>, _>>()
                .at(self)?;
            let states = NetState::ALL
                .into_iter()
                .map(|s| {
                    let c = counts
                        .iter()
                        .filter(|(st, _, _)| *st == s)
                        .map(|x| x.2)
                        .sum();
                    (s, c)
                })
                .collect();
            let mut archs: Vec<(Arch, i64, i64)> = Vec::new();
            for &(state, arch, c) in &counts {
                let done = if state.is_open() { 0 } else { c };
                match archs.iter_mut().find(|a| a.0 == arch) {
                    Some(a) => {
                        a.1 += done;
                        a.2 += c;
                    }
                    None => archs.push((arch, done, c)),
                }
            }
            archs.sort_by_key(|a| a.0.name());
            let mean_train_seconds: Option<f64> = self
                .conn
                .query_row(
                    "SELECT avg(train_seconds) FROM networks WHERE experiment_id = ?1 AND finished IS NOT NULL",
                    [exp.id],
                    |r| r.get(0),
                )
                .at(self)?;
            // Throughput over the last 10 minutes, measured from when that work started.
            let (recent, since): (i64, Option<f64>) = self
                .conn
                .query_row(
                    "SELECT count(*), min(started) FROM networks
                     WHERE experiment_id = ?1 AND finished > ?2",
                    params![exp.id, now() - 600.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .at(self)?;
            let per_hour = since.map_or(0.0, |t| recent as f64 * 3600.0 / (now() - t).max(1.0));
            out.push(StatusRow {
                experiment: exp.name,
                task: exp.task,
                states,
                archs,
                per_hour,
                mean_train_seconds,
            });
        }
        Ok(out)
    }
}
