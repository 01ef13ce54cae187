//! `rnnlab report`: an experiment's answer to the study's questions as figures (SVG and PNG),
//! numbers (JSON) and one self-contained HTML page, from what the notebook holds.

pub mod figures;
mod html;
pub mod numbers;
pub mod pane;
pub mod task;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

pub use crate::plot::Figure;
pub use numbers::{scaffold_verdict, ClaimRules, ReportNumbers, ReportOptions};
pub use task::IdealShare;

use crate::files::write_atomically;
use crate::store::Notebook;
use crate::LabError;

/// What `rnnlab report` wrote.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The folder.
    pub out: PathBuf,
    /// The page.
    pub page: PathBuf,
    /// Every figure file (SVG and PNG).
    pub figures: Vec<PathBuf>,
    /// Seconds it took.
    pub seconds: f64,
    /// The numbers (also in `report.json`).
    pub numbers: ReportNumbers,
}

/// A figure as written: its two files and their contents.
pub struct Drawn {
    /// The SVG file.
    pub svg_path: PathBuf,
    /// The PNG file.
    pub png_path: PathBuf,
    /// The SVG text.
    pub svg: String,
    /// The PNG bytes.
    pub png: Vec<u8>,
}

/// Draws `figure` into `dir` as `name.svg` and `name.png`.
pub fn save_figure(figure: &Figure, dir: &Path, name: &str) -> Result<Drawn, LabError> {
    let drawn = |e: String| LabError::Invalid(format!("figure {name}: {e}"));
    let svg = figure.svg().map_err(drawn)?;
    let png = figure.png().map_err(drawn)?;
    let (svg_path, png_path) = (
        dir.join(format!("{name}.svg")),
        dir.join(format!("{name}.png")),
    );
    write_atomically(&svg_path, svg.as_bytes())?;
    write_atomically(&png_path, &png)?;
    Ok(Drawn {
        svg_path,
        png_path,
        svg,
        png,
    })
}

/// Gathers the numbers, draws every figure and writes the page into `out` (created if absent).
pub fn report(
    notebook: &Notebook,
    options: &ReportOptions,
    out: &Path,
) -> Result<Report, LabError> {
    let started = Instant::now();
    let numbers = numbers::gather(notebook, options)?;
    std::fs::create_dir_all(out).map_err(|source| LabError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    let named = figures::figures(&numbers);
    let mut files = Vec::new();
    let mut inline = Vec::new();
    for n in &named {
        let drawn = save_figure(&n.figure, out, &n.name)?;
        files.extend([drawn.svg_path.clone(), drawn.png_path.clone()]);
        inline.push((n, drawn));
    }
    let json = serde_json::to_string_pretty(&numbers).expect("numbers serialise");
    write_atomically(&out.join("report.json"), json.as_bytes())?;
    let generated = format!(
        "Made by rnnlab {} ({}) from the notebook; every number is also in report.json.",
        env!("CARGO_PKG_VERSION"),
        env!("RNNLAB_REVISION")
    );
    let page = out.join("index.html");
    write_atomically(&page, html::page(&numbers, &inline, &generated).as_bytes())?;
    Ok(Report {
        out: out.to_path_buf(),
        page,
        figures: files,
        seconds: started.elapsed().as_secs_f64(),
        numbers,
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.numbers;
        writeln!(
            f,
            "{}: {} of {} networks included ({})",
            n.experiment, n.exclusion.included, n.exclusion.total, n.exclusion.rule
        )?;
        writeln!(f, "\nthe study's checks:")?;
        for c in &n.claims {
            let verdict = match c.supported {
                Some(true) => "supported",
                Some(false) => "NOT supported",
                None => "too few networks to judge",
            };
            writeln!(f, "  [{verdict}] {}\n      {}", c.claim, c.measured)?;
        }
        if let Some(c) = &n.dsa_finding {
            let verdict = match c.supported {
                Some(true) => "yes",
                Some(false) => "no",
                None => "too few networks to judge",
            };
            writeln!(
                f,
                "\nwhat DSA says (a finding, not one of the study's checks):\n  [{verdict}] {}\n      {}",
                c.claim, c.measured
            )?;
        }
        writeln!(
            f,
            "\n{} figures (SVG + PNG), report.json and the page in {:.1} s:\n  {}",
            self.figures.len() / 2,
            self.seconds,
            self.page.display()
        )
    }
}
