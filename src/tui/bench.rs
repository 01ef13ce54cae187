//! `rnnlab bench tui`: the notebook's cost per frame on a large notebook — one store poll (on
//! its own thread in the TUI, so it never blocks input) and drawing each pane.

use std::fmt;
use std::path::Path;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde::Serialize;

use super::app::{App, Pane};
use super::draw::draw;
use super::snapshot::poll;
use super::theme::Theme;
use crate::lab::bench::median_ms;
use crate::lab::compare::{Comparison, MapPoint};
use crate::lab::LabError;
use ndarray::Array2;

/// What `rnnlab bench tui` measured.
#[derive(Clone, Debug, Serialize)]
pub struct TuiBench {
    /// Networks in the notebook.
    pub networks: i64,
    /// Screen size drawn.
    pub size: (u16, u16),
    /// Median milliseconds of one store poll (status, workers, a page, curves, bands).
    pub poll_ms: f64,
    /// Median milliseconds to draw one frame, per pane.
    pub frame_ms: Vec<(&'static str, f64)>,
    /// Median milliseconds of a similarity frame with a 1000-network matrix (synthetic).
    pub heat_map_1000_ms: f64,
}

/// A synthetic comparison of `n` networks: random distances, random map.
fn synthetic_comparison(n: usize) -> (Comparison, Array2<f64>) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let mut d = Array2::zeros((n, n));
    for i in 0..n {
        for j in i + 1..n {
            let v: f64 = rng.random_range(0.0..1.0);
            d[[i, j]] = v;
            d[[j, i]] = v;
        }
    }
    let archs = ["vanilla", "ugrnn", "gru", "lstm"];
    let map = (0..n)
        .map(|k| MapPoint {
            network: k as i64 + 1,
            arch: archs[k % 4].into(),
            activation: if k % 8 < 4 { "tanh" } else { "relu" }.into(),
            x: rng.random_range(-1.0..1.0),
            y: rng.random_range(-1.0..1.0),
        })
        .collect();
    let comparison = Comparison {
        experiment: "synthetic".into(),
        metric: "svcca",
        groups: Vec::new(),
        block_means: Vec::new(),
        map,
        stress: 0.0,
        scores: Vec::new(),
    };
    (comparison, d)
}

/// Polls the notebook at `db` and draws every pane at `width`×`height`, `repeats` times each.
pub fn bench_frames(
    db: &Path,
    width: u16,
    height: u16,
    repeats: usize,
) -> Result<TuiBench, LabError> {
    let mut app = App::new(db.to_path_buf(), Vec::new());
    app.resize(width, height);
    app.apply(poll(db, &app.request())?);
    let poll_ms = median_ms(repeats, || -> Result<(), LabError> {
        app.apply(poll(db, &app.request())?);
        Ok(())
    })?;
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).map_err(|source| LabError::Io {
            path: "terminal".into(),
            source,
        })?;
    let theme = Theme::default();
    let frame = |terminal: &mut Terminal<TestBackend>, app: &App| {
        median_ms(repeats, || {
            terminal
                .draw(|f| draw(f, app, &theme))
                .map(drop)
                .map_err(|source| LabError::Io {
                    path: "terminal".into(),
                    source,
                })
        })
    };
    let mut frame_ms = Vec::new();
    for pane in Pane::ALL {
        app.pane = pane;
        frame_ms.push((pane.title(), frame(&mut terminal, &app)?));
    }
    app.pane = Pane::Similarity;
    app.snapshot.similarity = Some(synthetic_comparison(1000));
    let heat_map_1000_ms = frame(&mut terminal, &app)?;
    Ok(TuiBench {
        networks: app.snapshot.total,
        size: (width, height),
        poll_ms,
        frame_ms,
        heat_map_1000_ms,
    })
}

impl fmt::Display for TuiBench {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} networks, {}×{}: store poll {:.1} ms (median, off the UI thread)",
            self.networks, self.size.0, self.size.1, self.poll_ms
        )?;
        for (pane, ms) in &self.frame_ms {
            writeln!(f, "  frame, {pane} pane: {ms:.2} ms")?;
        }
        writeln!(
            f,
            "  frame, Similarity pane with a 1000-network matrix: {:.2} ms",
            self.heat_map_1000_ms
        )
    }
}
