//! `report.html`: one self-contained page (charts embedded as data URIs,
//! no external resource) that opens offline in any browser. A small inline
//! script counts the charts that loaded and records it on `<body>`
//! (`data-charts-loaded`, `data-charts-total`), which the headless-browser
//! test reads back.

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

/// The whole page.
pub fn page(title: &str, sections: &[(String, String)]) -> Vec<u8> {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"meta\">made by labelsim {}</p>",
        esc(title),
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
h1 {{ margin-bottom: .2rem; }} .meta {{ color: #777; margin-top: 0; }}
nav a {{ margin-right: 1rem; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
th, td {{ border: 1px solid #ddd; padding: .25rem .6rem; text-align: right; }}
th {{ background: #f4f4f4; }} td:first-child, th:first-child {{ text-align: left; }}
figure {{ margin: 1rem 0 2rem; }} img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #555; font-size: .9rem; }}
pre {{ background: #f8f8f8; padding: 1rem; overflow-x: auto; font-size: .85rem; }}
#chart-check {{ color: #777; font-size: .8rem; }}
</style></head>
<body>
{body}
<p id="chart-check">charts: not checked</p>
<script>
window.addEventListener('load', function () {{
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) {{ return i.complete && i.naturalWidth > 0; }}).length;
  document.body.setAttribute('data-charts-loaded', String(ok));
  document.body.setAttribute('data-charts-total', String(imgs.length));
  document.getElementById('chart-check').textContent = 'charts loaded: ' + ok + ' of ' + imgs.length;
}});
</script>
</body></html>
"#,
        title = esc(title),
        body = body
    )
    .into_bytes()
}
