//! The geometry distance matrices of experiments: one row per pair of networks and reduction
//! settings, holding the three metrics, written in batches as networks arrive.

use rusqlite::{params, OptionalExtension};

use super::{now, Notebook, StoreError};

/// One pair's distances: (a, b, [svcca, cca-angular, procrustes]) with a < b.
pub type SimilarityPair = (i64, i64, [f64; 3]);

impl Notebook {
    /// The stored pairs of an experiment under `settings`.
    pub fn similarity_pairs(
        &self,
        experiment_id: i64,
        settings: &str,
    ) -> Result<Vec<SimilarityPair>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT a, b, svcca, cca_angular, procrustes FROM similarity_pairs
                 WHERE experiment_id = ?1
                   AND settings_id = (SELECT id FROM similarity_settings WHERE settings = ?2)
                 ORDER BY a, b",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![experiment_id, settings], |r| {
                Ok((r.get(0)?, r.get(1)?, [r.get(2)?, r.get(3)?, r.get(4)?]))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Records how many principal components each network's reduction under `settings` kept.
    pub fn store_components(
        &self,
        experiment_id: i64,
        settings: &str,
        kept: &[(i64, usize)],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO reductions (experiment_id, settings, network_id, components)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(|e| self.err(e))?;
            for &(id, k) in kept {
                insert
                    .execute(params![experiment_id, settings, id, k as i64])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
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
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![experiment_id, settings], |r| {
                Ok((r.get(0)?, r.get::<_, i64>(1)? as usize))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// How many pairs an experiment has stored: geometry pairs under `settings`, and topology
    /// pairs. A comparison built from them is current while both counts are unchanged (pairs
    /// are only ever added).
    pub fn pair_counts(
        &self,
        experiment_id: i64,
        settings: &str,
    ) -> Result<(i64, i64), StoreError> {
        let count = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> Result<i64, StoreError> {
            self.conn
                .query_row(sql, p, |r| r.get(0))
                .map_err(|e| self.err(e))
        };
        Ok((
            count(
                "SELECT COUNT(*) FROM similarity_pairs WHERE experiment_id = ?1
                   AND settings_id = (SELECT id FROM similarity_settings WHERE settings = ?2)",
                &[&experiment_id, &settings],
            )?,
            count(
                "SELECT COUNT(*) FROM topology_distances WHERE experiment_id = ?1",
                &[&experiment_id],
            )?,
        ))
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
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "DELETE FROM similarity_updates
             WHERE experiment_id = ?1 AND settings = ?2 AND started < ?3",
            params![experiment_id, settings, now() - stale_after],
        )
        .map_err(|e| self.err(e))?;
        // A holder on this host whose process is gone (killed) gives the claim up at once.
        let current: Option<String> = tx
            .query_row(
                "SELECT holder FROM similarity_updates WHERE experiment_id = ?1 AND settings = ?2",
                params![experiment_id, settings],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(dead) = current.filter(|h| super::workers::holder_is_dead_here(h)) {
            tx.execute(
                "DELETE FROM similarity_updates
                 WHERE experiment_id = ?1 AND settings = ?2 AND holder = ?3",
                params![experiment_id, settings, dead],
            )
            .map_err(|e| self.err(e))?;
        }
        let taken = tx
            .execute(
                "INSERT OR IGNORE INTO similarity_updates (experiment_id, settings, holder, started)
                 VALUES (?1, ?2, ?3, ?4)",
                params![experiment_id, settings, holder, now()],
            )
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
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
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Stores pairs in one transaction (a pair already there is replaced).
    pub fn store_similarity(
        &self,
        experiment_id: i64,
        settings: &str,
        pairs: &[SimilarityPair],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT OR IGNORE INTO similarity_settings (settings) VALUES (?1)",
            [settings],
        )
        .map_err(|e| self.err(e))?;
        let settings_id: i64 = tx
            .query_row(
                "SELECT id FROM similarity_settings WHERE settings = ?1",
                [settings],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO similarity_pairs
                         (experiment_id, settings_id, a, b, svcca, cca_angular, procrustes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(|e| self.err(e))?;
            for &(a, b, [s, c, p]) in pairs {
                insert
                    .execute(params![
                        experiment_id,
                        settings_id,
                        a.min(b),
                        a.max(b),
                        s,
                        c,
                        p
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))
    }
}
