//! `rnnlab topology`: one network's scaffold, readably, or an experiment's per architecture ×
//! activation: the share of networks with the ideal scaffold and the topology distances.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::analyse::analysis_record;
use super::lines::{probe_draws, sensitivity, LineSummary, ProbeDraw, Sensitivity, StoredLines};
use super::notebook::{stored_experiment, stored_params, trained_network};
use super::population::{exclusion, final_networks, Exclusion};
use super::stats::Stats;
use crate::analysis::topology::{most_common, GraphScaffold, IntegrationScaffold};
use crate::analysis::{FixedPoint, InputPoints, Topology, TOPOLOGY_VERSION};
use crate::lab::MISSING;
use crate::net::{Activation, Arch, CellMap, Group};
use crate::store::Notebook;
use crate::task::TaskKind;
use crate::LabError;

/// One network's scaffold.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkTopology {
    /// Network id.
    pub network: i64,
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Hidden units.
    pub units: i64,
    /// Read from the notebook (else computed now from a fresh fixed-point search).
    pub stored: bool,
    /// Descriptor version.
    pub version: u32,
    /// The scaffold.
    pub topology: Topology,
    /// Why population statistics leave this network out (it did not learn the task: its
    /// scaffold says nothing of its cell's), if they do.
    pub left_out: Option<String>,
}

