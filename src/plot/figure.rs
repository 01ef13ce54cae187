//! Figures as data, drawn once for SVG and once for PNG by the same code (plotters), with the
//! font compiled into the binary: a figure never reads a system font.
//!
//! A figure is a [`Plot`] (panels of x-y series sharing one legend) or a [`Heatmap`]. Builders
//! in `figures.rs` turn the report's numbers into these; this file knows nothing of networks.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

/// The font family figures use (DejaVu Sans, cut down; see assets/fonts/README.md).
pub const FONT: &str = "DejaVu Sans";
static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

/// The font's bytes, for pages that embed it.
pub fn font_bytes() -> &'static [u8] {
    FONT_BYTES
}

fn ensure_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        if register_font(FONT, FontStyle::Normal, FONT_BYTES).is_err() {
            unreachable!("the shipped font parses (a unit test draws with it)");
        }
    });
}

/// A colour, `#rrggbb` parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

impl Colour {
    /// Black.
    pub const BLACK: Colour = Colour(0, 0, 0);
    /// The grey of reference lines (unit circle, identity).
    pub const GREY: Colour = Colour(150, 150, 150);

    /// `#rrggbb`, or None.
    pub fn parse(hex: &str) -> Option<Colour> {
        let h = hex.strip_prefix('#')?;
        if h.len() != 6 {
            return None;
        }
        let c = |k: usize| u8::from_str_radix(&h[k..k + 2], 16).ok();
        Some(Colour(c(0)?, c(2)?, c(4)?))
    }

    fn rgb(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }
}

/// A marker's shape (the second channel beside colour: activation, stability).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Filled disc.
    Disc,
    /// Ring (hollow circle).
    Ring,
    /// Filled triangle.
    Triangle,
    /// Cross.
    Cross,
    /// Five-pointed star (a recording among networks).
    Star,
}

/// How a series is drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A polyline of the given width in pixels.
    Line(u32),
    /// Markers of the given radius in pixels.
    Points(Shape, u32),
    /// A filled band between `lower` (the series' y) and these upper values, translucent.
    Band(Vec<f64>),
    /// Vertical bars from 0 to y, of the given width in x units.
    Bars(f64),
}

/// One series of a panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Its colour.
    pub colour: Colour,
    /// How it is drawn.
    pub mark: Mark,
    /// Its points (x, y).
    pub points: Vec<(f64, f64)>,
}

/// An axis of a panel.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Axis {
    /// Its label, with units.
    pub label: String,
    /// Logarithmic (base 10): values ≤ 0 are left out.
    pub log: bool,
    /// Fixed limits (else the data's, padded).
    pub range: Option<(f64, f64)>,
    /// Category names at x = 0, 1, 2, ... (bar charts): shown instead of numbers.
    pub categories: Vec<String>,
}

impl Axis {
    /// A linear axis with this label.
    pub fn linear(label: &str) -> Axis {
        Axis {
            label: label.into(),
            ..Axis::default()
        }
    }

    /// A log axis with this label.
    pub fn log(label: &str) -> Axis {
        Axis {
            label: label.into(),
            log: true,
            ..Axis::default()
        }
    }

    /// The same axis with fixed limits.
    pub fn within(mut self, low: f64, high: f64) -> Axis {
        self.range = Some((low, high));
        self
    }
}

/// One panel: axes and series.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// Its title.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Series, drawn in order (later on top).
    pub series: Vec<Series>,
    /// One unit of x as long as one unit of y (maps, state space, the complex plane).
    pub equal_aspect: bool,
}

/// One entry of a figure's legend.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    /// Text.
    pub label: String,
    /// Colour.
    pub colour: Colour,
    /// Marker (a line when None).
    pub shape: Option<Shape>,
}

/// Panels in a grid under one title and one legend.
#[derive(Clone, Debug, PartialEq)]
pub struct Plot {
    /// Title of the figure.
    pub title: String,
    /// Panels, row by row.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// The legend shared by the panels.
    pub legend: Vec<LegendEntry>,
}

