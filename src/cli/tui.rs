//! `rnnlab tui` (and `rnnlab` alone): the terminal notebook.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::Outcome;

#[derive(Args)]
pub(super) struct TuiArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Colour theme: default, dark, light, colorblind, or one of yours (README: themes).
    #[arg(long, env = "RNNLAB_THEME")]
    theme: Option<String>,
    /// Leave the mouse to the terminal (no wheel scrolling).
    #[arg(long)]
    no_mouse: bool,
}

pub(super) fn exec(args: TuiArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    crate::tui::run(
        db,
        crate::tui::TuiOptions {
            theme: args.theme,
            mouse: !args.no_mouse,
        },
    )?;
    Ok(ExitCode::SUCCESS)
}
