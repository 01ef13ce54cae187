//! The `rnnlab` command line: parse, dispatch, print, exit codes (0 ok, 1 finished with
//! failures, 2 bad input or error). The work itself lives in the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rnnlab::lab::{self, BenchRequest, BenchRow, LabError, TrainReport, TrainRequest};
use rnnlab::net::{Activation, Arch};
use rnnlab::task::Task;
use rnnlab::train::{OptimizerKind, TrainConfig};

/// A terminal lab notebook for populations of trained recurrent networks.
#[derive(Parser)]
#[command(name = "rnnlab", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one network and print its summary.
    Train(TrainArgs),
    /// Measure the engine's speed.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Args)]
struct TrainArgs {
    /// Task: flipflop, sine or integration.
    #[arg(long, value_parser = parse_task)]
    task: Task,
    /// Cell: vanilla, ugrnn, gru or lstm.
    #[arg(long)]
    arch: Arch,
    /// Nonlinearity on the non-gate path: tanh or relu.
    #[arg(long, default_value = "tanh")]
    activation: Activation,
    /// Hidden units.
    #[arg(long, default_value_t = 64)]
    units: usize,
    /// Trials per batch [default: the task's].
    #[arg(long)]
    batch: Option<usize>,
    /// Maximum training iterations [default: the task's].
    #[arg(long)]
    steps: Option<usize>,
    /// Initial learning rate [default: the task's].
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Multiply the learning rate by this every --decay-steps.
    #[arg(long, allow_negative_numbers = true)]
    decay_rate: Option<f64>,
    /// See --decay-rate.
    #[arg(long)]
    decay_steps: Option<usize>,
    /// adam or sgd (with momentum).
    #[arg(long, value_parser = parse_optimizer)]
    optimizer: Option<OptimizerKind>,
    /// L2 penalty on the kernels.
    #[arg(long, allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Global-norm gradient clipping threshold.
    #[arg(long, allow_negative_numbers = true)]
    clip: Option<f64>,
    /// Stop once the held-out MSE is below this.
    #[arg(long, allow_negative_numbers = true)]
    target_loss: Option<f64>,
    /// Curriculum: grow the trial length from 50 steps to the task's over this many iterations.
    #[arg(long)]
    curriculum_steps: Option<usize>,
    /// Steps per trial [default: the task's].
    #[arg(long)]
    time_steps: Option<usize>,
    /// Seed of the weights and the training batches.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Save the trained network to this file.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Print one JSON object on stdout instead of the summary.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Milliseconds per training iteration (forward + BPTT + Adam, one thread, flip-flop inputs).
    Train(BenchTrainArgs),
}

#[derive(Args)]
struct BenchTrainArgs {
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
    /// Print one JSON document on stdout instead of the table.
    #[arg(long)]
    json: bool,
}

fn parse_task(s: &str) -> Result<Task, String> {
    Task::by_name(s)
        .ok_or_else(|| format!("unknown task '{s}' (expected one of: flipflop, sine, integration)"))
}

fn parse_optimizer(s: &str) -> Result<OptimizerKind, String> {
    match s {
        "adam" => Ok(OptimizerKind::Adam),
        "sgd" => Ok(OptimizerKind::Sgd),
        _ => Err(format!("unknown optimizer '{s}' (expected adam or sgd)")),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            print!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.render().to_string();
            eprintln!("{}", text.lines().next().unwrap_or("invalid arguments"));
            return ExitCode::from(2);
        }
    };
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, LabError> {
    match command {
        Command::Train(args) => train(args),
        Command::Bench(BenchCommand::Train(args)) => bench_train(args),
    }
}

