//! The curves pane: the selected and marked networks' loss curves (log10 loss by step) over the
//! per-architecture median and interquartile band of the experiment.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

use super::titled;
use crate::store::NetState;
use crate::tui::app::App;
use crate::tui::theme::Theme;

/// One line of the chart: legend name (empty: not in the legend), points, style, marker.
type Series = (String, Vec<(f64, f64)>, Style, Marker);

/// The networks' curves, told apart without colour too: the selected one in braille, the
/// marked ones in these, each named with its symbol in the legend.
const NETWORK_MARKERS: [(Marker, &str); 4] = [
    (Marker::Braille, "⠿"),
    (Marker::Dot, "•"),
    (Marker::Block, "█"),
    (Marker::Bar, "▄"),
];

/// Draws the pane.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let s = &app.snapshot;
    let shown = app
        .selected()
        .map(|n| format!(" · #{} {}/{}", n.id, n.arch, n.activation))
        .unwrap_or_default();
    let mut block = titled(
        format!(
            " {}: loss by step{shown} · per cell median, quartiles dim · Space marks ",
            app.experiment_name().unwrap_or("no experiment")
        ),
        area.width,
        theme,
    );
    let mut series: Vec<Series> = Vec::new();
    for b in &s.bands {
        let colour = Style::default().fg(theme.arch(b.arch));
        let pick =
            |f: fn(&(f64, f64, f64, f64)) -> f64| b.points.iter().map(|p| (p.0, f(p))).collect();
        series.push((
            format!("{} median ({})", b.arch, b.curves),
            pick(|p| p.2),
            colour,
            Marker::Braille,
        ));
        let dim = colour.add_modifier(Modifier::DIM);
        series.push((String::new(), pick(|p| p.1), dim, Marker::Braille));
        series.push((String::new(), pick(|p| p.3), dim, Marker::Braille));
    }
    for (k, (id, arch, steps, losses)) in s.curves.iter().enumerate() {
        let points: Vec<(f64, f64)> = steps
            .iter()
            .zip(losses)
            .map(|(&st, &l)| (st as f64, (l.max(f32::MIN_POSITIVE) as f64).log10()))
            .collect();
        let style = Style::default()
            .fg(theme.arch(*arch))
            .add_modifier(Modifier::BOLD);
        let (marker, symbol) = NETWORK_MARKERS[k % NETWORK_MARKERS.len()];
        series.push((format!("#{id} {symbol}"), points, style, marker));
    }
    let all = series.iter().flat_map(|s| s.1.iter());
    let (mut x_max, mut y_min, mut y_max) = (1.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in all {
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if !y_min.is_finite() {
        frame.render_widget(
            Paragraph::new("no curves yet: a network stores its curve every 2 s while it trains")
                .block(block),
            area,
        );
        return;
    }
    // Robust limits: a network that blew up early would stretch the axis to 1e4; above the
    // highest median (and the marked curves' own last values) by one decade is enough.
    let typical = s
        .bands
        .iter()
        .flat_map(|b| b.points.iter().map(|p| p.2))
        .chain(s.curves.iter().filter_map(|c| {
            c.3.last()
                .map(|l| (l.max(f32::MIN_POSITIVE) as f64).log10())
        }))
        .fold(f64::NEG_INFINITY, f64::max);
    let y_max = if typical.is_finite() {
        y_max.min(typical + 1.0)
    } else {
        y_max
    };
    let (y_lo, y_hi) = (y_min.floor(), y_max.ceil().max(y_min.floor() + 1.0));
    // What the robust limit cuts off is said, with each network's peak: a blow-up is never
    // hidden (the saved figure draws the full range).
    let clipped: Vec<String> = series
        .iter()
        .filter(|(name, ..)| name.starts_with('#'))
        .filter_map(|(name, points, ..)| {
            let peak = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
            let id = name.split(' ').next().unwrap_or(name);
            (peak > y_hi).then(|| format!("{id} peaks at {:.1e}", 10f64.powf(peak)))
        })
        .collect();
    if !clipped.is_empty() {
        block = block.title_bottom(Span::styled(
            format!(" ↑ clipped above 1e{y_hi}: {} ", clipped.join(", ")),
            theme.state(NetState::Diverged),
        ));
    }
    let datasets: Vec<Dataset> = series
        .iter()
        .map(|(name, points, style, marker)| {
            // Quartile lines stay out of the legend: it lists medians and networks.
            let d = if name.is_empty() {
                Dataset::default()
            } else {
                Dataset::default().name(name.clone())
            };
            d.marker(*marker)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(points)
        })
        .collect();
    let y_labels: Vec<Span> = (y_lo as i32..=y_hi as i32)
        .map(|e| Span::raw(format!("1e{e}")))
        .collect();
    let chart = Chart::new(datasets)
        .block(block)
        // The legend names the medians and the networks drawn (each with its symbol); shown
        // unless it would cover more than half the chart's width or three quarters of its
        // height (at 80×24 that keeps it with four medians and three marked networks).
        .hidden_legend_constraints((Constraint::Ratio(1, 2), Constraint::Ratio(3, 4)))
        .x_axis(
            Axis::default()
                .style(theme.dim())
                .bounds([0.0, x_max])
                .labels(vec![Span::raw("0"), Span::raw(format!("{x_max:.0}"))]),
        )
        .y_axis(
            Axis::default()
                .style(theme.dim())
                .bounds([y_lo, y_hi])
                .labels(y_labels),
        );
    frame.render_widget(chart, area);
}
