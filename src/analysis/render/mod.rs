//! Tables as text: the aligned tables, CSV and JSON that `thematic analyze`, `evaluate` and
//! `agree` print, laid out here so that a program linking the library prints what the command
//! line prints, and the command line only parses arguments and chooses where to write.
//!
//! * [`overview`]: an analysis's summary line, code frequencies and strongest co-occurrences.
//! * [`evaluation`]: a codebook against a gold standard, per code and per language, with the
//!   disagreements.
//! * [`agreement`]: agreement between coders, at the passage and the segment level.
//!
//! The small pieces they share ([`table`], [`figure`], [`thousands`], …) are public too, for
//! tables of one's own in the same style.

mod agreement;
mod evaluation;
mod overview;

pub use agreement::{AgreementTables, agreement};
pub use evaluation::{EvaluationContext, evaluation};
pub use overview::overview;

use unicode_width::UnicodeWidthStr;

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// An aligned table for reading.
    #[default]
    Table,
    /// CSV, figures with six decimals and undefined ones empty.
    Csv,
    /// JSON, the result's own serialisation.
    Json,
}

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Padded on the right.
    Left,
    /// Padded on the left, for figures.
    Right,
}

/// Column alignments from a spec: `l` left, anything else right (`"llrr"`).
pub fn aligns(spec: &str) -> Vec<Align> {
    spec.chars()
        .map(|c| if c == 'l' { Align::Left } else { Align::Right })
        .collect()
}

/// Renders rows as an aligned table with a header line, columns two spaces apart. Widths are
/// measured in terminal columns, so Cyrillic and Kazakh codes line up with Latin ones.
pub fn table(headers: &[&str], align: &[Align], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate() {
            let pad = " ".repeat(widths[i].saturating_sub(cell.width()));
            if i > 0 {
                out.push_str("  ");
            }
            match align[i] {
                Align::Left => {
                    out.push_str(cell);
                    if i + 1 < widths.len() {
                        out.push_str(&pad);
                    }
                }
                Align::Right => {
                    out.push_str(&pad);
                    out.push_str(cell);
                }
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(&mut headers.iter().copied());
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str)));
        out.push('\n');
    }
    out
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A figure for reading: three decimals, or `–` where it is undefined (a blank would read as
/// a missing cell).
pub fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// A figure for CSV: six decimals, or empty where it is undefined, which spreadsheets and
/// pandas read as missing.
pub fn csv_figure(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:.6}"))
}

/// A share (0 to 1) as a percentage with one decimal: `13.8%`.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// Writes `value` as pretty-printed JSON and a newline.
pub(crate) fn write_json(
    value: &impl serde::Serialize,
    out: &mut dyn std::io::Write,
) -> crate::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// A CSV writer's error as the library's: the sink's own I/O error where there is one, so
/// that a closed pipe is still recognised as one.
pub(crate) fn csv_error(e: csv::Error) -> crate::Error {
    crate::export::csv_error(e).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_wide_characters() {
        let t = table(
            &["code", "n"],
            &aligns("lr"),
            &[
                vec!["білім".into(), "3".into()],
                vec!["a".into(), "12".into()],
            ],
        );
        assert_eq!(t, "code    n\nбілім   3\na      12\n");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }

    #[test]
    fn figures_for_reading_and_for_csv() {
        assert_eq!(figure(Some(0.12345)), "0.123");
        assert_eq!(figure(None), "–");
        assert_eq!(csv_figure(Some(0.5)), "0.500000");
        assert_eq!(csv_figure(None), "");
        assert_eq!(percent(0.1379), "13.8%");
    }

    #[test]
    fn a_closed_pipe_stays_an_io_error() {
        let broken = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = csv_error(csv::Error::from(broken));
        assert!(
            matches!(&e, crate::Error::IoWithoutPath(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            "{e:?}"
        );
    }
}
