//! What every chart has around its data: a title that fits the width (it
//! wraps, then shrinks), a legend in a column of its own to the right of the
//! plotting area (so it never covers data), and, for colour-coded charts, a
//! colour bar in that column.

use super::axis::Axis;
use super::PlotResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub const FONT: &str = "sans-serif";
/// Tick labels, legend entries.
pub const SMALL: u32 = 17;
/// Axis descriptions.
pub const MEDIUM: u32 = 20;
const TITLE: u32 = 28;
/// Space kept around the plotting area \[px\].
pub const MARGIN: u32 = 16;

pub type Area<DB> = DrawingArea<DB, Shift>;

/// The areas of `n` panels stacked top to bottom on one x axis, each with
/// its part of the legend column beside it: `plot_col` and `side_col` (of
/// one height) cut into rows of one height, the last taller by `x_label_h`
/// (room for the x axis) and by what the division left over.
pub fn stacked_panels<DB: DrawingBackend>(
    plot_col: &Area<DB>,
    side_col: &Area<DB>,
    n: usize,
    x_label_h: u32,
) -> Vec<(Area<DB>, Area<DB>)> {
    let (_, h) = plot_col.dim_in_pixel();
    let panel_h = h.saturating_sub(x_label_h) / n.max(1) as u32;
    let mut top = 0;
    (0..n)
        .map(|i| {
            let this_h = if i + 1 == n { h - top } else { panel_h };
            let (_, rest) = plot_col.split_vertically(top);
            let (area, _) = rest.split_vertically(this_h);
            let (_, side_rest) = side_col.split_vertically(top);
            let (side, _) = side_rest.split_vertically(this_h);
            top += this_h;
            (area, side)
        })
        .collect()
}

/// Width of the y label area for `axis`: its widest tick label plus room
/// for the axis text.
pub fn y_label_width<DB: DrawingBackend>(area: &Area<DB>, axis: &Axis) -> u32
where
    DB::ErrorType: 'static,
{
    let widest = axis
        .major()
        .iter()
        .map(|v| text_width(area, &axis.label(*v), SMALL))
        .max()
        .unwrap_or(0);
    widest + 50
}

fn text_width<DB: DrawingBackend>(area: &Area<DB>, text: &str, size: u32) -> u32
where
    DB::ErrorType: 'static,
{
    area.estimate_text_size(text, &(FONT, size).into())
        .map(|(w, _)| w)
        .unwrap_or(text.len() as u32 * size / 2)
}

/// Words of `text` in lines no wider than `max_w` at `size` (a word longer
/// than that gets a line of its own).
fn wrap<DB: DrawingBackend>(area: &Area<DB>, text: &str, size: u32, max_w: u32) -> Vec<String>
where
    DB::ErrorType: 'static,
{
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if text_width(area, &format!("{line} {word}"), size) <= max_w => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws `title` centred at the top of `root`: on one line if it fits, else
/// broken before a parenthesis or between words onto two, else smaller.
/// Returns the area below it.
pub fn title<DB: DrawingBackend>(root: &Area<DB>, title: &str) -> Result<Area<DB>, PlotError>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let max_w = w.saturating_sub(2 * MARGIN);
    let mut size = TITLE;
    let lines = loop {
        if text_width(root, title, size) <= max_w {
            break vec![title.to_string()];
        }
        // Two lines: at " (" if that balances, else by words.
        let split = title
            .find(" (")
            .map(|i| vec![title[..i].to_string(), title[i + 1..].to_string()])
            .filter(|l| l.iter().all(|s| text_width(root, s, size) <= max_w))
            .or_else(|| {
                let half = text_width(root, title, size) / 2 + size;
                let l = wrap(root, title, size, half.min(max_w));
                (l.len() == 2 && l.iter().all(|s| text_width(root, s, size) <= max_w)).then_some(l)
            });
        if let Some(l) = split {
            break l;
        }
        if size <= 14 {
            break wrap(root, title, size, max_w);
        }
        size -= 2;
    };
    let line_h = size as i32 + 8;
    let style = (FONT, size)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    for (i, line) in lines.iter().enumerate() {
        root.draw_text(line, &style, (w as i32 / 2, 10 + i as i32 * line_h))?;
    }
    let used = 10 + lines.len() as i32 * line_h + 4;
    let (_, below) = root.split_vertically(used);
    Ok(below)
}

