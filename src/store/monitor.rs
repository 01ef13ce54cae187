//! Reads for watching sweeps: which networks the live workers hold, and many loss curves at
//! once for per-architecture bands.

use rusqlite::params;

use super::blob::from_le;
use super::types::CurvePoints;
use super::{decode, At, Notebook, StoreError};
use crate::net::{Arch, Group};

/// A network a worker holds: (worker id, network id, experiment name).
pub type HeldNetwork = (String, i64, String);

impl Notebook {
    /// Every network held by a worker (training, or claimed for analysis).
    pub fn held_networks(&self) -> Result<Vec<HeldNetwork>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT n.worker, n.id, e.name FROM networks n
                 JOIN experiments e ON e.id = n.experiment_id
                 WHERE n.state IN ('training', 'trained') AND n.worker IS NOT NULL
                 ORDER BY n.id",
            )
            .at(self)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// Up to `limit` loss curves of an experiment's networks of one architecture, lowest ids
    /// first.
    pub fn curves_of(
        &self,
        experiment_id: i64,
        arch: Arch,
        limit: usize,
    ) -> Result<Vec<CurvePoints>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.steps, c.losses FROM curves c JOIN networks n ON n.id = c.network_id
                 WHERE n.experiment_id = ?1 AND n.arch = ?2 ORDER BY n.id LIMIT ?3",
            )
            .at(self)?;
        let rows = stmt
            .query_map(params![experiment_id, arch.name(), limit as i64], |r| {
                let (s, l): (Vec<u8>, Vec<u8>) = (r.get(0)?, r.get(1)?);
                Ok((
                    from_le(&s, u32::from_le_bytes),
                    from_le(&l, f32::from_le_bytes),
                ))
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }
}

/// One network's number of fixed points with a given number of unstable modes:
/// (network id, its group, unstable modes, count).
pub type ClassCount = (i64, Group, usize, i64);

impl Notebook {
    /// For every analysed network of an experiment, its fixed points (slow points left out)
    /// counted by number of unstable modes.
    pub fn fixed_point_classes(&self, experiment_id: i64) -> Result<Vec<ClassCount>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT n.id, n.arch, n.activation, fp.unstable, count(*) FROM fixed_points fp
                 JOIN networks n ON n.id = fp.network_id
                 WHERE n.experiment_id = ?1 AND fp.converged = 1
                 GROUP BY n.id, fp.unstable ORDER BY n.id, fp.unstable",
            )
            .at(self)?;
        let rows = stmt
            .query_map([experiment_id], |r| {
                Ok((
                    r.get(0)?,
                    Group::new(
                        decode(r, "networks", "arch")?,
                        decode(r, "networks", "activation")?,
                    ),
                    r.get::<_, i64>(3)? as usize,
                    r.get(4)?,
                ))
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }
}
