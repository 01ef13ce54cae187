//! The analysis of trained networks: claiming a trained network for analysis, storing its
//! fixed points, summary and scaffold (the network becomes analysed) with its row of the
//! experiment's topology distance matrix, reading them back.
//!
//! A network being analysed stays `trained` with its `worker` set; a dead or retired worker's
//! claim is simply cleared, so an interrupted analysis is picked up again.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::blob::{from_le, to_le};
use super::types::NetworkRow;
use super::{decode, now, At, Notebook, StoreError};
use crate::net::Group;

/// One fixed or slow point as stored.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFixedPoint {
    /// Row of the task's constant inputs.
    pub input_index: usize,
    /// The constant input x*.
    pub input: Vec<f64>,
    /// The state h* (LSTM: [c; h]).
    pub state: Vec<f64>,
    /// ½‖F(h*) − h*‖².
    pub q: f64,
    /// A fixed point (else a slow point).
    pub converged: bool,
    /// #{|λ| > 1}.
    pub unstable: usize,
    /// Largest |λ|.
    pub max_modulus: f64,
    /// Eigenvalues of ∂F/∂h, largest modulus first, as [re, im].
    pub eigenvalues: Vec<[f64; 2]>,
    /// The readout at h*.
    pub readout: Vec<f64>,
}

impl StoredFixedPoint {
    /// Every |λ| < 1.
    pub fn stable(&self) -> bool {
        self.max_modulus < 1.0
    }
}

/// A network's scaffold, to store.
#[derive(Clone, Debug, PartialEq)]
pub struct TopologyRecord {
    /// The descriptors' version.
    pub version: u32,
    /// The descriptor, JSON.
    pub descriptor: String,
    /// The task's ideal scaffold.
    pub ideal: bool,
    /// Topology distance to the ideal.
    pub distance_to_ideal: f64,
}

/// A network's analysis (fixed points, and its scaffold when found), to store.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisRecord {
    /// The search settings, JSON.
    pub settings: String,
    /// Per input: counts per stability class, JSON.
    pub summary: String,
    /// Why the result is thin, when it is.
    pub note: Option<String>,
    /// Seconds spent.
    pub seconds: f64,
    /// Every fixed and slow point.
    pub points: Vec<StoredFixedPoint>,
    /// Distinct pseudo fixed points the search rejected (over all inputs).
    pub pseudo: usize,
    /// The scaffold they form.
    pub topology: Option<TopologyRecord>,
}

/// A stored scaffold with its network.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopologyRow {
    /// The network.
    pub network_id: i64,
    /// Its group.
    pub group: Group,
    /// The descriptors' version.
    pub version: u32,
    /// The descriptor, JSON.
    pub descriptor: String,
    /// The task's ideal scaffold.
    pub ideal: bool,
    /// Topology distance to the ideal.
    pub distance_to_ideal: f64,
}

/// A network's analysis as stored (without its points).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnalysisRow {
    /// The network.
    pub network_id: i64,
    /// The search settings, JSON.
    pub settings: String,
    /// Per input: counts per stability class, JSON.
    pub summary: String,
    /// Why the result is thin, when it is.
    pub note: Option<String>,
    /// Seconds spent.
    pub seconds: f64,
    /// Unix seconds when stored.
    pub finished: f64,
}

/// Which networks an analysis command covers.
#[derive(Clone, Copy, Debug, Default)]
pub struct AnalysisScope {
    /// Only this experiment (row id).
    pub experiment_id: Option<i64>,
    /// Only this network.
    pub network: Option<i64>,
}

const POINT_COLUMNS: &str = "input_index, input, state, q, converged, unstable, max_modulus, \
                             eigenvalues, readout";

fn point_row(r: &Row<'_>) -> rusqlite::Result<StoredFixedPoint> {
    let f64s = |k: usize| -> rusqlite::Result<Vec<f64>> {
        Ok(from_le(&r.get::<_, Vec<u8>>(k)?, f64::from_le_bytes))
    };
    Ok(StoredFixedPoint {
        input_index: r.get::<_, i64>(0)? as usize,
        input: f64s(1)?,
        state: f64s(2)?,
        q: r.get(3)?,
        converged: r.get(4)?,
        unstable: r.get::<_, i64>(5)? as usize,
        max_modulus: r.get(6)?,
        eigenvalues: f64s(7)?.chunks_exact(2).map(|c| [c[0], c[1]]).collect(),
        readout: f64s(8)?,
    })
}

