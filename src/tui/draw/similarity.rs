//! The similarity pane: the experiment's distance matrix for the chosen metric as a heat map
//! grouped by architecture × activation (blocks averaged when the population outgrows the
//! screen), the MDS map coloured by cell or activation (letters carry the group without
//! colour), and every metric's separability scores side by side.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use ratatui::Frame;

use super::titled;
use crate::lab::compare::MapPoint;
use crate::net::{Activation, Arch};
use crate::tui::app::App;
use crate::tui::heatmap::heat_map;
use crate::tui::theme::Theme;

/// Sequential colours, low to high (256-colour indices: dark blue to yellow).
const RAMP: [u8; 10] = [17, 18, 25, 31, 37, 72, 107, 143, 185, 227];
/// The same without colour.
const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];

fn shade(t: f64, theme: &Theme) -> Span<'static> {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    if theme.monochrome {
        let c = SHADES[(t * (SHADES.len() - 1) as f64).round() as usize];
        Span::raw(format!("{c}{c}"))
    } else {
        let c = RAMP[(t * (RAMP.len() - 1) as f64).round() as usize];
        Span::styled("██", Style::default().fg(Color::Indexed(c)))
    }
}

/// The letter and colour a point is drawn with.
fn marker(p: &MapPoint, by_activation: bool, theme: &Theme) -> (char, Style) {
    if by_activation {
        activation_mark(p.activation, theme)
    } else {
        (p.arch.letter(), Style::default().fg(theme.arch(p.arch)))
    }
}

