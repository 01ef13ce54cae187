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
        // Wide views draw themselves (see `wide`).
        Overlay::Wide { .. } => return,
        Overlay::Help(first) => {
            // One column, each help whole; scrolled when the screen is shorter than the keymap.
            let fits = KEYMAP.len() + 2 <= area.height as usize;
            let first = if fits { 0 } else { *first };
            let lines = KEYMAP[first.min(KEYMAP.len())..]
                .iter()
                .map(|b| {
                    Line::from(vec![
                        Span::styled(format!("{:>7}  ", b.keys), theme.accent()),
                        Span::raw(b.help),
                    ])
                })
                .collect();
            let title = if fits {
                " Keys (Esc closes) "
            } else {
                " Keys (j/k scroll, Esc closes) "
            };
            (title, lines)
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
    // A keymap longer than the screen: its last visible line says more follow.
    let more = matches!(app.overlay, Overlay::Help(_)) && lines.len() + 2 > rect.height as usize;
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.accent())
                .title(Span::styled(title, theme.accent()))
                .title_bottom(Span::styled(
                    if more { " ↓ more " } else { "" },
                    theme.dim(),
                )),
        ),
        rect,
    );
}
