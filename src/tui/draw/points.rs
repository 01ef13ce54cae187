//! The fixed points pane: per architecture × activation the mean number of fixed points per
//! network by stability class (table and bars), or for integration, where the points lie
//! along a continuum and their count says more about the merge distance than about the
//! network, its line attractors; the selected network's points and the
//! eigenvalues of the selected point on the complex plane with the unit circle.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Circle, Line as CanvasLine, Points};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

use super::titled;
use crate::lab::lines::LineSummary;
use crate::net::Group;
use crate::store::NetState;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let s = &app.snapshot;
    // A continuous attractor is one line, however many points the search merged along it:
    // integration shows its lines, the tasks with isolated points their counts.
    let lines: Vec<(Group, &LineSummary)> = s
        .topology_groups
        .iter()
        .flat_map(|t| &t.groups)
        .filter_map(|g| Some((Group::new(g.arch, g.activation), g.lines.as_ref()?)))
        .collect();
    let rows = if lines.is_empty() {
        s.classes.len()
    } else {
        lines.len()
    } as u16;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(rows.clamp(1, 8) + 3), Constraint::Min(6)])
            .areas(area);
    if lines.is_empty() {
        draw_counts(frame, top, app, theme);
    } else {
        draw_lines(frame, top, &lines, theme);
    }
    let [list, plane] = Layout::horizontal([
        Constraint::Min(40),
        Constraint::Length(bottom.height * 2 + 2),
    ])
    .areas(bottom);
    let network = app
        .focused()
        .map_or(" no network selected ".into(), |(id, arch, activation)| {
            format!(" #{id} {arch} {activation}: {} points ", s.points.len())
        });
    let lines: Vec<Line> = s
        .points
        .iter()
        .enumerate()
        .skip(
            app.point_cursor
                .saturating_sub(bottom.height.saturating_sub(3) as usize),
        )
        .map(|(k, p)| {
            let kind = if !p.converged {
                "slow"
            } else if p.stable() {
                "stable"
            } else {
                "saddle"
            };
            // The readout says which memory a point holds (flip-flop: its sign pattern); the
            // constant input is its number among the task's inputs.
            let readout: Vec<String> = p.readout.iter().map(|v| format!("{v:+.2}")).collect();
            let text = format!(
                "{} x{} y [{}] q {:.0e} |λ|max {:.3} unstable {} {kind}",
                if k == app.point_cursor { "▶" } else { " " },
                p.input_index,
                readout.join(" "),
                p.q,
                p.max_modulus,
                p.unstable
            );
            if k == app.point_cursor {
                Line::from(Span::styled(text, theme.selected()))
            } else {
                Line::from(text)
            }
        })
        .collect();
    // One point a line (cut, the wide view shows it whole); the empty list's reason wrapped.
    let list_text = if lines.is_empty() {
        Paragraph::new(Span::styled(no_points(app), theme.dim()))
            .wrap(ratatui::widgets::Wrap { trim: true })
    } else {
        Paragraph::new(lines)
    };
    frame.render_widget(list_text.block(titled(network, list.width, theme)), list);
    let eigenvalues: Vec<(f64, f64)> = s
        .points
        .get(app.point_cursor)
        .map(|p| p.eigenvalues.iter().map(|[re, im]| (*re, *im)).collect())
        .unwrap_or_default();
    let reach = eigenvalues
        .iter()
        .fold(1.2f64, |r, (x, y)| r.max(x.abs() * 1.1).max(y.abs() * 1.1));
    let canvas = Canvas::default()
        .block(titled(" eigenvalues, unit circle ", plane.width, theme))
        .marker(Marker::Braille)
        .x_bounds([-reach, reach])
        .y_bounds([-reach, reach])
        .paint(|ctx| {
            ctx.draw(&CanvasLine::new(-reach, 0.0, reach, 0.0, theme.border));
            ctx.draw(&CanvasLine::new(0.0, -reach, 0.0, reach, theme.border));
            ctx.draw(&Circle {
                x: 0.0,
                y: 0.0,
                radius: 1.0,
                color: theme.dim,
            });
            ctx.layer();
            ctx.draw(&Points {
                coords: &eigenvalues,
                color: theme.accent,
            });
        });
    frame.render_widget(canvas, plane);
}

