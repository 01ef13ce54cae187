//! The report as one self-contained HTML page: the figures inline as SVG, the font embedded,
//! no script, nothing fetched, so it opens from a laptop after `scp`.

use std::fmt::Write;

use base64::Engine;

use super::figures::Named;
use super::numbers::{Quartiles, ReportNumbers};
use super::Drawn;
use crate::lab::MISSING;
use crate::plot::font_bytes;
use crate::plot::Figure;

/// Text made safe for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn q(v: Option<Quartiles>, precision: usize) -> String {
    v.map_or(MISSING.into(), |q| {
        if precision == 0 {
            format!("{:.2e} [{:.2e}, {:.2e}]", q.median, q.q1, q.q3)
        } else {
            format!(
                "{:.p$} [{:.p$}, {:.p$}]",
                q.median,
                q.q1,
                q.q3,
                p = precision
            )
        }
    })
}

fn table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{}</td>", esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>\n");
}

/// The page: `figures` are the named figures with their SVG text.
pub fn page(n: &ReportNumbers, figures: &[(&Named, Drawn)], generated_by: &str) -> String {
    let font = base64::engine::general_purpose::STANDARD.encode(font_bytes());
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>\
         @font-face{{font-family:'DejaVu Sans';src:url(data:font/ttf;base64,{font}) format('truetype');}}\
         body{{font-family:'DejaVu Sans',sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}\
         th{{background:#f3f3f3}}figure{{margin:2em 0}}figure svg{{width:100%;height:auto}}\
         figcaption{{color:#444}}.yes{{color:#00704a;font-weight:bold}}.no{{color:#b03000;font-weight:bold}}\
         </style></head><body>\n<h1>{title}</h1>\n<p>Task: {task}. {generated}</p>\n",
        title = esc(&format!("rnnlab report: {}", n.experiment)),
        task = esc(n.task.name()),
        generated = esc(generated_by),
    );

    out.push_str("<h2>The study's checks</h2>\n");
    let claims: Vec<Vec<String>> = n
        .claims
        .iter()
        .map(|c| {
            vec![
                c.claim.clone(),
                c.measured.clone(),
                match c.supported {
                    Some(true) => "supported".into(),
                    Some(false) => "not supported".into(),
                    None => "too few networks to judge".into(),
                },
            ]
        })
        .collect();
    table(&mut out, &["claim", "measured", "verdict"], &claims);
    if let Some(c) = &n.dsa_finding {
        out.push_str(
            "<p>What Dynamical Similarity Analysis says (a finding beside the study's checks, \
             judged by the same rule as geometry's):</p>\n",
        );
        let verdict = match c.supported {
            Some(true) => "yes",
            Some(false) => "no",
            None => "too few networks to judge",
        };
        table(
            &mut out,
            &["question", "measured", "answer"],
            &[vec![c.claim.clone(), c.measured.clone(), verdict.into()]],
        );
    }

    out.push_str("<h2>Population</h2>\n");
    let _ = writeln!(
        out,
        "<p>{} of {} networks included. {}.</p>",
        n.exclusion.included,
        n.exclusion.total,
        esc(&n.exclusion.rule)
    );
    if !n.exclusion.excluded.is_empty() {
        let rows: Vec<Vec<String>> = n
            .exclusion
            .excluded
            .iter()
            .map(|e| vec![e.network.to_string(), e.group.to_string(), e.reason.clone()])
            .collect();
        table(&mut out, &["left out", "group", "why"], &rows);
    }
    let rows: Vec<Vec<String>> = n
        .training
        .iter()
        .map(|g| {
            vec![
                g.group.to_string(),
                format!("{} / {}", g.included, g.networks),
                q(g.final_loss, 0),
                q(g.score, 4),
            ]
        })
        .collect();
    table(
        &mut out,
        &[
            "group",
            "included / networks",
            "held-out loss: median [quartiles]",
            "score: median [quartiles]",
        ],
        &rows,
    );

    if let Some(c) = &n.svcca {
        out.push_str("<h2>Separability: geometry against topology</h2>\n");
        let _ = writeln!(
            out,
            "<p>Silhouette and leave-one-out k-NN accuracy of the cell and activation labels \
             under each distance (geometry on {}).</p>",
            esc(&c.reduction)
        );
        let rows: Vec<Vec<String>> = c.scores.iter().map(|s| s.cells()).collect();
        table(
            &mut out,
            &[
                "metric",
                "networks",
                "cell silhouette",
                "cell k-NN",
                "activation silhouette",
                "activation k-NN",
            ],
            &rows,
        );
    }

    if !n.fixed_points.is_empty() {
        out.push_str("<h2>Fixed points per network (means)</h2>\n");
        let rows: Vec<Vec<String>> = n
            .fixed_points
            .iter()
            .map(|g| {
                vec![
                    g.group.to_string(),
                    g.networks.to_string(),
                    format!("{:.1}", g.stable),
                    format!("{:.1}", g.one_unstable),
                    format!("{:.1}", g.two_unstable),
                    format!("{:.1}", g.more_unstable),
                    format!("{:.1}", g.slow),
                    format!("{:.1}", g.pseudo),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "group",
                "networks",
                "stable",
                "1 unstable",
                "2 unstable",
                "3+",
                "slow",
                "pseudo",
            ],
            &rows,
        );
    }
    if let Some(groups) = n.task_check.ideal_shares() {
        let rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| vec![g.group.to_string(), format!("{} / {}", g.ideal, g.networks)])
            .collect();
        out.push_str("<h2>Ideal scaffold</h2>\n");
        table(&mut out, &["group", "ideal / networks"], &rows);
    }

    for r in &n.recordings {
        let c = &r.comparison;
        out.push_str(&format!(
            "<h2>Recording {}</h2>\n<p>{} conditions × {} steps × {} neurons{}; distances with \
             95 % bootstrap intervals over {} resamples.</p>\n",
            esc(&c.recording.name),
            c.recording.conditions,
            c.recording.steps,
            c.recording.neurons,
            c.recording
                .trials
                .map_or(String::new(), |t| format!(", {t} single trials")),
            c.resamples
        ));
        let rows: Vec<Vec<String>> = c
            .placements
            .iter()
            .map(|p| {
                let nearest = p.nearest.first().map_or(String::new(), |q| {
                    format!("#{} {} {:.3}", q.network, q.group, q.distance)
                });
                vec![
                    p.metric.to_string(),
                    nearest,
                    match p.nearest_distinguished {
                        Some(true) => "yes".into(),
                        Some(false) => "no".into(),
                        None => String::new(),
                    },
                    p.architectures_differ.as_ref().map_or(String::new(), |t| {
                        format!("{}, ε² {:.2}", crate::lab::compare::p_text(t.p), t.effect)
                    }),
                    p.ceiling.map_or(String::new(), |v| format!("{v:.3}")),
                ]
            })
            .collect();
        table(
            &mut out,
            &[
                "metric",
                "nearest network",
                "nearest beyond the second's interval",
                "cells differ (Kruskal–Wallis)",
                "ceiling",
            ],
            &rows,
        );
    }

    out.push_str("<h2>Figures</h2>\n");
    for (named, drawn) in figures {
        // A heat map is tens of thousands of cells: inline as its PNG, a few dozen kilobytes.
        let picture = match named.figure {
            Figure::Heatmap(_) => format!(
                "<img alt=\"{}\" style=\"width:100%\" src=\"data:image/png;base64,{}\">",
                esc(&named.name),
                base64::engine::general_purpose::STANDARD.encode(&drawn.png)
            ),
            // The XML declaration is not allowed inside HTML.
            Figure::Plot(_) => drawn
                .svg
                .trim_start_matches(|c| c != '<')
                .trim_start()
                .to_string(),
        };
        let _ = writeln!(
            out,
            "<figure id=\"{id}\">{picture}<figcaption><b>{id}</b> (<a href=\"{id}.svg\">SVG</a>, \
             <a href=\"{id}.png\">PNG</a>): {caption}</figcaption></figure>",
            id = esc(&named.name),
            caption = esc(&named.caption),
        );
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
    }
}
