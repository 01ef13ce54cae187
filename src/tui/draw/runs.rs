//! The runs pane: every experiment with its progress by state, throughput and ETA; the live
//! workers with their heartbeat and what they hold.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::{duration, titled};
use crate::lab::MISSING;
use crate::store::NetState;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// A bar of `width` cells split by the counts of each state (coloured; letters without colour).
fn progress<'a>(states: &[(NetState, i64)], width: usize, theme: &Theme) -> Vec<Span<'a>> {
    let total: i64 = states.iter().map(|s| s.1).sum();
    if total == 0 || width == 0 {
        return vec![Span::raw(" ".repeat(width))];
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (k, &(state, count)) in states.iter().enumerate() {
        // Largest-remainder would be fairer; cumulative rounding keeps the bar exactly `width`.
        let end = ((states[..=k].iter().map(|s| s.1).sum::<i64>() as f64 / total as f64)
            * width as f64)
            .round() as usize;
        let cells = end.saturating_sub(used);
        used = end.max(used);
        if cells > 0 && count > 0 {
            let mark = if theme.monochrome {
                state.letter().to_string()
            } else {
                "█".into()
            };
            spans.push(Span::styled(mark.repeat(cells), theme.state(state)));
        }
    }
    spans
}

/// One line on the selected experiment's Slurm array tasks: by state, their nodes, the networks
/// their results hold, and how many the submissions still hold.
fn slurm_line<'a>(slurm: &crate::lab::slurm::SlurmStatus, theme: &Theme) -> Line<'a> {
    let mut states: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut nodes: std::collections::BTreeSet<&str> = Default::default();
    for t in &slurm.tasks {
        *states.entry(t.state.as_str()).or_default() += 1;
        if !t.node.is_empty() && t.state == "RUNNING" {
            nodes.insert(t.node.as_str());
        }
    }
    let (done, all): (usize, usize) = slurm
        .tasks
        .iter()
        .fold((0, 0), |(d, a), t| (d + t.done, a + t.networks));
    let states: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    let mut text = format!(
        "    Slurm: {} tasks ({}), {done}/{all} published, {} to merge",
        slurm.tasks.len(),
        states.join(", "),
        slurm.held
    );
    if !nodes.is_empty() {
        text += &format!(", on {}", nodes.into_iter().collect::<Vec<_>>().join(" "));
    }
    if let Some(eta) = slurm.eta_seconds() {
        text += &format!(", ETA {}", duration(eta));
    }
    if !slurm.rejected.is_empty() {
        text += &format!(
            ", {} result file(s) refused (`rnnlab slurm status` says why)",
            slurm.rejected.len()
        );
    }
    Line::from(Span::styled(text, theme.accent()))
}

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let workers = app.snapshot.workers.len();
    let [top, bottom] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length((workers as u16 + 3).clamp(4, 10)),
    ])
    .areas(area);
    let block = titled(" Experiments ", top.width, theme);
    let inner = block.inner(top);
    frame.render_widget(block, top);
    let mut lines = Vec::new();
    if app.snapshot.experiments.is_empty() {
        lines.push(Line::from(if app.db.exists() {
            "The notebook is empty.".to_string()
        } else {
            format!("No notebook at {} yet.", app.db.display())
        }));
        lines.push(Line::from(Span::styled(
            "Press n to launch one of the built-in experiments (quickstart: 20 flip-flop networks, about three minutes on 2 cores).",
            theme.dim(),
        )));
    }
    // The rest of the line takes 66 cells at most (name, task, counts, rate, ETA).
    let bar = (inner.width as usize).saturating_sub(66).clamp(8, 60);
    for (k, e) in app.snapshot.experiments.iter().enumerate() {
        let total: i64 = e.states.iter().map(|s| s.1).sum();
        let open: i64 = e.states.iter().filter(|s| s.0.is_open()).map(|s| s.1).sum();
        let done = total - open;
        // An ETA only while someone works on it (a stopped run keeps its recent throughput).
        let worked_on = app
            .snapshot
            .workers
            .iter()
            .any(|w| w.holding.iter().any(|h| h.1 == e.experiment));
        let eta = if e.per_hour > 0.0 && open > 0 && worked_on {
            duration(open as f64 / e.per_hour * 3600.0)
        } else {
            MISSING.into()
        };
        let selected = k == app.experiment;
        let name_style = if selected {
            theme.selected()
        } else {
            theme.text()
        };
        let mut spans = vec![
            Span::styled(if selected { "▶ " } else { "  " }, theme.accent()),
            Span::styled(
                format!("{:<14}", super::ellipsized(&e.experiment, 14)),
                name_style,
            ),
            Span::styled(format!(" {:<11.11} ", e.task), theme.dim()),
        ];
        spans.extend(progress(&e.states, bar, theme));
        spans.push(Span::raw(format!(
            " {done:>6}/{total:<6} {:>7} ETA {eta}",
            if e.per_hour > 0.0 {
                format!("{:.0}/h", e.per_hour)
            } else {
                format!("{MISSING}/h")
            }
        )));
        lines.push(Line::from(spans));
        let counts: Vec<Span> = e
            .states
            .iter()
            .filter(|s| s.1 > 0)
            .map(|&(s, n)| {
                // Without colour, the bar's letters need their legend.
                let letter = if theme.monochrome {
                    format!("{} ", s.letter())
                } else {
                    String::new()
                };
                Span::styled(format!("{letter}{n} {s}  "), theme.state(s))
            })
            .collect();
        let mut detail = vec![Span::raw("    ")];
        detail.extend(counts);
        lines.push(Line::from(detail));
        if let (true, Some(slurm)) = (selected, &app.snapshot.slurm) {
            lines.push(slurm_line(slurm, theme));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);

    let rows: Vec<Row> = app
        .snapshot
        .workers
        .iter()
        .map(|w| {
            let holding: Vec<String> = w
                .holding
                .iter()
                .map(|(id, exp)| format!("#{id} {exp}"))
                .collect();
            // Host and held networks are cut with an ellipsis, not silently.
            let holding_width = usize::from(bottom.width).saturating_sub(16 + 8 + 10 + 5);
            Row::new(vec![
                super::ellipsized(&w.row.host, 16),
                w.row.pid.to_string(),
                duration(w.age.max(0.0)),
                super::ellipsized(&holding.join(", "), holding_width),
            ])
            .style(if w.age > crate::store::lease_seconds() {
                theme.state(NetState::Failed)
            } else {
                theme.text()
            })
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Min(10),
        ],
    )
    .header(Row::new(vec!["host", "pid", "heartbeat", "holding"]).style(theme.dim()))
    .block(titled(
        if empty {
            " Workers: none running "
        } else {
            " Workers "
        },
        bottom.width,
        theme,
    ));
    frame.render_widget(table, bottom);
}
