//! The K-bit flip-flop scaffold as a labelled graph.
//!
//! Nodes: the fixed points at zero input, labelled by their number of unstable modes and a sign
//! pattern: for a stable point its readout's (`+`, `-`, or `0` where |y| ≤ `ZERO_BAND`), for an
//! unstable one the pattern of the attractors it separates (`0` where they differ, topped up
//! from its readout to as many 0s as it has unstable modes; its readout's pattern when its flows
//! reach fewer than two attractors). Edges: heteroclinic
//! orbits, found by starting at h* ± ε·v along each unstable direction v of each unstable point,
//! running the autonomous dynamics until they settle, and linking to the node reached. Canonical order: by class, then pattern, then readout, so the graph does not
//! depend on the order points were found in or on the sign of the eigenvectors (both ± are run).

use std::collections::BTreeMap;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::flow::settle;
use super::graph::{canonical, heteroclinic_edges, nearest, pattern, MAX_STEPS, SETTLED};
use crate::analysis::FixedPoint;
use crate::net::CellMap;

/// |y| at or below this is the `0` of a sign pattern.
pub const ZERO_BAND: f64 = 0.5;

/// One fixed point of the graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Number of unstable modes (0: stable).
    pub unstable: usize,
    /// Sign pattern of the readout, one of `+`, `-`, `0` per bit.
    pub pattern: String,
    /// The readout.
    pub readout: Vec<f64>,
}

impl Node {
    /// `class:pattern`, e.g. `1:+0-`.
    pub fn label(&self) -> String {
        format!("{}:{}", self.unstable, self.pattern)
    }
}

/// The flip-flop scaffold of one network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlipFlopScaffold {
    /// K.
    pub bits: usize,
    /// Nodes in canonical order.
    pub nodes: Vec<Node>,
    /// Heteroclinic orbits (from, to), node indices, sorted, without repeats.
    pub edges: Vec<(usize, usize)>,
    /// Flows from unstable points that settled nowhere known (a missed point or no settling).
    pub lost_flows: usize,
    /// Input pulses from stable points that led to the right neighbour, of all tried (each
    /// stable point with a full sign pattern × each bit, flipped).
    pub transitions: (usize, usize),
    /// Nodes and one-unstable edges are exactly the ideal K-cube's.
    pub ideal: bool,
    /// The topology distance to the ideal K-cube.
    pub distance_to_ideal: f64,
}

