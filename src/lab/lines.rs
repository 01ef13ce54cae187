//! An integration population's line attractors: per architecture × activation what the lines
//! are like (medians over networks and contexts), how the share of ideal scaffolds moves when
//! each of the verdict's thresholds is halved or doubled, and whether the verdict holds on
//! freshly drawn probe trials (the memory it reads is measured on them).

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::report::{scaffold_verdict, ClaimRules, IdealShare};
use super::stats::Stats;
use crate::analysis::similarity::each_pair;
use crate::analysis::topology::{
    integration_scaffold, IntegrationContext, IntegrationScaffold, LineThresholds,
};
use crate::analysis::InputPoints;
use crate::net::{CellMap, Group};
use crate::task::Task;

/// The lines of one architecture × activation, over its networks' contexts.
#[derive(Clone, Debug, Serialize)]
pub struct LineSummary {
    /// Contexts (two per network).
    pub contexts: usize,
    /// Of which described by a line (held states or resting points, with a τ).
    pub with_line: usize,
    /// Of which line attractors (the verdict's thresholds met).
    pub line_attractors: usize,
    /// τ/T of the slow mode.
    pub tau_trials: Stats,
    /// Readout extent over the context's target range.
    pub coverage: Stats,
    /// Share of the line's variance along its first axis.
    pub straightness: Stats,
    /// Cued over cued plus ignored response.
    pub selectivity: Stats,
    /// Modes carrying 90 % of the response.
    pub modes_for_response: Stats,
}

impl LineSummary {
    /// The summary of some networks' scaffolds.
    pub fn of<'a>(scaffolds: impl IntoIterator<Item = &'a IntegrationScaffold>) -> LineSummary {
        let contexts: Vec<_> = scaffolds.into_iter().flat_map(|s| &s.contexts).collect();
        let stats = |f: &dyn Fn(&&IntegrationContext) -> Option<f64>| {
            Stats::of(contexts.iter().filter_map(f).collect())
        };
        LineSummary {
            contexts: contexts.len(),
            with_line: contexts
                .iter()
                .filter(|c| c.line.is_some() && c.tau_trials.is_some())
                .count(),
            line_attractors: contexts.iter().filter(|c| c.line_attractor).count(),
            tau_trials: stats(&|c| c.tau_trials),
            coverage: stats(&|c| c.line.as_ref().map(|l| l.coverage)),
            straightness: stats(&|c| c.line.as_ref().map(|l| l.straightness)),
            selectivity: stats(&|c| c.selectivity),
            modes_for_response: stats(&|c| c.modes_for_response.map(|m| m as f64)),
        }
    }
}

/// How many networks the verdict calls ideal with one threshold changed.
#[derive(Clone, Debug, Serialize)]
pub struct Sensitivity {
    /// Which threshold.
    pub threshold: String,
    /// Its value: looser (halved), as set, stricter (doubled).
    pub values: [f64; 3],
    /// Ideal networks under each value.
    pub ideal: [usize; 3],
    /// Networks judged.
    pub networks: usize,
}

/// The verdict over `scaffolds` with τ/T and coverage halved and doubled, and the tolerated
/// ignored/cued response ratio (selectivity = 1 / (1 + ratio)) doubled and halved.
pub fn sensitivity(scaffolds: &[&IntegrationScaffold]) -> Vec<Sensitivity> {
    let study = LineThresholds::STUDY;
    let ratio = 1.0 / study.selectivity - 1.0;
    type Set = fn(LineThresholds, f64) -> LineThresholds;
    let rows: [(&str, [f64; 3], Set); 3] = [
        (
            "τ/T",
            [0.5, 1.0, 2.0].map(|k| k * study.tau_trials),
            |t, v| LineThresholds { tau_trials: v, ..t },
        ),
        (
            "coverage",
            [0.5, 1.0, 2.0].map(|k| k * study.coverage),
            |t, v| LineThresholds { coverage: v, ..t },
        ),
        (
            "selectivity",
            [2.0, 1.0, 0.5].map(|k| 1.0 / (1.0 + k * ratio)),
            |t, v| LineThresholds {
                selectivity: v,
                ..t
            },
        ),
    ];
    rows.into_iter()
        .map(|(name, values, set)| Sensitivity {
            threshold: name.into(),
            values,
            ideal: values.map(|v| {
                let t = set(study, v);
                scaffolds.iter().filter(|s| s.ideal_under(&t)).count()
            }),
            networks: scaffolds.len(),
        })
        .collect()
}

