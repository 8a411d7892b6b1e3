//! `staffing.png` of `labelsim staff` (SPEC §8 S4, issue 20): over one
//! demand cycle, the arrivals, the offered load with each method's
//! staffing as steps, and each target's per-interval attainment beside its
//! target line. The x axis is hours into the cycle, labelled with weekdays
//! (`mon`, `tue`, ...) for a week and with clock times for a day.

use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, WIDTH};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One step line: a value per interval.
pub struct StepLine {
    pub label: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
    pub dashed: bool,
}

/// One target's panel: the final staffing's attainment per interval (NaN
/// where nothing arrived) and the target's value.
pub struct AttainmentPanel {
    /// Short, with the unit in brackets: `labeled_within_4h [%]`.
    pub y_label: String,
    pub values: Vec<f64>,
    pub target: f64,
    pub target_label: String,
    /// Whether the values and the target are shares of 1, ticked as
    /// percentages (`95%`) as the target's label writes them.
    pub percent: bool,
}

pub struct StaffingChart<'a> {
    pub title: &'a str,
    /// Whether the cycle is a week (weekday labels) or a day.
    pub week: bool,
    /// The zone of the intervals (the group's: `UTC`, `UTC+05:00`,
    /// `America/New_York`).
    pub zone: String,
    /// Hours per interval.
    pub interval_h: f64,
    /// Arrivals per hour, per interval.
    pub arrivals_per_h: Vec<f64>,
    /// What arrives, for its axis (`objects`, or a queue's `messages`).
    pub arrivals_noun: &'a str,
    /// Offered load and staffings, in `staff_noun`.
    pub workers: Vec<StepLine>,
    /// Who is staffed, for the staffings' axis (`workers`, `pollers`).
    pub staff_noun: &'a str,
    pub attainment: Vec<AttainmentPanel>,
}

