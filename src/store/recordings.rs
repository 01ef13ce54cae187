//! Recorded population activity in the notebook: a recording belongs to an experiment (its
//! conditions are the experiment's), holds its condition means and, when given, its single
//! trials; its distances to the experiment's networks are stored per settings, network and
//! metric, like the similarity pairs.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::blob::{from_le, to_le};
use super::similarity::settings_id;
use super::{now, At, Notebook, StoreError};

/// A recording to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewRecording {
    /// Its label, unique within the experiment.
    pub name: String,
    /// Conditions C.
    pub conditions: usize,
    /// Time bins T.
    pub steps: usize,
    /// Neurons M.
    pub neurons: usize,
    /// Condition means, (C, T, M) in C order.
    pub means: Vec<f64>,
    /// Single trials, when given: each trial's condition index and the (trials, T, M) responses.
    pub trials: Option<(Vec<i64>, Vec<f64>)>,
    /// The file it was read from.
    pub source: String,
}

/// A stored recording.
#[derive(Clone, Debug, Serialize)]
pub struct RecordingRow {
    /// Row id.
    pub id: i64,
    /// Experiment name.
    pub experiment: String,
    /// Label.
    pub name: String,
    /// Conditions C.
    pub conditions: usize,
    /// Time bins T.
    pub steps: usize,
    /// Neurons M.
    pub neurons: usize,
    /// Single trials given (None: condition means only).
    pub trials: Option<usize>,
    /// The file it was read from.
    pub source: String,
    /// Unix seconds.
    pub created: f64,
}

/// A network's distance to a recording under one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordingDistance {
    /// The network.
    pub network: i64,
    /// The metric's name.
    pub metric: String,
    /// The distance on all the data.
    pub distance: f64,
    /// The bootstrap interval's low end (2.5 %).
    pub low: Option<f64>,
    /// Its high end (97.5 %).
    pub high: Option<f64>,
    /// The distance with the network's states cut to the recording's neuron count.
    pub subsampled: Option<f64>,
}

const COLUMNS: &str =
    "r.id, e.name, r.name, r.conditions, r.steps, r.neurons, r.trials, r.source, r.created";

fn recording_row(r: &Row<'_>) -> rusqlite::Result<RecordingRow> {
    Ok(RecordingRow {
        id: r.get(0)?,
        experiment: r.get(1)?,
        name: r.get(2)?,
        conditions: r.get::<_, i64>(3)? as usize,
        steps: r.get::<_, i64>(4)? as usize,
        neurons: r.get::<_, i64>(5)? as usize,
        trials: r.get::<_, Option<i64>>(6)?.map(|n| n as usize),
        source: r.get(7)?,
        created: r.get(8)?,
    })
}

