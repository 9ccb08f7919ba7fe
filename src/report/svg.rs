//! The charts, drawn as inline SVG: the bars of code frequencies, the heatmap of
//! co-occurrence and the lines of trends by year. Sizes are estimated from character counts,
//! as the page cannot measure its text without a script.

use std::io::{self, Write};

use super::CodeRow;
use super::colour::{ink_on, sequential};
use super::html::{Escaped, percent, percent_rounded, thousands, truncate};

/// The average advance of a character of the sans-serif fonts the page asks for, in ems: a
/// little wide, so that estimated label widths err on the side of room.
const CHAR_EM: f64 = 0.55;

fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * CHAR_EM
}

/// The most characters of a label that fit in `width` pixels.
fn chars_fitting(width: f64, font_px: f64) -> usize {
    (width / (font_px * CHAR_EM)).floor().max(4.0) as usize
}

/// One bar of the frequency chart: the code's passages, and with a pale extension those of
/// its sub-codes.
struct Bar<'r> {
    row: &'r CodeRow<'r>,
    /// Where the pale extension ends, if the bar has one.
    extension: Option<usize>,
    /// The figure written after the bar.
    value: String,
    tooltip: String,
}

impl<'r> Bar<'r> {
    fn new(row: &'r CodeRow<'r>, roll_up: bool, unit: &str) -> Bar<'r> {
        let f = row.freq;
        // Rolled-up counts already include the sub-codes; otherwise a theme's reach with its
        // sub-codes is drawn as an extension.
        let extension = (!roll_up && row.has_subcodes && f.passages_with_subcodes > f.passages)
            .then_some(f.passages_with_subcodes);
        let mut tooltip = format!(
            "{} ({}): {} {unit}s ({}), {} documents, {} hits",
            row.label(),
            row.id(),
            thousands(f.passages),
            percent(f.share),
            f.documents,
            thousands(f.hits)
        );
        let mut value = thousands(f.passages);
        if let Some(reach) = extension {
            tooltip.push_str(&format!("; {} with its sub-codes", thousands(reach)));
            value.push_str(&format!(" ({} with sub-codes)", thousands(reach)));
        }
        Bar {
            row,
            extension,
            value,
            tooltip,
        }
    }

    fn end(&self) -> usize {
        self.extension.unwrap_or(self.row.freq.passages)
    }
}

/// Bars of each code's passages, sub-codes indented under their theme, in the codes' colours.
pub(super) fn bar_chart(
    rows: &[CodeRow],
    roll_up: bool,
    unit: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    const WIDTH: f64 = 1040.0;
    const ROW: f64 = 24.0;
    const BAR: f64 = 15.0;
    const FONT: f64 = 13.0;
    const VALUE_FONT: f64 = 12.0;
    const INDENT: f64 = 18.0;
    const TOP: f64 = 8.0;
    const AXIS: f64 = 28.0;
    let bars: Vec<Bar> = rows.iter().map(|r| Bar::new(r, roll_up, unit)).collect();
    let label_x = |row: &CodeRow| 6.0 + INDENT * row.depth as f64;
    let label_room = bars
        .iter()
        .map(|b| label_x(b.row) + text_width(b.row.label(), FONT))
        .fold(120.0, f64::max)
        .min(470.0)
        + 12.0;
    let value_room = bars
        .iter()
        .map(|b| text_width(&b.value, VALUE_FONT))
        .fold(0.0, f64::max)
        + 16.0;
    let max = bars.iter().map(Bar::end).max().unwrap_or(0).max(1) as f64;
    let plot = WIDTH - label_room - value_room;
    let x = |value: f64| label_room + plot * value / max;
    let bottom = TOP + ROW * bars.len() as f64;
    let height = bottom + AXIS;
    writeln!(
        out,
        "<svg class=\"chart bars\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" \
         height=\"{height:.0}\" role=\"img\" aria-labelledby=\"bars-title\" \
         font-size=\"{FONT}\">\n<title id=\"bars-title\">Bar chart: {unit}s coded with each \
         code</title>"
    )?;
    // The longest bar spans the plot; the ticks stop at the last round value within it.
    let step = nice_step(max, 6).max(1.0);
    let mut tick = 0.0;
    while tick <= max + 1e-9 {
        writeln!(
            out,
            "<line class=\"grid\" x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{TOP}\" y2=\"{bottom:.1}\"/>\
             <text class=\"tick\" x=\"{at:.1}\" y=\"{label_y:.1}\" text-anchor=\"middle\">{label}</text>",
            at = x(tick),
            label_y = bottom + 18.0,
            label = thousands(tick as usize)
        )?;
        tick += step;
    }
    for (i, bar) in bars.iter().enumerate() {
        let row = bar.row;
        let y = TOP + ROW * i as f64;
        let baseline = y + ROW / 2.0 + FONT * 0.35;
        let bar_y = y + (ROW - BAR) / 2.0;
        let label = truncate(
            row.label(),
            chars_fitting(label_room - label_x(row) - 10.0, FONT),
        );
        let weight = if row.depth == 0 {
            " class=\"theme\""
        } else {
            ""
        };
        writeln!(
            out,
            "<g><title>{}</title>\n<text{weight} x=\"{:.1}\" y=\"{baseline:.1}\">{}</text>",
            Escaped(&bar.tooltip),
            label_x(row),
            Escaped(&label)
        )?;
        if let Some(reach) = bar.extension {
            writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{bar_y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\" fill-opacity=\"0.3\"/>",
                x(0.0),
                x(reach as f64) - x(0.0),
                row.colour
            )?;
        }
        writeln!(
            out,
            "<rect x=\"{:.1}\" y=\"{bar_y:.1}\" width=\"{:.1}\" height=\"{BAR}\" fill=\"{}\"/>\n\
             <text class=\"value\" x=\"{:.1}\" y=\"{baseline:.1}\">{}</text>\n</g>",
            x(0.0),
            x(row.freq.passages as f64) - x(0.0),
            row.colour,
            x(bar.end() as f64) + 5.0,
            Escaped(&bar.value)
        )?;
    }
    writeln!(out, "</svg>")
}

