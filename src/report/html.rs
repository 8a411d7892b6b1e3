//! `report.html`: one self-contained page (charts embedded as data URIs,
//! no external resource) that opens offline in any browser. A small inline
//! script counts the charts that loaded and records it on `<body>`
//! (`data-charts-loaded`, `data-charts-total`), which the headless-browser
//! test reads back; the page itself shows nothing of it.
//!
//! Numbers are printed as the terminal prints them ([`crate::human`]):
//! durations, dollars, percentages, intervals kept within the metric's
//! range; the CSV and JSON files keep the raw numbers.

use super::{Block, Report};
use crate::human;
use crate::model::catalog;
use crate::model::MetricValue;
use crate::runner::Aggregate;
use base64::Engine;
use std::fmt::Write as _;
use std::path::Path;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An HTML table.
pub fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut t = String::from("<table><thead><tr>");
    for h in headers {
        let _ = write!(t, "<th>{}</th>", esc(h));
    }
    t.push_str("</tr></thead><tbody>");
    for r in rows {
        t.push_str("<tr>");
        for c in r {
            let _ = write!(t, "<td>{}</td>", esc(c));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// Every metric of a run as the terminal prints it: its label (from the
/// catalog), its key, the mean and the 95% interval over `replications` in
/// the metric's units, the interval kept within the metric's range
/// ([`human::interval`]). A metric no replication has a value of says so
/// (SPEC §4a: an empty sample has no value); one only some have says over
/// how many.
pub fn metrics_table(agg: &Aggregate, replications: usize, shown: &dyn Fn(&str) -> bool) -> String {
    let headers: Vec<String> = ["metric", "key", "mean", "95% CI over replications"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows: Vec<Vec<String>> = agg
        .mean
        .iter()
        .filter(|(k, _)| shown(k))
        .map(|(k, v)| {
            let label = catalog::label(k).unwrap_or_else(|| k.to_string());
            let (mean, ci) = match v {
                MetricValue::Text(t) => (t.clone(), String::new()),
                other => match other.as_f64() {
                    None => ("-".into(), "no value in any replication".into()),
                    Some(m) => {
                        let n = agg.n_of(k);
                        let ci = match agg.ci_of(k) {
                            Some((lo, hi)) if replications > 1 && n > 1 => {
                                human::interval(k, lo, hi)
                            }
                            _ => String::new(),
                        };
                        let ci = if n < replications {
                            format!("{ci} over {n} of {replications}")
                                .trim()
                                .to_string()
                        } else {
                            ci
                        };
                        (human::metric(k, m), ci)
                    }
                },
            };
            vec![label, k.to_string(), mean, ci]
        })
        .collect();
    table(&headers, &rows)
}

/// A chart file embedded as an `<img>` with a data URI.
pub fn chart(path: &Path, caption: &str) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    let mime = if path.extension().is_some_and(|e| e == "svg") {
        "image/svg+xml"
    } else {
        "image/png"
    };
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(format!(
        "<figure><img alt=\"{}\" src=\"data:{mime};base64,{data}\"><figcaption>{}</figcaption></figure>",
        esc(caption),
        esc(caption)
    ))
}

/// What a page says first, above its sections: the answer in a sentence,
/// a few lines that qualify it, and the command that made it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lead {
    /// The headline: the answer (run's main figures, plan's value,
    /// compare's best on the main metric, sweep's best point).
    pub answer: String,
    /// Lines under it.
    pub details: Vec<String>,
    /// The command line as given, less the flags that do not change the
    /// results (see [`command_line`]); none where it is not known.
    pub command: Option<String>,
}

/// A command line as a shell would read it back: words with characters
/// other than letters, digits and `_-./=:,+@%` single-quoted.
pub fn command_line<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| {
            let w = w.as_ref();
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-./=:,+@%".contains(c));
            if plain {
                w.to_string()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A [`Report`] as report.html: its blocks in HTML (tables as [`table`],
/// text in `<pre>`), then the page around them ([`page`]).
pub fn export(report: &Report) -> Vec<u8> {
    let sections: Vec<(String, String)> = report
        .sections
        .iter()
        .map(|s| {
            let html = match &s.body {
                Block::Table { headers, rows } => table(headers, rows),
                Block::Text(text) => format!("<pre>{}</pre>", esc(text)),
                Block::Html(html) => html.clone(),
            };
            (s.heading.clone(), html)
        })
        .collect();
    page(&report.title, &report.lead, &sections)
}

/// The whole page: the title, the [`Lead`], links to the sections, the
/// sections (each already in HTML; [`export`] makes them from a
/// [`Report`]).
pub fn page(title: &str, lead: &Lead, sections: &[(String, String)]) -> Vec<u8> {
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", esc(title));
    if !lead.answer.is_empty() {
        let _ = write!(body, "<p class=\"answer\">{}</p>", esc(&lead.answer));
    }
    if !lead.details.is_empty() {
        body.push_str("<ul class=\"details\">");
        for d in &lead.details {
            let _ = write!(body, "<li>{}</li>", esc(d));
        }
        body.push_str("</ul>");
    }
    if let Some(cmd) = &lead.command {
        let _ = write!(body, "<pre class=\"command\">$ {}</pre>", esc(cmd));
    }
    let _ = write!(
        body,
        "<p class=\"meta\">made by labelsim {}</p>",
        env!("CARGO_PKG_VERSION")
    );
    body.push_str("<nav>");
    for (i, (h, _)) in sections.iter().enumerate() {
        let _ = write!(body, "<a href=\"#s{i}\">{}</a> ", esc(h));
    }
    body.push_str("</nav>");
    for (i, (h, html)) in sections.iter().enumerate() {
        let _ = write!(
            body,
            "<section id=\"s{i}\"><h2>{}</h2>{html}</section>",
            esc(h)
        );
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1250px; padding: 0 1rem; color: #222; }}
h1 {{ margin-bottom: .4rem; }} .meta {{ color: #777; margin-top: 0; font-size: .85rem; }}
.answer {{ font-size: 1.35rem; font-weight: 600; margin: .3rem 0; }}
.details {{ margin: .2rem 0 .6rem; color: #333; }}
pre.command {{ background: #f4f4f4; padding: .4rem .8rem; margin: .4rem 0; }}
nav a {{ margin-right: 1rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
th, td {{ border: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }}
th {{ background: #f4f4f4; }} td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0 2rem; }} img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #555; font-size: .9rem; }}
pre {{ background: #f8f8f8; padding: 1rem; overflow-x: auto; font-size: .85rem; }}
</style></head>
<body>
{body}
<script>
window.addEventListener('load', function () {{
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) {{ return i.complete && i.naturalWidth > 0; }}).length;
  document.body.setAttribute('data-charts-loaded', String(ok));
  document.body.setAttribute('data-charts-total', String(imgs.length));
}});
</script>
</body></html>
"#,
        title = esc(title),
        body = body
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunSummary;
    use crate::report::Section;

    fn page_text(lead: &Lead) -> String {
        String::from_utf8(page(
            "labelsim run: t",
            lead,
            &[("A".into(), "<p>x</p>".into())],
        ))
        .unwrap()
    }

    /// Issue 17: the page ended with `charts: not checked`, a placeholder
    /// only a browser running its script replaced.
    #[test]
    fn no_placeholder_text_is_left_for_the_script() {
        let html = page_text(&Lead::default());
        assert!(!html.contains("not checked"), "{html}");
        assert!(!html.contains("chart-check"), "{html}");
        assert!(
            html.contains("data-charts-loaded"),
            "the browser test still reads it"
        );
    }

    #[test]
    fn the_headline_and_the_command_come_first() {
        let html = page_text(&Lead {
            answer: "65,469 labeled, p95 time to label 2h 16m, 0 expired".into(),
            details: vec!["3 replications, seed 7".into()],
            command: Some(command_line(&["labelsim", "run", "--set", "a=b c"])),
        });
        let answer = html
            .find("<p class=\"answer\">65,469 labeled")
            .expect("headline");
        let cmd = html
            .find("$ labelsim run --set &#39;a=b c&#39;")
            .or_else(|| html.find("$ labelsim run --set 'a=b c'"))
            .expect("command");
        let nav = html.find("<nav>").unwrap();
        assert!(answer < cmd && cmd < nav, "{html}");
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        assert_eq!(
            command_line(&["labelsim", "run", "s.yaml", "--replications", "3"]),
            "labelsim run s.yaml --replications 3"
        );
        assert_eq!(
            command_line(&["--vary", "workers[team].count=9..12:1"]),
            "--vary 'workers[team].count=9..12:1'"
        );
        assert_eq!(
            command_line(&["--target", "x <= 24h"]),
            "--target 'x <= 24h'"
        );
        assert_eq!(command_line(&["it's"]), r"'it'\''s'");
    }

    /// Issue 17: report.html printed raw seconds and fractions and negative
    /// interval bounds the terminal clips.
    #[test]
    fn metrics_are_in_the_terminals_units_and_ranges() {
        let a = RunSummary {
            time_to_label_p95_s: Some(7_200.0),
            worker_utilization: Some(0.9),
            tasks_timed_out: 0,
            objects_labeled: 100,
            ..Default::default()
        };
        let b = RunSummary {
            time_to_label_p95_s: Some(600.0),
            worker_utilization: Some(0.95),
            tasks_timed_out: 3,
            objects_labeled: 120,
            ..Default::default()
        };
        let agg = crate::runner::aggregate(&[a, b]);
        let t = metrics_table(&agg, 2, &|_| true);
        // Mean 1h 5m; the Student-t interval of two values reaches far
        // below 0 and is cut there (in the aggregate itself, so summary.json
        // and every table agree).
        let (lo, hi) = agg.ci_of("time_to_label_p95_s").unwrap();
        assert_eq!(lo, 0.0);
        let row = format!(
            "<td>time_to_label_p95_s</td><td>1h 5m</td><td>[0.00 s, {}]</td>",
            human::duration(hi)
        );
        assert!(t.contains(&row), "{t}");
        assert!(
            t.contains("<td>worker_utilization</td><td>92.50%</td>"),
            "{t}"
        );
        assert!(t.contains("<td>objects_labeled</td><td>110</td>"), "{t}");
        assert!(!t.contains("[-"), "no negative bound: {t}");
        assert!(
            t.contains("<td>tasks_timed_out</td><td>1.500</td><td>[0, "),
            "{t}"
        );
        assert!(!t.contains("0.925"), "no raw fraction: {t}");
    }

    /// Issue 19: a report is one value; its HTML exporter writes tables,
    /// text and ready markup as the hand-made sections did.
    #[test]
    fn a_report_exports_as_the_page_of_its_sections() {
        let headers = vec!["policy".to_string(), "cost".to_string()];
        let rows = vec![vec!["a<b".to_string(), "$1.00".to_string()]];
        let lead = Lead {
            answer: "a is best".into(),
            details: vec!["3 replications".into()],
            command: Some("labelsim compare x.yaml".into()),
        };
        let report = Report {
            title: "labelsim compare: x".into(),
            lead: lead.clone(),
            sections: vec![
                Section::table("Costs", &headers, &rows),
                Section::text("Scenario", "name: x & <y>"),
                Section::html("Charts", "<p>none</p>"),
            ],
        };
        let by_hand = page(
            "labelsim compare: x",
            &lead,
            &[
                ("Costs".into(), table(&headers, &rows)),
                (
                    "Scenario".into(),
                    "<pre>name: x &amp; &lt;y&gt;</pre>".into(),
                ),
                ("Charts".into(), "<p>none</p>".into()),
            ],
        );
        assert_eq!(export(&report), by_hand);
        let text = String::from_utf8(by_hand).unwrap();
        assert!(text.contains("<td>a&lt;b</td>"), "{text}");
    }
}
