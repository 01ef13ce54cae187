//! The report's figures, built from its numbers: colour says the cell (the colour-blind
//! theme's Okabe-Ito colours), marker shape the activation; in state space colour says the
//! stability of a fixed point.

use std::sync::OnceLock;

use super::numbers::{ChosenNetwork, IntegrationGroup, ReportNumbers, TaskCheck, TrainingGroup};
use crate::analysis::topology::LineThresholds;
use crate::lab::compare::Comparison;
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

/// Every cell's name, in the order groups are shown.
fn arch_names() -> impl Iterator<Item = &'static str> {
    crate::net::Arch::ALL.into_iter().map(|a| a.name())
}

/// The cell's colour, read once from the shipped colour-blind theme (one definition).
pub fn arch_colour(arch: &str) -> Colour {
    static COLOURS: OnceLock<Vec<(String, Colour)>> = OnceLock::new();
    let colours = COLOURS.get_or_init(|| {
        let theme: toml::Table = include_str!("../../../themes/colorblind.toml")
            .parse()
            .unwrap_or_default();
        arch_names()
            .filter_map(|a| {
                let hex = theme.get(a)?.as_str()?;
                Some((a.to_string(), Colour::parse(hex)?))
            })
            .collect()
    });
    colours
        .iter()
        .find(|(a, _)| a == arch)
        .map_or(Colour::GREY, |(_, c)| *c)
}

