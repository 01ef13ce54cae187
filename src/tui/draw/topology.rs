//! The topology pane: per architecture × activation the share of networks with the ideal
//! scaffold (a task given as arrays: the population's most common one) and the distance to it; the selected network's scaffold (the same text as
//! `rnnlab topology --network`).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

use super::titled;
use crate::store::NetState;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let groups = app.snapshot.topology_groups.as_ref();
    // What scaffolds are measured against: the task's ideal, or the population's most common.
    let reference = groups.map_or("ideal", |g| g.task.reference_scaffold());
    let n = groups.map_or(0, |g| g.groups.len()) as u16;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(n.clamp(1, 8) + 4), Constraint::Min(5)]).areas(area);
    let rows: Vec<Row> = groups
        .map(|g| {
            g.groups
                .iter()
                .map(|r| {
                    let bar = "█".repeat((r.share_ideal * 10.0).round() as usize);
                    Row::new(vec![
                        Span::styled(
                            super::ellipsized(&format!("{}/{}", r.arch, r.activation), 14),
                            Style::default().fg(theme.arch(r.arch)),
                        ),
                        Span::raw(format!("{}", r.networks)),
                        Span::raw(format!("{:>3.0}% {bar:<10}", 100.0 * r.share_ideal)),
                        Span::raw(format!(
                            "{:.2} / {:.2} / {:.2}",
                            r.distance_to_ideal.mean,
                            r.distance_to_ideal.median,
                            r.distance_to_ideal.max
                        )),
                        Span::raw(format!("{:.2}", r.distance_within.mean)),
                    ])
                })
                .collect()
        })
        .unwrap_or_default();
    let footer = groups
        .filter(|g| g.distance_same_arch.count + g.distance_other_arch.count > 0)
        .map_or(String::new(), |g| {
            format!(
                " same cell {:.2} · other cells {:.2} (mean topology distance) ",
                g.distance_same_arch.mean, g.distance_other_arch.mean
            )
        });
    let empty = rows.is_empty();
    // The same population rule as `rnnlab topology --experiment` and the report, said here.
    let left_out = groups
        .map(|g| &g.exclusion)
        .filter(|e| !e.excluded.is_empty())
        .map(|e| {
            let who: Vec<String> = e
                .excluded
                .iter()
                .map(|x| format!("#{} {}", x.network, x.group))
                .collect();
            format!(
                " {} of {} networks left out (not trained to the task): {} ",
                e.excluded.len(),
                e.total,
                who.join(", ")
            )
        });
    frame.render_widget(
        Table::new(
            rows,
            [
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Length(16),
                Constraint::Length(22),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(vec![
                "cell".to_string(),
                "networks".to_string(),
                reference.to_string(),
                format!("to {reference} mean/med/max"),
                "within".to_string(),
            ])
            .style(theme.dim()),
        )
        .block({
            let block = titled(" Scaffolds by cell ", top.width, theme)
                .title_bottom(Span::styled(footer, theme.dim()));
            match &left_out {
                Some(note) => block.title_top(
                    ratatui::text::Line::from(Span::styled(
                        super::ellipsized(note, usize::from(top.width) / 2),
                        theme.state(NetState::Diverged),
                    ))
                    .right_aligned(),
                ),
                None => block,
            }
        }),
        top,
    );
    if empty {
        let inner = top.inner(ratatui::layout::Margin::new(1, 2));
        frame.render_widget(
            Paragraph::new(Span::styled(
                "no scaffolds yet: each network's is found after its training",
                theme.dim(),
            )),
            inner,
        );
    }
    let text = app.snapshot.scaffold.clone().unwrap_or_else(|| {
        "The selected network (Networks pane) has no scaffold yet:\nit is found after training."
            .into()
    });
    let lines: Vec<Line> = text
        .lines()
        .skip(app.scroll)
        .map(|l| Line::from(l.to_string()))
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(titled(
            " Scaffold of the selected network (j/k scroll) ",
            bottom.width,
            theme,
        )),
        bottom,
    );
}