/// Colours for the staffings, in order.
pub const COLORS: [RGBColor; 6] = [
    RGBColor(120, 120, 120),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

/// (x, y) corners of a step line over the intervals.
fn steps(values: &[f64], interval_h: f64) -> Vec<(f64, f64)> {
    let mut pts = Vec::with_capacity(values.len() * 2);
    for (i, v) in values.iter().enumerate() {
        if v.is_finite() {
            pts.push((i as f64 * interval_h, *v));
            pts.push(((i + 1) as f64 * interval_h, *v));
        }
    }
    pts
}

/// A step line's corners, colour and whether it is dashed.
type Drawn = (Vec<(f64, f64)>, RGBColor, bool);

fn draw<DB: DrawingBackend>(root: Area<DB>, c: &StaffingChart<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, c.title)?;
    let span = c.arrivals_per_h.len() as f64 * c.interval_h;
    let arrivals = format!("arrivals [{}/h]", c.arrivals_noun);
    let mut legends: Vec<Vec<Entry>> =
        vec![vec![Entry::line(arrivals.clone(), RGBColor(90, 90, 90), 3)]];
    legends.push(
        c.workers
            .iter()
            .map(|l| {
                if l.dashed {
                    Entry::dashed(l.label.clone(), l.color, 3)
                } else {
                    Entry::line(l.label.clone(), l.color, 3)
                }
            })
            .collect(),
    );
    for p in &c.attainment {
        legends.push(vec![
            Entry::line(
                format!("{}, final staffing", metric_of(&p.y_label)),
                COLORS[4],
                3,
            ),
            Entry::dashed(p.target_label.clone(), BLACK, 2),
        ]);
    }
    let side_w = legends
        .iter()
        .map(|l| frame::legend_width(&body, l))
        .max()
        .unwrap_or(0);
    let (plot_col, side_col) = frame::with_side_column(&body, side_w);
    let x_label_h = 58;
    let areas = frame::stacked_panels(&plot_col, &side_col, legends.len(), x_label_h);
    // Ticks every day for a week, every 3 hours for a day.
    let tick_h = if span > 48.0 { 24.0 } else { 3.0 };
    let ticks = (span / tick_h).round() as usize + 1;
    let key_points: Vec<f64> = (0..ticks).map(|k| k as f64 * tick_h).collect();
    let n_panels = areas.len();
    for (i, ((area, side), legend)) in areas.into_iter().zip(&legends).enumerate() {
        let last = i + 1 == n_panels;
        let (lines, y_desc, target, percent): (Vec<Drawn>, String, Option<f64>, bool) = match i {
            0 => (
                vec![(
                    steps(&c.arrivals_per_h, c.interval_h),
                    RGBColor(90, 90, 90),
                    false,
                )],
                arrivals.clone(),
                None,
                false,
            ),
            1 => (
                c.workers
                    .iter()
                    .map(|l| (steps(&l.values, c.interval_h), l.color, l.dashed))
                    .collect(),
                c.staff_noun.into(),
                None,
                false,
            ),
            k => {
                let p = &c.attainment[k - 2];
                (
                    vec![(steps(&p.values, c.interval_h), COLORS[4], false)],
                    // The metric is named in the legend: a long name
                    // beside a short panel would run into the next one.
                    format!("measured {}", unit_of(&p.y_label)),
                    Some(p.target),
                    p.percent,
                )
            }
        };
        let ys = lines
            .iter()
            .flat_map(|l| l.0.iter().map(|p| p.1))
            .chain(target)
            .filter(|y| y.is_finite());
        let (min, max) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        let (min, max) = if min.is_finite() {
            (min, max)
        } else {
            (0.0, 1.0)
        };
        // Counts from 0; an attainment from a little below its lowest.
        let lo = if target.is_some() {
            (min - (max - min).max(0.01) * 0.2).max(0.0)
        } else {
            0.0f64.min(min)
        };
        let hi = if max > lo {
            max + (max - lo) * 0.08
        } else {
            lo + 1.0
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(MARGIN)
            .margin_top(if i == 0 { MARGIN / 2 } else { MARGIN })
            .margin_bottom(MARGIN / 2)
            .x_label_area_size(if last { x_label_h } else { 0 })
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..span, lo..hi)?;
        // Shares in whole percents, or with the decimals that tell ticks
        // apart over a narrow span (99.8%, 99.9%).
        let step_pct = (hi - lo) * 100.0 / 2.0;
        let decimals = if step_pct >= 1.0 {
            0
        } else {
            (-step_pct.log10()).ceil().min(3.0) as usize
        };
        let fmt_y = |y: &f64| {
            if percent {
                crate::human::tick_percent(*y, decimals)
            } else if (hi - lo) <= 2.0 {
                format!("{y:.2}")
            } else {
                format!("{y:.0}")
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_desc.as_str())
            // The x ticks are drawn below, on whole days or hours.
            .x_labels(0)
            .disable_x_mesh()
            .y_label_formatter(&fmt_y)
            .y_labels(4)
            .label_style((frame::FONT, SMALL))
            .axis_desc_style((frame::FONT, MEDIUM))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205));
        if last {
            let desc = if c.week {
                format!("interval of arrival (weekday, {})", c.zone)
            } else {
                format!("interval of arrival (time of day, {})", c.zone)
            };
            mesh.x_desc(desc);
        }
        mesh.draw()?;
        for &x in &key_points {
            chart.draw_series(LineSeries::new(
                [(x, lo), (x, hi)],
                RGBColor(205, 205, 205).stroke_width(1),
            ))?;
            if last {
                let (px, py) = chart.backend_coord(&(x, lo));
                let style = (frame::FONT, SMALL)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top));
                root.draw(&Text::new(
                    crate::human::cycle_tick(c.week, x),
                    (px, py + 6),
                    style,
                ))?;
            }
        }
        for (pts, color, dashed) in lines {
            if dashed {
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, color.stroke_width(2)))?;
            } else {
                chart.draw_series(LineSeries::new(pts, color.stroke_width(3)))?;
            }
        }
        if let Some(t) = target {
            chart.draw_series(DashedLineSeries::new(
                [(0.0, t), (span, t)],
                8,
                5,
                BLACK.stroke_width(2),
            ))?;
        }
        frame::draw_legend(&side, legend, MARGIN as i32 / 2)?;
    }
    root.present()?;
    Ok(())
}

/// Renders the staffing chart.
pub fn render_staffing_chart(path: &Path, fmt: Format, c: &StaffingChart<'_>) -> PlotResult {
    render_to!(path, fmt, draw(c))
}

/// The metric of a panel's label `metric [unit]`.
fn metric_of(label: &str) -> &str {
    label.rsplit_once(" [").map_or(label, |(m, _)| m)
}

/// The `[unit]` of a panel's label `metric [unit]` (empty without one).
fn unit_of(label: &str) -> &str {
    label
        .rsplit_once(" [")
        .map_or("", |(_, u)| &label[label.len() - u.len() - 1..])
}
