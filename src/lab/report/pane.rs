//! The figure of a terminal-notebook pane, saved beside the notebook so a user on SSH can
//! `scp` it. Everything is read from the notebook: no network is run.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::figures::{
    arch_colour, group_legend, map_panel, oblique, stability_colour, stability_legend,
    stability_shape, training_curves, unit_circle,
};
use super::numbers::{descriptors, training_groups};
use super::save_figure;
use super::task::{task_check, task_figure};
use crate::analysis::similarity::PrincipalAxes;
use crate::lab::compare::{stored_comparison, CompareMetric};
use crate::lab::population::{exclusion, final_networks};
use crate::plot::{Axis, Figure, Mark, Panel, Plot, Series};
use crate::store::{NetworkRow, Notebook};
use crate::LabError;

/// What a pane's figure shows.
#[derive(Clone, Debug, PartialEq)]
pub enum PaneFigure {
    /// The experiment's training loss per group (runs and networks panes).
    Training {
        /// Experiment.
        experiment: String,
    },
    /// These networks' loss curves (curves pane).
    Curves {
        /// Networks, the selected one first.
        networks: Vec<i64>,
    },
    /// A network's fixed points and their eigenvalues (fixed points pane).
    Points {
        /// Network.
        network: i64,
    },
    /// The MDS map under a metric (similarity pane).
    Map {
        /// Experiment.
        experiment: String,
        /// Metric.
        metric: CompareMetric,
    },
    /// The task's scaffold check per group (topology pane).
    Scaffolds {
        /// Experiment.
        experiment: String,
    },
}

impl PaneFigure {
    /// The file name stem.
    fn name(&self) -> String {
        match self {
            PaneFigure::Training { experiment } => format!("{experiment}-training"),
            PaneFigure::Curves { networks } => format!(
                "curves-{}",
                networks
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join("-")
            ),
            PaneFigure::Points { network } => format!("points-{network}"),
            PaneFigure::Map { experiment, metric } => {
                format!("{experiment}-map-{}", metric.name())
            }
            PaneFigure::Scaffolds { experiment } => format!("{experiment}-scaffolds"),
        }
    }
}

/// Where a notebook's pane figures go: `figures/` beside it.
pub fn figures_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("figures")
}

/// Draws the figure and saves it as SVG and PNG in `dir` (created); returns the SVG's path.
pub fn save_pane_figure(
    notebook: &Notebook,
    what: &PaneFigure,
    dir: &Path,
) -> Result<PathBuf, LabError> {
    let nothing = || LabError::Invalid("nothing to draw in this pane yet".into());
    let figure = match what {
        PaneFigure::Training { experiment } => {
            let (all, ids) = trained(notebook, experiment)?;
            let groups = training_groups(notebook, &all, &ids)?;
            training_curves(experiment, &groups)
                .ok_or_else(nothing)?
                .figure
        }
        PaneFigure::Curves { networks } => curves(notebook, networks)?,
        PaneFigure::Points { network } => points(notebook, *network)?,
        PaneFigure::Map { experiment, metric } => {
            let (c, _) = stored_comparison(
                notebook,
                experiment,
                *metric,
                &crate::lab::compare::CompareOptions::default(),
            )?;
            if c.map.len() < 2 {
                return Err(nothing());
            }
            Figure::Plot(Plot {
                title: format!("{experiment}: {} distance", c.metric),
                columns: 1,
                legend: group_legend(c.groups.iter().copied(), true),
                panels: vec![map_panel(&c)],
            })
        }
        PaneFigure::Scaffolds { experiment } => {
            let row = notebook.experiment(experiment)?;
            let (_, ids) = trained(notebook, experiment)?;
            let d = descriptors(notebook, row.id, |id| ids.contains(&id))?;
            task_figure(&task_check(row.task, &d))
                .ok_or_else(nothing)?
                .figure
        }
    };
    std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(save_figure(&figure, dir, &what.name())?.svg_path)
}

