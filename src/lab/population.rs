//! Which of an experiment's networks population statistics cover, and why the others are
//! left out: one rule for the report and `rnnlab topology --experiment`.

use serde::Serialize;

use crate::net::Group;
use crate::store::{NetState, NetworkRow, Notebook};
use crate::LabError;

/// A network left out of population statistics, and why.
#[derive(Clone, Debug, Serialize)]
pub struct Excluded {
    /// Network id.
    pub network: i64,
    /// `arch/activation`.
    pub group: Group,
    /// Which rule left it out.
    pub reason: String,
}

/// Which networks the statistics cover.
#[derive(Clone, Debug, Serialize)]
pub struct Exclusion {
    /// The rule, in words.
    pub rule: String,
    /// Final networks of the experiment (any state).
    pub total: usize,
    /// Networks the statistics cover.
    pub included: usize,
    /// The others.
    pub excluded: Vec<Excluded>,
}

/// Every final network of the experiment (the search's trials are not the population).
pub fn final_networks(notebook: &Notebook, experiment: &str) -> Result<Vec<NetworkRow>, LabError> {
    networks_where(notebook, experiment, "role = final")
}

/// The final networks with weights (trained or analysed): what comparisons compare.
pub fn trained_networks(
    notebook: &Notebook,
    experiment: &str,
) -> Result<Vec<NetworkRow>, LabError> {
    networks_where(
        notebook,
        experiment,
        "role = final and (state = trained or state = analysed)",
    )
}

/// The experiment's networks that pass `filter` (the `--where` language), by id.
fn networks_where(
    notebook: &Notebook,
    experiment: &str,
    filter: &str,
) -> Result<Vec<NetworkRow>, LabError> {
    let mut rows = Vec::new();
    let query = crate::store::ListQuery {
        experiment: Some(experiment.to_string()),
        filter: Some(filter.into()),
        ..Default::default()
    };
    crate::lab::notebook::for_each_network(notebook, &query, |r| {
        rows.push(r.clone());
        Ok(())
    })?;
    Ok(rows)
}

/// The networks the statistics cover: trained to the end (not planned, running, diverged or
/// failed) and with a held-out loss at most `max_loss`, or at most 10 × the target loss
/// their training stopped at.
pub fn exclusion(all: &[NetworkRow], max_loss: Option<f64>) -> (Vec<NetworkRow>, Exclusion) {
    let rule = match max_loss {
        Some(m) => format!(
            "a network is left out if it diverged or failed, is not trained yet, or its \
             held-out loss is above {m:e} (--max-loss)"
        ),
        None => "a network is left out if it diverged or failed, is not trained yet, or its \
                 held-out loss is above 10 × the target loss its training aimed at"
            .to_string(),
    };
    let mut included = Vec::new();
    let mut excluded = Vec::new();
    for n in all {
        let limit = max_loss.or_else(|| {
            // Training settings, or an imported network's record: both carry the target.
            serde_json::from_str::<serde_json::Value>(&n.config)
                .ok()
                .and_then(|c| c.get("target_loss")?.as_f64())
                .map(|t| 10.0 * t)
        });
        let reason = match n.state {
            NetState::Diverged | NetState::Failed => Some(n.state.name().to_string()),
            NetState::Trained | NetState::Analysed => match (n.final_loss, limit) {
                (Some(l), Some(m)) if l.is_nan() || l > m => {
                    Some(format!("held-out loss {l:.2e} above {m:.0e}"))
                }
                _ => None,
            },
            NetState::Planned | NetState::Training => {
                Some(format!("{}, not trained yet", n.state.name()))
            }
        };
        match reason {
            None => included.push(n.clone()),
            Some(reason) => excluded.push(Excluded {
                network: n.id,
                group: n.group(),
                reason,
            }),
        }
    }
    let exclusion = Exclusion {
        rule,
        total: all.len(),
        included: included.len(),
        excluded,
    };
    (included, exclusion)
}