pub type PlotError = Box<dyn std::error::Error>;

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub enum Glyph {
    Line {
        color: RGBAColor,
        width: u32,
        dashed: bool,
    },
    /// A filled patch (a band, a bar segment).
    Patch(RGBAColor),
    /// A marker on the time axis (a triangle).
    Marker(RGBAColor),
    /// A point of a scatter.
    Dot(RGBAColor),
    /// No glyph: a note.
    None,
}

pub struct Entry {
    pub label: String,
    pub glyph: Glyph,
}

impl Entry {
    pub fn line(label: impl Into<String>, color: impl Color, width: u32) -> Self {
        Entry {
            label: label.into(),
            glyph: Glyph::Line {
                color: color.to_rgba(),
                width,
                dashed: false,
            },
        }
    }

    pub fn dashed(label: impl Into<String>, color: impl Color, width: u32) -> Self {
        Entry {
            label: label.into(),
            glyph: Glyph::Line {
                color: color.to_rgba(),
                width,
                dashed: true,
            },
        }
    }

    pub fn patch(label: impl Into<String>, color: RGBAColor) -> Self {
        Entry {
            label: label.into(),
            glyph: Glyph::Patch(color),
        }
    }

    pub fn marker(label: impl Into<String>, color: impl Color) -> Self {
        Entry {
            label: label.into(),
            glyph: Glyph::Marker(color.to_rgba()),
        }
    }

    /// A line of text without a glyph (a note: "values above ... clipped").
    pub fn note(label: impl Into<String>) -> Self {
        Entry {
            label: label.into(),
            glyph: Glyph::None,
        }
    }
}

const GLYPH_W: i32 = 28;
const GAP: i32 = 8;
/// Widest a legend column gets \[px\]; longer entries wrap.
pub const LEGEND_MAX_W: u32 = 360;

/// Width of the column a legend with these entries needs.
pub fn legend_width<DB: DrawingBackend>(area: &Area<DB>, entries: &[Entry]) -> u32
where
    DB::ErrorType: 'static,
{
    let text_max = LEGEND_MAX_W - (GLYPH_W + GAP) as u32 - MARGIN;
    let widest = entries
        .iter()
        .flat_map(|e| wrap(area, &e.label, SMALL, text_max))
        .map(|l| text_width(area, &l, SMALL))
        .max()
        .unwrap_or(0);
    if entries.is_empty() {
        0
    } else {
        widest + (GLYPH_W + GAP) as u32 + MARGIN + 4
    }
}

/// `body` cut into the plot (left) and a column `side_w` wide on its right
/// (legend, colour bar).
pub fn with_side_column<DB: DrawingBackend>(body: &Area<DB>, side_w: u32) -> (Area<DB>, Area<DB>) {
    let (w, _) = body.dim_in_pixel();
    body.split_horizontally(w.saturating_sub(side_w))
}

/// `body` cut into the plot and the legend column `entries` need.
pub fn with_legend<DB: DrawingBackend>(body: &Area<DB>, entries: &[Entry]) -> (Area<DB>, Area<DB>)
where
    DB::ErrorType: 'static,
{
    with_side_column(body, legend_width(body, entries))
}