/// The experiment's final networks and the ids of those trained: a pane shows every trained
/// network, whatever its loss.
fn trained(
    notebook: &Notebook,
    experiment: &str,
) -> Result<(Vec<NetworkRow>, HashSet<i64>), LabError> {
    let all = final_networks(notebook, experiment)?;
    let (included, _) = exclusion(&all, Some(f64::INFINITY));
    let ids = included.iter().map(|n| n.id).collect();
    Ok((all, ids))
}

fn curves(notebook: &Notebook, networks: &[i64]) -> Result<Figure, LabError> {
    let mut series = Vec::new();
    let mut groups = Vec::new();
    for &id in networks {
        let row = notebook.network(id)?;
        if let Some((steps, loss)) = notebook.curve(id)? {
            series.push(Series {
                colour: arch_colour(row.arch),
                mark: Mark::Line(2),
                points: steps
                    .iter()
                    .zip(&loss)
                    .map(|(&s, &l)| (f64::from(s), f64::from(l)))
                    .collect(),
            });
            groups.push(row.group());
        }
    }
    if series.is_empty() {
        return Err(LabError::Invalid("no loss curve stored yet".into()));
    }
    Ok(Figure::Plot(Plot {
        title: format!(
            "Loss curves: network{} {}",
            if networks.len() > 1 { "s" } else { "" },
            networks
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        columns: 1,
        legend: group_legend(groups.into_iter(), false),
        panels: vec![Panel {
            title: String::new(),
            x: Axis::linear("training step"),
            y: Axis::log("training loss (MSE)"),
            equal_aspect: false,
            series,
        }],
    }))
}

/// A network's fixed points on the top three principal components of the points themselves
/// (seen obliquely), beside their eigenvalues.
fn points(notebook: &Notebook, network: i64) -> Result<Figure, LabError> {
    let row = notebook.network(network)?;
    let points: Vec<_> = notebook
        .fixed_points(network)?
        .into_iter()
        .filter(|p| p.converged)
        .collect();
    if points.is_empty() {
        return Err(LabError::Invalid(format!(
            "network {network} has no fixed point stored"
        )));
    }
    let dim = points[0].state.len();
    let states = Array2::from_shape_fn((points.len(), dim), |(i, j)| points[i].state[j]);
    let mut space = Vec::new();
    if let Some(axes) = PrincipalAxes::of(states.view()) {
        for p in &points {
            let mut pc = axes.project(&p.state, 3);
            pc.resize(3, 0.0);
            space.push(Series {
                colour: stability_colour(p.unstable),
                mark: Mark::Points(stability_shape(p.unstable), 8),
                points: vec![oblique([pc[0], pc[1], pc[2]])],
            });
        }
    }
    let mut plane = vec![unit_circle()];
    for p in &points {
        plane.push(Series {
            colour: stability_colour(p.unstable),
            mark: Mark::Points(stability_shape(p.unstable), 4),
            points: p.eigenvalues.iter().map(|&[re, im]| (re, im)).collect(),
        });
    }
    Ok(Figure::Plot(Plot {
        title: format!(
            "Network {network} ({}/{}, N = {}): {} fixed points",
            row.arch,
            row.activation,
            row.units,
            points.len()
        ),
        columns: 2,
        legend: stability_legend(),
        panels: vec![
            Panel {
                title: "on the points' top 3 principal components".into(),
                x: Axis::linear("PC1–PC3, oblique view"),
                y: Axis::linear("(state units)"),
                equal_aspect: true,
                series: space,
            },
            Panel {
                title: "eigenvalues of the Jacobian".into(),
                x: Axis::linear("Re λ"),
                y: Axis::linear("Im λ"),
                equal_aspect: true,
                series: plane,
            },
        ],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_what_the_figure_shows() {
        let f = PaneFigure::Curves {
            networks: vec![3, 7],
        };
        assert_eq!(f.name(), "curves-3-7");
        let f = PaneFigure::Map {
            experiment: "q".into(),
            metric: CompareMetric::Topology,
        };
        assert_eq!(f.name(), "q-map-topology");
        assert_eq!(figures_dir(Path::new("/a/nb.db")), Path::new("/a/figures"));
    }
}