impl Notebook {
    /// Stores a recording of experiment `experiment_id`; a recording of that name is refused.
    pub fn add_recording(
        &self,
        experiment_id: i64,
        recording: &NewRecording,
    ) -> Result<i64, StoreError> {
        let (labels, data) = match &recording.trials {
            Some((l, d)) => (
                Some(to_le(l, i64::to_le_bytes)),
                Some(to_le(d, f64::to_le_bytes)),
            ),
            None => (None, None),
        };
        let added = self
            .conn
            .execute(
                "INSERT OR IGNORE INTO recordings (experiment_id, name, conditions, steps, neurons,
                     means, trials, trial_labels, trial_data, source, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    experiment_id,
                    recording.name,
                    recording.conditions as i64,
                    recording.steps as i64,
                    recording.neurons as i64,
                    to_le(&recording.means, f64::to_le_bytes),
                    recording.trials.as_ref().map(|(l, _)| l.len() as i64),
                    labels,
                    data,
                    recording.source,
                    now(),
                ],
            )
            .at(self)?;
        if added == 0 {
            return Err(StoreError::BadQuery(format!(
                "a recording named '{}' is already in this experiment (`rnnlab data rm` it, or \
                 choose another --name)",
                recording.name
            )));
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// The recordings, of one experiment or all, by id.
    pub fn recordings(&self, experiment: Option<&str>) -> Result<Vec<RecordingRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM recordings r JOIN experiments e ON e.id = r.experiment_id
                 WHERE ?1 IS NULL OR e.name = ?1 ORDER BY r.id"
            ))
            .at(self)?;
        let rows = stmt.query_map([experiment], recording_row).at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// The recording `name` of `experiment` with its data: the condition means and, when
    /// given, the single trials (labels and responses).
    pub fn recording(
        &self,
        experiment: &str,
        name: &str,
    ) -> Result<(RecordingRow, NewRecording), StoreError> {
        let found = self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS}, r.means, r.trial_labels, r.trial_data
                     FROM recordings r JOIN experiments e ON e.id = r.experiment_id
                     WHERE e.name = ?1 AND r.name = ?2"
                ),
                [experiment, name],
                |r| {
                    let row = recording_row(r)?;
                    let means: Vec<u8> = r.get(9)?;
                    let labels: Option<Vec<u8>> = r.get(10)?;
                    let data: Option<Vec<u8>> = r.get(11)?;
                    Ok((row, means, labels, data))
                },
            )
            .optional()
            .at(self)?;
        let Some((row, means, labels, data)) = found else {
            return Err(StoreError::BadQuery(format!(
                "no recording named '{name}' in experiment '{experiment}' (`rnnlab data ls` \
                 lists them)"
            )));
        };
        let trials = labels.zip(data).map(|(l, d)| {
            (
                from_le(&l, i64::from_le_bytes),
                from_le(&d, f64::from_le_bytes),
            )
        });
        let data = NewRecording {
            name: row.name.clone(),
            conditions: row.conditions,
            steps: row.steps,
            neurons: row.neurons,
            means: from_le(&means, f64::from_le_bytes),
            trials,
            source: row.source.clone(),
        };
        Ok((row, data))
    }

    /// Removes a recording and its distances; false if there was none of that name.
    pub fn remove_recording(&self, experiment: &str, name: &str) -> Result<bool, StoreError> {
        let removed = self
            .conn
            .execute(
                "DELETE FROM recordings WHERE name = ?2
                   AND experiment_id = (SELECT id FROM experiments WHERE name = ?1)",
                [experiment, name],
            )
            .at(self)?;
        Ok(removed > 0)
    }

    /// The distances stored for a recording under `settings`.
    pub fn recording_distances(
        &self,
        recording_id: i64,
        settings: &str,
    ) -> Result<Vec<RecordingDistance>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT network_id, metric, distance, low, high, subsampled
                 FROM recording_distances
                 WHERE recording_id = ?1
                   AND settings_id = (SELECT id FROM similarity_settings WHERE settings = ?2)
                 ORDER BY network_id, metric",
            )
            .at(self)?;
        let rows = stmt
            .query_map(params![recording_id, settings], |r| {
                Ok(RecordingDistance {
                    network: r.get(0)?,
                    metric: r.get(1)?,
                    distance: r.get(2)?,
                    low: r.get(3)?,
                    high: r.get(4)?,
                    subsampled: r.get(5)?,
                })
            })
            .at(self)?;
        rows.collect::<Result<_, _>>().at(self)
    }

    /// Stores distances of a recording under `settings` in one transaction (a row already
    /// stored is kept).
    pub fn store_recording_distances(
        &self,
        recording_id: i64,
        settings: &str,
        distances: &[RecordingDistance],
    ) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().at(self)?;
        let settings_id = settings_id(&tx, settings).at(self)?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR IGNORE INTO recording_distances
                         (recording_id, settings_id, network_id, metric, distance, low, high,
                          subsampled)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .at(self)?;
            for d in distances {
                stmt.execute(params![
                    recording_id,
                    settings_id,
                    d.network,
                    d.metric,
                    d.distance,
                    d.low,
                    d.high,
                    d.subsampled
                ])
                .at(self)?;
            }
        }
        tx.commit().at(self)
    }
}