/// Where the heatmap's parts go.
struct Grid {
    /// Left edge of the cells (the row labels are to its left).
    left: f64,
    /// Top edge of the cells (the column labels are above it).
    top: f64,
    cell: f64,
    cell_font: f64,
}

impl Grid {
    const FONT: f64 = 12.0;
    const INDENT: f64 = 12.0;
    const LEGEND: f64 = 56.0;
    /// Longest row and column labels, in characters; the full label is in their tooltip.
    const ROW_LABEL: usize = 44;
    const COLUMN_LABEL: usize = 34;

    fn new(rows: &[CodeRow]) -> Grid {
        let widest = |limit: usize| {
            rows.iter()
                .map(|r| text_width(&truncate(r.label(), limit), Self::FONT))
                .fold(60.0, f64::max)
        };
        let deepest = rows.iter().map(|r| r.depth).max().unwrap_or(0) as f64;
        // Small cells for a large codebook, so the grid stays within reach of its labels.
        let (cell, cell_font) = if rows.len() > 30 {
            (18.0, 9.0)
        } else {
            (27.0, 11.0)
        };
        Grid {
            left: widest(Self::ROW_LABEL) + Self::INDENT * deepest + 14.0,
            top: widest(Self::COLUMN_LABEL) + 10.0,
            cell,
            cell_font,
        }
    }

    fn size(&self, n: usize) -> f64 {
        self.cell * n as f64
    }
}

/// A codes × codes grid: counts in the cells, shaded by Jaccard index, a `<title>` per cell.
pub(super) fn heatmap(
    rows: &[CodeRow],
    counts: &[Vec<usize>],
    jaccard: &[Vec<f64>],
    counted: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let n = rows.len();
    let grid = Grid::new(rows);
    let width = (grid.left + grid.size(n) + 10.0).max(420.0);
    let height = grid.top + grid.size(n) + Grid::LEGEND;
    writeln!(
        out,
        "<svg class=\"chart heatmap\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" \
         height=\"{height:.0}\" role=\"img\" aria-labelledby=\"heatmap-title\" font-size=\"{}\">\n\
         <title id=\"heatmap-title\">Heatmap: {counted} coded with both codes, {n} × {n} codes, \
         shaded by Jaccard index</title>",
        Grid::FONT
    )?;
    heatmap_labels(rows, &grid, out)?;
    let max_jaccard = jaccard
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    heatmap_cells(rows, counts, jaccard, max_jaccard, counted, &grid, out)?;
    theme_rules(rows, &grid, out)?;
    heatmap_legend(max_jaccard, grid.left, grid.top + grid.size(n) + 22.0, out)?;
    writeln!(out, "</svg>")
}