/// Draws the entries top-down in `area` (a column beside the plot), from
/// `top` \[px\].
pub fn draw_legend<DB: DrawingBackend>(area: &Area<DB>, entries: &[Entry], top: i32) -> PlotResult
where
    DB::ErrorType: 'static,
{
    let (w, _) = area.dim_in_pixel();
    let text_max = w.saturating_sub((GLYPH_W + GAP) as u32 + MARGIN).max(60);
    let line_h = SMALL as i32 + 5;
    let style = (FONT, SMALL)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = top + line_h / 2;
    for e in entries {
        let x0 = 4;
        let xm = x0 + GLYPH_W / 2;
        match e.glyph {
            Glyph::Line {
                color,
                width,
                dashed,
            } => {
                let s = ShapeStyle::from(&color).stroke_width(width.max(2));
                if dashed {
                    area.draw(&plotters::element::DashedPathElement::new(
                        vec![(x0, y), (x0 + GLYPH_W, y)],
                        6,
                        4,
                        s,
                    ))?;
                } else {
                    area.draw(&PathElement::new(vec![(x0, y), (x0 + GLYPH_W, y)], s))?;
                }
            }
            Glyph::Patch(color) => {
                area.draw(&Rectangle::new(
                    [(x0, y - 7), (x0 + GLYPH_W, y + 7)],
                    color.filled(),
                ))?;
            }
            Glyph::Marker(color) => {
                area.draw(&marker_triangle((xm, y), color))?;
            }
            Glyph::Dot(color) => {
                area.draw(&Circle::new((xm, y), 6, color.filled()))?;
                area.draw(&Circle::new((xm, y), 6, BLACK.mix(0.6).stroke_width(1)))?;
            }
            Glyph::None => {}
        }
        for line in wrap(area, &e.label, SMALL, text_max) {
            area.draw_text(&line, &style, (x0 + GLYPH_W + GAP, y))?;
            y += line_h;
        }
        y += 3;
    }
    Ok(())
}

/// A downward triangle centred at `c` (pixel coordinates): the marker of an
/// event on the time axis.
pub fn marker_triangle(c: (i32, i32), color: RGBAColor) -> Polygon<(i32, i32)> {
    let (x, y) = c;
    Polygon::new(
        vec![(x - 7, y - 6), (x + 7, y - 6), (x, y + 6)],
        color.filled(),
    )
}

