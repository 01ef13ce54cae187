//! `rnnlab import`: networks trained with PyTorch or Keras enter the notebook and are analysed.

use std::path::PathBuf;

use clap::Args;

use super::progress::Lines;
use super::{failed_if, print_report, stop_on_signals, Jobs, Json, Outcome};
use crate::files::framework::{Framework, ReadOptions};
use crate::lab::import::ImportOptions;
use crate::lab::{self, LabError};
use crate::net::Activation;
use crate::task::TaskKind;

#[derive(Args)]
#[command(after_long_help = "\
Reads a one-layer, unidirectional RNN and its linear readout from the arrays a framework names:
  PyTorch state_dict: weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 of nn.RNN, nn.GRU or
    nn.LSTM (cells vanilla, gru-torch, lstm-torch) and an nn.Linear's weight and bias;
  Keras: kernel, recurrent_kernel, bias of SimpleRNN, GRU or LSTM (vanilla; gru-torch with
    reset_after=True, gru with reset_after=False; lstm-torch) and a Dense layer's kernel and bias.
Files: .npz (np.savez of the arrays) or .safetensors; a folder means its .npz and .safetensors
files. Every file is checked before anything is stored; the same weights imported twice are
stored once. Each network is scored on the task's held-out batch, stored as trained in the
experiment (default imported-TASK, created if absent; or an experiment of yours on the same task,
to compare with its population), then analysed: fixed points, scaffold, similarity.

Example (after saving a PyTorch model as gru.npz, see the README):
  rnnlab import gru.npz --task flipflop && rnnlab fixed-points --network 1")]
pub(super) struct ImportArgs {
    /// Weight files (.npz, .safetensors) or folders of them.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The task the networks were trained on: flipflop, sine or integration (the paper's
    /// parameters), or arrays (the task of the experiment `--experiment` names).
    #[arg(long)]
    task: String,
    /// Whose parameter names the files use: torch or keras [default: found from the names].
    #[arg(long)]
    framework: Option<String>,
    /// The experiment to enter them in [default: imported-TASK]; created if absent.
    #[arg(long)]
    experiment: Option<String>,
    /// A label for the network (one file only) [default: the file's name].
    #[arg(long)]
    name: Option<String>,
    /// Prefix of the recurrent layer's arrays, e.g. `rnn.` [default: found].
    #[arg(long)]
    prefix: Option<String>,
    /// Prefix of the readout's arrays, e.g. `readout.` [default: the one linear layer reading
    /// the hidden units].
    #[arg(long)]
    readout_prefix: Option<String>,
    /// The nonlinearity (no weight file records it): tanh or relu [default: tanh].
    #[arg(long)]
    activation: Option<String>,
    #[command(flatten)]
    jobs: Jobs,
    #[command(flatten)]
    json: Json,
}

pub(super) fn exec(args: ImportArgs) -> Outcome {
    let kind = args.task.parse::<TaskKind>().map_err(|_| {
        LabError::Invalid(format!(
            "--task {}: unknown task (expected one of: flipflop, sine, integration, arrays)",
            args.task
        ))
    })?;
    let task = match kind.with_defaults() {
        Some(task) => task,
        // A task given as arrays is its experiment's: its file is named there.
        None => {
            let name = args.experiment.as_deref().ok_or_else(|| {
                LabError::Invalid(
                    "--task arrays: name the experiment of the task with --experiment (its \
                     file says where the arrays are)"
                        .into(),
                )
            })?;
            let notebook = lab::notebook::open_existing(&args.notebook.db)?;
            lab::notebook::stored_experiment(&notebook, name)?.task
        }
    };
    let framework = args
        .framework
        .as_deref()
        .map(|f| f.parse::<Framework>())
        .transpose()
        .map_err(|m| LabError::Invalid(format!("--framework: {m}")))?;
    let activation = args
        .activation
        .as_deref()
        .map(|a| a.parse::<Activation>())
        .transpose()
        .map_err(|m| LabError::Invalid(format!("--activation: {m}")))?;
    let options = ImportOptions {
        task,
        experiment: args.experiment,
        name: args.name,
        read: ReadOptions {
            framework,
            prefix: args.prefix,
            readout_prefix: args.readout_prefix,
            activation,
        },
        jobs: args.jobs.get(),
    };
    let summary = lab::import::import(
        &args.notebook.db,
        &args.files,
        &options,
        stop_on_signals(),
        &Lines::default(),
    )?;
    print_report(&summary, args.json);
    Ok(failed_if(summary.analysis.stopped))
}