/// Per cell, the mean count of points by unstable modes.
fn draw_counts(frame: &mut Frame, top: Rect, app: &App, theme: &Theme) {
    let s = &app.snapshot;
    let max = s.classes.iter().flat_map(|c| c.mean).fold(1.0f64, f64::max);
    let cell = |v: f64| {
        let bar = "█".repeat(((v / max) * 6.0).round() as usize);
        format!("{v:>5.1} {bar:<6}")
    };
    let table_rows: Vec<Row> = s
        .classes
        .iter()
        .map(|c| {
            Row::new(vec![
                Span::styled(
                    super::ellipsized(&c.group.to_string(), 14),
                    Style::default().fg(theme.arch(c.group.arch)),
                ),
                Span::raw(c.networks.to_string()),
                Span::raw(cell(c.mean[0])),
                Span::raw(cell(c.mean[1])),
                Span::raw(cell(c.mean[2])),
                Span::raw(cell(c.mean[3])),
            ])
        })
        .collect();
    let empty = table_rows.is_empty();
    frame.render_widget(
        Table::new(
            table_rows,
            [
                Constraint::Length(14),
                Constraint::Length(8),
                Constraint::Length(13),
                Constraint::Length(13),
                Constraint::Length(13),
                Constraint::Length(13),
            ],
        )
        .header(
            Row::new(vec![
                "cell",
                "networks",
                "stable",
                "1 unstable",
                "2 unstable",
                "3+",
            ])
            .style(theme.dim()),
        )
        .block(titled(
            if empty {
                " Fixed points per network: none analysed yet "
            } else {
                " Fixed points per network (mean), by unstable modes "
            },
            top.width,
            theme,
        )),
        top,
    );
}

/// Per cell, what its line attractors are like (medians over networks and contexts).
fn draw_lines(frame: &mut Frame, top: Rect, lines: &[(Group, &LineSummary)], theme: &Theme) {
    let rows: Vec<Row> = lines
        .iter()
        .map(|(group, l)| {
            Row::new(vec![
                Span::styled(
                    super::ellipsized(&group.to_string(), 14),
                    Style::default().fg(theme.arch(group.arch)),
                ),
                Span::raw(format!("{}/{}", l.line_attractors, l.contexts)),
                Span::raw(format!("{:.2}", l.tau_trials.median.min(999.0))),
                Span::raw(format!("{:.2}", l.coverage.median)),
                Span::raw(format!("{:.2}", l.straightness.median)),
                Span::raw(format!("{:.0}", l.modes_for_response.median)),
            ])
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(14),
                Constraint::Length(10),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Length(6),
            ],
        )
        .header(
            Row::new(vec![
                "cell",
                "attractor",
                "τ/T",
                "coverage",
                "straight",
                "modes",
            ])
            .style(theme.dim()),
        )
        .block(titled(
            " Line attractors per context (medians): slow time constant, extent, shape ",
            top.width,
            theme,
        )),
        top,
    );
}

/// Why the points list is empty: no network selected, or where the selected one stands.
fn no_points(app: &App) -> String {
    let Some((id, _, _)) = app.focused() else {
        return "no network selected: choose one in the Networks pane".into();
    };
    match app
        .snapshot
        .networks
        .iter()
        .find(|n| n.id == id)
        .map(|n| n.state)
    {
        Some(NetState::Analysed) => format!("#{id} was analysed: no fixed or slow point found"),
        Some(NetState::Diverged | NetState::Failed) => {
            format!("#{id} did not train: it has no fixed points")
        }
        Some(NetState::Trained) => {
            format!("#{id} is trained: its points are found next (`rnnlab analyze` finds them now)")
        }
        _ => format!("#{id}'s fixed points are found once it is trained"),
    }
}