/// A sequential colour map, light yellow → orange → dark red (readable in
/// grey); `t` in [0, 1].
pub fn heat_color(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let stops = [
        (255.0, 237.0, 160.0),
        (254.0, 178.0, 76.0),
        (240.0, 59.0, 32.0),
        (128.0, 0.0, 38.0),
    ];
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let u = x - i as f64;
    let lerp = |a: f64, b: f64| (a + (b - a) * u).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Colour for "no value" cells and for zeros on a log colour scale.
pub const ZERO_COLOR: RGBColor = RGBColor(222, 235, 247);

/// Values → colours along an axis (linear, or log when values span
/// decades; zeros then get [`ZERO_COLOR`]).
pub struct ColorScale {
    pub axis: Axis,
    pub log: bool,
}

impl ColorScale {
    /// The scale for these values: log when all are ≥ 0 and the positive
    /// ones span at least two decades.
    pub fn for_values(values: &[f64], format_axis: impl Fn(f64, f64) -> Axis) -> Self {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let (lo, hi) = finite
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let min_pos = finite
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        if lo.is_finite() && lo >= 0.0 && min_pos.is_finite() && hi / min_pos >= 100.0 {
            return ColorScale {
                axis: Axis::log_number(min_pos, hi),
                log: true,
            };
        }
        let (lo, hi) = if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi > lo {
            (lo, hi)
        } else if lo >= 0.0 {
            // All equal: from 0, so the cells take the palest colour when
            // the value is 0.
            (0.0, (2.0 * lo).max(1.0))
        } else {
            (2.0 * lo, 0.0)
        };
        ColorScale {
            axis: format_axis(lo, hi),
            log: false,
        }
    }

    pub fn color(&self, v: f64) -> RGBColor {
        if !v.is_finite() || (self.log && v <= 0.0) {
            ZERO_COLOR
        } else {
            heat_color(self.axis.fraction(v))
        }
    }

    /// Whether a value is drawn dark (then text on it is white).
    pub fn is_dark(&self, v: f64) -> bool {
        v.is_finite() && !(self.log && v <= 0.0) && self.axis.fraction(v) > 0.55
    }
}

/// Draws a vertical colour bar for `scale` in `area` (the side column),
/// with `label` (the metric and its unit) above it and `zero_note` (what
/// [`ZERO_COLOR`] means, if used) below.
pub fn draw_color_bar<DB: DrawingBackend>(
    area: &Area<DB>,
    scale: &ColorScale,
    label: &str,
    zero_note: Option<&str>,
    top: i32,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, SMALL)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let mut y = top;
    for line in wrap(area, label, SMALL, w.saturating_sub(MARGIN)) {
        area.draw_text(&line, &style, (4, y))?;
        y += SMALL as i32 + 5;
    }
    let bottom_reserved = if zero_note.is_some() { 70 } else { 50 };
    let bar_h = (h as i32 - y - bottom_reserved).max(60) as u32;
    let (_, rest) = area.split_vertically(y + 4);
    let (bar_area, below) = rest.split_vertically(bar_h + 20);
    let mut bar = ChartBuilder::on(&bar_area)
        .margin_top(10)
        .margin_bottom(10)
        .right_y_label_area_size(w.saturating_sub(40).min(110))
        .build_cartesian_2d(Axis::linear(0.0, 1.0, 2), scale.axis.clone())?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style((FONT, SMALL))
        .draw()?;
    let n = 120;
    let (lo, hi) = (scale.axis.lo(), scale.axis.hi());
    let at = |t: f64| {
        if scale.log {
            lo * (hi / lo).powf(t)
        } else {
            lo + (hi - lo) * t
        }
    };
    bar.draw_series((0..n).map(|i| {
        let (a, b) = (at(i as f64 / n as f64), at((i + 1) as f64 / n as f64));
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            heat_color((i as f64 + 0.5) / n as f64).filled(),
        )
    }))?;
    bar.draw_series(std::iter::once(Rectangle::new(
        [(0.0, lo), (1.0, hi)],
        BLACK.mix(0.5).stroke_width(1),
    )))?;
    if let Some(note) = zero_note {
        below.draw(&Rectangle::new([(6, 10), (30, 28)], ZERO_COLOR.filled()))?;
        let s = (FONT, SMALL)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        below.draw_text(note, &s, (38, 19))?;
    }
    Ok(())
}

/// Pixel offsets of the 1-px passes that make a line `width` px wide.
fn passes(width: u32) -> &'static [(i32, i32)] {
    match width {
        0 | 1 => &[(0, 0)],
        2 => &[(0, 0), (1, 0), (0, 1), (1, 1)],
        _ => &[(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (1, 1), (-1, -1)],
    }
}

/// Draws a polyline through `points` (in `plot`'s coordinates) `width` px
/// wide, as 1-px passes side by side on `root` (the whole canvas). Plotters
/// draws a wider path as one polygon, which sprouts spikes where dense,
/// noisy data turns sharply; thin passes have no joins to go wrong. A
/// translucent line gets one pass, so its colour does not build up.
pub fn stroke<DB, CT>(
    root: &Area<DB>,
    plot: &DrawingArea<DB, CT>,
    points: impl IntoIterator<Item = (f64, f64)>,
    color: RGBAColor,
    width: u32,
) -> PlotResult
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    let mut px: Vec<(i32, i32)> = points
        .into_iter()
        .map(|p| plot.map_coordinate(&p))
        .collect();
    px.dedup();
    if px.len() < 2 {
        return Ok(());
    }
    let offsets = if color.3 < 1.0 {
        passes(1)
    } else {
        passes(width)
    };
    for (dx, dy) in offsets {
        root.draw(&PathElement::new(
            px.iter().map(|p| (p.0 + dx, p.1 + dy)).collect::<Vec<_>>(),
            color.stroke_width(1),
        ))?;
    }
    Ok(())
}
