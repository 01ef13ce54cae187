//! `rnnlab tasks show FILE`: what a task file holds, checked as `rnnlab run` would check it —
//! sizes, the split, conditions, the constant inputs — and a figure of a few trials, so a user
//! sees what the networks will learn before training them.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::report::save_figure;
use crate::experiment::task_file::read_trials;
use crate::plot::{Axis, Colour, Figure, LegendEntry, Mark, Panel, Plot, Series};
use crate::task::Trials;
use crate::LabError;

/// Trials drawn in the figure: the first of each condition, at most this many.
const DRAWN: usize = 4;

/// Colours of the input channels (Okabe-Ito without black, which the targets take).
const INPUT_COLOURS: [Colour; 6] = [
    Colour(0xe6, 0x9f, 0x00),
    Colour(0x56, 0xb4, 0xe9),
    Colour(0x00, 0x9e, 0x73),
    Colour(0xcc, 0x79, 0xa7),
    Colour(0x00, 0x72, 0xb2),
    Colour(0xd5, 0x5e, 0x00),
];

/// What a task file holds.
#[derive(Clone, Debug, Serialize)]
pub struct TaskSummary {
    /// The file.
    pub file: PathBuf,
    /// FNV-1a of its bytes: what an experiment records to refuse a changed file.
    pub fingerprint: String,
    /// Trials in the file.
    pub trials: usize,
    /// Steps per trial.
    pub steps: usize,
    /// Input channels.
    pub inputs: usize,
    /// Output channels.
    pub outputs: usize,
    /// Trials training batches are drawn from.
    pub training: usize,
    /// Trials the held-out loss and score use.
    pub held_out: usize,
    /// Trials of the probe batch networks are compared on.
    pub probe: usize,
    /// (label, trials) per condition.
    pub conditions: Vec<(i64, usize)>,
    /// Share of the targets' loss weight that is scored (1 without a mask).
    pub scored: f64,
    /// The constant inputs the fixed-point analysis holds networks at.
    pub constant_inputs: Vec<Vec<f64>>,
    /// The figure of a few trials (SVG), if one was asked for.
    pub figure: Option<PathBuf>,
}

/// Reads and checks `file`; with `plot`, draws a few trials into that folder.
pub fn show_task(file: &Path, plot: Option<&Path>) -> Result<TaskSummary, LabError> {
    let (trials, fingerprint) = read_trials(file)?;
    let (steps, count, inputs) = trials.inputs.dim();
    let figure = match plot {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| LabError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            Some(save_figure(&trials_figure(file, &trials), dir, "task-trials")?.svg_path)
        }
        None => None,
    };
    Ok(TaskSummary {
        file: file.to_path_buf(),
        fingerprint,
        trials: count,
        steps,
        inputs,
        outputs: trials.targets.dim().2,
        training: trials.train.len(),
        held_out: trials.held_out.len(),
        probe: trials.probe.len(),
        conditions: trials
            .labels()
            .into_iter()
            .map(|l| (l, trials.conditions.iter().filter(|&&c| c == l).count()))
            .collect(),
        scored: trials
            .mask
            .as_ref()
            .map_or(1.0, |m| m.sum() as f64 / m.len().max(1) as f64),
        constant_inputs: trials
            .constant_inputs
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect(),
        figure,
    })
}

/// The first trial of up to [`DRAWN`] conditions: each input channel in colour, each target
/// in black (dotted where the mask leaves it unscored).
fn trials_figure(file: &Path, trials: &Trials) -> Figure {
    let labels = trials.labels();
    let shown: Vec<(i64, usize)> = labels
        .iter()
        .take(DRAWN)
        .filter_map(|&l| Some((l, trials.conditions.iter().position(|&c| c == l)?)))
        .collect();
    let steps = trials.inputs.dim().0;
    let panels = shown
        .iter()
        .map(|&(label, b)| {
            let line = |values: Vec<f64>, colour: Colour, width: u32| Series {
                colour,
                mark: Mark::Line(width),
                points: values
                    .into_iter()
                    .enumerate()
                    .map(|(t, v)| (t as f64, v))
                    .collect(),
            };
            let mut series: Vec<Series> = (0..trials.inputs.dim().2)
                .map(|i| {
                    let v = (0..steps)
                        .map(|t| f64::from(trials.inputs[[t, b, i]]))
                        .collect();
                    line(v, INPUT_COLOURS[i % INPUT_COLOURS.len()], 2)
                })
                .collect();
            for o in 0..trials.targets.dim().2 {
                let v = (0..steps)
                    .map(|t| f64::from(trials.targets[[t, b, o]]))
                    .collect();
                series.push(line(v, Colour::BLACK, 3));
                if let Some(mask) = &trials.mask {
                    let w = (0..steps).map(|t| f64::from(mask[[t, b, o]])).collect();
                    series.push(line(w, Colour::GREY, 1));
                }
            }
            Panel {
                title: format!("condition {label} (trial {b})"),
                x: Axis::linear("step"),
                y: Axis::linear("value"),
                equal_aspect: false,
                series,
            }
        })
        .collect();
    Figure::Plot(Plot {
        title: format!(
            "{}: inputs (colours), targets (black), mask (grey)",
            file.file_name()
                .map_or(String::new(), |n| n.to_string_lossy().to_string())
        ),
        columns: 2,
        legend: legend(trials),
        panels,
    })
}

/// Input channels (colours, the first few named), then targets and mask.
fn legend(trials: &Trials) -> Vec<LegendEntry> {
    let entry = |label: String, colour: Colour| LegendEntry {
        label,
        colour,
        shape: None,
    };
    let mut legend: Vec<LegendEntry> = (0..trials.inputs.dim().2.min(INPUT_COLOURS.len()))
        .map(|i| entry(format!("input {i}"), INPUT_COLOURS[i]))
        .collect();
    legend.push(entry("targets".into(), Colour::BLACK));
    if trials.mask.is_some() {
        legend.push(entry("mask".into(), Colour::GREY));
    }
    legend
}

impl fmt::Display for TaskSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} (fingerprint {})",
            self.file.display(),
            self.fingerprint
        )?;
        writeln!(
            f,
            "{} trials of {} steps, {} inputs, {} outputs; {} train, {} held out (every \
             fifth), {} in the probe batch",
            self.trials,
            self.steps,
            self.inputs,
            self.outputs,
            self.training,
            self.held_out,
            self.probe
        )?;
        let conditions: Vec<String> = self
            .conditions
            .iter()
            .map(|(l, n)| format!("{l}: {n}"))
            .collect();
        writeln!(
            f,
            "{} conditions (label: trials): {}",
            self.conditions.len(),
            conditions.join(", ")
        )?;
        writeln!(
            f,
            "loss weight scored: {:.0} % of the targets'",
            100.0 * self.scored
        )?;
        for x in &self.constant_inputs {
            let x: Vec<String> = x.iter().map(|v| format!("{v:.3}")).collect();
            writeln!(f, "fixed points are sought at input [{}]", x.join(", "))?;
        }
        if let Some(svg) = &self.figure {
            writeln!(f, "trials drawn: {}", svg.display())?;
        }
        Ok(())
    }
}