/// The letter and colour of a point drawn by its activation.
fn activation_mark(activation: Activation, theme: &Theme) -> (char, Style) {
    let (c, k) = match activation {
        Activation::Tanh => ('t', 2),
        Activation::Relu => ('r', 4),
    };
    (c, Style::default().fg(theme.states[k]))
}

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    // No matrix, or one without pairs yet (a sweep still running): say what is coming, not an
    // empty range.
    let Some(similarity) = app
        .snapshot
        .similarity
        .as_ref()
        .filter(|s| s.0.map.len() >= 2)
    else {
        frame.render_widget(
            Paragraph::new(
                "No pairs yet: they are computed when the sweep ends; `rnnlab compare` computes \
                 them now.",
            )
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(titled(
                format!(" Similarity: {} ", app.metric.name()),
                area.width,
                theme,
            )),
            area,
        );
        return;
    };
    let (comparison, d) = &**similarity;
    let scores_height = comparison.scores.len() as u16 + 3;
    let [top, bottom] =
        Layout::vertical([Constraint::Min(8), Constraint::Length(scores_height)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);

    // Heat map, networks grouped (the map's rows carry arch and activation).
    let map = &comparison.map;
    let group = |k: usize| map[k].group().to_string();
    let cells =
        ((left.width as usize).saturating_sub(14) / 2).min(left.height.saturating_sub(3) as usize);
    let remembered = app
        .heat_memo
        .borrow()
        .as_ref()
        .filter(|(c, k, _)| std::sync::Arc::ptr_eq(c, similarity) && *k == cells)
        .map(|(_, _, heat)| std::sync::Arc::clone(heat));
    let heat = remembered.unwrap_or_else(|| {
        let mut order: Vec<usize> = (0..map.len()).collect();
        order.sort_by(|&a, &b| {
            group(a)
                .cmp(&group(b))
                .then(map[a].network.cmp(&map[b].network))
        });
        let heat = std::sync::Arc::new(heat_map(d, &order, cells));
        *app.heat_memo.borrow_mut() = Some((
            std::sync::Arc::clone(similarity),
            cells,
            std::sync::Arc::clone(&heat),
        ));
        heat
    });
    let (lo, hi) = heat.range;
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut lines: Vec<Line> = Vec::new();
    let mut last_group = String::new();
    for (a, members) in heat.blocks.iter().enumerate() {
        let g = members.first().map(|&k| group(k)).unwrap_or_default();
        let label = if g != last_group {
            g.clone()
        } else {
            String::new()
        };
        last_group = g;
        let mut spans = vec![Span::styled(
            format!("{:<12}", super::ellipsized(&label, 12)),
            theme.dim(),
        )];
        for mean in &heat.means[a] {
            spans.push(match mean {
                Some(m) => shade((m - lo) / span, theme),
                None => Span::raw("  "),
            });
        }
        lines.push(Line::from(spans));
    }
    let per_block = map.len().div_ceil(heat.blocks.len().max(1));
    let title = format!(
        " {} · {} networks{} · {:.3}–{:.3} ",
        comparison.metric,
        map.len(),
        if per_block > 1 {
            format!(", blocks of ~{per_block} averaged")
        } else {
            String::new()
        },
        lo,
        hi
    );
    // The colour scale, with the values at its ends, in the bottom border: the title's range
    // is cut first on a narrow screen.
    let mut scale = vec![Span::styled(format!(" {lo:.3} "), theme.dim())];
    scale.extend((0..RAMP.len()).map(|k| shade(k as f64 / (RAMP.len() - 1) as f64, theme)));
    scale.push(Span::styled(format!(" {hi:.3} "), theme.dim()));
    frame.render_widget(
        Paragraph::new(lines).block(
            titled(title, left.width, theme).title_bottom(Line::from(scale).right_aligned()),
        ),
        left,
    );

    // MDS map as a grid of letters.
    let inner = titled(String::new(), right.width, theme).inner(right);
    let (w, h) = (
        inner.width as usize,
        inner.height.saturating_sub(1) as usize,
    );
    let mut grid: Vec<Vec<Option<(char, Style)>>> = vec![vec![None; w]; h];
    let mut coincide = false;
    if !map.is_empty() && w > 0 && h > 0 {
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        let marks = &app.snapshot.recordings;
        for (x, y) in map
            .iter()
            .map(|p| (p.x, p.y))
            .chain(marks.iter().map(|m| (m.x, m.y)))
        {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let cell = |v: f64, lo: f64, hi: f64, n: usize| -> usize {
            if hi > lo {
                (((v - lo) / (hi - lo)) * (n - 1) as f64).round() as usize
            } else {
                n / 2
            }
        };
        let at = |p: &crate::lab::compare::MapPoint| {
            (cell(p.x, x0, x1, w), h - 1 - cell(p.y, y0, y1, h))
        };
        // Networks that fall on one cell (identical scaffolds coincide under topology) show
        // how many they are, in the first one's style, instead of hiding each other.
        let mut count = vec![vec![0usize; w]; h];
        for p in map.iter() {
            let (col, row) = at(p);
            count[row][col] += 1;
            coincide |= count[row][col] > 1;
            grid[row][col] = match (count[row][col], grid[row][col]) {
                (1, _) => Some(marker(p, app.by_activation, theme)),
                (n, Some((_, style))) => {
                    Some((char::from_digit(n as u32, 10).unwrap_or('+'), style))
                }
                (_, None) => Some(marker(p, app.by_activation, theme)),
            };
        }
        // Recordings (`rnnlab data add`) as stars.
        for m in marks {
            let (col, row) = (cell(m.x, x0, x1, w), h - 1 - cell(m.y, y0, y1, h));
            grid[row][col] = Some(('*', theme.accent()));
        }
        // The selected network last, so no other one drawn on the same cell hides it.
        if let Some(p) = map.get(app.map_cursor) {
            let (col, row) = at(p);
            grid[row][col] = Some(('@', theme.selected()));
        }
    }
    let mut map_lines: Vec<Line> = grid
        .into_iter()
        .map(|row| {
            Line::from(
                row.into_iter()
                    .map(|c| match c {
                        Some((ch, style)) => Span::styled(ch.to_string(), style),
                        None => Span::raw(" "),
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let mut legend: Vec<Span> = Vec::new();
    let groups: Vec<(char, Style, &str)> = if app.by_activation {
        Activation::ALL
            .into_iter()
            .map(|a| {
                let (c, style) = activation_mark(a, theme);
                (c, style, a.name())
            })
            .collect()
    } else {
        // The cells the map has (not the ones it lacks).
        Arch::ALL
            .into_iter()
            .filter(|a| map.iter().any(|p| p.arch == *a))
            .map(|a| (a.letter(), Style::default().fg(theme.arch(a)), a.name()))
            .collect()
    };
    for (c, style, name) in groups {
        legend.push(Span::styled(format!("{c} {name}  "), style));
    }

    for m in &app.snapshot.recordings {
        let nearest = m
            .nearest
            .map_or(String::new(), |id| format!(" (nearest #{id})"));
        legend.push(Span::styled(
            format!("* {}{nearest}  ", m.name),
            theme.accent(),
        ));
    }
    // The network under `@` in the bottom border, where a narrow screen does not cut it.
    let selected = map.get(app.map_cursor).map_or(String::new(), |p| {
        format!(
            " @ #{} {} {} · Enter opens ",
            p.network, p.arch, p.activation
        )
    });
    // Said only where it fits whole (a lone "2" would be a riddle); the wide view has room.
    const COINCIDE: &str = "2-9 networks on a spot";
    let used: usize = legend.iter().map(|s| s.content.chars().count()).sum();
    if coincide && used + COINCIDE.len() <= usize::from(inner.width) {
        legend.push(Span::styled(COINCIDE, theme.dim()));
    }
    map_lines.push(Line::from(legend));
    frame.render_widget(
        Paragraph::new(map_lines).block(
            titled(
                format!(
                    " MDS map · stress {:.2} · c colours · m metric ",
                    comparison.stress
                ),
                right.width,
                theme,
            )
            .title_bottom(Span::styled(
                super::ellipsized(&selected, usize::from(right.width.saturating_sub(2))),
                theme.dim(),
            )),
        ),
        right,
    );

    let rows: Vec<Row> = comparison
        .scores
        .iter()
        .map(|s| {
            let row = Row::new(s.cells());
            if s.metric == comparison.metric {
                row.style(theme.accent())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(
            rows,
            [
                // "dsa-spectral", the longest metric name.
                Constraint::Length(12),
                Constraint::Length(8),
                Constraint::Length(12),
                Constraint::Length(12),
                Constraint::Length(12),
                Constraint::Length(12),
            ],
        )
        .header(
            Row::new(vec![
                "metric",
                "networks",
                "cell sil. p",
                "cell kNN p",
                "act. sil. p",
                "act. kNN p",
            ])
            .style(theme.dim()),
        )
        .block(titled(
            " Separability of the labels: geometry should split cells, topology should not ",
            bottom.width,
            theme,
        )),
        bottom,
    );
}
