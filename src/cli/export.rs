//! `rnnlab export KIND`: what the notebook holds, for NumPy, pandas or a spreadsheet. Each kind
//! is a subcommand with the formats it has, so the parser refuses a pair that does not exist.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};

use super::compare::Reduction;
use super::{Outcome, Selection};
use crate::lab::{self, LabError};

#[derive(Subcommand)]
pub(super) enum ExportCommand {
    /// One row per network: settings, seed, state, losses, timings, analysis counts.
    Networks(TextExport),
    /// The decimated training curve of every network.
    Curves(TextExport),
    /// Trained weights per network, `net<ID>/...` (NumPy .npz; README: exported weights).
    Weights(NpzExport),
    /// Every stored fixed and slow point: state, q, eigenvalues, readout.
    FixedPoints(FixedPointsExport),
    /// An experiment's distance matrices under every metric.
    Distances(DistancesExport),
    /// Hidden states on the task's probe batch, `net<ID>/states` (NumPy .npz).
    States(NpzExport),
    /// The probe batch a recording is aligned to: `inputs`, `targets` (trials, T, channels);
    /// trial k is condition k (NumPy .npz).
    Probe(ProbeExport),
}

#[derive(Args)]
pub(super) struct ProbeExport {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// The experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    /// Write here instead of EXPERIMENT-probe.npz.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum TextFormat {
    Csv,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum PointsFormat {
    Csv,
    Json,
    Npz,
}

#[derive(Clone, Copy, ValueEnum)]
enum MatrixFormat {
    Csv,
    Npz,
}

#[derive(Clone, Copy, ValueEnum)]
enum NpzOnly {
    Npz,
}

/// Where an export goes: `--output FILE`, else stdout (text) or a default file name (npz).
#[derive(Args)]
struct Output {
    /// Write here instead of stdout (npz: instead of the default name).
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Args)]
pub(super) struct TextExport {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: TextFormat,
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    output: Output,
}

#[derive(Args)]
pub(super) struct NpzExport {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Output format.
    #[arg(long, value_enum, default_value = "npz")]
    format: NpzOnly,
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    output: Output,
}

#[derive(Args)]
pub(super) struct FixedPointsExport {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: PointsFormat,
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    output: Output,
}

#[derive(Args)]
pub(super) struct DistancesExport {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: MatrixFormat,
    /// The experiment [default: the notebook's only one].
    #[arg(long)]
    experiment: Option<String>,
    #[command(flatten)]
    reduction: Reduction,
    #[command(flatten)]
    output: Output,
}

impl Output {
    /// `--output`, or by default `network-ID-WHAT.npz`, `EXPERIMENT-WHAT.npz` or `WHAT.npz`.
    fn npz_path(&self, selection: &Selection, what: &str) -> Result<PathBuf, LabError> {
        if let Some(out) = &self.output {
            return Ok(out.clone());
        }
        let file = match (selection.network, &selection.experiment) {
            (Some(id), _) => format!("network-{id}-{what}.npz"),
            (None, Some(name)) => format!("{name}-{what}.npz"),
            (None, None) => format!("{what}.npz"),
        };
        crate::files::names::inside(Path::new(""), &file)
    }

    /// Runs `write` on a buffered writer to the file or stdout, flushed at the end.
    fn text(
        &self,
        write: impl FnOnce(&mut dyn Write, &Path) -> Result<(), LabError>,
    ) -> Result<(), LabError> {
        let name = self
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdout>"));
        let io = |source| LabError::Io {
            path: name.clone(),
            source,
        };
        let mut out: Box<dyn Write> = match &self.output {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path).map_err(io)?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        write(&mut out, &name)?;
        out.flush().map_err(io)
    }
}

impl ExportCommand {
    /// The notebook it exports from.
    fn db(&self) -> &Path {
        match self {
            ExportCommand::Networks(a) | ExportCommand::Curves(a) => &a.notebook.db,
            ExportCommand::Weights(a) | ExportCommand::States(a) => &a.notebook.db,
            ExportCommand::FixedPoints(a) => &a.notebook.db,
            ExportCommand::Distances(a) => &a.notebook.db,
            ExportCommand::Probe(a) => &a.notebook.db,
        }
    }
}

