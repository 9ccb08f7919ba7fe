//! Section 5, trends by year: the themes' shares as lines, and a table of every code by year.

use std::borrow::Cow;
use std::io::{self, Write};

use super::Report;
use super::colour::PALETTE;
use super::html::{Escaped, capitalised, percent, thousands};
use super::svg::{MAX_SERIES, Point, Series, line_chart};
use crate::analysis::crosstab::{self, Crosstab, MISSING};

impl Report<'_> {
    pub(super) fn write_trends(&self, out: &mut dyn Write) -> io::Result<()> {
        let a = self.analysis;
        let by_year = a.crosstabs.iter().find(|c| c.field == "year").map_or_else(
            || {
                Cow::Owned(crosstab::crosstab(
                    &a.coding,
                    &a.codebook,
                    "year",
                    a.tables.options,
                ))
            },
            Cow::Borrowed,
        );
        let years = year_columns(&by_year);
        let undated = by_year
            .values
            .iter()
            .position(|v| v == MISSING)
            .map_or(0, |i| by_year.documents[i]);
        if years.is_empty() {
            return writeln!(
                out,
                "<p>No document has a year in its metadata (give years in corpus.toml to see \
                 trends).</p>"
            );
        }
        if undated > 0 {
            writeln!(
                out,
                "<p>{undated} document(s) without a year are left out of the chart; the table \
                 lists them under “{MISSING}”.</p>"
            )?;
        }
        if years.len() > 1 {
            self.write_trend_chart(&years, out)?;
        } else {
            writeln!(
                out,
                "<p>All dated documents are from one year, so there is no trend to draw.</p>"
            )?;
        }
        self.write_trend_table(&by_year, out)
    }

    /// The share of each theme's (sub-codes included) passages by year, as lines.
    fn write_trend_chart(&self, years: &[(usize, i32)], out: &mut dyn Write) -> io::Result<()> {
        let a = self.analysis;
        let options = crate::analysis::TableOptions {
            roll_up: true,
            ..a.tables.options
        };
        let themes = crosstab::crosstab(&a.coding, &a.codebook, "year", options);
        let mut series: Vec<Series> = themes
            .rows
            .iter()
            .filter(|r| !r.code.contains('/'))
            .map(|r| Series {
                label: r.label.clone(),
                colour: self
                    .row_index(&r.code)
                    .map_or_else(|| PALETTE[0].to_string(), |i| self.rows[i].colour.clone()),
                points: years
                    .iter()
                    .map(|&(column, year)| Point {
                        year,
                        share: r.shares[column],
                        passages: r.passages[column],
                        total: themes.passages[column],
                    })
                    .collect(),
            })
            .collect();
        let total = series.len();
        let shown = total.min(MAX_SERIES);
        let has_subcodes = self.rows.iter().any(|r| r.depth > 0);
        // Too many lines are unreadable: keep the most frequent, in codebook order.
        if series.len() > MAX_SERIES {
            let mut order: Vec<usize> = (0..series.len()).collect();
            order.sort_by_key(|&i| {
                std::cmp::Reverse(series[i].points.iter().map(|p| p.passages).sum::<usize>())
            });
            order.truncate(MAX_SERIES);
            order.sort_unstable();
            series = order.into_iter().map(|i| series[i].clone()).collect();
        }
        writeln!(
            out,
            "<figure>\n<figcaption>Share of each year's {}s coded with each {}{}{}.</figcaption>",
            self.unit(),
            if has_subcodes { "theme" } else { "code" },
            if has_subcodes {
                " (its sub-codes included)"
            } else {
                ""
            },
            if total > shown {
                format!(", the {shown} most frequent shown")
            } else {
                String::new()
            }
        )?;
        line_chart(&series, out)?;
        writeln!(out, "</figure>")
    }

    fn write_trend_table(&self, by_year: &Crosstab, out: &mut dyn Write) -> io::Result<()> {
        let unit = self.unit();
        write!(
            out,
            "<div class=\"scroll\"><table class=\"trends\">\n<caption>{} coded with each code by \
             year, and their share of the year's {unit}s</caption>\n<thead><tr><th scope=\"col\">Code</th>",
            capitalised(&format!("{unit}s"))
        )?;
        for (i, value) in by_year.values.iter().enumerate() {
            write!(
                out,
                "<th scope=\"col\" class=\"num\">{}<br><span class=\"ref\">{} doc. · {} {unit}s</span></th>",
                Escaped(value),
                by_year.documents[i],
                thousands(by_year.passages[i])
            )?;
        }
        writeln!(out, "</tr></thead>\n<tbody>")?;
        for row in &by_year.rows {
            let depth = row.code.matches('/').count();
            write!(
                out,
                "<tr class=\"depth-{}\"><th scope=\"row\">{}</th>",
                depth.min(3),
                Escaped(&row.label)
            )?;
            for (passages, share) in row.passages.iter().zip(&row.shares) {
                if *passages == 0 {
                    write!(out, "<td class=\"num zero\">0</td>")?;
                } else {
                    write!(
                        out,
                        "<td class=\"num\">{} <span class=\"ref\">{}</span></td>",
                        thousands(*passages),
                        percent(*share)
                    )?;
                }
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table></div>")
    }
}

/// The columns of a crosstab by year that are years, with the year each holds.
fn year_columns(by_year: &Crosstab) -> Vec<(usize, i32)> {
    by_year
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.parse::<i32>().ok().map(|y| (i, y)))
        .collect()
}
