//! `rnnlab ls`: networks, filtered and sorted in SQL, a page at a time.

use std::path::Path;
use std::process::ExitCode;

use clap::Args;

use super::{Json, Outcome};
use crate::lab;
use crate::store::ListQuery;

#[derive(Args)]
pub(super) struct LsArgs {
    #[command(flatten)]
    notebook: super::NotebookPath,
    /// Only this experiment.
    #[arg(long)]
    experiment: Option<String>,
    /// Filter, e.g. 'arch = gru and final_loss < 1e-3' (columns and syntax: --help).
    #[arg(long = "where")]
    filter: Option<String>,
    /// Sort by this column.
    #[arg(long)]
    sort: Option<String>,
    /// Sort descending.
    #[arg(long)]
    desc: bool,
    /// Rows per page.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Rows to skip.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    #[command(flatten)]
    json: Json,
    /// CSV on stdout.
    #[arg(long, conflicts_with = "json")]
    csv: bool,
}

pub(super) fn exec(args: LsArgs) -> Outcome {
    let db: &Path = &args.notebook.db;
    let notebook = lab::notebook::open_existing(db)?;
    let query = ListQuery {
        experiment: args.experiment,
        filter: args.filter,
        sort: args.sort,
        descending: args.desc,
        limit: args.limit,
        offset: args.offset,
    };
    let rows = notebook.list(&query)?;
    if args.json.json {
        println!("{}", serde_json::to_string(&rows).expect("rows serialise"));
    } else if args.csv {
        println!("{}", lab::export::network_csv_header());
        for r in &rows {
            println!("{}", lab::export::network_csv(r));
        }
    } else {
        let total = notebook.count(&query)?;
        let lines = notebook
            .experiments()?
            .into_iter()
            .filter(|e| e.task.has_lines())
            .map(|e| e.name)
            .collect();
        print!("{}", lab::status::network_table(&rows, &lines));
        println!(
            "{} of {total} networks (from {})",
            rows.len(),
            query.offset + usize::from(!rows.is_empty())
        );
    }
    Ok(ExitCode::SUCCESS)
}