/// A network's scaffold: stored, or computed now if it has none of the current version.
pub fn network_topology(notebook: &Notebook, id: i64) -> Result<NetworkTopology, LabError> {
    if let Some(stored) = stored_topology(notebook, id)? {
        return Ok(stored);
    }
    let (row, experiment, params) = trained_network(notebook, id)?;
    let record = analysis_record(
        &experiment.task,
        &params,
        &experiment.analysis,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("never cancelled");
    let descriptor = record.topology.expect("a fresh analysis has a scaffold");
    Ok(NetworkTopology {
        network: id,
        left_out: left_out(&row),
        arch: row.arch,
        activation: row.activation,
        units: row.units,
        stored: false,
        version: TOPOLOGY_VERSION,
        topology: serde_json::from_str(&descriptor.descriptor).expect("just written"),
    })
}

/// A network's stored scaffold of the current version, if it has one (nothing is computed).
pub fn stored_topology(notebook: &Notebook, id: i64) -> Result<Option<NetworkTopology>, LabError> {
    let Some(topology) = notebook
        .topology(id)?
        .filter(|(v, _)| *v == TOPOLOGY_VERSION)
        .and_then(|(_, d)| serde_json::from_str::<Topology>(&d).ok())
    else {
        return Ok(None);
    };
    let row = notebook.network(id)?;
    Ok(Some(NetworkTopology {
        network: id,
        left_out: left_out(&row),
        arch: row.arch,
        activation: row.activation,
        units: row.units,
        stored: true,
        version: TOPOLOGY_VERSION,
        topology,
    }))
}

/// Why the population rule (the default one) leaves a network out, if it does.
fn left_out(row: &crate::store::NetworkRow) -> Option<String> {
    let (_, exclusion) = exclusion(std::slice::from_ref(row), None);
    exclusion.excluded.into_iter().next().map(|x| x.reason)
}

/// One architecture × activation of an experiment.
#[derive(Clone, Debug, Serialize)]
pub struct TopologyGroup {
    /// Architecture.
    pub arch: Arch,
    /// Activation.
    pub activation: Activation,
    /// Networks with a scaffold.
    pub networks: usize,
    /// Of which with the ideal scaffold.
    pub ideal: usize,
    /// ideal / networks.
    pub share_ideal: f64,
    /// Topology distance to the ideal.
    pub distance_to_ideal: Stats,
    /// Topology distances between this group's networks.
    pub distance_within: Stats,
    /// Integration: what its line attractors are like.
    pub lines: Option<LineSummary>,
}

/// An experiment's scaffolds.
#[derive(Clone, Debug, Serialize)]
pub struct ExperimentTopology {
    /// Experiment name.
    pub experiment: String,
    /// Which task.
    pub task: TaskKind,
    /// Per architecture × activation.
    pub groups: Vec<TopologyGroup>,
    /// Topology distances between networks of the same architecture.
    pub distance_same_arch: Stats,
    /// Topology distances between networks of different architectures: close to the same-arch
    /// figure when the scaffold is universal (the paper's finding).
    pub distance_other_arch: Stats,
    /// The rule that left networks out (a network that did not learn the task says nothing of
    /// its cell's scaffold), and those it left out.
    pub exclusion: Exclusion,
    /// Integration: the ideal count with each of the verdict's thresholds halved and doubled.
    pub sensitivity: Vec<Sensitivity>,
    /// Integration, when asked for (`--probe-sets`): the verdict read again on freshly drawn
    /// probe batches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probe_draws: Vec<ProbeDraw>,
}

/// The per-group view of an experiment's stored scaffolds and distance matrix, over the
/// networks that solved the task (`max_loss`: see [`exclusion`]).
pub fn experiment_topology(
    notebook: &Notebook,
    name: &str,
    max_loss: Option<f64>,
) -> Result<ExperimentTopology, LabError> {
    let experiment = notebook.experiment(name)?;
    let (included, exclusion) = exclusion(&final_networks(notebook, name)?, max_loss);
    let included: std::collections::HashSet<i64> = included.iter().map(|n| n.id).collect();
    let rows: Vec<_> = notebook
        .topologies(experiment.id)?
        .into_iter()
        .filter(|t| t.version == TOPOLOGY_VERSION && included.contains(&t.network_id))
        .collect();
    let group_of: BTreeMap<i64, Group> = rows.iter().map(|t| (t.network_id, t.group)).collect();
    #[derive(Default)]
    struct Members {
        ideal: Vec<bool>,
        to_ideal: Vec<f64>,
        within: Vec<f64>,
        lines: Vec<IntegrationScaffold>,
    }
    // Each descriptor parsed once. A task given as arrays has no ideal scaffold: each network
    // is measured against the population's most common one instead.
    let parsed: Vec<Option<Topology>> = rows
        .iter()
        .map(|t| serde_json::from_str(&t.descriptor).ok())
        .collect();
    let signatures: Vec<Option<String>> = parsed
        .iter()
        .map(|t| match t {
            Some(Topology::Arrays(s)) => Some(s.signature()),
            _ => None,
        })
        .collect();
    let present: Vec<String> = signatures.iter().flatten().cloned().collect();
    let common: Option<(&str, &GraphScaffold)> = most_common(&present).and_then(|(sig, _)| {
        parsed.iter().zip(&signatures).find_map(|(t, s)| match t {
            Some(Topology::Arrays(g)) if s.as_deref() == Some(sig) => Some((sig, g)),
            _ => None,
        })
    });
    let mut groups: BTreeMap<Group, Members> = BTreeMap::new();
    for ((t, topology), signature) in rows.iter().zip(&parsed).zip(&signatures) {
        let g = groups.entry(t.group).or_default();
        match (common, topology, signature) {
            (Some((sig, common)), Some(Topology::Arrays(s)), Some(own)) => {
                g.ideal.push(own == sig);
                g.to_ideal.push(s.distance(common).unwrap_or(f64::NAN));
            }
            _ => {
                g.ideal.push(t.ideal);
                g.to_ideal.push(t.distance_to_ideal);
            }
        }
        if let Some(Topology::Integration(s)) = topology {
            g.lines.push(s.clone());
        }
    }
    let scaffolds: Vec<&IntegrationScaffold> = groups.values().flat_map(|g| &g.lines).collect();
    let sensitivity = if scaffolds.is_empty() {
        Vec::new()
    } else {
        sensitivity(&scaffolds)
    };
    let (mut same_arch, mut other_arch) = (Vec::new(), Vec::new());
    for (a, b, d) in notebook.topology_distances(experiment.id)? {
        let (Some(ga), Some(gb)) = (group_of.get(&a), group_of.get(&b)) else {
            continue;
        };
        if ga == gb {
            if let Some(g) = groups.get_mut(ga) {
                g.within.push(d);
            }
        }
        if ga.arch == gb.arch {
            same_arch.push(d);
        } else {
            other_arch.push(d);
        }
    }
    Ok(ExperimentTopology {
        experiment: experiment.name,
        task: experiment.task,
        groups: groups
            .into_iter()
            .map(|(group, g)| {
                let n = g.ideal.len();
                let k = g.ideal.iter().filter(|&&i| i).count();
                TopologyGroup {
                    arch: group.arch,
                    activation: group.activation,
                    networks: n,
                    ideal: k,
                    share_ideal: k as f64 / n.max(1) as f64,
                    distance_to_ideal: Stats::of(g.to_ideal),
                    distance_within: Stats::of(g.within),
                    lines: (!g.lines.is_empty()).then(|| LineSummary::of(&g.lines)),
                }
            })
            .collect(),
        distance_same_arch: Stats::of(same_arch),
        distance_other_arch: Stats::of(other_arch),
        exclusion,
        sensitivity,
        probe_draws: Vec::new(),
    })
}

/// An integration experiment's line-attractor verdict read again on `draws` freshly drawn probe
/// batches (and on the fixed one, draw 0), over the networks the population rule keeps, from
/// their stored fixed points: the memory the verdict reads is measured on probe trials, so a
/// verdict worth the name must not depend on which trials were drawn.
pub fn experiment_probe_draws(
    notebook: &Notebook,
    name: &str,
    max_loss: Option<f64>,
    draws: u64,
    threads: usize,
) -> Result<Vec<ProbeDraw>, LabError> {
    let experiment = stored_experiment(notebook, name)?;
    if experiment.task.kind() != TaskKind::Integration {
        return Err(LabError::Invalid(format!(
            "--probe-sets: experiment {name} is a {} task; only integration's verdict is read on \
             the probe trials (the other scaffolds come from the fixed points alone)",
            experiment.task.kind()
        )));
    }
    let constant = experiment.task.definition().constant_inputs();
    let (included, _) = exclusion(&final_networks(notebook, name)?, max_loss);
    let mut networks = Vec::new();
    for row in &included {
        let Some(stored) = stored_topology(notebook, row.id)? else {
            continue;
        };
        let Some(params) = stored_params(notebook, row, &experiment)? else {
            continue;
        };
        let points = notebook.fixed_points(row.id)?;
        let inputs = constant
            .rows()
            .into_iter()
            .enumerate()
            .map(|(k, input)| InputPoints {
                input: input.to_owned(),
                points: points
                    .iter()
                    .filter(|p| p.input_index == k)
                    .map(|p| FixedPoint {
                        input: input.to_owned(),
                        state: p.state.clone().into(),
                        q: p.q,
                        converged: p.converged,
                        eigenvalues: p
                            .eigenvalues
                            .iter()
                            .map(|&[re, im]| faer::c64::new(re, im))
                            .collect(),
                        unstable: p.unstable,
                    })
                    .collect(),
                pseudo: 0,
            })
            .collect();
        networks.push(StoredLines {
            network: row.id,
            group: row.group(),
            map: CellMap::new(&params),
            inputs,
            ideal: stored.topology.ideal(),
        });
    }
    Ok(probe_draws(&experiment.task, &networks, draws, threads))
}

fn opt(v: Option<f64>, precision: usize) -> String {
    v.map_or(MISSING.into(), |v| format!("{v:.precision$}"))
}

/// A graph's nodes, each with the nodes its flows reach.
fn write_graph(
    f: &mut fmt::Formatter<'_>,
    nodes: &[crate::analysis::topology::Node],
    edges: &[(usize, usize)],
) -> fmt::Result {
    for (k, n) in nodes.iter().enumerate() {
        let targets: Vec<String> = edges
            .iter()
            .filter(|(from, _)| *from == k)
            .map(|(_, to)| format!("[{to}] {}", nodes[*to].label()))
            .collect();
        let arrow = if targets.is_empty() {
            String::new()
        } else {
            format!("  → {}", targets.join(", "))
        };
        let line = format!("  [{k:>2}] {:<12}{arrow}", n.label());
        writeln!(f, "{}", line.trim_end())?;
    }
    Ok(())
}

impl fmt::Display for NetworkTopology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.topology;
        let verdict = match t {
            Topology::Arrays(_) => "a task given as arrays has no ideal scaffold: it is \
                                    compared with other networks'"
                .to_string(),
            Topology::FlipFlop(_) | Topology::Sine(_) | Topology::Integration(_) => format!(
                "{} scaffold, distance to the ideal {:.3}",
                if t.ideal() {
                    "the ideal"
                } else {
                    "not the ideal"
                },
                t.distance_to_ideal()
            ),
        };
        writeln!(
            f,
            "network {} ({} {} N={}): {verdict}{}",
            self.network,
            self.arch,
            self.activation,
            self.units,
            if self.stored {
                ""
            } else {
                " (computed now, not stored)"
            }
        )?;
        if let Some(reason) = &self.left_out {
            writeln!(
                f,
                "not trained to the task ({reason}): population statistics leave it out, and \
                 its scaffold says nothing of its cell's"
            )?;
        }
        match t {
            Topology::FlipFlop(s) => {
                let mut classes: BTreeMap<usize, usize> = BTreeMap::new();
                for n in &s.nodes {
                    *classes.entry(n.unstable).or_insert(0) += 1;
                }
                let counts: Vec<String> = classes
                    .iter()
                    .map(|(k, c)| match k {
                        0 => format!("{c} stable"),
                        k => format!("{c} with {k} unstable"),
                    })
                    .collect();
                writeln!(
                    f,
                    "{} nodes: {}; transitions {}/{} correct; {} flows lost",
                    s.nodes.len(),
                    counts.join(", "),
                    s.transitions.0,
                    s.transitions.1,
                    s.lost_flows
                )?;
                write_graph(f, &s.nodes, &s.edges)?;
            }
            Topology::Arrays(s) => {
                for g in &s.inputs {
                    let input: Vec<String> = g.input.iter().map(|x| format!("{x:.3}")).collect();
                    writeln!(
                        f,
                        "input [{}]: {} fixed points ({} stable), {} slow points, {} transitions; \
                         {} flows lost{}",
                        input.join(", "),
                        g.nodes.len(),
                        g.attractors(),
                        g.slow_points,
                        g.edges.len(),
                        g.lost_flows,
                        g.memory_steps.map_or(String::new(), |t| format!(
                            "; slowest stable mode τ = {t:.0} steps"
                        ))
                    )?;
                    if let Some(l) = &g.line {
                        writeln!(
                            f,
                            "  a line of {} fixed and slow points: length {:.3}, straightness \
                             {:.2}, |cos| with the readout {:.2}",
                            l.points, l.length, l.straightness, l.readout_alignment
                        )?;
                    }
                    write_graph(f, &g.nodes, &g.edges)?;
                }
            }
            Topology::Sine(s) => {
                writeln!(
                    f,
                    "correlation of linearised and target frequency: {}",
                    opt(s.frequency_correlation, 3)
                )?;
                writeln!(
                    f,
                    "  {:>5} {:>7} {:>13} {:>9} {:>8} {:>8} {:>9}",
                    "x", "ω", "points/stable", "f_lin", "f_lin/ω", "period", "period·ω"
                )?;
                for i in &s.inputs {
                    writeln!(
                        f,
                        "  {:>5.2} {:>7.4} {:>13} {:>9} {:>8} {:>8} {:>9}",
                        i.input,
                        i.target_frequency,
                        format!("{}/{}", i.fixed_points, i.stable),
                        opt(i.linear_frequency, 4),
                        opt(i.linear_frequency.map(|l| l / i.target_frequency), 3),
                        opt(i.cycle_period, 1),
                        opt(i.cycle_period.map(|p| p * i.target_frequency), 3)
                    )?;
                }
            }
            Topology::Integration(s) => {
                for c in &s.contexts {
                    let curve: Vec<String> = c
                        .response_by_modes
                        .iter()
                        .take(6)
                        .map(|r| format!("{r:.2}"))
                        .collect();
                    let line = c
                        .line
                        .as_ref()
                        .map_or("no held state, no point".into(), |l| {
                            format!(
                                "a line through {} held states and {} resting points ({} fixed), \
                             readout {:+.3} to {:+.3} ({:.0} % of the context's target range), \
                             straightness {:.3}, along the readout {:.2}, {:.1} points per unit",
                                l.held_states,
                                l.points,
                                l.fixed,
                                l.readout_range.0,
                                l.readout_range.1,
                                100.0 * l.coverage,
                                l.straightness,
                                l.readout_alignment,
                                l.density
                            )
                        });
                    writeln!(
                        f,
                        "context {}: {} — {line}\n  top |λ| {}, τ {} trials (the first input \
                         keeps {} of the last one's weight; linearised τ {} trials), alignment \
                         cued {} ignored {}, selectivity {}, {} modes for 90 % of the response \
                         (by modes kept: {} …)",
                        c.context,
                        if c.line_attractor {
                            "a line attractor"
                        } else {
                            "not a line attractor"
                        },
                        opt(c.top_modulus, 4),
                        opt(c.tau_trials.map(|t| t.min(999.0)), 2),
                        opt(c.retention, 3),
                        opt(c.linearised_tau_trials.map(|t| t.min(999.0)), 2),
                        opt(c.cued_alignment, 3),
                        opt(c.ignored_alignment, 3),
                        opt(c.selectivity, 3),
                        c.modes_for_response
                            .map_or(MISSING.into(), |m| m.to_string()),
                        curve.join(" ")
                    )?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for ExperimentTopology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} ({}): scaffolds by architecture × activation",
            self.experiment, self.task
        )?;
        let reference = self.task.reference_scaffold();
        writeln!(
            f,
            "  {:<10} {:<5} {:>8} {:>6} {:>7}  {:>21}  {:>15}",
            "arch",
            "f",
            "networks",
            if reference == "ideal" {
                "ideal"
            } else {
                "common"
            },
            "share",
            format!("to {reference} mean/median/max"),
            "within mean"
        )?;
        for g in &self.groups {
            writeln!(
                f,
                "  {:<10} {:<5} {:>8} {:>6} {:>6.0}%  {:>7.2} {:>6.2} {:>7.2}  {:>15.2}",
                g.arch,
                g.activation,
                g.networks,
                g.ideal,
                100.0 * g.share_ideal,
                g.distance_to_ideal.mean,
                g.distance_to_ideal.median,
                g.distance_to_ideal.max,
                g.distance_within.mean
            )?;
        }
        if self.groups.iter().any(|g| g.lines.is_some()) {
            writeln!(
                f,
                "line attractors, medians over contexts (τ/T: the slow mode's time constant in \
                 trials; coverage: readout extent over the targets' range):"
            )?;
            writeln!(
                f,
                "  {:<10} {:<5} {:>8} {:>6} {:>10} {:>7} {:>8} {:>9} {:>11} {:>5}",
                "arch",
                "f",
                "contexts",
                "lines",
                "attractors",
                "τ/T",
                "coverage",
                "straight",
                "selectivity",
                "modes"
            )?;
            for g in &self.groups {
                let Some(l) = &g.lines else { continue };
                writeln!(
                    f,
                    "  {:<10} {:<5} {:>8} {:>6} {:>10} {:>7.2} {:>8.2} {:>9.2} {:>11.2} {:>5.0}",
                    g.arch,
                    g.activation,
                    l.contexts,
                    l.with_line,
                    l.line_attractors,
                    l.tau_trials.median.min(999.0),
                    l.coverage.median,
                    l.straightness.median,
                    l.selectivity.median,
                    l.modes_for_response.median
                )?;
            }
        }
        if !self.probe_draws.is_empty() {
            writeln!(
                f,
                "the verdict on freshly drawn probe trials (draw 0: the fixed batch it was read \
                 on), line attractors per group:"
            )?;
            for draw in &self.probe_draws {
                writeln!(f, "{draw}")?;
            }
        }
        if !self.sensitivity.is_empty() {
            writeln!(
                f,
                "the verdict's sensitivity: each threshold looser / as set / stricter, and the \
                 ideal networks under each:"
            )?;
            for row in &self.sensitivity {
                writeln!(f, "{row}")?;
            }
        }
        writeln!(
            f,
            "topology distance, same architecture: mean {:.2} over {} pairs; different \
             architectures: mean {:.2} over {} pairs",
            self.distance_same_arch.mean,
            self.distance_same_arch.count,
            self.distance_other_arch.mean,
            self.distance_other_arch.count
        )?;
        let e = &self.exclusion;
        if !e.excluded.is_empty() {
            writeln!(
                f,
                "{} of {} networks left out ({}):",
                e.excluded.len(),
                e.total,
                e.rule
            )?;
            for x in &e.excluded {
                writeln!(f, "  #{} {}: {}", x.network, x.group, x.reason)?;
            }
        }
        Ok(())
    }
}
