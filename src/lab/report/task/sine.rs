//! Sine: per static input, an unstable point inside a limit cycle; the linearised frequency
//! there should track the target's.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Topology;
use crate::lab::report::figures::{activation_shape, arch_colour, Named};
use crate::lab::report::numbers::Quartiles;
use crate::lab::MISSING;
use crate::net::Group;
use crate::plot::{Axis, Colour, Figure, Mark, Panel, Plot, Series};

/// One group's linearised sine frequencies.
#[derive(Clone, Debug, Serialize)]
pub struct SineGroup {
    /// `arch/activation`.
    pub group: Group,
    /// Networks.
    pub networks: usize,
    /// Per-network correlation of linearised and target frequency.
    pub correlation: Option<Quartiles>,
    /// (target ω, linearised frequency) over every network and input.
    pub points: Vec<(f64, f64)>,
}

/// Per group: the networks' frequency correlations and every (target, linearised) pair.
pub(super) fn groups(groups: BTreeMap<Group, Vec<&Topology>>) -> Vec<SineGroup> {
    groups
        .into_iter()
        .map(|(group, ts)| {
            let sines: Vec<_> = ts
                .iter()
                .filter_map(|t| match t {
                    Topology::Sine(s) => Some(s),
                    Topology::FlipFlop(_) | Topology::Integration(_) | Topology::Arrays(_) => None,
                })
                .collect();
            SineGroup {
                group,
                networks: sines.len(),
                correlation: Quartiles::of(sines.iter().filter_map(|s| s.frequency_correlation)),
                points: sines
                    .iter()
                    .flat_map(|s| &s.inputs)
                    .filter_map(|i| Some((i.target_frequency, i.linear_frequency?)))
                    .collect(),
            }
        })
        .collect()
}

/// Linearised against target frequency, a panel per group.
pub(super) fn frequencies(groups: &[SineGroup]) -> Option<Named> {
    if groups.is_empty() {
        return None;
    }
    let top = groups
        .iter()
        .flat_map(|g| g.points.iter().map(|p| p.0.max(p.1)))
        .fold(0.0f64, f64::max)
        * 1.05;
    let panels = groups
        .iter()
        .map(|g| Panel {
            title: format!(
                "{} (median r {})",
                g.group,
                g.correlation
                    .map_or(MISSING.into(), |q| format!("{:.3}", q.median))
            ),
            x: Axis::linear("target ω(x) (cycles/step)").within(0.0, top),
            y: Axis::linear("linearised |arg λ|/2π (cycles/step)").within(0.0, top),
            equal_aspect: false,
            series: vec![
                Series {
                    colour: Colour::GREY,
                    mark: Mark::Line(2),
                    points: vec![(0.0, 0.0), (top, top)],
                },
                Series {
                    colour: arch_colour(g.group.arch),
                    mark: Mark::Points(activation_shape(g.group.activation), 5),
                    points: g.points.clone(),
                },
            ],
        })
        .collect();
    Some(Named {
        name: "sine-frequency".into(),
        caption: "Frequency of the dominant complex eigenvalue at the unstable fixed \
                  point of each static input against the target frequency, every \
                  network of a group; the grey line is equality."
            .into(),
        figure: Figure::Plot(Plot {
            title: "Sine: linearised frequency against the target".into(),
            columns: 4,
            legend: Vec::new(),
            panels,
        }),
    })
}
