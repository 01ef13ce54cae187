//! Overlays: the help (generated from the keymap), the launch picker, the stop confirmation.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::lab::MISSING;
use crate::tui::app::{App, Overlay};
use crate::tui::keymap::KEYMAP;
use crate::tui::theme::Theme;

fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let (w, h) = (width.min(area.width), height.min(area.height));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Draws the overlay, if any.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (title, lines): (&str, Vec<Line>) = match &app.overlay {
        Overlay::None => return,
        Overlay::Help => {
            // A help text in `width` cells (cut with an ellipsis), or as it is with width 0.
            let entry = |b: &crate::tui::keymap::Binding, width: usize| {
                let help = if width > 0 {
                    format!("{:<width$}", super::ellipsized(b.help, width))
                } else {
                    b.help.to_string()
                };
                vec![
                    Span::styled(format!("{:>7}  ", b.keys), theme.accent()),
                    Span::raw(help),
                ]
            };
            // Two columns when one does not fit the screen's height (80×24 included).
            let lines = if KEYMAP.len() + 2 <= area.height as usize {
                KEYMAP.iter().map(|b| Line::from(entry(b, 0))).collect()
            } else {
                let half = KEYMAP.len().div_ceil(2);
                // Each column: 9 cells of keys and its help, in the screen less the borders.
                let width = ((area.width as usize).saturating_sub(4 + 2 * 9 + 1) / 2).max(8);
                (0..half)
                    .map(|k| {
                        let mut spans = entry(&KEYMAP[k], width);
                        if let Some(b) = KEYMAP.get(half + k) {
                            spans.extend(entry(b, width));
                        }
                        Line::from(spans)
                    })
                    .collect()
            };
            (" Keys (Esc closes) ", lines)
        }
        Overlay::Launch(selected) => (
            " Launch (Enter runs it in the background, Esc cancels) ",
            app.files
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let size = match app.launch_sizes.get(k).copied() {
                        Some(Some(n)) if n > crate::tui::app::LARGE_LAUNCH => {
                            format!(" · {n} networks: a cluster's work, Enter twice")
                        }
                        Some(Some(n)) => format!(" · {n} networks"),
                        Some(None) => " · does not parse".into(),
                        None => String::new(),
                    };
                    let room = usize::from(area.width).saturating_sub(8 + size.chars().count());
                    let text = format!(
                        " {}{size} ",
                        super::ellipsized(&f.display().to_string(), room)
                    );
                    if k == *selected {
                        Line::from(Span::styled(format!("▶{text}"), theme.selected()))
                    } else {
                        Line::from(format!(" {text}"))
                    }
                })
                .collect(),
        ),
        Overlay::SlurmSubmit(form) => {
            let file = app.files.get(form.file).map_or(MISSING.into(), |f| {
                super::ellipsized(&f.display().to_string(), usize::from(area.width) / 2)
            });
            let field = |k: usize, name: &str, value: &str, hint: &str| {
                let style = if form.focus == k {
                    theme.selected()
                } else {
                    theme.text()
                };
                Line::from(vec![
                    Span::raw(format!("{name:<18}")),
                    Span::styled(format!("{value:<16}"), style),
                    Span::styled(format!(" {hint}"), theme.dim()),
                ])
            };
            (
                " Submit to Slurm (Enter submits, Esc cancels) ",
                vec![
                    Line::from(vec![
                        Span::raw(format!("{:<18}", "experiment ←/→")),
                        Span::styled(file, theme.accent()),
                    ]),
                    field(0, "partition", &form.partition, "empty: the default"),
                    field(1, "time", &form.time, "e.g. 2:00:00"),
                    field(2, "networks per task", &form.per_task, ""),
                    Line::from(Span::styled(
                        "Tab moves between fields; results come in while this notebook is open",
                        theme.dim(),
                    )),
                ],
            )
        }
        Overlay::ConfirmStop(name) => (
            " Stop ",
            vec![
                Line::from(format!("Stop the run of '{name}'?")),
                Line::from("Its workers get SIGTERM: networks in flight go back to planned,"),
                Line::from("and a later `rnnlab run` continues where it stopped."),
                Line::from(Span::styled(
                    "Enter stops · any other key cancels",
                    theme.dim(),
                )),
            ],
        ),
    };
    let width = lines
        .iter()
        .map(|l| l.width() as u16)
        .max()
        .unwrap_or(20)
        .max(title.len() as u16)
        + 4;
    let rect = centred(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.accent())
                .title(Span::styled(title, theme.accent())),
        ),
        rect,
    );
}
