//! The scaffold of a task rnnlab knows nothing about (a task given as arrays), and the flows
//! every graph scaffold is built from.
//!
//! At each constant input x*: nodes are the fixed points (slow points are not nodes), labelled
//! by their number of unstable modes and their readout's sign pattern (`+`, `-`, or `0` within
//! [`ZERO_BAND`]); edges are heteroclinic orbits, found by starting at h* ± ε·v along each
//! unstable direction v of each unstable point, running the dynamics at x* until they settle,
//! and linking to the node reached. No ideal is assumed: networks are compared with each other
//! by the multiset distance of their labelled nodes and edges, input by input.

use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ArrayView1};
use serde::{Deserialize, Serialize};

use super::flipflop::{multiset_distance, Node, ZERO_BAND};
use super::flow::settle;
use super::integration::line_shape;
use crate::analysis::{linearise_at, FixedPoint, InputPoints};
use crate::net::CellMap;

/// Step along an unstable direction to leave a saddle.
const EPSILON: f64 = 1e-2;
/// A flow that moves less than this per step has settled.
pub(super) const SETTLED: f64 = 1e-7;
/// Steps a flow may take to settle.
pub(super) const MAX_STEPS: usize = 5000;
/// A settled flow reached a node if it is this close to it.
const REACHED: f64 = 5e-2;

/// The readout's sign pattern: `+`, `-`, or `0` where |y| ≤ [`ZERO_BAND`].
pub(super) fn pattern(readout: &Array1<f64>) -> String {
    readout
        .iter()
        .map(|&y| {
            if y > ZERO_BAND {
                '+'
            } else if y < -ZERO_BAND {
                '-'
            } else {
                '0'
            }
        })
        .collect()
}

/// The point of `points` a settled state `h` has reached, if any is within reach.
pub(super) fn nearest(points: &[&FixedPoint], h: ArrayView1<f64>) -> Option<usize> {
    points
        .iter()
        .enumerate()
        .map(|(k, p)| ((&p.state - &h).mapv(|v| v * v).sum().sqrt(), k))
        .filter(|(d, _)| *d <= REACHED)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The heteroclinic orbits among `points` under the constant input `input`: (from, to) indices
/// into `points`, sorted, without repeats; and how many flows settled nowhere known.
pub(super) fn heteroclinic_edges(
    map: &CellMap,
    points: &[&FixedPoint],
    input: ArrayView1<f64>,
) -> (Vec<(usize, usize)>, usize) {
    let s = map.spec().state_dim();
    // h* ± ε·v for every unstable direction (real and imaginary parts of a complex pair), all
    // run at once.
    let mut starts: Vec<(usize, Array1<f64>)> = Vec::new();
    for (k, p) in points.iter().enumerate().filter(|(_, p)| p.unstable > 0) {
        let Some(lin) = linearise_at(map, p.state.view(), input) else {
            continue;
        };
        for mode in 0..p.unstable.min(lin.eigenvalues.len()) {
            let v = lin.right.column(mode);
            let mut directions = vec![v.mapv(|z| z.re)];
            if lin.eigenvalues[mode].im.abs() > 1e-12 {
                directions.push(v.mapv(|z| z.im));
            }
            for d in directions {
                let norm = d.dot(&d).sqrt();
                if norm > 0.0 {
                    for sign in [1.0, -1.0] {
                        starts.push((k, &p.state + &(&d * (sign * EPSILON / norm))));
                    }
                }
            }
        }
    }
    let mut edges = Vec::new();
    let mut lost_flows = 0;
    if !starts.is_empty() {
        let initial = Array2::from_shape_fn((starts.len(), s), |(r, c)| starts[r].1[c]);
        let (ends, settled) = settle(map, initial, input, SETTLED, MAX_STEPS);
        for (r, (from, _)) in starts.iter().enumerate() {
            match nearest(points, ends.row(r)).filter(|_| settled[r]) {
                Some(to) => edges.push((*from, to)),
                None => lost_flows += 1,
            }
        }
    }
    edges.sort_unstable();
    edges.dedup();
    (edges, lost_flows)
}

/// Nodes in canonical order (by class, pattern, readout: the graph does not depend on the
/// order points were found in), with the edges renumbered to it and sorted; and `rank`, the
/// old index of each node in the new order.
pub(super) fn canonical(
    nodes: Vec<Node>,
    edges: Vec<(usize, usize)>,
) -> (Vec<usize>, Vec<Node>, Vec<(usize, usize)>) {
    let mut rank: Vec<usize> = (0..nodes.len()).collect();
    rank.sort_by(|&a, &b| {
        (nodes[a].unstable, &nodes[a].pattern)
            .cmp(&(nodes[b].unstable, &nodes[b].pattern))
            .then(
                nodes[a]
                    .readout
                    .partial_cmp(&nodes[b].readout)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
    });
    let mut position = vec![0; nodes.len()];
    for (new, &old) in rank.iter().enumerate() {
        position[old] = new;
    }
    let sorted = rank.iter().map(|&k| nodes[k].clone()).collect();
    let mut edges: Vec<(usize, usize)> = edges
        .into_iter()
        .map(|(a, b)| (position[a], position[b]))
        .collect();
    edges.sort_unstable();
    (rank, sorted, edges)
}

/// The graph at one constant input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputGraph {
    /// The constant input x*.
    pub input: Vec<f64>,
    /// Its fixed points, by class, then pattern, then readout.
    pub nodes: Vec<Node>,
    /// Heteroclinic orbits (from, to), node indices, sorted.
    pub edges: Vec<(usize, usize)>,
    /// Flows from unstable points that settled nowhere known.
    pub lost_flows: usize,
    /// Slow points (q small, not below the fixed-point tolerance): not nodes, but where a
    /// continuous memory lies they are the line it lies along.
    #[serde(default)]
    pub slow_points: usize,
    /// The time constant, in steps, of the slowest decaying mode at the stable fixed and slow
    /// points (−1/ln|λ| of the largest |λ| below 1): how long the network holds what it holds
    /// there, a continuous memory's measure. None without a stable point.
    #[serde(default)]
    pub memory_steps: Option<f64>,
    /// Where there are slow points (at least two), the line they lie along with the fixed
    /// points, described as an integration network's line is.
    #[serde(default)]
    pub line: Option<SlowLine>,
}

/// The line of slow and fixed points at one constant input: a continuous memory's shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SlowLine {
    /// Fixed and slow points on it.
    pub points: usize,
    /// Their spread along its first principal axis, in state units.
    pub length: f64,
    /// Share of their variance along that axis (1: a straight line).
    pub straightness: f64,
    /// |cos| between that axis and the readout's direction (the largest over outputs): 0 when
    /// the line holds something the readout does not show yet, as a delay's memory.
    pub readout_alignment: f64,
}

