//! `rnnlab bench tui`: the notebook's cost per frame on a large notebook — one store poll (on
//! its own thread in the TUI, so it never blocks input) and drawing each pane.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde::Serialize;

use super::app::{App, Pane};
use super::draw::draw;
use super::snapshot::poll;
use super::theme::Theme;
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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
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
    let mut polls = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        let s = poll(db, &app.request())?;
        polls.push(t.elapsed().as_secs_f64() * 1e3);
        app.apply(s);
    }
    let mut terminal =
        Terminal::new(TestBackend::new(width, height)).map_err(|source| LabError::Io {
            path: "terminal".into(),
            source,
        })?;
    let theme = Theme::default();
    let mut frame_ms = Vec::new();
    for pane in Pane::ALL {
        app.pane = pane;
        let mut times = Vec::new();
        for _ in 0..repeats.max(1) {
            let t = Instant::now();
            terminal
                .draw(|f| draw(f, &app, &theme))
                .map_err(|source| LabError::Io {
                    path: "terminal".into(),
                    source,
                })?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        frame_ms.push((pane.title(), median(times)));
    }
    app.pane = Pane::Similarity;
    app.snapshot.similarity = Some(synthetic_comparison(1000));
    let mut heat = Vec::new();
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        terminal
            .draw(|f| draw(f, &app, &theme))
            .map_err(|source| LabError::Io {
                path: "terminal".into(),
                source,
            })?;
        heat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    Ok(TuiBench {
        networks: app.snapshot.total,
        size: (width, height),
        poll_ms: median(polls),
        frame_ms,
        heat_map_1000_ms: median(heat),
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
