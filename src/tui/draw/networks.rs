//! The networks pane: one experiment's networks, a page at a time from SQL, sorted and
//! filtered there; the selected network's details below.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{duration, titled};
use crate::lab::MISSING;
use crate::store::NetState;
use crate::store::NetworkRow;
use crate::tui::app::{App, SORT_COLUMNS};
use crate::tui::theme::Theme;

fn num(v: Option<f64>) -> String {
    v.map_or(MISSING.into(), |v| format!("{v:.2e}"))
}

/// A training network's progress from its live curve: step, share of its steps, ETA.
fn in_flight(n: &NetworkRow) -> Option<String> {
    let run = n.steps_run.filter(|&s| s > 0)? as f64;
    let seconds = n.train_seconds?;
    let total = serde_json::from_str::<serde_json::Value>(&n.config)
        .ok()?
        .get("steps")?
        .as_f64()?;
    let left = (total - run).max(0.0) * seconds / run;
    Some(format!(
        "training: step {run:.0} of {total:.0} ({:.0} %), {} so far, at most {} left (it stops \
         sooner at its target loss)",
        100.0 * run / total.max(1.0),
        duration(seconds),
        duration(left)
    ))
}

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let [table_area, details_area] =
        Layout::vertical([Constraint::Min(5), Constraint::Length(7)]).areas(area);
    let s = &app.snapshot;
    let name = app.experiment_name().unwrap_or("no experiment");
    let first = if s.total > 0 { app.offset + 1 } else { 0 };
    let last = (app.offset + s.networks.len()).min(s.total.max(0) as usize);
    let order = if app.descending { "↓" } else { "↑" };
    let mut title = if s.filter_error.is_some() {
        // Not "0–0 of 0": nothing was asked, the filter did not parse.
        format!(" {name}: the filter does not parse ")
    } else {
        format!(
            " {name}: {first}–{last} of {} · sort {} {order} ",
            s.total, SORT_COLUMNS[app.sort]
        )
    };
    if let Some(f) = &app.filter {
        title.push_str(&format!("· where {f} "));
    }
    // A wide terminal shows more: L2, steps, back-offs, the scaffold and pseudo points.
    let wide = table_area.width >= 120;
    let mut names = vec![
        "", "id", "arch", "f", "N", "seed", "state", "loss", "score", "secs", "fp/st",
    ];
    // What a scaffold is measured against: the task's ideal, or the population's most common.
    let reference = s
        .topology_groups
        .as_ref()
        .map_or("ideal", |g| g.task.reference_scaffold());
    let scaffold_header = format!("from {reference}");
    if wide {
        names.extend(["l2", "steps", "backoffs", &scaffold_header, "pseudo"]);
    }
    let header = Row::new(names).style(theme.dim());
    // Framework cells (gru-torch, lstm-torch) are wider than the study's four.
    let arch_width = s
        .networks
        .iter()
        .map(|n| n.arch.name().len())
        .max()
        .unwrap_or(0)
        .max(8);
    let rows: Vec<Row> = s
        .networks
        .iter()
        .enumerate()
        .map(|(k, n)| {
            let marked = app.marked.contains(&n.id);
            let mut cells = vec![
                Span::raw(match (k == app.cursor, marked) {
                    (true, _) => "▶",
                    (false, true) => "•",
                    _ => " ",
                }),
                Span::raw(n.id.to_string()),
                Span::styled(
                    n.arch.name(),
                    ratatui::style::Style::default().fg(theme.arch(n.arch)),
                ),
                Span::raw(n.activation.name()),
                Span::raw(n.units.to_string()),
                // An imported network's seed is a 16-digit weights fingerprint.
                Span::raw(super::ellipsized(&n.seed.to_string(), 5)),
                Span::styled(n.state.name(), theme.state(n.state)),
                Span::raw(num(n.final_loss)),
                Span::raw(n.score.map_or(MISSING.into(), |v| format!("{v:.4}"))),
                Span::raw(
                    n.train_seconds
                        .map_or(MISSING.into(), |v| format!("{v:.1}")),
                ),
                Span::raw(match (n.fixed_points, n.stable_points) {
                    (Some(a), Some(b)) => format!("{a}/{b}"),
                    _ => MISSING.into(),
                }),
            ];
            if wide {
                let dash = || MISSING.to_string();
                cells.extend([
                    Span::raw(format!("{:.0e}", n.l2)),
                    Span::raw(n.steps_run.map_or_else(dash, |v| v.to_string())),
                    Span::raw(n.backoffs.map_or_else(dash, |v| v.to_string())),
                    // The scaffold's distance from the reference, 0 when it is the one.
                    Span::raw(match (n.ideal_scaffold, n.scaffold_distance) {
                        (Some(true), _) => format!("0 ({reference})"),
                        (_, Some(d)) => format!("{d:.0}"),
                        _ => dash(),
                    }),
                    Span::raw(n.pseudo_points.map_or_else(dash, |v| v.to_string())),
                ]);
            }
            let row = Row::new(cells);
            if k == app.cursor {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let block = titled(title, table_area.width, theme);
    if let Some(e) = &s.filter_error {
        // The whole error, wrapped, where the rows would be: it may be longer than a border.
        frame.render_widget(
            ratatui::widgets::Paragraph::new(vec![
                ratatui::text::Line::from(Span::styled(e.clone(), theme.state(NetState::Failed))),
                ratatui::text::Line::from(Span::styled(
                    "/ types a new filter, Esc clears it",
                    theme.dim(),
                )),
            ])
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(block),
            table_area,
        );
        draw_details(frame, details_area, app.selected(), theme);
        return;
    }
    if rows.is_empty() {
        // Nothing to list: say why, and how to get something.
        let why = if app.snapshot.request.filter.is_some() {
            "no network matches the filter: / types another, Esc clears it"
        } else if app.snapshot.experiments.is_empty() {
            "no networks yet: n in the Runs pane launches an experiment"
        } else {
            "no networks in this experiment"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(why, theme.dim()))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(block),
            table_area,
        );
        draw_details(frame, details_area, None, theme);
        return;
    }
    let table = Table::new(
        rows,
        [
            // At 80 columns, 78 inside the border: 68 of cells and 10 of gaps with a 10-wide
            // cell name.
            Constraint::Length(1),
            Constraint::Length(6),
            Constraint::Length(arch_width as u16),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(7),
            Constraint::Length(7),
            // The last column takes what is left: on a wide screen the extra columns follow
            // fp/st instead of sitting past the gap.
            if wide {
                Constraint::Length(6)
            } else {
                Constraint::Min(6)
            },
        ]
        .into_iter()
        .chain(
            [6, 6, 8, scaffold_header.chars().count() as u16, 6]
                .map(Constraint::Length)
                .into_iter()
                .filter(|_| wide),
        ),
    )
    .header(header)
    .block(block);
    frame.render_widget(table, table_area);
    draw_details(frame, details_area, app.selected(), theme);
}

fn draw_details(frame: &mut Frame, area: Rect, network: Option<&NetworkRow>, theme: &Theme) {
    let block = titled(" Details ", area.width, theme);
    let Some(n) = network else {
        frame.render_widget(Paragraph::new("no network selected").block(block), area);
        return;
    };
    let config: String = serde_json::from_str::<serde_json::Value>(&n.config)
        .ok()
        .and_then(|v| {
            v.as_object().map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        })
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{} ", n.id), theme.accent()),
            Span::raw(format!(
                "{} {} N={} l2={:e} seed {} · {} · {} steps · loss {} · score {} · trained in {} · fixed points {}",
                n.arch,
                n.activation,
                n.units,
                n.l2,
                n.seed,
                n.role,
                n.steps_run.map_or(MISSING.into(), |s| s.to_string()),
                num(n.final_loss),
                n.score.map_or(MISSING.into(), |v| format!("{v:.4}")),
                n.train_seconds.map_or(MISSING.into(), duration),
                match (n.fixed_points, n.stable_points) {
                    (Some(a), Some(b)) => format!(
                        "{a} ({b} stable), {} slow, {} pseudo",
                        n.slow_points.map_or(MISSING.into(), |v| v.to_string()),
                        n.pseudo_points.map_or(MISSING.into(), |v| v.to_string())
                    ),
                    _ => MISSING.into(),
                },
            )),
        ]),
        Line::from(Span::styled(config, theme.dim())),
    ];
    if n.state == crate::store::NetState::Training {
        if let Some(line) = in_flight(n) {
            lines.insert(
                1,
                Line::from(Span::styled(line, theme.state(NetState::Training))),
            );
        }
    }
    if let Some(r) = &n.reason {
        lines.push(Line::from(Span::styled(
            format!("reason: {r}"),
            theme.state(NetState::Failed),
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        area,
    );
}
