//! `rnnlab completions SHELL` and `rnnlab man`: shell completions and the manual page, made
//! from the same clap definitions as the parser, so they never disagree with it.

use std::process::ExitCode;

use clap::Args;

use super::{command, Outcome};
use crate::lab::LabError;

#[derive(Args)]
pub(super) struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

pub(super) fn completions(args: CompletionsArgs) -> Outcome {
    clap_complete::generate(args.shell, &mut command(), "rnnlab", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

pub(super) fn man() -> Outcome {
    clap_mangen::Man::new(command())
        .render(&mut std::io::stdout())
        .map_err(|source| LabError::Io {
            path: "<stdout>".into(),
            source,
        })?;
    Ok(ExitCode::SUCCESS)
}
