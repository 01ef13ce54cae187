//! Drawing: a pure function of the app state and the theme.

mod curves;
mod networks;
mod overlay;
mod points;
mod runs;
mod similarity;
mod topology;

use ratatui::backend::TestBackend;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::{Frame, Terminal};

use super::app::{App, Pane, MIN_SIZE};
use super::theme::Theme;
use crate::lab::MISSING;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(frame, area, theme);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(tab_line(app, theme)), tabs);
    match app.wide_origin() {
        Some(origin) => wide(frame, body, app, theme, origin),
        None => draw_pane(frame, body, app, theme),
    }
    frame.render_widget(Paragraph::new(status_line(app, theme)), status);
    overlay::draw(frame, area, app, theme);
}

fn draw_pane(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    match app.pane {
        Pane::Runs => runs::draw(frame, body, app, theme),
        Pane::Networks => networks::draw(frame, body, app, theme),
        Pane::Curves => curves::draw(frame, body, app, theme),
        Pane::FixedPoints => points::draw(frame, body, app, theme),
        Pane::Similarity => similarity::draw(frame, body, app, theme),
        Pane::Topology => topology::draw(frame, body, app, theme),
    }
}

/// The wide view: the pane drawn in memory at [`App::wide_size`], where nothing is cut, and
/// the window of it from column and row `(x, y)` copied into `body`.
fn wide(frame: &mut Frame, body: Rect, app: &App, theme: &Theme, (x, y): (u16, u16)) {
    let (width, height) = app.wide_size();
    let mut memory = Terminal::new(TestBackend::new(width, height)).expect("in memory");
    memory
        .draw(|f| draw_pane(f, f.area(), app, theme))
        .expect("in memory");
    let drawn = memory.backend().buffer();
    let screen = frame.buffer_mut();
    for row in 0..body.height.min(height) {
        for col in 0..body.width.min(width) {
            screen[(body.x + col, body.y + row)] = drawn[(x + col, y + row)].clone();
        }
    }
}

fn tab_line<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(" rnnlab ", theme.accent())];
    for pane in Pane::ALL {
        let style = if pane == app.pane {
            theme.selected()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(format!(" {} ", pane.title()), style));
        spans.push(Span::raw(" "));
    }
    // The notebook's path in what is left of the line, its start cut (the file name matters).
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = usize::from(app.size.0).saturating_sub(used);
    let path = app.db.display().to_string();
    let shown = if path.chars().count() <= room || room == 0 {
        path
    } else {
        let tail: String = path
            .chars()
            .rev()
            .take(room - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    };
    spans.push(Span::styled(shown, theme.dim()));
    Line::from(spans)
}

fn status_line<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    if let Some(text) = &app.typing {
        return Line::from(vec![
            Span::styled(" filter: ", theme.accent()),
            Span::raw(text.clone()),
            Span::styled("▏  Enter apply · Esc cancel", theme.dim()),
        ]);
    }
    if let Some((x, y)) = app.wide_origin() {
        let (width, height) = app.wide_size();
        let (w, h) = (app.size.0, app.size.1.saturating_sub(2));
        return Line::from(Span::styled(
            ellipsized(
                &format!(
                    " wide view {width}×{height} · columns {}–{}, rows {}–{} · arrows, hjkl, PgUp/Dn \
                     · v back",
                    x + 1,
                    (x + w).min(width),
                    y + 1,
                    (y + h).min(height)
                ),
                usize::from(app.size.0),
            ),
            theme.accent(),
        ));
    }
    if let Some(m) = &app.message {
        return Line::from(Span::styled(
            ellipsized(&format!(" {m}"), usize::from(app.size.0)),
            theme.accent(),
        ));
    }
    Line::from(Span::styled(
        " ? help · Tab pane · ←→ experiment · / filter · s sort · v wide view · q quit",
        theme.dim(),
    ))
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::from(Span::styled("terminal too small", theme.accent())),
        Line::from(format!(
            "{}×{}: rnnlab needs {}×{}",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from(Span::styled("q quits", theme.dim())),
    ];
    frame.render_widget(Paragraph::new(text).style(Style::default()), area);
}

/// A bordered pane `width` cells wide with a title in the accent style, cut with an ellipsis
/// where it would run into the corner.
fn titled<'a>(title: impl Into<String>, width: u16, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border())
        .title(Span::styled(
            ellipsized(&title.into(), usize::from(width.saturating_sub(2))),
            theme.accent(),
        ))
}

/// `text` in at most `width` characters: cut with an ellipsis when longer.
pub fn ellipsized(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// Seconds as a short duration: 42 s, 3.5 min, 2.1 h.
fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        MISSING.into()
    } else if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}
