//! The report's figures, built from its numbers: colour says the cell (the colour-blind
//! theme's Okabe-Ito colours), marker shape the activation; in state space colour says the
//! stability of a fixed point.

use std::sync::OnceLock;

use super::numbers::{ChosenNetwork, RecordingInReport, ReportNumbers, TrainingGroup};
use super::task::{fixed_point_figure, task_figure};
use crate::lab::compare::p_text;
use crate::lab::compare::Comparison;
use crate::net::{Activation, Arch, Group};
use crate::plot::{
    spread_coincident, Axis, Colour, Figure, Heatmap, LegendEntry, Mark, Panel, Plot, Series, Shape,
};

/// A figure with its file name (no extension) and caption.
pub struct Named {
    /// File name stem.
    pub name: String,
    /// What the figure shows, for the page.
    pub caption: String,
    /// The figure.
    pub figure: Figure,
}

/// The cell's colour, read once from the shipped colour-blind theme (one definition; grey
/// for a cell the theme does not name).
pub fn arch_colour(arch: Arch) -> Colour {
    static COLOURS: OnceLock<Vec<(Arch, Colour)>> = OnceLock::new();
    let colours = COLOURS.get_or_init(|| {
        let theme: toml::Table = include_str!("../../../themes/colorblind.toml")
            .parse()
            .unwrap_or_default();
        Arch::ALL
            .into_iter()
            .filter_map(|a| {
                let hex = theme.get(a.name())?.as_str()?;
                Some((a, Colour::parse(hex)?))
            })
            .collect()
    });
    colours
        .iter()
        .find(|(a, _)| *a == arch)
        .map_or(Colour::GREY, |(_, c)| *c)
}

/// The activation's marker.
pub fn activation_shape(activation: Activation) -> Shape {
    match activation {
        Activation::Tanh => Shape::Disc,
        Activation::Relu => Shape::Triangle,
    }
}

/// Colour of a fixed point with `unstable` unstable modes (Okabe-Ito).
pub fn stability_colour(unstable: usize) -> Colour {
    match unstable {
        0 => Colour::BLACK,
        1 => Colour(0xe6, 0x9f, 0x00),
        2 => Colour(0x56, 0xb4, 0xe9),
        _ => Colour(0xd5, 0x5e, 0x00),
    }
}

/// Marker of a fixed point: attractors filled, saddles as triangles, the rest as crosses.
pub(super) fn stability_shape(unstable: usize) -> Shape {
    match unstable {
        0 => Shape::Disc,
        1 | 2 => Shape::Triangle,
        _ => Shape::Cross,
    }
}

const STABILITY: [&str; 4] = ["stable", "1 unstable mode", "2 unstable modes", "3 or more"];

pub(super) fn stability_legend() -> Vec<LegendEntry> {
    STABILITY
        .iter()
        .enumerate()
        .map(|(k, label)| LegendEntry {
            label: (*label).into(),
            colour: stability_colour(k),
            shape: Some(stability_shape(k)),
        })
        .collect()
}

/// Legend of the cells present, then of the activations.
pub(super) fn group_legend(
    groups: impl Iterator<Item = Group>,
    with_shapes: bool,
) -> Vec<LegendEntry> {
    let groups: Vec<Group> = groups.collect();
    let mut legend: Vec<LegendEntry> = Arch::ALL
        .into_iter()
        .filter(|&a| groups.iter().any(|g| g.arch == a))
        .map(|a| LegendEntry {
            label: a.name().into(),
            colour: arch_colour(a),
            shape: None,
        })
        .collect();
    if with_shapes {
        for act in Activation::ALL {
            if groups.iter().any(|g| g.activation == act) {
                legend.push(LegendEntry {
                    label: act.name().into(),
                    colour: Colour::GREY,
                    shape: Some(activation_shape(act)),
                });
            }
        }
    }
    legend
}