/// The scaffold of a flip-flop network from its fixed points at zero input (slow points are
/// not nodes).
pub fn flipflop_scaffold(map: &CellMap, points: &[FixedPoint]) -> FlipFlopScaffold {
    let bits = map.spec().outputs;
    let fixed: Vec<(&FixedPoint, Node)> = points
        .iter()
        .filter(|p| p.converged)
        .map(|p| {
            let readout = map.readout(p.state.view());
            let node = Node {
                unstable: p.unstable,
                pattern: pattern(&readout),
                readout: readout.to_vec(),
            };
            (p, node)
        })
        .collect();
    let (order, mut nodes): (Vec<&FixedPoint>, Vec<Node>) = fixed.into_iter().unzip();
    let s = map.spec().state_dim();
    let zero = Array1::<f64>::zeros(map.spec().inputs);

    let (edges, lost_flows) = heteroclinic_edges(map, &order, zero.view());

    // A saddle is labelled by the attractors it separates: bits on which the stable points its
    // flows reach disagree are 0 (its own readout need not be near 0 there: saddles of ReLU
    // networks sit off-centre). A k-unstable saddle whose flows show fewer than k such bits (they
    // may reach only some corners of its face) takes further 0s from its readout, nearest zero
    // first, within the zero band. The other bits keep the readout's sign.
    let relabelled: Vec<Option<String>> = (0..nodes.len())
        .map(|k| {
            let targets: Vec<&[u8]> = edges
                .iter()
                .filter(|(from, to)| *from == k && nodes[*to].unstable == 0)
                .map(|(_, to)| nodes[*to].pattern.as_bytes())
                .collect();
            (nodes[k].unstable > 0 && targets.len() >= 2).then(|| {
                let mut zero: Vec<bool> = (0..bits)
                    .map(|b| targets.iter().any(|t| t[b] != targets[0][b]))
                    .collect();
                let mut near_zero: Vec<usize> = (0..bits)
                    .filter(|&b| !zero[b] && nodes[k].readout[b].abs() <= ZERO_BAND)
                    .collect();
                near_zero.sort_by(|&a, &b| {
                    nodes[k].readout[a]
                        .abs()
                        .total_cmp(&nodes[k].readout[b].abs())
                });
                let missing = nodes[k]
                    .unstable
                    .saturating_sub(zero.iter().filter(|&&z| z).count());
                for b in near_zero.into_iter().take(missing) {
                    zero[b] = true;
                }
                (0..bits)
                    .map(|b| {
                        if zero[b] {
                            '0'
                        } else if nodes[k].readout[b] >= 0.0 {
                            '+'
                        } else {
                            '-'
                        }
                    })
                    .collect()
            })
        })
        .collect();
    for (node, label) in nodes.iter_mut().zip(relabelled) {
        if let Some(pattern) = label {
            node.pattern = pattern;
        }
    }

    let (rank, nodes, edges) = canonical(nodes, edges);
    let order: Vec<&FixedPoint> = rank.iter().map(|&k| order[k]).collect();

    // The task's transitions: from each corner, a one-step pulse flipping bit b, then rest.
    let corners: Vec<usize> = (0..nodes.len())
        .filter(|&k| nodes[k].unstable == 0 && !nodes[k].pattern.contains('0'))
        .collect();
    let mut pulsed = Vec::new();
    let mut wanted = Vec::new();
    for &k in &corners {
        for b in 0..bits {
            let mut x = Array1::<f64>::zeros(map.spec().inputs);
            x[b] = if nodes[k].pattern.as_bytes()[b] == b'+' {
                -1.0
            } else {
                1.0
            };
            pulsed.push(map.step(order[k].state.view(), x.view()));
            let mut target: Vec<u8> = nodes[k].pattern.clone().into_bytes();
            target[b] = if target[b] == b'+' { b'-' } else { b'+' };
            wanted.push(String::from_utf8(target).expect("ascii"));
        }
    }
    let mut correct = 0;
    if !pulsed.is_empty() {
        let initial = Array2::from_shape_fn((pulsed.len(), s), |(r, c)| pulsed[r][c]);
        let (ends, settled) = settle(map, initial, zero.view(), SETTLED, MAX_STEPS);
        for (r, want) in wanted.iter().enumerate() {
            let reached = nearest(&order, ends.row(r)).filter(|_| settled[r]);
            if reached.is_some_and(|to| nodes[to].unstable == 0 && &nodes[to].pattern == want) {
                correct += 1;
            }
        }
    }

    let mut scaffold = FlipFlopScaffold {
        bits,
        nodes,
        edges,
        lost_flows,
        transitions: (correct, pulsed.len()),
        ideal: false,
        distance_to_ideal: 0.0,
    };
    scaffold.distance_to_ideal = distance_to_ideal(&scaffold.descriptor(), bits);
    scaffold.ideal = scaffold.distance_to_ideal == 0.0;
    scaffold
}

impl FlipFlopScaffold {
    /// What the distance compares: node labels and the labels of edges leaving one-unstable
    /// saddles (`1:+0- > 0:++-`), as multisets. Edges of higher saddles are shown, not compared:
    /// their flows pass near lower saddles and split either way, so they are not well defined.
    pub fn descriptor(&self) -> BTreeMap<String, usize> {
        let mut labels = BTreeMap::new();
        for n in &self.nodes {
            *labels.entry(n.label()).or_insert(0) += 1;
        }
        for &(from, to) in &self.edges {
            if self.nodes[from].unstable == 1 {
                let label = format!("{} > {}", self.nodes[from].label(), self.nodes[to].label());
                *labels.entry(label).or_insert(0) += 1;
            }
        }
        labels
    }
}

