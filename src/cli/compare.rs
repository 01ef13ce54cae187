//! `rnnlab compare`: an experiment's networks compared by a metric: the table by group, the MDS
//! map and the separability of the cell and activation labels.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{print_report, Json, Outcome};
use crate::analysis::similarity::dsa::{Drive, DsaOptions};
use crate::analysis::similarity::recording::METRICS;
use crate::analysis::similarity::ReductionOptions;
use crate::lab::compare::CompareOptions;
use crate::lab::{self, LabError};

/// How each network's probe states are reduced before they are compared, and how DSA embeds
/// and fits them.
#[derive(Args, Clone, Debug)]
pub(super) struct Reduction {
    /// Keep this many principal components of each network's states [default: 10].
    #[arg(long)]
    components: Option<usize>,
    /// Keep instead the fewest components explaining this share of the variance (e.g. 0.95).
    #[arg(long, conflicts_with = "components")]
    variance: Option<f64>,
    /// LSTM: compare [c; h] instead of h.
    #[arg(long)]
    lstm_cell_state: bool,
    /// DSA: principal components of the states before the delay embedding [default: 10].
    #[arg(long)]
    dsa_components: Option<usize>,
    /// DSA: delays of the embedding [default: 10].
    #[arg(long)]
    dsa_delays: Option<usize>,
    /// DSA: steps between delays [default: 1].
    #[arg(long)]
    dsa_interval: Option<usize>,
    /// DSA: rank of the fitted operator [default: 10].
    #[arg(long)]
    dsa_rank: Option<usize>,
    /// DSA: random starts of the rotation search, beyond the spectral ones [default: 4].
    #[arg(long)]
    dsa_starts: Option<usize>,
    /// DSA: what the networks run on: relaxation (left alone at the task's constant inputs,
    /// from probe states) or probe (the probe trials, inputs included) [default: relaxation].
    #[arg(long)]
    dsa_drive: Option<Drive>,
}

impl Reduction {
    /// The comparison settings, checked.
    pub(super) fn options(&self) -> Result<CompareOptions, LabError> {
        let default = DsaOptions::default();
        let dsa = DsaOptions {
            components: self.dsa_components.unwrap_or(default.components),
            delays: self.dsa_delays.unwrap_or(default.delays),
            interval: self.dsa_interval.unwrap_or(default.interval),
            rank: self.dsa_rank.unwrap_or(default.rank),
            random_starts: self.dsa_starts.unwrap_or(default.random_starts),
            drive: self.dsa_drive.unwrap_or(default.drive),
            ..default
        };
        dsa.validate()
            .map_err(|m| LabError::Invalid(format!("--{m}")))?;
        Ok(CompareOptions {
            reduction: self.reduction()?,
            dsa,
        })
    }

    /// The reduction options of the geometry metrics, checked.
    fn reduction(&self) -> Result<ReductionOptions, LabError> {
        let default = ReductionOptions::default();
        let options = match self.variance {
            Some(variance) => ReductionOptions {
                variance,
                components: None,
                lstm_cell_state: self.lstm_cell_state,
            },
            None => ReductionOptions {
                components: self.components.or(default.components),
                lstm_cell_state: self.lstm_cell_state,
                ..default
            },
        };
        options
            .validate()
            .map_err(|m| LabError::Invalid(format!("--{m}")))?;
        Ok(options)
    }
}

#[derive(Args)]
pub(super) struct CompareArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    /// svcca, cca-angular, procrustes, dsa, dsa-spectral or topology.
    #[arg(long)]
    metric: Option<lab::compare::CompareMetric>,
    #[command(flatten)]
    reduction: Reduction,
    /// Instead: the separability scores under reductions by variance 0.9 / 0.95 / 0.99 and by
    /// 5 / 10 / 20 components, beside the topology distance's (computes what is missing).
    #[arg(long, conflicts_with_all = ["csv", "components"])]
    sensitivity: bool,
    /// Threads [default: the number of cores].
    #[arg(long, value_parser = super::at_least_one)]
    threads: Option<usize>,
    #[command(flatten)]
    json: Json,
    /// Print the MDS map as CSV (network,arch,activation,x,y).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Instead: place this recording (`rnnlab data add`) among the networks, under every
    /// metric with `--metric` unset or under that one: distances by cell, the nearest networks,
    /// bootstrap intervals, the data's own ceiling, whether the architectures differ.
    #[arg(long, conflicts_with_all = ["csv", "sensitivity"])]
    data: Option<String>,
    /// Bootstrap resamples of each recording distance's interval (0: none).
    #[arg(long, default_value_t = lab::recordings::RESAMPLES, requires = "data")]
    resamples: usize,
}

pub(super) fn exec(args: CompareArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    let options = args.reduction.options()?;
    let notebook = lab::notebook::open_existing(db)?;
    let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
    let threads = args.threads.unwrap_or_else(lab::cores);
    if args.sensitivity {
        let report = lab::compare::sensitivity(
            &notebook,
            &experiment,
            options.reduction.lstm_cell_state,
            &options.dsa,
            threads,
        )?;
        print_report(&report, args.json);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &args.data {
        let mut recording_options =
            lab::recordings::recording_options(&options.reduction, &options.dsa, args.resamples);
        // One metric asked for: only it is computed.
        if let Some(metric) = args.metric {
            let k = METRICS
                .iter()
                .position(|m| *m == metric.name())
                .ok_or_else(|| {
                    LabError::Invalid(format!(
                        "--metric {}: a recording is compared under {}",
                        metric.name(),
                        METRICS.join(", ")
                    ))
                })?;
            recording_options.metrics = std::array::from_fn(|i| i == k);
        }
        let placed = lab::recordings::compare_recording(
            &notebook,
            &experiment,
            name,
            &recording_options,
            threads,
        )?;
        match args.metric.and_then(|m| placed.placement(m.name())) {
            None => print_report(&placed, args.json),
            Some(one) => print_report(one, args.json),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let metric = args.metric.unwrap_or(lab::compare::CompareMetric::Geometry(
        crate::analysis::similarity::Metric::Svcca,
    ));
    let comparison = lab::compare::compare(&notebook, &experiment, metric, &options, threads)?;
    if args.csv {
        println!("network,arch,activation,x,y");
        for p in &comparison.map {
            println!("{},{},{},{},{}", p.network, p.arch, p.activation, p.x, p.y);
        }
    } else {
        print_report(&comparison, args.json);
    }
    Ok(ExitCode::SUCCESS)
}