/// Every figure of a report, in the page's order.
pub fn figures(n: &ReportNumbers) -> Vec<Named> {
    let mut out = Vec::new();
    out.extend(training_curves(&n.experiment, &n.training));
    out.extend(final_loss(n));
    if let (Some(g), Some(t)) = (&n.svcca, &n.topology) {
        out.push(maps(g, n.dsa.as_ref(), t, &n.recordings));
    }
    out.extend(heatmap(n));
    out.extend(fixed_point_figure(&n.task_check, || point_counts(n)));
    if !n.chosen.is_empty() {
        out.push(state_space(&n.chosen));
        out.push(eigenvalues(&n.chosen));
    }
    out.extend(spectra(n));
    out.extend(task_figure(&n.task_check));
    out.extend(n.recordings.iter().map(recording_figure));
    out
}

pub(super) fn training_curves(experiment: &str, training: &[TrainingGroup]) -> Option<Named> {
    let panels: Vec<Panel> = training
        .iter()
        .filter(|g| !g.steps.is_empty())
        .map(|g| {
            let colour = arch_colour(g.group.arch);
            let x: Vec<f64> = g.steps.iter().map(|&s| f64::from(s)).collect();
            Panel {
                title: format!("{} ({} networks)", g.group, g.included),
                x: Axis::linear("training step"),
                y: Axis::log("training loss (MSE)"),
                equal_aspect: false,
                series: vec![
                    Series {
                        colour,
                        mark: Mark::Band(g.loss.iter().map(|q| q.q3).collect()),
                        points: x.iter().zip(&g.loss).map(|(&x, q)| (x, q.q1)).collect(),
                    },
                    Series {
                        colour,
                        mark: Mark::Line(3),
                        points: x.iter().zip(&g.loss).map(|(&x, q)| (x, q.median)).collect(),
                    },
                ],
            }
        })
        .collect();
    (!panels.is_empty()).then(|| Named {
        name: "training-loss".into(),
        caption: "Training loss per cell × activation: median (line) and quartiles (band) \
                  over the included networks; a network that reached its target loss early \
                  holds its last value."
            .into(),
        figure: Figure::Plot(Plot {
            title: format!("{experiment}: training loss"),
            columns: 4,
            legend: Vec::new(),
            panels,
        }),
    })
}

/// Medians as bars with quartile whiskers, one bar per group.
fn quartile_bars(groups: &[Group], values: &[Option<super::numbers::Quartiles>]) -> Vec<Series> {
    let mut series = Vec::new();
    for (k, (g, q)) in groups.iter().zip(values).enumerate() {
        let Some(q) = q else { continue };
        let colour = arch_colour(g.arch);
        let x = k as f64;
        series.push(Series {
            colour,
            mark: Mark::Bars(0.6),
            points: vec![(x, q.median)],
        });
        series.push(Series {
            colour: Colour::BLACK,
            mark: Mark::Line(2),
            points: vec![(x, q.q1), (x, q.q3)],
        });
    }
    series
}

fn final_loss(n: &ReportNumbers) -> Option<Named> {
    let groups: Vec<Group> = n.training.iter().map(|g| g.group).collect();
    if groups.is_empty() {
        return None;
    }
    let categories = || Axis {
        categories: groups.iter().map(Group::to_string).collect(),
        ..Axis::linear("cell/activation")
    };
    let loss: Vec<_> = n.training.iter().map(|g| g.final_loss).collect();
    let score: Vec<_> = n.training.iter().map(|g| g.score).collect();
    Some(Named {
        name: "training-final".into(),
        caption: format!(
            "Held-out loss and task score of the included networks per group: median (bar) \
             and quartiles (whisker). {}",
            n.exclusion.rule
        ),
        figure: Figure::Plot(Plot {
            title: format!("{}: where training ended", n.experiment),
            columns: 1,
            legend: Vec::new(),
            panels: vec![
                Panel {
                    title: "held-out loss".into(),
                    x: categories(),
                    y: Axis::log("held-out loss (MSE)"),
                    equal_aspect: false,
                    series: quartile_bars(&groups, &loss),
                },
                Panel {
                    title: "task score".into(),
                    x: categories(),
                    y: Axis::linear("score (task's own measure)"),
                    equal_aspect: false,
                    series: quartile_bars(&groups, &score),
                },
            ],
        }),
    })
}