/// A symmetric matrix as colours, with labelled blocks of rows (groups).
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Title of the figure.
    pub title: String,
    /// Matrix, row-major, n × n.
    pub values: Vec<f64>,
    /// n.
    pub size: usize,
    /// Groups: name and number of consecutive rows.
    pub blocks: Vec<(String, usize)>,
    /// What the colour means, with units.
    pub scale_label: String,
}

/// A figure.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// Panels of x-y series.
    Plot(Plot),
    /// A distance matrix.
    Heatmap(Heatmap),
}

impl Figure {
    /// Width and height in pixels (PNG) and user units (SVG).
    pub fn size(&self) -> (u32, u32) {
        match self {
            Figure::Plot(p) => {
                let columns = p.columns.max(1) as u32;
                let rows = p.panels.len().div_ceil(columns as usize).max(1) as u32;
                let width = if columns > 2 { 1600 } else { 1200 };
                let panel = (width / columns).min(640) * 17 / 20;
                let head = if p.legend.is_empty() { 60 } else { 100 };
                (width, head + rows * panel.max(330))
            }
            Figure::Heatmap(_) => (1000, 820),
        }
    }

    /// The figure as an SVG document.
    pub fn svg(&self) -> Result<String, String> {
        ensure_font();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    }

    /// The figure as a PNG file's bytes.
    pub fn png(&self) -> Result<Vec<u8>, String> {
        ensure_font();
        let (w, h) = self.size();
        let mut pixels = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(|e| e.to_string())?;
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
        Ok(out)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        match self {
            Figure::Plot(p) => draw_plot(p, root),
            Figure::Heatmap(h) => draw_heatmap(h, root),
        }
        .map_err(|e| e.to_string())
    }
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn text(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Title on top, legend under it, panels in a grid.
fn draw_plot<DB: DrawingBackend>(plot: &Plot, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
    let (head, body) = root.split_vertically(if plot.legend.is_empty() { 60 } else { 100 });
    head.draw_text(&plot.title, &text(30), (20, 12))?;
    draw_legend(&plot.legend, &head, 62)?;
    let columns = plot.columns.max(1);
    let rows = plot.panels.len().div_ceil(columns).max(1);
    for (panel, area) in plot.panels.iter().zip(body.split_evenly((rows, columns))) {
        draw_panel(panel, &area)?;
    }
    Ok(())
}

fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    colour: Colour,
    shape: Shape,
    radius: u32,
) -> Drawn<DB> {
    let c = colour.rgb();
    let r = radius as i32;
    match shape {
        Shape::Disc => area.draw(&Circle::new(at, radius, c.filled())),
        Shape::Ring => area.draw(&Circle::new(at, radius, c.stroke_width(2))),
        Shape::Triangle => area.draw(&Polygon::new(
            vec![(at.0, at.1 - r), (at.0 - r, at.1 + r), (at.0 + r, at.1 + r)],
            c.filled(),
        )),
        Shape::Star => {
            // Ten vertices, alternating the outer radius and 0.4 of it, the first pointing up.
            let points = (0..10)
                .map(|k| {
                    let reach = if k % 2 == 0 { r as f64 } else { 0.4 * r as f64 };
                    let angle = std::f64::consts::PI * (k as f64 / 5.0 - 0.5);
                    (
                        at.0 + (reach * angle.cos()).round() as i32,
                        at.1 + (reach * angle.sin()).round() as i32,
                    )
                })
                .collect::<Vec<_>>();
            area.draw(&Polygon::new(points, c.filled()))
        }
        Shape::Cross => {
            area.draw(&PathElement::new(
                vec![(at.0 - r, at.1 - r), (at.0 + r, at.1 + r)],
                c.stroke_width(2),
            ))?;
            area.draw(&PathElement::new(
                vec![(at.0 - r, at.1 + r), (at.0 + r, at.1 - r)],
                c.stroke_width(2),
            ))
        }
    }
}

fn draw_legend<DB: DrawingBackend>(
    legend: &[LegendEntry],
    area: &DrawingArea<DB, Shift>,
    y: i32,
) -> Drawn<DB> {
    let style = text(20);
    let mut x = 24;
    for entry in legend {
        match entry.shape {
            Some(shape) => draw_marker(area, (x + 8, y + 11), entry.colour, shape, 7)?,
            None => area.draw(&PathElement::new(
                vec![(x - 4, y + 11), (x + 20, y + 11)],
                entry.colour.rgb().stroke_width(4),
            ))?,
        }
        area.draw_text(&entry.label, &style, (x + 26, y))?;
        let (w, _) = area.estimate_text_size(&entry.label, &style)?;
        x += 26 + w as i32 + 28;
    }
    Ok(())
}

/// Limits of one axis: fixed, or the data's padded by 5 %; log axes in log10 units.
fn limits(axis: &Axis, values: impl Iterator<Item = f64>) -> (f64, f64) {
    if let Some((a, b)) = axis.range {
        return if axis.log {
            (a.log10(), b.log10())
        } else {
            (a, b)
        };
    }
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter_map(|v| transform(axis, v)) {
        low = low.min(v);
        high = high.max(v);
    }
    if !low.is_finite() {
        return (0.0, 1.0);
    }
    if !axis.categories.is_empty() {
        return (-0.6, axis.categories.len() as f64 - 0.4);
    }
    let pad = if high > low {
        0.05 * (high - low)
    } else {
        0.5 * low.abs().max(1.0)
    };
    (low - pad, high + pad)
}

/// A value in the axis' drawing units (log10 on a log axis), None where it cannot be drawn.
fn transform(axis: &Axis, v: f64) -> Option<f64> {
    let t = if axis.log { v.log10() } else { v };
    t.is_finite().then_some(t)
}

/// Tick label of a drawing-unit value on an axis spanning `span` drawing units. A log axis
/// over more than a decade and a half labels only the powers of ten.
fn tick(axis: &Axis, v: f64, span: f64) -> String {
    if !axis.categories.is_empty() {
        let k = v.round();
        return if (v - k).abs() < 1e-6 && k >= 0.0 {
            axis.categories.get(k as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        };
    }
    if axis.log {
        if span > 1.5 && (v - v.round()).abs() > 1e-6 {
            return String::new();
        }
        return significant(10f64.powf(v), 2);
    }
    // A tick at float noise around zero is zero.
    number(if v.abs() < 1e-9 * span { 0.0 } else { v })
}

/// A number for a tick: at most three significant digits, no float noise.
pub fn number(v: f64) -> String {
    significant(v, 3)
}

/// `v` with at most `digits` significant digits, trailing zeros dropped.
fn significant(v: f64, digits: i32) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e5).contains(&a) {
        return format!("{v:.1e}").replace(".0e", "e").replace("e-", "e−");
    }
    let decimals = (digits - 1 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Markers that fall on the same spot (within a millionth of the data's span) spread on a
/// small circle around it, so a cluster of identical networks shows how many it holds.
pub fn spread_coincident(points: &mut [(f64, f64)]) {
    let span = |f: fn(&(f64, f64)) -> f64| {
        let v = points.iter().map(f);
        v.clone().fold(f64::NEG_INFINITY, f64::max) - v.fold(f64::INFINITY, f64::min)
    };
    let extent = span(|p| p.0).max(span(|p| p.1));
    let extent = if extent.is_finite() && extent > 0.0 {
        extent
    } else {
        1.0
    };
    let tolerance = 1e-6 * extent;
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..points.len() {
        let near = |g: &&mut Vec<usize>| {
            let (a, b) = (points[g[0]], points[i]);
            (a.0 - b.0).abs() <= tolerance && (a.1 - b.1).abs() <= tolerance
        };
        match groups.iter_mut().find(near) {
            Some(members) => members.push(i),
            None => groups.push(vec![i]),
        }
    }
    for members in groups.iter().filter(|m| m.len() > 1) {
        let n = members.len() as f64;
        // A circle long enough for the markers side by side (about 0.6 % of the span each).
        let radius = (0.006 * n).clamp(0.03, 0.15) * extent;
        for (k, &i) in members.iter().enumerate() {
            let t = k as f64 / n * std::f64::consts::TAU;
            points[i].0 += radius * t.cos();
            points[i].1 += radius * t.sin();
        }
    }
}

/// The largest font size (from 22 down to 12) at which `title` fits `width` pixels.
fn fitting<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    width: u32,
) -> TextStyle<'static> {
    (12..=22)
        .rev()
        .map(text)
        .find(|style| {
            area.estimate_text_size(title, style)
                .is_ok_and(|(w, _)| w + 16 <= width)
        })
        .unwrap_or_else(|| text(12))
}

fn draw_panel<DB: DrawingBackend>(panel: &Panel, area: &DrawingArea<DB, Shift>) -> Drawn<DB> {
    let xs = panel
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = panel.series.iter().flat_map(|s| {
        let upper = match &s.mark {
            Mark::Band(u) => u.clone(),
            Mark::Bars(_) => vec![0.0],
            _ => Vec::new(),
        };
        s.points.iter().map(|p| p.1).chain(upper)
    });
    let (mut x0, mut x1) = limits(&panel.x, xs);
    let (mut y0, mut y1) = limits(&panel.y, ys);
    let label_area = 64;
    if panel.equal_aspect {
        // Widen the shorter span so one unit has the same length on both axes.
        let (w, h) = area.dim_in_pixel();
        let (w, h) = (
            (w as f64 - label_area as f64 - 30.0).max(1.0),
            (h as f64 - label_area as f64 - 50.0).max(1.0),
        );
        let per_pixel = ((x1 - x0) / w).max((y1 - y0) / h);
        let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
        (x0, x1) = (cx - 0.5 * per_pixel * w, cx + 0.5 * per_pixel * w);
        (y0, y1) = (cy - 0.5 * per_pixel * h, cy + 0.5 * per_pixel * h);
    }
    let mut chart = ChartBuilder::on(area)
        .caption(
            &panel.title,
            fitting(area, &panel.title, area.dim_in_pixel().0),
        )
        .margin(12)
        .x_label_area_size(label_area)
        .y_label_area_size(label_area + 16)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let x_ticks = |v: &f64| tick(&panel.x, *v, x1 - x0);
    let y_ticks = |v: &f64| tick(&panel.y, *v, y1 - y0);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(panel.x.label.as_str())
        .y_desc(panel.y.label.as_str())
        .axis_desc_style(text(20))
        .label_style(text(17))
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .x_labels(6)
        .y_labels(8)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225));
    if !panel.x.categories.is_empty() {
        mesh.x_labels(panel.x.categories.len() * 2 + 1)
            .disable_x_mesh();
    }
    mesh.draw()?;
    let point = |&(x, y): &(f64, f64)| Some((transform(&panel.x, x)?, transform(&panel.y, y)?));
    for s in &panel.series {
        let c = s.colour.rgb();
        match &s.mark {
            Mark::Line(width) => {
                // Break the line where a value cannot be drawn (log of 0, NaN).
                let mut run = Vec::new();
                for p in s.points.iter().map(point).chain([None]) {
                    match p {
                        Some(p) => run.push(p),
                        None if run.len() > 1 => {
                            chart.draw_series(std::iter::once(PathElement::new(
                                std::mem::take(&mut run),
                                c.stroke_width(*width),
                            )))?;
                        }
                        None => run.clear(),
                    }
                }
            }
            Mark::Points(shape, radius) => {
                let plotting = chart.plotting_area();
                let root = plotting.strip_coord_spec();
                let (ox, oy) = root.get_base_pixel();
                for p in s.points.iter().filter_map(point) {
                    if p.0 < x0 || p.0 > x1 || p.1 < y0 || p.1 > y1 {
                        continue;
                    }
                    let (px, py) = plotting.map_coordinate(&p);
                    draw_marker(&root, (px - ox, py - oy), s.colour, *shape, *radius)?;
                }
            }
            Mark::Band(upper) => {
                let lower: Vec<(f64, f64)> = s.points.iter().filter_map(point).collect();
                let upper: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .zip(upper)
                    .filter_map(|(p, &u)| point(&(p.0, u)))
                    .collect();
                if lower.len() > 1 && upper.len() == lower.len() {
                    let outline: Vec<(f64, f64)> =
                        lower.into_iter().chain(upper.into_iter().rev()).collect();
                    chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.22))))?;
                }
            }
            Mark::Bars(width) => {
                let base = if panel.y.log { y0 } else { 0.0 };
                chart.draw_series(s.points.iter().filter_map(point).map(|(x, y)| {
                    Rectangle::new([(x - width / 2.0, base), (x + width / 2.0, y)], c.filled())
                }))?;
            }
        }
    }
    Ok(())
}