impl Notebook {
    /// Atomically hands the next trained, unanalysed network in `scope` to `worker` (members of
    /// the population only: hyperparameter-search runs are not analysed).
    pub fn claim_analysis(
        &self,
        scope: AnalysisScope,
        worker: &str,
    ) -> Result<Option<NetworkRow>, StoreError> {
        self.claim_with(
            "UPDATE networks SET worker = ?1, lease = (SELECT last FROM leases)
             WHERE id = (SELECT id FROM networks WHERE state = 'trained' AND worker IS NULL
                         AND role = 'final' AND (?2 IS NULL OR experiment_id = ?2) AND (?3 IS NULL OR id = ?3)
                         ORDER BY id LIMIT 1)
               AND EXISTS (SELECT 1 FROM workers WHERE id = ?1)
             RETURNING id",
            params![worker, scope.experiment_id, scope.network],
        )
    }

    /// Stores network `id`'s analysis in one transaction, replacing any earlier one, and marks
    /// it analysed; with a scaffold, also its topology distance to every other network of the
    /// experiment whose scaffold has the same version (`distance` maps the other's descriptor to
    /// the distance). Returns false (and stores nothing) if the claim `network` was made under
    /// is no longer current.
    pub fn store_analysis(
        &self,
        network: &NetworkRow,
        record: &AnalysisRecord,
        distance: &dyn Fn(&str) -> Option<f64>,
    ) -> Result<bool, StoreError> {
        let id = network.id;
        let tx = self.conn.unchecked_transaction().at(self)?;
        let fixed = record.points.iter().filter(|p| p.converged);
        let stable = fixed.clone().filter(|p| p.stable()).count() as i64;
        let fixed = fixed.count() as i64;
        let slow = record.points.len() as i64 - fixed;
        let updated = tx
            .execute(
                "UPDATE networks SET state = 'analysed', worker = NULL, fixed_points = ?1,
                     stable_points = ?2, analysis_seconds = ?3, ideal_scaffold = ?4,
                     scaffold_distance = ?5, slow_points = ?8, pseudo_points = ?9, lease = NULL
                 WHERE id = ?6 AND lease = ?7 AND state = 'trained'",
                params![
                    fixed,
                    stable,
                    record.seconds,
                    record.topology.as_ref().map(|t| t.ideal),
                    record.topology.as_ref().map(|t| t.distance_to_ideal),
                    id,
                    network.lease,
                    slow,
                    record.pseudo as i64
                ],
            )
            .at(self)?;
        if updated == 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM fixed_points WHERE network_id = ?1", [id])
            .at(self)?;
        tx.execute(
            "INSERT OR REPLACE INTO analyses (network_id, settings, summary, note, seconds, finished)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                id,
                record.settings,
                record.summary,
                record.note,
                record.seconds,
                now()
            ],
        )
        .at(self)?;
        {
            let mut insert = tx
                .prepare(&format!(
                    "INSERT INTO fixed_points (network_id, {POINT_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ))
                .at(self)?;
            for p in &record.points {
                let eigenvalues: Vec<f64> = p.eigenvalues.iter().flatten().copied().collect();
                insert
                    .execute(params![
                        id,
                        p.input_index as i64,
                        to_le(&p.input, f64::to_le_bytes),
                        to_le(&p.state, f64::to_le_bytes),
                        p.q,
                        p.converged,
                        p.unstable as i64,
                        p.max_modulus,
                        to_le(&eigenvalues, f64::to_le_bytes),
                        to_le(&p.readout, f64::to_le_bytes),
                    ])
                    .at(self)?;
            }
        }
        tx.execute("DELETE FROM topologies WHERE network_id = ?1", [id])
            .at(self)?;
        tx.execute(
            "DELETE FROM topology_distances WHERE a = ?1 OR b = ?1",
            [id],
        )
        .at(self)?;
        if let Some(t) = &record.topology {
            tx.execute(
                "INSERT INTO topologies (network_id, version, descriptor, ideal, distance_to_ideal)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, t.version, t.descriptor, t.ideal, t.distance_to_ideal],
            )
            .at(self)?;
            // The new row of the experiment's distance matrix; older pairs stay as they are.
            let others: Vec<(i64, i64, String)> = {
                let mut stmt = tx
                    .prepare(
                        "SELECT n.experiment_id, t.network_id, t.descriptor FROM topologies t
                         JOIN networks n ON n.id = t.network_id
                         WHERE n.experiment_id = (SELECT experiment_id FROM networks WHERE id = ?1)
                           AND t.version = ?2 AND t.network_id != ?1",
                    )
                    .at(self)?;
                let rows = stmt
                    .query_map(params![id, t.version], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .at(self)?;
                rows.collect::<Result<_, _>>().at(self)?
            };
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO topology_distances (experiment_id, a, b, distance)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .at(self)?;
            for (experiment, other, descriptor) in others {
                if let Some(d) = distance(&descriptor) {
                    insert
                        .execute(params![experiment, id.min(other), id.max(other), d])
                        .at(self)?;
                }
            }
        }
        tx.commit().at(self)?;
        Ok(true)
    }

    /// The stored scaffolds of an experiment's networks, by network id.
    pub fn topologies(&self, experiment_id: i64) -> Result<Vec<TopologyRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT t.network_id, n.arch, n.activation, t.version, t.descriptor, t.ideal,
                        t.distance_to_ideal
                 FROM topologies t JOIN networks n ON n.id = t.network_id
                 WHERE n.experiment_id = ?1 ORDER BY t.network_id",
            )
            .at(self)?;
        let rows = stmt
            .query_map([experiment_id], |r| {
                Ok(TopologyRow {
                    network_id: r.get(0)?,
                    group: Group::new(
                        decode(r, "networks", "arch")?,
                        decode(r, "networks", "activation")?,
                    ),
                    version: r.get(3)?,
                    descriptor: r.get(4)?,
                    ideal: r.get(5)?,
                    distance_to_ideal: r.get(6)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// Network `id`'s stored scaffold (version, descriptor JSON), if it has one.
    pub fn topology(&self, id: i64) -> Result<Option<(u32, String)>, StoreError> {
        self.conn
            .query_row(
                "SELECT version, descriptor FROM topologies WHERE network_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .at(self)
    }

    /// An experiment's topology distance matrix as stored: (a, b, distance) with a < b.
    pub fn topology_distances(
        &self,
        experiment_id: i64,
    ) -> Result<Vec<(i64, i64, f64)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a, b, distance FROM topology_distances WHERE experiment_id = ?1
                 ORDER BY a, b",
            )
            .at(self)?;
        let rows = stmt
            .query_map([experiment_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// Marks the analysed networks in `scope` trained again, to be analysed anew; returns how
    /// many. Their old points stay until the new analysis replaces them.
    pub fn reanalyse(&self, scope: AnalysisScope) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE networks SET state = 'trained'
                 WHERE state = 'analysed' AND (?1 IS NULL OR experiment_id = ?1)
                   AND (?2 IS NULL OR id = ?2)",
                params![scope.experiment_id, scope.network],
            )
            .at(self)
    }

    /// Trained population networks in `scope` not yet analysed (held by a worker or not).
    pub fn unanalysed(&self, scope: AnalysisScope) -> Result<usize, StoreError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM networks WHERE state = 'trained' AND role = 'final'
                 AND (?1 IS NULL OR experiment_id = ?1) AND (?2 IS NULL OR id = ?2)",
                params![scope.experiment_id, scope.network],
                |r| r.get::<_, i64>(0),
            )
            .map(|c| c as usize)
            .at(self)
    }

    /// Network `id`'s stored analysis, if it has one.
    pub fn analysis(&self, id: i64) -> Result<Option<AnalysisRow>, StoreError> {
        self.conn
            .query_row(
                "SELECT network_id, settings, summary, note, seconds, finished FROM analyses
                 WHERE network_id = ?1",
                [id],
                |r| {
                    Ok(AnalysisRow {
                        network_id: r.get(0)?,
                        settings: r.get(1)?,
                        summary: r.get(2)?,
                        note: r.get(3)?,
                        seconds: r.get(4)?,
                        finished: r.get(5)?,
                    })
                },
            )
            .optional()
            .at(self)
    }

    /// Network `id`'s stored points, by input, then as stored.
    pub fn fixed_points(&self, id: i64) -> Result<Vec<StoredFixedPoint>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {POINT_COLUMNS} FROM fixed_points WHERE network_id = ?1
                 ORDER BY input_index, id"
            ))
            .at(self)?;
        let rows = stmt.query_map([id], point_row).at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }
}