pub(super) fn map_panel(c: &Comparison) -> Panel {
    let mut at: Vec<(f64, f64)> = c.map.iter().map(|p| (p.x, p.y)).collect();
    spread_coincident(&mut at);
    let series = c
        .map
        .iter()
        .zip(at)
        .map(|(p, xy)| Series {
            colour: arch_colour(p.arch),
            mark: Mark::Points(activation_shape(p.activation), 7),
            points: vec![xy],
        })
        .collect();
    let knn = c
        .scores
        .iter()
        .find(|s| s.metric == c.metric)
        .and_then(|s| s.knn_arch)
        .map_or(String::new(), |k| format!(", cell k-NN {k:.2}"));
    Panel {
        title: format!("{} (stress {:.2}{knn})", c.metric, c.stress),
        x: Axis::linear("MDS 1 (distance units)"),
        y: Axis::linear("MDS 2 (distance units)"),
        equal_aspect: true,
        series,
    }
}

fn maps(
    geometry: &Comparison,
    dynamics: Option<&Comparison>,
    topology: &Comparison,
    recordings: &[RecordingInReport],
) -> Named {
    let middle = dynamics.map_or(String::new(), |d| {
        format!(
            " in the middle by DSA, the dynamics fitted as a linear operator and compared up \
             to rotation ({});",
            d.dynamics
        )
    });
    // A recording is a black star where its distances put it (the networks do not move).
    let with_stars = |c: &Comparison| {
        let mut panel = map_panel(c);
        for r in recordings {
            for (metric, x, y) in &r.on_maps {
                if metric == c.metric {
                    panel.series.push(Series {
                        colour: Colour::BLACK,
                        mark: Mark::Points(Shape::Star, 12),
                        points: vec![(*x, *y)],
                    });
                }
            }
        }
        panel
    };
    let mut panels = vec![with_stars(geometry)];
    panels.extend(dynamics.map(with_stars));
    panels.push(map_panel(topology));
    let stars = if recordings.is_empty() {
        String::new()
    } else {
        " Stars: recordings, each where its distances to the networks are best matched on the \
         page (the networks' map does not move); a star far from every network is far in \
         directions the map does not show."
            .into()
    };
    Named {
        name: "geometry-maps".into(),
        caption: format!(
            "Each network placed by classical MDS so that distances on the page match its \
             distances to the others: left by SVCCA of its probe states ({});{middle} right by \
             the topology of its fixed points (networks with the same scaffold coincide and \
             are spread on a small circle). The study's central picture: geometry groups the \
             networks by cell, topology mixes them.{stars}",
            geometry.reduction
        ),
        figure: Figure::Plot(Plot {
            title: format!("{}: geometry against topology", geometry.experiment),
            columns: panels.len(),
            legend: group_legend(geometry.groups.iter().copied(), true),
            panels,
        }),
    }
}