/// The codes' labels left of the rows and, turned, above the columns.
fn heatmap_labels(rows: &[CodeRow], grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        let weight = if row.depth == 0 {
            " class=\"theme\""
        } else {
            ""
        };
        let centre = |at: f64| at + grid.cell * (i as f64 + 0.5) + Grid::FONT * 0.35;
        writeln!(
            out,
            "<text{weight} x=\"{:.1}\" y=\"{:.1}\"><title>{label}</title>{}</text>\n\
             <text{weight} transform=\"translate({:.1} {:.1}) rotate(-90)\"><title>{label}</title>{}</text>",
            4.0 + Grid::INDENT * row.depth as f64,
            centre(grid.top),
            Escaped(&truncate(row.label(), Grid::ROW_LABEL)),
            centre(grid.left),
            grid.top - 6.0,
            Escaped(&truncate(row.label(), Grid::COLUMN_LABEL)),
            label = Escaped(row.label()),
        )?;
    }
    Ok(())
}

/// One cell per pair of codes: the count, a shade for the Jaccard index, a tooltip. The
/// diagonal, each code with itself, is grey with its count in bold.
fn heatmap_cells(
    rows: &[CodeRow],
    counts: &[Vec<usize>],
    jaccard: &[Vec<f64>],
    max_jaccard: f64,
    counted: &str,
    grid: &Grid,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "<g class=\"cells\" font-size=\"{}\">", grid.cell_font)?;
    let cell = grid.cell;
    for (i, a) in rows.iter().enumerate() {
        for (j, b) in rows.iter().enumerate() {
            let (fill, tooltip) = if i == j {
                (
                    "#e8e8e8".to_string(),
                    format!("{}: {} {counted} coded", a.label(), thousands(counts[i][i])),
                )
            } else {
                (
                    sequential(jaccard[i][j] / max_jaccard),
                    format!(
                        "{} × {}: {} {counted} with both, Jaccard {:.3}",
                        a.label(),
                        b.label(),
                        thousands(counts[i][j]),
                        jaccard[i][j]
                    ),
                )
            };
            let (x, y) = (grid.left + cell * j as f64, grid.top + cell * i as f64);
            write!(
                out,
                "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\"/>",
                Escaped(&tooltip)
            )?;
            if counts[i][j] > 0 {
                let bold = if i == j { " font-weight=\"bold\"" } else { "" };
                write!(
                    out,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\"{bold}>{}</text>",
                    x + cell / 2.0,
                    y + cell / 2.0 + grid.cell_font * 0.35,
                    ink_on(&fill),
                    counts[i][j]
                )?;
            }
            writeln!(out, "</g>")?;
        }
    }
    writeln!(out, "</g>")
}

/// Lines across the heatmap where a new theme begins, and a frame around it.
fn theme_rules(rows: &[CodeRow], grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let (left, top) = (grid.left, grid.top);
    let size = grid.size(rows.len());
    for (i, _) in rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i > 0 && r.depth == 0)
    {
        let at = grid.size(i);
        writeln!(
            out,
            "<line class=\"rule\" x1=\"{left:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>\
             <line class=\"rule\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{top:.1}\" y2=\"{:.1}\"/>",
            left + size,
            top + at,
            top + at,
            left + at,
            left + at,
            top + size
        )?;
    }
    writeln!(
        out,
        "<rect class=\"frame\" x=\"{left:.1}\" y=\"{top:.1}\" width=\"{size:.1}\" height=\"{size:.1}\"/>"
    )
}

fn heatmap_legend(max: f64, left: f64, y: f64, out: &mut dyn Write) -> io::Result<()> {
    const SWATCH: f64 = 30.0;
    writeln!(
        out,
        "<g class=\"legend\"><text x=\"{left:.1}\" y=\"{:.1}\">Jaccard index</text>",
        y + 12.0
    )?;
    let start = left + 100.0;
    for k in 0..=5 {
        let t = k as f64 / 5.0;
        let x = start + SWATCH * k as f64;
        writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{SWATCH}\" height=\"16\" fill=\"{}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{:.2}</text>",
            sequential(t),
            x + SWATCH / 2.0,
            y + 30.0,
            t * max
        )?;
    }
    writeln!(out, "</g>")
}

/// Most lines in the trend chart.
pub(super) const MAX_SERIES: usize = 8;

