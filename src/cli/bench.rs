//! `rnnlab bench ...`: the engine's, the notebook's and the terminal notebook's speed.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{print_report, Json, Outcome};
use crate::lab;
use crate::lab::bench::{self, BenchNetworks, BenchRequest, ScratchDir, TrainBench};
use crate::net::{Activation, Arch};

#[derive(Subcommand)]
pub(super) enum BenchCommand {
    /// Milliseconds per training iteration (forward + BPTT + Adam, one thread, flip-flop inputs).
    Train(BenchTrainArgs),
    /// Notebook speed on a synthetic notebook: storing a network, `ls` and `status` queries.
    Notebook(BenchNotebookArgs),
    /// Seconds to find every fixed point of a trained flip-flop network (one thread).
    FixedPoints(BenchFixedPointsArgs),
    /// Seconds and memory to compare a population pairwise (SVCCA, angular CCA, Procrustes).
    Similarity(BenchSimilarityArgs),
    /// The terminal notebook on a large synthetic notebook: store poll and frame times.
    Tui(BenchNotebookArgs),
    /// `rnnlab report` on a synthetic analysed population with every pair stored.
    Report(BenchReportArgs),
}

#[derive(Args)]
pub(super) struct BenchReportArgs {
    /// Networks in the synthetic population.
    #[arg(long, default_value_t = 3000, value_parser = clap::value_parser!(u64).range(100..))]
    networks: u64,
    /// Threads [default: the number of cores].
    #[arg(long, value_parser = super::at_least_one)]
    threads: Option<usize>,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct BenchNotebookArgs {
    /// Networks in the synthetic notebook.
    #[arg(long, default_value_t = 100_000)]
    networks: usize,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct BenchSimilarityArgs {
    /// Networks in the synthetic population (freshly initialised, the four cells in turn).
    #[arg(long, default_value_t = 1000)]
    networks: usize,
    /// Hidden units.
    #[arg(long, default_value_t = 128)]
    units: usize,
    /// Threads for the pairs [default: the number of cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Also write every pair into a scratch notebook and open the terminal notebook's
    /// similarity pane on it (at least 100 networks).
    #[arg(long, conflicts_with = "metric")]
    store: bool,
    /// geometry (SVCCA, angular CCA, Procrustes), dsa (both DSA scores) or dsa-spectral (the
    /// spectral score alone).
    #[arg(long, default_value = "geometry", value_parser = ["geometry", "dsa", "dsa-spectral"])]
    metric: String,
    /// DSA: compare the trained networks of this experiment (in --db) instead of freshly
    /// initialised ones.
    #[arg(long)]
    experiment: Option<String>,
    /// The notebook of --experiment.
    #[arg(long, env = "RNNLAB_DB", default_value = "rnnlab.db")]
    db: std::path::PathBuf,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct BenchFixedPointsArgs {
    /// Widths of the flip-flop GRUs to train and then search (ignored with --load).
    #[arg(long, value_delimiter = ',', default_value = "64,128,256")]
    units: Vec<usize>,
    /// Search these saved networks (`rnnlab train --save FILE`) instead.
    #[arg(long, num_args = 1..)]
    load: Vec<PathBuf>,
    /// Starts per constant input.
    #[arg(long, default_value_t = 1024)]
    starts: usize,
    /// Timed repeats per network (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Also run FixedPointFinder's method (Adam on q, 5000 iterations) on the same starts.
    #[arg(long)]
    reference: bool,
    /// An earlier run's `--json` output: say how many of its points this search found again.
    #[arg(long)]
    baseline: Option<PathBuf>,
    #[command(flatten)]
    json: Json,
}

#[derive(Args)]
pub(super) struct BenchTrainArgs {
    /// Cells to measure (comma-separated) [default: all four].
    #[arg(long, value_delimiter = ',')]
    arch: Vec<Arch>,
    /// Nonlinearity.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Hidden units (comma-separated) [default: 32,64,128,256].
    #[arg(long, value_delimiter = ',')]
    units: Vec<usize>,
    /// Trials per batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Steps per trial.
    #[arg(long, default_value_t = 100)]
    time_steps: usize,
    /// Timed iterations per configuration.
    #[arg(long, default_value_t = 50)]
    iters: usize,
    /// Also list every product shape of an iteration against this CPU's rate at that shape.
    #[arg(long)]
    products: bool,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(command: BenchCommand) -> Outcome {
    match command {
        BenchCommand::Train(args) => return train(args),
        BenchCommand::Notebook(args) => {
            print_report(&bench::bench_notebook(args.networks)?, args.json)
        }
        BenchCommand::FixedPoints(args) => {
            let networks = if args.load.is_empty() {
                BenchNetworks::TrainGru(args.units)
            } else {
                BenchNetworks::Files(args.load)
            };
            let report = bench::bench_fixed_points(&bench::FixedPointBenchRequest {
                networks,
                starts: args.starts,
                repeats: args.repeats,
                reference: args.reference,
                baseline: args.baseline,
            })?;
            print_report(&report, args.json);
        }
        BenchCommand::Similarity(args) if args.metric != "geometry" => {
            let threads = args.threads.unwrap_or_else(lab::cores);
            let notebook;
            let population = match &args.experiment {
                Some(name) => {
                    notebook = lab::notebook::open_existing(&args.db)?;
                    bench::DsaPopulation::Experiment(&notebook, name)
                }
                None => bench::DsaPopulation::Synthetic(args.networks, args.units),
            };
            let report = bench::bench_dsa(
                population,
                &crate::analysis::similarity::dsa::DsaOptions::default(),
                threads,
                args.metric == "dsa-spectral",
            )?;
            print_report(&report, args.json);
        }
        BenchCommand::Similarity(args) => {
            let threads = args.threads.unwrap_or_else(lab::cores);
            if args.store && args.networks < 100 {
                return Err(crate::lab::LabError::Invalid(
                    "--store: --networks must be at least 100".into(),
                ));
            }
            let dir = ScratchDir::new("bench-similarity")?;
            let db = dir.0.join("bench.db");
            let store_in = args.store.then_some(db.as_path());
            let mut report = bench::bench_similarity(args.networks, args.units, threads, store_in)?;
            if let Some(stored) = report.stored.as_mut() {
                (
                    stored.pane_first_poll_ms,
                    stored.pane_frame_ms,
                    stored.pane_later_frame_ms,
                ) = crate::tui::bench::similarity_first_frame(&db, 120, 40)?;
            }
            print_report(&report, args.json);
        }
        BenchCommand::Report(args) => {
            let threads = args.threads.unwrap_or_else(lab::cores);
            print_report(
                &bench::bench_report(args.networks as usize, threads)?,
                args.json,
            );
        }
        BenchCommand::Tui(args) => {
            let dir = ScratchDir::new("bench-tui")?;
            let db = dir.0.join("bench.db");
            bench::bench_notebook_at(&db, args.networks)?;
            let report = crate::tui::bench::bench_frames(&db, 120, 40, 9)?;
            print_report(&report, args.json);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn train(args: BenchTrainArgs) -> Outcome {
    let archs = if args.arch.is_empty() {
        Arch::STUDY.to_vec()
    } else {
        args.arch
    };
    let units = if args.units.is_empty() {
        vec![32, 64, 128, 256]
    } else {
        args.units
    };
    let interactive = std::io::stderr().is_terminal();
    let mut rows = Vec::new();
    for &arch in &archs {
        for &n in &units {
            if interactive {
                eprintln!("measuring {arch} N={n} ...");
            }
            rows.push(bench::bench_train(&BenchRequest {
                arch,
                activation: args.activation,
                units: n,
                batch: args.batch,
                time_steps: args.time_steps,
                iters: args.iters,
            })?);
        }
    }
    print_report(
        &TrainBench {
            benchmark: "train",
            rows,
            gemm_peak_gflops: bench::gemm_peak_gflops(),
            machine: bench::Machine::this(),
            show_products: args.products,
        },
        args.json,
    );
    Ok(ExitCode::SUCCESS)
}
