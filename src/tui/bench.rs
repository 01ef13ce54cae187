//! `rnnlab bench tui`: the notebook's cost per frame on a large notebook — one store poll (on
//! its own thread in the TUI, so it never blocks input) and drawing each pane.

use std::fmt;
use std::path::Path;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde::Serialize;

use super::app::{App, Pane};
use super::draw::draw;
use super::snapshot::{poll, ComparisonCache};
use super::theme::Theme;
use crate::lab::bench::median_ms;
use crate::lab::LabError;

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
    /// Milliseconds of the first poll of the similarity pane with a stored 1000-network matrix
    /// (reads the pairs, MDS, separability of every metric).
    pub similarity_first_poll_ms: f64,
    /// Median milliseconds of a later poll of that pane (the comparison is cached while no
    /// pair is added).
    pub similarity_poll_ms: f64,
    /// Milliseconds of the first similarity frame with that 1000-network matrix (its heat map
    /// computed).
    pub heat_map_1000_first_ms: f64,
    /// Median milliseconds of the later frames (the heat map remembered).
    pub heat_map_1000_ms: f64,
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
    let cache = ComparisonCache::default();
    poll_once(&mut app, db, &cache)?;
    let poll_ms = median_ms(repeats, || poll_once(&mut app, db, &cache))?;
    let mut terminal = screen(width, height)?;
    let theme = Theme::default();
    let frame = |terminal: &mut Terminal<TestBackend>, app: &App, repeats: usize| {
        median_ms(repeats, || draw_once(terminal, app, &theme))
    };
    let mut frame_ms = Vec::new();
    for pane in Pane::ALL {
        app.pane = pane;
        frame_ms.push((pane.title(), frame(&mut terminal, &app, repeats)?));
    }
    crate::lab::bench::store_random_distances(db, 1000)?;
    app.pane = Pane::Similarity;
    let similarity_first_poll_ms = median_ms(1, || poll_once(&mut app, db, &cache))?;
    let similarity_poll_ms = median_ms(repeats, || poll_once(&mut app, db, &cache))?;
    if app.snapshot.similarity.is_none() {
        return Err(LabError::Invalid(
            "bench tui: the stored matrix did not reach the similarity pane".into(),
        ));
    }
    *app.heat_memo.borrow_mut() = None;
    let heat_map_1000_first_ms = frame(&mut terminal, &app.clone(), 1)?;
    let heat_map_1000_ms = frame(&mut terminal, &app, repeats)?;
    Ok(TuiBench {
        networks: app.snapshot.total,
        size: (width, height),
        poll_ms,
        frame_ms,
        similarity_first_poll_ms,
        similarity_poll_ms,
        heat_map_1000_first_ms,
        heat_map_1000_ms,
    })
}

/// One store poll for the pane `app` shows, applied to it.
fn poll_once(app: &mut App, db: &Path, cache: &ComparisonCache) -> Result<(), LabError> {
    app.apply(poll(db, &app.request(), cache)?);
    Ok(())
}

/// The similarity pane opened on the notebook at `db` (`width`×`height`): milliseconds of its
/// first poll (every stored pair read, the MDS map, separability), of drawing its first frame,
/// and of the next (its heat map remembered).
pub fn similarity_first_frame(
    db: &Path,
    width: u16,
    height: u16,
) -> Result<(f64, f64, f64), LabError> {
    let mut app = App::new(db.to_path_buf(), Vec::new());
    app.resize(width, height);
    app.pane = Pane::Similarity;
    let cache = ComparisonCache::default();
    // The first poll picks the experiment; the one timed reads its matrices.
    poll_once(&mut app, db, &cache)?;
    let poll_ms = median_ms(1, || poll_once(&mut app, db, &cache))?;
    if app.snapshot.similarity.is_none() {
        return Err(LabError::Invalid(
            "bench similarity: the stored matrix did not reach the similarity pane".into(),
        ));
    }
    let mut terminal = screen(width, height)?;
    let theme = Theme::default();
    let first = median_ms(1, || draw_once(&mut terminal, &app, &theme))?;
    let later = median_ms(1, || draw_once(&mut terminal, &app, &theme))?;
    Ok((poll_ms, first, later))
}

/// An off-screen terminal of `width`×`height`.
fn screen(width: u16, height: u16) -> Result<Terminal<TestBackend>, LabError> {
    Terminal::new(TestBackend::new(width, height)).map_err(|source| LabError::Io {
        path: "terminal".into(),
        source,
    })
}

/// Draws one frame of `app`.
fn draw_once(
    terminal: &mut Terminal<TestBackend>,
    app: &App,
    theme: &Theme,
) -> Result<(), LabError> {
    terminal
        .draw(|f| draw(f, app, theme))
        .map(drop)
        .map_err(|source| LabError::Io {
            path: "terminal".into(),
            source,
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
            "  similarity pane with a stored 1000-network matrix: first poll {:.0} ms, \
             later polls {:.1} ms (cached), first frame {:.2} ms, later frames {:.2} ms",
            self.similarity_first_poll_ms,
            self.similarity_poll_ms,
            self.heat_map_1000_first_ms,
            self.heat_map_1000_ms
        )
    }
}