impl fmt::Display for Sensitivity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.values;
        let [x, y, z] = self.ideal;
        write!(
            f,
            "  {:<12} {:>5.3} / {:>5.3} / {:>5.3}   {:>4} / {:>4} / {:>4} of {}",
            self.threshold, a, b, c, x, y, z, self.networks
        )
    }
}

/// An integration network as the probe-set check needs it: its map, its stored fixed and slow
/// points at each constant input, and the verdict stored with its scaffold.
pub struct StoredLines {
    /// Network id.
    pub network: i64,
    /// Its architecture × activation.
    pub group: Group,
    /// The network.
    pub map: CellMap,
    /// Its stored points, per constant input of the task.
    pub inputs: Vec<InputPoints>,
    /// The verdict stored with its scaffold (read on the fixed probe batch).
    pub ideal: bool,
}

/// The line-attractor verdict read again on one probe batch.
#[derive(Clone, Debug, Serialize)]
pub struct ProbeDraw {
    /// Which batch: seed offset from the fixed probe batch's (0 is that batch itself).
    pub draw: u64,
    /// Per architecture × activation: networks, and line attractors on this batch.
    pub groups: Vec<IdealShare>,
    /// Networks whose verdict on this batch differs from the stored one.
    pub changed: Vec<ChangedVerdict>,
    /// The report's claim "every cell and activation has the ideal scaffold" on this batch.
    pub supported: Option<bool>,
}

/// A network judged otherwise on a drawn probe batch than on the fixed one.
#[derive(Clone, Debug, Serialize)]
pub struct ChangedVerdict {
    /// Network id.
    pub network: i64,
    /// A line attractor on this batch.
    pub ideal: bool,
    /// On this batch, what it misses (empty when it is now a line attractor).
    pub why: String,
}

/// Each network's scaffold rebuilt on probe batches `0..=draws` (batch 0 repeats the stored
/// verdict: a check that nothing but the trials differs), judged by the report's rule, spread
/// over `threads`.
pub fn probe_draws(
    task: &Task,
    networks: &[StoredLines],
    draws: u64,
    threads: usize,
) -> Vec<ProbeDraw> {
    let batches: Vec<_> = (0..=draws)
        .filter_map(|d| Some((d, task.drawn_probe_batch(d)?)))
        .collect();
    // One job per network and batch; scaffolds[n · batches + b].
    let jobs: Vec<(usize, usize)> = (0..networks.len())
        .flat_map(|n| (0..batches.len()).map(move |b| (n, b)))
        .collect();
    let scaffolds = each_pair(&jobs, threads, |n, b| {
        Some(integration_scaffold(
            &networks[n].map,
            &networks[n].inputs,
            &batches[b].1,
        ))
    });
    batches
        .iter()
        .enumerate()
        .map(|(b, (draw, _))| {
            let mut groups: BTreeMap<Group, (usize, usize)> = BTreeMap::new();
            let mut changed = Vec::new();
            for (k, n) in networks.iter().enumerate() {
                let s = scaffolds[k * batches.len() + b]
                    .as_ref()
                    .expect("every job ran");
                let g = groups.entry(n.group).or_default();
                g.0 += 1;
                g.1 += usize::from(s.ideal);
                if s.ideal != n.ideal {
                    let study = LineThresholds::STUDY;
                    let why: Vec<String> = s
                        .contexts
                        .iter()
                        .filter_map(|c| c.shortfall(&study))
                        .collect();
                    changed.push(ChangedVerdict {
                        network: n.network,
                        ideal: s.ideal,
                        why: why.join("; "),
                    });
                }
            }
            let groups: Vec<IdealShare> = groups
                .into_iter()
                .map(|(group, (networks, ideal))| IdealShare {
                    group,
                    networks,
                    ideal,
                })
                .collect();
            ProbeDraw {
                draw: *draw,
                supported: scaffold_verdict(&groups, &ClaimRules::STUDY),
                groups,
                changed,
            }
        })
        .collect()
}