impl InputGraph {
    /// Node labels (`class:pattern`) and edge labels (`from > to`), as a multiset.
    pub fn descriptor(&self) -> BTreeMap<String, usize> {
        let mut labels = BTreeMap::new();
        for n in &self.nodes {
            *labels.entry(n.label()).or_insert(0) += 1;
        }
        for &(from, to) in &self.edges {
            let label = format!("{} > {}", self.nodes[from].label(), self.nodes[to].label());
            *labels.entry(label).or_insert(0) += 1;
        }
        labels
    }

    /// Stable points.
    pub fn attractors(&self) -> usize {
        self.nodes.iter().filter(|n| n.unstable == 0).count()
    }
}

/// The scaffold of a network on a task given as arrays: one graph per constant input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphScaffold {
    /// Per constant input, in the task's order.
    pub inputs: Vec<InputGraph>,
}

impl GraphScaffold {
    /// The scaffold in one line, equal for equal scaffolds: per input, its labels with counts.
    pub fn signature(&self) -> String {
        self.inputs
            .iter()
            .map(|g| {
                g.descriptor()
                    .iter()
                    .map(|(l, n)| {
                        if *n == 1 {
                            l.clone()
                        } else {
                            format!("{n}×{l}")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// Mean over inputs of the multiset distance of the graphs; None if the inputs differ.
    pub fn distance(&self, other: &GraphScaffold) -> Option<f64> {
        let same = self.inputs.len() == other.inputs.len()
            && !self.inputs.is_empty()
            && self
                .inputs
                .iter()
                .zip(&other.inputs)
                .all(|(a, b)| a.input == b.input);
        same.then(|| {
            self.inputs
                .iter()
                .zip(&other.inputs)
                .map(|(a, b)| multiset_distance(&a.descriptor(), &b.descriptor()))
                .sum::<f64>()
                / self.inputs.len() as f64
        })
    }
}

/// The most common of some scaffolds' signatures, with how many have it; of equally common
/// ones the first in order, so network ids do not decide. None if there are none.
pub fn most_common(signatures: &[String]) -> Option<(&str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in signatures {
        *counts.entry(s).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
}

/// The graph scaffold from the fixed points found at each constant input.
pub fn graph_scaffold(map: &CellMap, inputs: &[InputPoints]) -> GraphScaffold {
    let graphs = inputs
        .iter()
        .map(|at| {
            let fixed: Vec<&FixedPoint> = at.points.iter().filter(|p| p.converged).collect();
            let labels: Vec<Node> = fixed
                .iter()
                .map(|p| {
                    let readout = map.readout(p.state.view());
                    Node {
                        unstable: p.unstable,
                        pattern: pattern(&readout),
                        readout: readout.to_vec(),
                    }
                })
                .collect();
            let (edges, lost_flows) = heteroclinic_edges(map, &fixed, at.input.view());
            let (_, nodes, edges) = canonical(labels, edges);
            let slowest = at
                .points
                .iter()
                .filter(|p| p.unstable == 0)
                .flat_map(|p| p.eigenvalues.iter().map(|l| l.norm()))
                .filter(|&m| m < 1.0)
                .fold(None, |a: Option<f64>, m| Some(a.map_or(m, |a| a.max(m))));
            let slow_points = at.points.iter().filter(|p| !p.converged).count();
            let line = (slow_points >= 2).then(|| {
                let states: Vec<&Array1<f64>> = at.points.iter().map(|p| &p.state).collect();
                let shape = line_shape(map, &states);
                SlowLine {
                    points: states.len(),
                    length: shape.length,
                    straightness: shape.straightness,
                    readout_alignment: shape.readout_alignment,
                }
            });
            InputGraph {
                input: at.input.to_vec(),
                nodes,
                edges,
                lost_flows,
                slow_points,
                memory_steps: slowest.map(|m| -1.0 / m.ln()),
                line,
            }
        })
        .collect();
    GraphScaffold { inputs: graphs }
}