/// The activation's marker.
pub fn activation_shape(activation: &str) -> Shape {
    if activation == "relu" {
        Shape::Triangle
    } else {
        Shape::Disc
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
pub(super) fn group_legend<'a>(
    groups: impl Iterator<Item = &'a str>,
    with_shapes: bool,
) -> Vec<LegendEntry> {
    let groups: Vec<&str> = groups.collect();
    let mut legend: Vec<LegendEntry> = arch_names()
        .filter(|a| groups.iter().any(|g| g.split('/').next() == Some(a)))
        .map(|a| LegendEntry {
            label: a.into(),
            colour: arch_colour(a),
            shape: None,
        })
        .collect();
    if with_shapes {
        for act in ["tanh", "relu"] {
            if groups.iter().any(|g| g.ends_with(act)) {
                legend.push(LegendEntry {
                    label: act.into(),
                    colour: Colour::GREY,
                    shape: Some(activation_shape(act)),
                });
            }
        }
    }
    legend
}

fn split(group: &str) -> (&str, &str) {
    group.split_once('/').unwrap_or((group, ""))
}

/// Every figure of a report, in the page's order.
pub fn figures(n: &ReportNumbers) -> Vec<Named> {
    let mut out = Vec::new();
    out.extend(training_curves(&n.experiment, &n.training));
    out.extend(final_loss(n));
    if let (Some(g), Some(t)) = (&n.svcca, &n.topology) {
        out.push(maps(g, n.dsa.as_ref(), t));
    }
    out.extend(heatmap(n));
    // Integration's points lie along lines: their count says little; its lines are drawn.
    match &n.task_check {
        TaskCheck::Integration { groups, .. } => out.extend(integration_lines(groups)),
        _ => out.extend(point_counts(n)),
    }
    if !n.chosen.is_empty() {
        out.push(state_space(&n.chosen));
        out.push(eigenvalues(&n.chosen));
    }
    out.extend(spectra(n));
    out.extend(task_figure(&n.task_check));
    out
}

pub(super) fn training_curves(experiment: &str, training: &[TrainingGroup]) -> Option<Named> {
    let panels: Vec<Panel> = training
        .iter()
        .filter(|g| !g.steps.is_empty())
        .map(|g| {
            let colour = arch_colour(split(&g.group).0);
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
fn quartile_bars(groups: &[String], values: &[Option<super::numbers::Quartiles>]) -> Vec<Series> {
    let mut series = Vec::new();
    for (k, (g, q)) in groups.iter().zip(values).enumerate() {
        let Some(q) = q else { continue };
        let colour = arch_colour(split(g).0);
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
    let groups: Vec<String> = n.training.iter().map(|g| g.group.clone()).collect();
    if groups.is_empty() {
        return None;
    }
    let categories = || Axis {
        categories: groups.clone(),
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
            colour: arch_colour(&p.arch),
            mark: Mark::Points(activation_shape(&p.activation), 7),
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

fn maps(geometry: &Comparison, dynamics: Option<&Comparison>, topology: &Comparison) -> Named {
    let middle = dynamics.map_or(String::new(), |d| {
        format!(
            " in the middle by DSA, the dynamics fitted as a linear operator and compared up \
             to rotation ({});",
            d.dynamics
        )
    });
    let mut panels = vec![map_panel(geometry)];
    panels.extend(dynamics.map(map_panel));
    panels.push(map_panel(topology));
    Named {
        name: "geometry-maps".into(),
        caption: format!(
            "Each network placed by classical MDS so that distances on the page match its \
             distances to the others: left by SVCCA of its probe states ({});{middle} right by \
             the topology of its fixed points (networks with the same scaffold coincide and \
             are spread on a small circle). The study's central picture: geometry groups the \
             networks by cell, topology mixes them.",
            geometry.reduction
        ),
        figure: Figure::Plot(Plot {
            title: format!("{}: geometry against topology", geometry.experiment),
            columns: panels.len(),
            legend: group_legend(geometry.groups.iter().map(String::as_str), true),
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
        let arch = arch_names().position(|a| a == p.arch).unwrap_or(usize::MAX);
        (arch, p.activation.clone(), p.network)
    };
    order.sort_by_key(|&i| key(i));
    let size = order.len();
    let values = order
        .iter()
        .flat_map(|&i| order.iter().map(move |&j| d[[i, j]]))
        .collect();
    let mut blocks: Vec<(String, usize)> = Vec::new();
    for &i in &order {
        let g = format!("{}/{}", c.map[i].arch, c.map[i].activation);
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
    let groups: Vec<String> = n.fixed_points.iter().map(|g| g.group.clone()).collect();
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
                    categories: groups,
                    ..Axis::linear("cell/activation")
                },
                y: Axis::linear("fixed points per network"),
                equal_aspect: false,
                series,
            }],
        }),
    })
}

/// Every context's slow time constant and line extent by cell, against the verdict's
/// thresholds.
fn integration_lines(groups: &[IntegrationGroup]) -> Option<Named> {
    if groups.iter().all(|g| g.memory.is_empty()) {
        return None;
    }
    let names: Vec<String> = groups.iter().map(|g| g.group.clone()).collect();
    let thresholds = LineThresholds::STUDY;
    let top_coverage = groups
        .iter()
        .flat_map(|g| g.memory.iter().map(|m| m.1))
        .fold(1.0, f64::max)
        * 1.05;
    let panel = |title: &str, y: Axis, pick: fn(&(f64, f64)) -> f64, threshold: f64| {
        let mut series: Vec<Series> = groups
            .iter()
            .enumerate()
            .map(|(k, g)| Series {
                colour: arch_colour(split(&g.group).0),
                mark: Mark::Points(activation_shape(split(&g.group).1), 4),
                points: g
                    .memory
                    .iter()
                    .enumerate()
                    // Spread a group's contexts across its slot so they do not hide each other.
                    .map(|(i, m)| {
                        let spread = (i as f64 / g.memory.len().max(1) as f64 - 0.5) * 0.5;
                        (k as f64 + spread, pick(m))
                    })
                    .collect(),
            })
            .collect();
        series.push(Series {
            colour: Colour::GREY,
            mark: Mark::Line(1),
            points: vec![(-0.5, threshold), (groups.len() as f64 - 0.5, threshold)],
        });
        Panel {
            title: title.into(),
            x: Axis {
                categories: names.clone(),
                ..Axis::linear("cell/activation")
            },
            y,
            equal_aspect: false,
            series,
        }
    };
    Some(Named {
        name: "integration-lines".into(),
        caption: format!(
            "Every network's line attractor in each context: the slow mode's time constant \
             τ in trials (log scale; capped at 1000) and the line's readout extent over the \
             context's target range. Grey: the verdict's thresholds (τ ≥ {} T, coverage ≥ {}); \
             docs/SCIENCE.md says why.",
            thresholds.tau_trials, thresholds.coverage
        ),
        figure: Figure::Plot(Plot {
            title: "Integration: the line attractors' memory and extent".into(),
            columns: 1,
            legend: group_legend(groups.iter().map(|g| g.group.as_str()), false),
            panels: vec![
                panel(
                    "slow time constant",
                    Axis::log("τ / trial length"),
                    |m| m.0.min(1e3),
                    thresholds.tau_trials,
                ),
                panel(
                    "line extent",
                    Axis::linear("readout extent / target range").within(0.0, top_coverage),
                    |m| m.1,
                    thresholds.coverage,
                ),
            ],
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
type GroupLine = (String, Vec<f64>, Option<Vec<f64>>);

/// Panels by activation, a line per cell (with an optional band).
fn by_activation(rows: &[GroupLine], x_label: &str, y_label: &str, x_from: f64) -> Vec<Panel> {
    ["tanh", "relu"]
        .iter()
        .filter(|act| rows.iter().any(|r| split(&r.0).1 == **act))
        .map(|act| {
            let mut series = Vec::new();
            for (group, mean, sem) in rows.iter().filter(|r| split(&r.0).1 == *act) {
                let colour = arch_colour(split(group).0);
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
                title: (*act).into(),
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
        .map(|s| (s.group.clone(), s.mean.clone(), Some(s.sem.clone())))
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
            legend: group_legend(n.spectra.iter().map(|s| s.group.as_str()), false),
            panels,
        }),
    })
}

pub(super) fn task_figure(check: &TaskCheck) -> Option<Named> {
    match check {
        TaskCheck::FlipFlop { groups } if !groups.is_empty() => {
            let names: Vec<String> = groups.iter().map(|g| g.group.clone()).collect();
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
                                colour: arch_colour(split(&g.group).0),
                                mark: Mark::Bars(0.6),
                                points: vec![(k as f64, g.ideal as f64 / g.networks.max(1) as f64)],
                            })
                            .collect(),
                    }],
                }),
            })
        }
        TaskCheck::Sine { groups } if !groups.is_empty() => {
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
                            .map_or("—".into(), |q| format!("{:.3}", q.median))
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
                            colour: arch_colour(split(&g.group).0),
                            mark: Mark::Points(activation_shape(split(&g.group).1), 5),
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
        TaskCheck::Integration { groups, .. } if !groups.is_empty() => {
            let rows: Vec<_> = groups
                .iter()
                .map(|g| (g.group.clone(), g.response_by_modes.clone(), None))
                .collect();
            Some(Named {
                name: "integration-modes".into(),
                caption: "Response of the linearised network to a unit cued input over a \
                          trial, keeping only its m slowest modes, over the full response \
                          (mean over networks and contexts). The study: vanilla networks \
                          integrate with one mode, gated ones spread it over several."
                    .into(),
                figure: Figure::Plot(Plot {
                    title: "Integration: response by modes kept".into(),
                    columns: 2,
                    legend: group_legend(groups.iter().map(|g| g.group.as_str()), false),
                    panels: by_activation(
                        &rows,
                        "modes kept (slowest first)",
                        "response / full response",
                        1.0,
                    ),
                }),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_take_the_colour_blind_theme_colours() {
        assert_eq!(arch_colour("gru"), Colour(0x00, 0x9e, 0x73));
        assert_eq!(arch_colour("lstm"), Colour(0xcc, 0x79, 0xa7));
        assert_eq!(arch_colour("unknown"), Colour::GREY);
    }

    #[test]
    fn the_oblique_view_keeps_pc3_vertical() {
        let (x, y) = oblique([0.0, 0.0, 1.0]);
        assert!(x.abs() < 1e-12 && y > 0.9);
    }
}
