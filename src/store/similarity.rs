//! The geometry and DSA distance matrices of experiments: one row per pair of networks and
//! settings, holding the three geometry metrics or the two DSA scores, written in batches as
//! networks arrive.

use rusqlite::{params, OptionalExtension};

use super::{now, At, Notebook, StoreError};

/// One pair's distances: (a, b, [svcca, cca-angular, procrustes]) with a < b.
pub type SimilarityPair = (i64, i64, [f64; 3]);

/// Pairs stored for an experiment, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PairCounts {
    /// Geometry pairs under one reduction.
    pub geometry: i64,
    /// DSA pairs under one setting.
    pub dynamics: i64,
    /// Topology pairs.
    pub topology: i64,
}

/// One pair's DSA scores: (a, b, [dsa, dsa-spectral]) with a < b.
pub type DsaPair = (i64, i64, [f64; 2]);

/// The id of `settings` in `similarity_settings`, entered if new (inside the caller's
/// transaction).
pub(super) fn settings_id(tx: &rusqlite::Transaction, settings: &str) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT OR IGNORE INTO similarity_settings (settings) VALUES (?1)",
        [settings],
    )?;
    tx.query_row(
        "SELECT id FROM similarity_settings WHERE settings = ?1",
        [settings],
        |r| r.get(0),
    )
}

impl Notebook {
    /// The stored geometry pairs of an experiment under `settings`.
    pub fn similarity_pairs(
        &self,
        experiment_id: i64,
        settings: &str,
    ) -> Result<Vec<SimilarityPair>, StoreError> {
        self.pairs(PairTable::GEOMETRY, experiment_id, settings)
    }

    /// The stored DSA pairs of an experiment under `settings`.
    pub fn dsa_pairs(
        &self,
        experiment_id: i64,
        settings: &str,
    ) -> Result<Vec<DsaPair>, StoreError> {
        self.pairs(PairTable::DYNAMICS, experiment_id, settings)
    }

    fn pairs<const K: usize>(
        &self,
        table: PairTable<K>,
        experiment_id: i64,
        settings: &str,
    ) -> Result<Vec<(i64, i64, [f64; K])>, StoreError> {
        let sql = format!(
            "SELECT a, b, {} FROM {}
             WHERE experiment_id = ?1
               AND settings_id = (SELECT id FROM similarity_settings WHERE settings = ?2)
             ORDER BY a, b",
            table.columns.join(", "),
            table.name
        );
        let mut stmt = self.conn.prepare(&sql).at(self)?;
        let rows = stmt
            .query_map(params![experiment_id, settings], |r| {
                let mut d = [0.0; K];
                for (k, v) in d.iter_mut().enumerate() {
                    *v = r.get(2 + k)?;
                }
                Ok((r.get(0)?, r.get(1)?, d))
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// Records how many principal components each network's reduction under `settings` kept.
    pub fn store_components(
        &self,
        experiment_id: i64,
        settings: &str,
        kept: &[(i64, usize)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO reductions (experiment_id, settings, network_id, components)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .at(self)?;
            for &(id, k) in kept {
                insert
                    .execute(params![experiment_id, settings, id, k as i64])
                    .at(self)?;
            }
        }
        tx.commit().at(self)
    }

    /// (network, components kept) of an experiment's reductions under `settings`.
    pub fn components(
        &self,
        experiment_id: i64,
        settings: &str,
    ) -> Result<Vec<(i64, usize)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT network_id, components FROM reductions
                 WHERE experiment_id = ?1 AND settings = ?2 ORDER BY network_id",
            )
            .at(self)?;
        let rows = stmt
            .query_map(params![experiment_id, settings], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? as usize))
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// How many pairs an experiment has stored: geometry pairs under `settings`, DSA pairs
    /// under `dsa_settings`, and topology pairs. A comparison built from them is current while
    /// the counts are unchanged (pairs are only ever added).
    pub fn pair_counts(
        &self,
        experiment_id: i64,
        settings: &str,
        dsa_settings: &str,
    ) -> Result<PairCounts, StoreError> {
        let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<i64, StoreError> {
            self.conn.query_row(sql, p, |r| r.get(0)).at(self)
        };
        let keyed = |table: &str, key: &str| {
            count(
                &format!(
                    "SELECT COUNT(*) FROM {table} WHERE experiment_id = ?1
                       AND settings_id = (SELECT id FROM similarity_settings WHERE settings = ?2)"
                ),
                &[&experiment_id, &key],
            )
        };
        Ok(PairCounts {
            geometry: keyed(PairTable::GEOMETRY.name, settings)?,
            dynamics: keyed(PairTable::DYNAMICS.name, dsa_settings)?,
            topology: count(
                "SELECT COUNT(*) FROM topology_distances WHERE experiment_id = ?1",
                &[&experiment_id],
            )?,
        })
    }

    /// Takes the end-of-sweep similarity update of `experiment_id` under `settings` for
    /// `holder`: true if no one holds it, or its holder started more than `stale_after`
    /// seconds ago (it died); false if another runner is computing it now.
    pub fn claim_similarity_update(
        &self,
        experiment_id: i64,
        settings: &str,
        holder: &str,
        stale_after: f64,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        tx.execute(
            "DELETE FROM similarity_updates
             WHERE experiment_id = ?1 AND settings = ?2 AND started < ?3",
            params![experiment_id, settings, now() - stale_after],
        )
        .at(self)?;
        // A holder on this host whose process is gone (killed) gives the claim up at once.
        let current: Option<String> = tx
            .query_row(
                "SELECT holder FROM similarity_updates WHERE experiment_id = ?1 AND settings = ?2",
                params![experiment_id, settings],
                |r| r.get(0),
            )
            .optional()
            .at(self)?;
        if let Some(dead) = current.filter(|h| super::workers::holder_is_dead_here(h)) {
            tx.execute(
                "DELETE FROM similarity_updates
                 WHERE experiment_id = ?1 AND settings = ?2 AND holder = ?3",
                params![experiment_id, settings, dead],
            )
            .at(self)?;
        }
        let taken = tx
            .execute(
                "INSERT OR IGNORE INTO similarity_updates (experiment_id, settings, holder, started)
                 VALUES (?1, ?2, ?3, ?4)",
                params![experiment_id, settings, holder, now()],
            )
            .at(self)?;
        tx.commit().at(self)?;
        Ok(taken == 1)
    }

    /// Gives the update back (done, or stopped).
    pub fn release_similarity_update(
        &self,
        experiment_id: i64,
        settings: &str,
        holder: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM similarity_updates
                 WHERE experiment_id = ?1 AND settings = ?2 AND holder = ?3",
                params![experiment_id, settings, holder],
            )
            .at(self)?;
        Ok(())
    }