/// The ideal K-cube's descriptor: every pattern in {+, −, 0}^K is a node whose unstable modes
/// number its zeros, and each one-unstable saddle links to the two corners its zero separates.
pub fn ideal_descriptor(bits: usize) -> BTreeMap<String, usize> {
    let mut labels = BTreeMap::new();
    for code in 0..3usize.pow(bits as u32) {
        let pattern: String = (0..bits)
            .map(|b| ['+', '-', '0'][(code / 3usize.pow(b as u32)) % 3])
            .collect();
        let zeros = pattern.matches('0').count();
        labels.insert(format!("{zeros}:{pattern}"), 1);
        if zeros == 1 {
            for side in ['+', '-'] {
                let corner = pattern.replace('0', &side.to_string());
                labels.insert(format!("1:{pattern} > 0:{corner}"), 1);
            }
        }
    }
    labels
}

/// `multiset_distance(descriptor, &ideal_descriptor(bits))` without building the ideal's
/// 3^K + K·2^K labels: each label of `descriptor` is checked against the ideal's rule, and the
/// ideal labels it lacks are counted from the closed form. Cost: the descriptor's size.
pub fn distance_to_ideal(descriptor: &BTreeMap<String, usize>, bits: usize) -> f64 {
    let ideal_size = 3f64.powi(bits as i32) + bits as f64 * 2f64.powi(bits as i32);
    let mut distance = 0.0;
    let mut present = 0.0;
    for (label, &n) in descriptor {
        if n == 0 {
            continue;
        }
        if is_ideal_label(label, bits) {
            present += 1.0;
            distance += (n - 1) as f64;
        } else {
            distance += n as f64;
        }
    }
    distance + ideal_size - present
}

/// A node `z:P` of the ideal K-cube (P in {+, −, 0}^K with z zeros), or an edge `1:P > 0:C` from a
/// one-zero saddle to a corner C that agrees with P off its zero.
fn is_ideal_label(label: &str, bits: usize) -> bool {
    let node = |l: &str| -> Option<(usize, String)> {
        let (zeros, pattern) = l.split_once(':')?;
        let ok = pattern.chars().count() == bits
            && pattern.chars().all(|c| matches!(c, '+' | '-' | '0'))
            && zeros.parse::<usize>().ok()? == pattern.matches('0').count();
        ok.then(|| (pattern.matches('0').count(), pattern.to_string()))
    };
    match label.split_once(" > ") {
        None => node(label).is_some(),
        Some((from, to)) => match (node(from), node(to)) {
            (Some((1, saddle)), Some((0, corner))) => saddle
                .chars()
                .zip(corner.chars())
                .all(|(s, c)| s == c || s == '0'),
            _ => false,
        },
    }
}

/// The size of the symmetric difference of two multisets of labels: 0 iff equal, and a metric.
pub fn multiset_distance(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> f64 {
    let mut d = 0;
    for (k, &n) in a {
        d += n.abs_diff(b.get(k).copied().unwrap_or(0));
    }
    for (k, &n) in b {
        if !a.contains_key(k) {
            d += n;
        }
    }
    d as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn the_closed_form_distance_equals_the_distance_to_the_built_ideal() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for bits in 1..=4 {
            let ideal = ideal_descriptor(bits);
            assert_eq!(distance_to_ideal(&ideal, bits), 0.0);
            let labels: Vec<&String> = ideal.keys().collect();
            for _ in 0..200 {
                // Some ideal labels (some repeated), some dropped, some foreign.
                let mut d = BTreeMap::new();
                for l in &labels {
                    if rng.random_bool(0.7) {
                        d.insert((*l).clone(), rng.random_range(1..3));
                    }
                }
                for foreign in ["2:+0", "1:++ > 0:--", "0:+", "x", "1:0+ > 1:0+", "0:+-0"] {
                    if rng.random_bool(0.3) {
                        d.insert(foreign.to_string(), rng.random_range(1..3));
                    }
                }
                assert_eq!(
                    distance_to_ideal(&d, bits),
                    multiset_distance(&d, &ideal),
                    "{bits} bits: {d:?}"
                );
            }
        }
    }
}