fn train(args: TrainArgs) -> Result<ExitCode, LabError> {
    let mut task = args.task;
    if let Some(t) = args.time_steps {
        if t == 0 {
            return Err(LabError::Invalid("--time-steps must be at least 1".into()));
        }
        task.set_time_steps(t);
    }
    let mut config = TrainConfig::for_network(&task, args.arch, args.activation);
    config.batch = args.batch.unwrap_or(config.batch);
    config.steps = args.steps.unwrap_or(config.steps);
    config.learning_rate = args.lr.unwrap_or(config.learning_rate);
    config.decay_rate = args.decay_rate.unwrap_or(config.decay_rate);
    config.decay_steps = args.decay_steps.unwrap_or(config.decay_steps);
    config.optimizer = args.optimizer.unwrap_or(config.optimizer);
    config.l2 = args.l2.unwrap_or(config.l2);
    config.clip_norm = args.clip.or(config.clip_norm);
    config.target_loss = args.target_loss.or(config.target_loss);
    config.curriculum_steps = args.curriculum_steps.unwrap_or(config.curriculum_steps);
    let request = TrainRequest {
        task,
        arch: args.arch,
        activation: args.activation,
        units: args.units,
        config,
        seed: args.seed,
        save: args.save,
    };
    let every = (request.config.steps / 20).max(1);
    let report = lab::train_one(&request, &mut |p| {
        if p.step % every == 0 {
            eprintln!(
                "step {:>6}  loss {:.3e}  |grad| {:.3e}  lr {:.2e}",
                p.step, p.loss, p.grad_norm, p.learning_rate
            );
        }
    })?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("report serialises")
        );
    } else {
        print_train_report(&report);
    }
    Ok(if report.diverged {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_train_report(r: &TrainReport) {
    let num = |v: Option<f64>| v.map_or("—".to_string(), |v| format!("{v:.4e}"));
    println!("task         {}", r.task);
    println!(
        "network      {} {} N={} seed={}",
        r.arch, r.activation, r.units, r.seed
    );
    println!(
        "steps run    {}{}",
        r.steps_run,
        if r.reached_target {
            " (reached target loss)"
        } else {
            ""
        }
    );
    println!("final loss   {} (held-out MSE)", num(r.final_loss));
    println!(
        "score        {} ({})",
        r.score.map_or("—".into(), |s| format!("{s:.4}")),
        r.score_kind
    );
    println!("seconds      {:.1}", r.seconds);
    if r.backoffs > 0 {
        println!(
            "back-offs    {} (learning rate halved after a NaN/inf)",
            r.backoffs
        );
    }
    if let Some(reason) = &r.diverged_reason {
        println!("DIVERGED     {reason}");
    }
    if let Some(path) = &r.saved {
        println!("saved        {}", path.display());
    }
}

fn bench_train(args: BenchTrainArgs) -> Result<ExitCode, LabError> {
    let archs = if args.arch.is_empty() {
        Arch::ALL.to_vec()
    } else {
        args.arch
    };
    let units = if args.units.is_empty() {
        vec![32, 64, 128, 256]
    } else {
        args.units
    };
    let mut rows: Vec<BenchRow> = Vec::new();
    let interactive = std::io::stderr().is_terminal();
    for &arch in &archs {
        for &n in &units {
            if interactive {
                eprintln!("measuring {arch} N={n} ...");
            }
            rows.push(lab::bench_train(&BenchRequest {
                arch,
                activation: args.activation,
                units: n,
                batch: args.batch,
                time_steps: args.time_steps,
                iters: args.iters,
            })?);
        }
    }
    if args.json {
        let doc = serde_json::json!({ "benchmark": "train", "rows": rows });
        println!("{doc}");
    } else {
        println!(
            "{:<8} {:<5} {:>5} {:>5} {:>5}  {:>10} {:>10} {:>8}",
            "cell", "f", "N", "B", "T", "median ms", "min ms", "GFLOP/s"
        );
        for row in &rows {
            let r = &row.request;
            println!(
                "{:<8} {:<5} {:>5} {:>5} {:>5}  {:>10.2} {:>10.2} {:>8.1}",
                r.arch.name(),
                r.activation.name(),
                r.units,
                r.batch,
                r.time_steps,
                row.median_ms,
                row.min_ms,
                row.gflops
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