pub(super) fn exec(command: ExportCommand) -> Outcome {
    let db = command.db().to_path_buf();
    let db = db.as_path();
    let notebook = lab::notebook::open_existing(db)?;
    if !notebook.quick_check_ok()? {
        eprintln!(
            "warning: {} is damaged (SQLite's quick_check fails): what is exported may be \
             incomplete or wrong",
            db.display()
        );
    }
    match command {
        ExportCommand::Networks(args) => {
            let csv = matches!(args.format, TextFormat::Csv);
            let query = args.selection.query();
            args.output.text(|out, name| {
                lab::export::export_networks(&notebook, &query, csv, out, name)
            })?;
        }
        ExportCommand::Curves(args) => {
            let csv = matches!(args.format, TextFormat::Csv);
            let query = args.selection.query();
            args.output
                .text(|out, name| lab::export::export_curves(&notebook, &query, csv, out, name))?;
        }
        ExportCommand::Weights(args) => {
            if args.selection.network.is_none() && args.selection.experiment.is_none() {
                return Err(LabError::Invalid(
                    "export weights needs --network ID or --experiment NAME".into(),
                ));
            }
            let path = match (&args.output.output, args.selection.network) {
                (None, Some(id)) => PathBuf::from(format!("network-{id}.npz")),
                _ => args.output.npz_path(&args.selection, "weights")?,
            };
            let n = lab::export::export_weights(
                &notebook,
                &args.selection.query(),
                args.selection.network,
                &path,
            )?;
            eprintln!("wrote the weights of {} to {}", networks(n), path.display());
        }
        ExportCommand::FixedPoints(args) => {
            let query = args.selection.query();
            let csv = match args.format {
                PointsFormat::Npz => {
                    let path = args.output.npz_path(&args.selection, "fixed-points")?;
                    let n = lab::export::fixed_points::export_fixed_points_npz(
                        &notebook, &query, &path,
                    )?;
                    eprintln!(
                        "wrote the fixed points of {} to {}",
                        networks(n),
                        path.display()
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                PointsFormat::Csv => true,
                PointsFormat::Json => false,
            };
            args.output.text(|out, name| {
                lab::export::fixed_points::export_fixed_points_text(
                    &notebook, &query, csv, out, name,
                )
                .map(drop)
            })?;
        }
        ExportCommand::Distances(args) => {
            let options = args.reduction.options()?;
            let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
            let threads = lab::cores();
            match args.format {
                MatrixFormat::Npz => {
                    let path =
                        args.output.output.clone().unwrap_or_else(|| {
                            PathBuf::from(format!("{experiment}-distances.npz"))
                        });
                    lab::export::similarity::export_distances_npz(
                        &notebook,
                        &experiment,
                        &options,
                        threads,
                        &path,
                    )?;
                    eprintln!(
                        "wrote the distance matrices of {experiment} to {}",
                        path.display()
                    );
                }
                MatrixFormat::Csv => args.output.text(|out, name| {
                    lab::export::similarity::export_distances_csv(
                        &notebook,
                        &experiment,
                        &options,
                        threads,
                        out,
                        name,
                    )
                })?,
            }
        }
        ExportCommand::Probe(args) => {
            let experiment = lab::notebook::one_experiment(&notebook, args.experiment.as_deref())?;
            let path = match args.output {
                Some(p) => p,
                None => {
                    crate::files::names::inside(Path::new(""), &format!("{experiment}-probe.npz"))?
                }
            };
            let n = lab::export::similarity::export_probe_npz(&notebook, &experiment, &path)?;
            eprintln!(
                "wrote the {n} probe trials of {experiment} to {}",
                path.display()
            );
        }
        ExportCommand::States(args) => {
            let path = args.output.npz_path(&args.selection, "states")?;
            let n = lab::export::similarity::export_states_npz(
                &notebook,
                &args.selection.query(),
                &path,
            )?;
            eprintln!(
                "wrote the probe states of {} to {}",
                networks(n),
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `1 network`, `3 networks`.
fn networks(n: usize) -> String {
    format!("{n} network{}", if n == 1 { "" } else { "s" })
}