/// Where a recording sits among the networks: per metric, every network's distance to it by
/// cell, the data's own ceiling as a grey line where single trials give one.
fn recording_figure(r: &RecordingInReport) -> Named {
    let c = &r.comparison;
    let panels = c
        .placements
        .iter()
        .map(|p| {
            let groups: Vec<Group> = p.groups.iter().map(|g| g.group).collect();
            let mut series: Vec<Series> = p
                .networks
                .iter()
                .map(|n| {
                    let k = groups.iter().position(|g| *g == n.group).unwrap_or(0);
                    Series {
                        colour: arch_colour(n.group.arch),
                        mark: Mark::Points(activation_shape(n.group.activation), 5),
                        points: vec![(k as f64, n.distance)],
                    }
                })
                .collect();
            if let Some(ceiling) = p.ceiling {
                series.push(Series {
                    colour: Colour::GREY,
                    mark: Mark::Line(2),
                    points: vec![(-0.5, ceiling), (groups.len() as f64 - 0.5, ceiling)],
                });
            }
            let test = p.architectures_differ.as_ref().map_or(String::new(), |t| {
                format!(" (cells differ: {})", p_text(t.p))
            });
            Panel {
                title: format!("{}{test}", p.metric),
                x: Axis {
                    categories: groups.iter().map(Group::to_string).collect(),
                    ..Axis::linear("cell/activation")
                },
                y: Axis::linear("distance to the recording"),
                equal_aspect: false,
                series,
            }
        })
        .collect();
    Named {
        name: format!("recording-{}", c.recording.name),
        caption: format!(
            "Recording '{}' ({} conditions, {} neurons) among the networks: each network's \
             distance to it under every metric, by cell; grey, the data's own ceiling (two \
             halves of its trials) where single trials were given. Whether the cells differ is \
             a Kruskal–Wallis test on the distances: a cell that is nearer under one metric but \
             not under the others says more about the metric than about the data.",
            c.recording.name, c.recording.conditions, c.recording.neurons
        ),
        figure: Figure::Plot(Plot {
            title: format!(
                "{}: where recording '{}' sits",
                c.experiment, c.recording.name
            ),
            columns: 1,
            legend: group_legend(
                c.placements
                    .first()
                    .map(|p| p.groups.iter().map(|g| g.group).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter(),
                true,
            ),
            panels,
        }),
    }
}

fn heatmap(n: &ReportNumbers) -> Option<Named> {
    let (c, d) = (n.svcca.as_ref()?, n.svcca_matrix.as_ref()?);
    // Rows sorted by group, then by id.
    let mut order: Vec<usize> = (0..c.map.len()).collect();
    let key = |i: usize| {
        let p = &c.map[i];
        let arch = Arch::ALL.iter().position(|&a| a == p.arch);
        (arch, p.activation.name(), p.network)
    };
    order.sort_by_key(|&i| key(i));
    let size = order.len();
    let values = order
        .iter()
        .flat_map(|&i| order.iter().map(move |&j| d[[i, j]]))
        .collect();
    let mut blocks: Vec<(String, usize)> = Vec::new();
    for &i in &order {
        let g = c.map[i].group().to_string();
        match blocks.last_mut() {
            Some((name, count)) if *name == g => *count += 1,
            _ => blocks.push((g, 1)),
        }
    }
    Some(Named {
        name: "geometry-heatmap".into(),
        caption: "SVCCA distance between every pair of included networks, grouped by cell × \
                  activation: dark blocks on the diagonal mean networks of a group resemble \
                  each other more than networks of other groups."
            .into(),
        figure: Figure::Heatmap(Heatmap {
            title: format!("{}: SVCCA distances", n.experiment),
            values,
            size,
            blocks,
            scale_label: "SVCCA distance (1 − mean ρ)".into(),
        }),
    })
}

fn point_counts(n: &ReportNumbers) -> Option<Named> {
    if n.fixed_points.is_empty() {
        return None;
    }
    let groups: Vec<Group> = n.fixed_points.iter().map(|g| g.group).collect();
    let width = 0.2;
    let series = (0..4)
        .map(|class| Series {
            colour: stability_colour(class),
            mark: Mark::Bars(width),
            points: n
                .fixed_points
                .iter()
                .enumerate()
                .map(|(k, g)| {
                    let v = [g.stable, g.one_unstable, g.two_unstable, g.more_unstable][class];
                    (k as f64 + (class as f64 - 1.5) * width, v)
                })
                .collect(),
        })
        .collect();
    Some(Named {
        name: "fixed-point-counts".into(),
        caption: "Mean number of fixed points per network by stability (unstable modes), per \
                  cell × activation. Slow points and the pseudo points met and discarded are in \
                  the table below."
            .into(),
        figure: Figure::Plot(Plot {
            title: format!("{}: fixed points by stability", n.experiment),
            columns: 1,
            legend: stability_legend(),
            panels: vec![Panel {
                title: String::new(),
                x: Axis {
                    categories: groups.iter().map(Group::to_string).collect(),
                    ..Axis::linear("cell/activation")
                },
                y: Axis::linear("fixed points per network"),
                equal_aspect: false,
                series,
            }],
        }),
    })
}

/// An oblique view of PC1-3 (azimuth 35°, elevation 25°), so a cube reads as a cube.
pub(super) fn oblique([a, b, c]: [f64; 3]) -> (f64, f64) {
    let (az, el) = (35f64.to_radians(), 25f64.to_radians());
    let x = a * az.cos() - b * az.sin();
    let depth = a * az.sin() + b * az.cos();
    (x, c * el.cos() - depth * el.sin())
}

fn state_space(chosen: &[ChosenNetwork]) -> Named {
    let panels = chosen
        .iter()
        .map(|c| {
            let mut series: Vec<Series> = c
                .trajectories
                .iter()
                .map(|t| Series {
                    colour: Colour(190, 190, 190),
                    mark: Mark::Line(1),
                    points: t.iter().map(|&p| oblique(p)).collect(),
                })
                .collect();
            // Unstable points first so attractors stay on top.
            let mut points: Vec<_> = c.points.iter().collect();
            points.sort_by_key(|p| std::cmp::Reverse(p.unstable));
            for p in points {
                // Slow points as rings: where a line attractor shows.
                let (shape, radius) = if p.fixed {
                    (stability_shape(p.unstable), 7)
                } else {
                    (Shape::Ring, 5)
                };
                series.push(Series {
                    colour: stability_colour(p.unstable),
                    mark: Mark::Points(shape, radius),
                    points: vec![oblique([p.pc[0], p.pc[1], p.pc[2]])],
                });
            }
            let var: f64 = c.variance_explained.iter().sum();
            Panel {
                title: format!(
                    "{} #{} ({:.0} % of variance)",
                    c.group,
                    c.network,
                    100.0 * var
                ),
                x: Axis::linear("PC1–PC3, oblique view"),
                y: Axis::linear("(state units)"),
                equal_aspect: true,
                series,
            }
        })
        .collect();
    Named {
        name: "state-space".into(),
        caption: "Fixed points (filled) and slow points (rings) of one network per group (the \
                  one nearest its group's median loss, or those asked for) and six probe trials \
                  (grey), on the top three principal components of its probe states, seen \
                  obliquely. On flip-flop the eight attractors sit at the corners of a cube \
                  with saddles between them; on integration the slow points trace a line."
            .into(),
        figure: Figure::Plot(Plot {
            title: "Fixed points in state space".into(),
            columns: 4.min(chosen.len()).max(1),
            legend: {
                let mut legend = stability_legend();
                legend.push(LegendEntry {
                    label: "slow point".into(),
                    colour: Colour::GREY,
                    shape: Some(Shape::Ring),
                });
                legend
            },
            panels,
        }),
    }
}

pub(super) fn unit_circle() -> Series {
    Series {
        colour: Colour::GREY,
        mark: Mark::Line(2),
        points: (0..=120)
            .map(|k| {
                let t = k as f64 / 120.0 * std::f64::consts::TAU;
                (t.cos(), t.sin())
            })
            .collect(),
    }
}

fn eigenvalues(chosen: &[ChosenNetwork]) -> Named {
    let panels = chosen
        .iter()
        .map(|c| {
            let mut series = vec![unit_circle()];
            let mut eig = c.eigenvalues.clone();
            eig.sort_by_key(|e| std::cmp::Reverse(e.0));
            for (unstable, [re, im]) in eig {
                series.push(Series {
                    colour: stability_colour(unstable),
                    mark: Mark::Points(stability_shape(unstable), 3),
                    points: vec![(re, im)],
                });
            }
            Panel {
                title: format!("{} #{}", c.group, c.network),
                x: Axis::linear("Re λ"),
                y: Axis::linear("Im λ"),
                equal_aspect: true,
                series,
            }
        })
        .collect();
    Named {
        name: "eigenvalues".into(),
        caption: "Eigenvalues of the Jacobian at every fixed point of the networks above, \
                  coloured by the stability of their point, with the unit circle: a mode \
                  outside it grows, one on it neither grows nor decays (memory)."
            .into(),
        figure: Figure::Plot(Plot {
            title: "Linearised dynamics at the fixed points".into(),
            columns: 4.min(chosen.len()).max(1),
            legend: stability_legend(),
            panels,
        }),
    }
}

/// One line of a by-activation figure: group, values, optional ± band.
pub(super) type GroupLine = (Group, Vec<f64>, Option<Vec<f64>>);

/// Panels by activation, a line per cell (with an optional band).
pub(super) fn by_activation(
    rows: &[GroupLine],
    x_label: &str,
    y_label: &str,
    x_from: f64,
) -> Vec<Panel> {
    Activation::ALL
        .into_iter()
        .filter(|&act| rows.iter().any(|r| r.0.activation == act))
        .map(|act| {
            let mut series = Vec::new();
            for (group, mean, sem) in rows.iter().filter(|r| r.0.activation == act) {
                let colour = arch_colour(group.arch);
                let x = |k: usize| x_from + k as f64;
                if let Some(sem) = sem {
                    series.push(Series {
                        colour,
                        mark: Mark::Band(mean.iter().zip(sem).map(|(m, s)| m + s).collect()),
                        points: mean
                            .iter()
                            .zip(sem)
                            .enumerate()
                            .map(|(k, (m, s))| (x(k), m - s))
                            .collect(),
                    });
                }
                series.push(Series {
                    colour,
                    mark: Mark::Line(3),
                    points: mean.iter().enumerate().map(|(k, &m)| (x(k), m)).collect(),
                });
                series.push(Series {
                    colour,
                    mark: Mark::Points(activation_shape(act), 5),
                    points: mean.iter().enumerate().map(|(k, &m)| (x(k), m)).collect(),
                });
            }
            Panel {
                title: act.name().into(),
                x: Axis::linear(x_label),
                y: Axis::linear(y_label),
                equal_aspect: false,
                series,
            }
        })
        .collect()
}

fn spectra(n: &ReportNumbers) -> Option<Named> {
    let rows: Vec<_> = n
        .spectra
        .iter()
        .map(|s| (s.group, s.mean.clone(), Some(s.sem.clone())))
        .collect();
    let panels = by_activation(&rows, "mode (largest |λ| first)", "|λ|", 1.0);
    (!panels.is_empty()).then(|| Named {
        name: "spectra".into(),
        caption: "Sorted eigenvalue moduli of the linearised dynamics (at each network's stable \
                  fixed points, or at all its fixed points when none is stable): mean ± s.e.m. \
                  over the networks of each cell."
            .into(),
        figure: Figure::Plot(Plot {
            title: format!("{}: linearised spectra", n.experiment),
            columns: 2,
            legend: group_legend(n.spectra.iter().map(|s| s.group), false),
            panels,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_take_the_colour_blind_theme_colours() {
        assert_eq!(arch_colour(Arch::Gru), Colour(0x00, 0x9e, 0x73));
        assert_eq!(arch_colour(Arch::Lstm), Colour(0xcc, 0x79, 0xa7));
    }

    #[test]
    fn the_oblique_view_keeps_pc3_vertical() {
        let (x, y) = oblique([0.0, 0.0, 1.0]);
        assert!(x.abs() < 1e-12 && y > 0.9);
    }
}