impl fmt::Display for ProbeDraw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("{} {}/{}", g.group, g.ideal, g.networks))
            .collect();
        let verdict = match self.supported {
            Some(true) => "supported",
            Some(false) => "NOT supported",
            None => "too few to judge",
        };
        write!(
            f,
            "  {:>4}  {:<16}  {:>2} changed  {}",
            self.draw,
            verdict,
            self.changed.len(),
            groups.join(", ")
        )?;
        for c in &self.changed {
            let now = if c.ideal {
                "now a line attractor".to_string()
            } else {
                format!("no longer a line attractor ({})", c.why)
            };
            write!(f, "\n        #{}: {now}", c.network)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::topology::AttractorLine;

    fn scaffold(tau: f64, coverage: f64, selectivity: f64) -> IntegrationScaffold {
        let context = |c| IntegrationContext {
            context: c,
            line: Some(AttractorLine {
                held_states: 10,
                points: 1,
                fixed: 1,
                readout_range: (-1.0, 1.0),
                extent: 2.0,
                coverage,
                straightness: 1.0,
                readout_alignment: 1.0,
                density: 0.5,
            }),
            top_modulus: Some(0.99),
            tau_trials: Some(tau),
            retention: Some((-29.0 / (30.0 * tau)).exp()),
            linearised_tau_trials: Some(tau),
            cued_alignment: Some(1.0),
            ignored_alignment: Some(0.0),
            selectivity: Some(selectivity),
            response_by_modes: vec![1.0],
            modes_for_response: Some(1),
            line_attractor: tau >= 1.0 && coverage >= 0.5 && selectivity >= 0.8,
        };
        IntegrationScaffold {
            contexts: vec![context(0), context(1)],
            ideal: false,
            distance_to_ideal: 0.0,
        }
    }

    #[test]
    fn each_threshold_is_halved_and_doubled_alone() {
        let all = [
            scaffold(0.7, 1.0, 0.95),
            scaffold(1.5, 0.3, 0.95),
            scaffold(3.0, 0.8, 0.85),
            scaffold(3.0, 1.2, 0.7),
        ];
        let refs: Vec<&IntegrationScaffold> = all.iter().collect();
        let rows = sensitivity(&refs);
        let tau = &rows[0];
        assert_eq!(tau.values, [0.5, 1.0, 2.0]);
        // τ ≥ 0.5: the first joins; ≥ 2: the second leaves (the third fails nothing else).
        assert_eq!(tau.ideal, [2, 1, 1]);
        let coverage = &rows[1];
        assert_eq!(coverage.values, [0.25, 0.5, 1.0]);
        assert_eq!(coverage.ideal, [2, 1, 0]);
        let selectivity = &rows[2];
        assert!((selectivity.values[0] - 2.0 / 3.0).abs() < 1e-12);
        assert!((selectivity.values[1] - 0.8).abs() < 1e-12);
        assert!((selectivity.values[2] - 8.0 / 9.0).abs() < 1e-12);
        assert_eq!(selectivity.ideal, [2, 1, 0]);
        assert!(rows.iter().all(|r| r.networks == 4));
        let summary = LineSummary::of(&all);
        assert_eq!((summary.contexts, summary.with_line), (8, 8));
        assert_eq!(
            summary.line_attractors, 2,
            "the third network's two contexts"
        );
        assert_eq!(summary.tau_trials.median, 2.25);
    }
}
