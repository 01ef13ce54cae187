//! Flip-flop: the share of each group's networks whose scaffold is the ideal cube.

use super::IdealShare;
use crate::lab::report::figures::{arch_colour, Named};
use crate::plot::{Axis, Figure, Mark, Panel, Plot, Series};

/// The share of networks with the ideal cube, a bar per group.
pub(super) fn ideal_cube(groups: &[IdealShare]) -> Option<Named> {
    if groups.is_empty() {
        return None;
    }
    let names: Vec<String> = groups.iter().map(|g| g.group.to_string()).collect();
    Some(Named {
        name: "ideal-cube".into(),
        caption: "Share of networks whose fixed points and transitions form the ideal \
                  cube (8 attractors, 12 + 6 + 1 saddles, every saddle linking the \
                  attractors it separates)."
            .into(),
        figure: Figure::Plot(Plot {
            title: "Flip-flop: the ideal cube".into(),
            columns: 1,
            legend: Vec::new(),
            panels: vec![Panel {
                title: String::new(),
                x: Axis {
                    categories: names,
                    ..Axis::linear("cell/activation")
                },
                y: Axis::linear("share of networks with the ideal cube").within(0.0, 1.05),
                equal_aspect: false,
                series: groups
                    .iter()
                    .enumerate()
                    .map(|(k, g)| Series {
                        colour: arch_colour(g.group.arch),
                        mark: Mark::Bars(0.6),
                        points: vec![(k as f64, g.ideal as f64 / g.networks.max(1) as f64)],
                    })
                    .collect(),
            }],
        }),
    })
}