/// Viridis at t ∈ [0, 1] (perceptually even, readable in grey and by colour-blind readers);
/// a value that is not a number takes the low end.
fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ViridisRGB.get_color(t as f32)
}

/// Most cells a heat map draws along one side.
const MAX_CELLS: usize = 200;

fn draw_heatmap<DB: DrawingBackend>(map: &Heatmap, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
    root.draw_text(&map.title, &text(30), (20, 12))?;
    let n = map.size.max(1);
    let finite = map.values.iter().copied().filter(|v| v.is_finite());
    let low = finite.clone().fold(f64::INFINITY, f64::min);
    let high = finite.fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let (w, h) = root.dim_in_pixel();
    let side = (w as i32 - 360).min(h as i32 - 200);
    let (left, top) = (190, 70);
    // Past MAX_CELLS rows, cells average blocks of rows: a 3,000-network matrix is drawn as
    // 200 × 200 cells (the page stays small; no screen shows 3,000 rows anyway).
    let bins = n.min(MAX_CELLS);
    let edge = |k: usize| k * n / bins;
    let cell = side as f64 / bins as f64;
    let at_bin = |k: usize| (k as f64 * cell).round() as i32;
    for bi in 0..bins {
        for bj in 0..bins {
            let (mut sum, mut count) = (0.0, 0usize);
            for i in edge(bi)..edge(bi + 1) {
                for j in edge(bj)..edge(bj + 1) {
                    let v = map.values.get(i * n + j).copied().unwrap_or(f64::NAN);
                    if v.is_finite() {
                        sum += v;
                        count += 1;
                    }
                }
            }
            let colour = if count > 0 {
                viridis((sum / count as f64 - low) / span).filled()
            } else {
                RGBColor(220, 220, 220).filled()
            };
            root.draw(&Rectangle::new(
                [
                    (left + at_bin(bj), top + at_bin(bi)),
                    (left + at_bin(bj + 1), top + at_bin(bi + 1)),
                ],
                colour,
            ))?;
        }
    }
    let at = |k: usize| (k as f64 * side as f64 / n as f64).round() as i32;
    // Group blocks: white separators and names along both edges.
    let mut start = 0;
    for (name, count) in &map.blocks {
        let (a, b) = (at(start), at(start + count));
        if start > 0 {
            let line = WHITE.stroke_width(2);
            root.draw(&PathElement::new(
                vec![(left + a, top), (left + a, top + side)],
                line,
            ))?;
            root.draw(&PathElement::new(
                vec![(left, top + a), (left + side, top + a)],
                line,
            ))?;
        }
        let style = text(17);
        let (tw, th) = root.estimate_text_size(name, &style)?;
        root.draw_text(
            name,
            &style,
            (left - 10 - tw as i32, top + (a + b) / 2 - th as i32 / 2),
        )?;
        root.draw_text(
            name,
            &style.transform(FontTransform::Rotate90),
            (left + (a + b) / 2 + th as i32 / 2, top + side + 10),
        )?;
        start += count;
    }
    // Colour bar.
    let (bx, bw) = (left + side + 40, 28);
    let steps = 100;
    for k in 0..steps {
        let t = 1.0 - k as f64 / steps as f64;
        let y = top + (k as f64 / steps as f64 * side as f64) as i32;
        let y2 = top + ((k + 1) as f64 / steps as f64 * side as f64).ceil() as i32;
        root.draw(&Rectangle::new(
            [(bx, y), (bx + bw, y2)],
            viridis(t).filled(),
        ))?;
    }
    let style = text(17);
    root.draw_text(&number(high), &style, (bx + bw + 8, top - 8))?;
    root.draw_text(&number(low), &style, (bx + bw + 8, top + side - 12))?;
    root.draw_text(
        &map.scale_label,
        &text(19).transform(FontTransform::Rotate90),
        (bx + bw + 70, top + side / 3),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plot() -> Figure {
        Figure::Plot(Plot {
            title: "Loss".into(),
            columns: 2,
            legend: vec![LegendEntry {
                label: "gru".into(),
                colour: Colour(0, 158, 115),
                shape: Some(Shape::Disc),
            }],
            panels: vec![Panel {
                title: "a".into(),
                x: Axis::linear("step"),
                y: Axis::log("loss (MSE)"),
                equal_aspect: false,
                series: vec![
                    Series {
                        colour: Colour::BLACK,
                        mark: Mark::Line(2),
                        points: vec![(0.0, 1.0), (1.0, 0.1), (2.0, 0.0), (3.0, 0.01)],
                    },
                    Series {
                        colour: Colour::GREY,
                        mark: Mark::Band(vec![2.0, 0.2, 0.02, 0.02]),
                        points: vec![(0.0, 0.5), (1.0, 0.05), (2.0, 0.005), (3.0, 0.005)],
                    },
                    Series {
                        colour: Colour(230, 159, 0),
                        mark: Mark::Points(Shape::Triangle, 6),
                        points: vec![(1.0, 0.3)],
                    },
                ],
            }],
        })
    }

    #[test]
    fn a_plot_draws_to_svg_and_png() {
        let fig = plot();
        let svg = fig.svg().unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("loss (MSE)") && svg.contains(FONT));
        let png = fig.png().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().unwrap();
        assert_eq!(
            (reader.info().width, reader.info().height),
            fig.size(),
            "the PNG has the figure's size"
        );
    }

    /// The drawn structure: elements by kind, and every text in order.
    fn structure(svg: &str) -> String {
        let doc = roxmltree::Document::parse(svg).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        let mut texts = Vec::new();
        for node in doc.descendants().filter(|n| n.is_element()) {
            *counts
                .entry(node.tag_name().name().to_string())
                .or_insert(0) += 1;
            if node.tag_name().name() == "text" {
                texts.push(node.text().unwrap_or_default().trim().to_string());
            }
        }
        format!("{counts:?}\n{}", texts.join(" | "))
    }

    #[test]
    fn the_svg_of_a_plot_keeps_its_structure() {
        insta::assert_snapshot!(structure(&plot().svg().unwrap()));
    }

    #[test]
    fn a_heatmap_draws() {
        let fig = Figure::Heatmap(Heatmap {
            title: "d".into(),
            values: vec![0.0, 1.0, 1.0, 0.0],
            size: 2,
            blocks: vec![("a".into(), 1), ("b".into(), 1)],
            scale_label: "distance".into(),
        });
        assert!(fig.svg().unwrap().contains("<rect"));
        assert!(!fig.png().unwrap().is_empty());
    }

    #[test]
    fn ticks_are_short_and_colours_parse() {
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(120.0), "120");
        assert_eq!(number(0.0052631), "0.00526");
        assert_eq!(number(1e-5), "1e−5");
        assert_eq!(tick(&Axis::linear(""), -3e-17, 0.4), "0");
        assert_eq!(tick(&Axis::log(""), -3.0, 3.0), "0.001");
        assert_eq!(tick(&Axis::log(""), -2.5, 3.0), "");
        let mut p = vec![(0.0, 0.0), (0.0, 0.0), (1.0, 1.0)];
        spread_coincident(&mut p);
        assert!(p[0] != p[1] && p[2] == (1.0, 1.0));
        assert_eq!(Colour::parse("#009e73"), Some(Colour(0, 158, 115)));
        assert_eq!(Colour::parse("teal"), None);
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(254, 232, 37));
    }
}