    /// Stores geometry pairs in one transaction (a pair already there is replaced).
    pub fn store_similarity(
        &self,
        experiment_id: i64,
        settings: &str,
        pairs: &[SimilarityPair],
    ) -> Result<(), StoreError> {
        self.store_pairs(PairTable::GEOMETRY, experiment_id, settings, pairs)
    }

    /// Stores DSA pairs in one transaction (a pair already there is replaced).
    pub fn store_dsa(
        &self,
        experiment_id: i64,
        settings: &str,
        pairs: &[DsaPair],
    ) -> Result<(), StoreError> {
        self.store_pairs(PairTable::DYNAMICS, experiment_id, settings, pairs)
    }

    fn store_pairs<const K: usize>(
        &self,
        table: PairTable<K>,
        experiment_id: i64,
        settings: &str,
        pairs: &[(i64, i64, [f64; K])],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        let settings_id = settings_id(&tx, settings).at(self)?;
        {
            let placeholders: Vec<String> = (0..K).map(|k| format!("?{}", 5 + k)).collect();
            let mut insert = tx
                .prepare(&format!(
                    "INSERT OR REPLACE INTO {} (experiment_id, settings_id, a, b, {})
                     VALUES (?1, ?2, ?3, ?4, {})",
                    table.name,
                    table.columns.join(", "),
                    placeholders.join(", ")
                ))
                .at(self)?;
            for &(a, b, d) in pairs {
                let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(4 + K);
                let (lo, hi) = (a.min(b), a.max(b));
                values.extend([
                    &experiment_id as &dyn rusqlite::ToSql,
                    &settings_id,
                    &lo,
                    &hi,
                ]);
                values.extend(d.iter().map(|v| v as &dyn rusqlite::ToSql));
                insert.execute(values.as_slice()).at(self)?;
            }
        }
        tx.commit().at(self)
    }
}

/// A table of pairs keyed by (experiment, settings, a, b) with K distances a row. Its name and
/// columns are constants of this module, never user text.
#[derive(Clone, Copy)]
struct PairTable<const K: usize> {
    name: &'static str,
    columns: [&'static str; K],
}

impl PairTable<3> {
    const GEOMETRY: PairTable<3> = PairTable {
        name: "similarity_pairs",
        columns: ["svcca", "cca_angular", "procrustes"],
    };
}

impl PairTable<2> {
    const DYNAMICS: PairTable<2> = PairTable {
        name: "dsa_pairs",
        columns: ["dsa", "dsa_spectral"],
    };
}