/// One line of the trend chart.
#[derive(Clone)]
pub(super) struct Series {
    pub(super) label: String,
    pub(super) colour: String,
    pub(super) points: Vec<Point>,
}

#[derive(Clone, Copy)]
pub(super) struct Point {
    pub(super) year: i32,
    pub(super) share: f64,
    pub(super) passages: usize,
    /// The year's passages.
    pub(super) total: usize,
}

/// Shares by year as lines, years on a linear scale, with a legend at the right.
pub(super) fn line_chart(series: &[Series], out: &mut dyn Write) -> io::Result<()> {
    const WIDTH: f64 = 1040.0;
    const HEIGHT: f64 = 320.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 290.0;
    const TOP: f64 = 16.0;
    const BOTTOM: f64 = 44.0;
    const PAD: f64 = 24.0;
    const FONT: f64 = 13.0;
    let years: Vec<i32> = series
        .first()
        .map(|s| s.points.iter().map(|p| p.year).collect())
        .unwrap_or_default();
    let (first, last) = match (years.first(), years.last()) {
        (Some(&f), Some(&l)) if l > f => (f as f64, l as f64),
        _ => return Ok(()),
    };
    let max_share = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.share))
        .fold(0.0, f64::max)
        .max(0.01);
    let step = nice_step(max_share, 5);
    let top_share = (max_share / step).ceil() * step;
    let plot_w = WIDTH - LEFT - RIGHT - 2.0 * PAD;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |year: i32| LEFT + PAD + plot_w * (year as f64 - first) / (last - first);
    let y = |share: f64| TOP + plot_h * (1.0 - share / top_share);
    writeln!(
        out,
        "<svg class=\"chart lines\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" \
         height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"trend-title\" font-size=\"{FONT}\">\n\
         <title id=\"trend-title\">Line chart: share of passages coded with each theme, by year</title>"
    )?;
    let mut tick = 0.0;
    while tick <= top_share + 1e-9 {
        writeln!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{right:.1}\" y1=\"{at:.1}\" y2=\"{at:.1}\"/>\
             <text class=\"tick\" x=\"{label_x:.1}\" y=\"{label_y:.1}\" text-anchor=\"end\">{label}</text>",
            right = WIDTH - RIGHT,
            at = y(tick),
            label_x = LEFT - 6.0,
            label_y = y(tick) + FONT * 0.35,
            label = percent_rounded(tick)
        )?;
        tick += step;
    }
    // Label every year when they fit, else every k-th.
    let every = years.len().div_ceil(14).max(1);
    for &year in years.iter().step_by(every) {
        writeln!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{year}</text>",
            x(year),
            HEIGHT - BOTTOM + 20.0
        )?;
    }
    for (k, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.year), y(p.share)))
            .collect();
        writeln!(
            out,
            "<g><title>{}</title><polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2.5\" points=\"{}\"/>",
            Escaped(&s.label),
            s.colour,
            points.join(" ")
        )?;
        for p in &s.points {
            writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\"><title>{}, {}: {} of {} passages ({})</title></circle>",
                x(p.year),
                y(p.share),
                s.colour,
                Escaped(&s.label),
                p.year,
                thousands(p.passages),
                thousands(p.total),
                percent(p.share)
            )?;
        }
        let legend_y = TOP + 8.0 + 22.0 * k as f64;
        let legend_x = WIDTH - RIGHT + 20.0;
        writeln!(
            out,
            "<line x1=\"{legend_x:.1}\" x2=\"{:.1}\" y1=\"{legend_y:.1}\" y2=\"{legend_y:.1}\" \
             stroke=\"{}\" stroke-width=\"3\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n</g>",
            legend_x + 22.0,
            s.colour,
            legend_x + 28.0,
            legend_y + FONT * 0.35,
            Escaped(&truncate(&s.label, chars_fitting(RIGHT - 52.0, FONT)))
        )?;
    }
    writeln!(out, "</svg>")
}

/// A round step for about `ticks` axis divisions up to `max`: 1, 2 or 5 times a power of ten.
fn nice_step(max: f64, ticks: usize) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = match raw / magnitude {
        r if r <= 1.0 => 1.0,
        r if r <= 2.0 => 2.0,
        r if r <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(87.0, 6), 20.0);
        assert_eq!(nice_step(0.183, 5), 0.05);
    }
}
