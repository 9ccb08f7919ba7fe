//! The results as one Excel workbook, `results.xlsx`: a sheet per table, for people who work in
//! spreadsheets.
//!
//! Each sheet holds exactly the rows and columns of the CSV file of the same table (the CSV
//! writers are the single source of the columns), with numbers stored as numbers, a bold frozen
//! header row and a filter on every column. The code × document table is also laid out as a
//! matrix, codes down and documents across, as MAXQDA's Code Matrix Browser shows it.

use std::collections::HashMap;
use std::io::{self, Write};

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::Analysis;

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on the rows of one sheet.
const MAX_ROWS: usize = 1_048_576;
/// Excel's limit on the length of a sheet name.
const MAX_SHEET_NAME: usize = 31;
/// At most this many coded segments go into the Excerpts sheet: a sheet is for reading and
/// filtering, and on a large corpus millions of excerpts would only make a workbook nobody can
/// open. excerpts.csv and excerpts.jsonl hold them all.
pub const MAX_EXCERPT_ROWS: usize = 20_000;

/// Writes the workbook of `analysis`: Frequencies, Co-occurrence, Co-occurrence matrix, Code
/// matrix (passages of each code in each document), Excerpts (the first [`MAX_EXCERPT_ROWS`]),
/// and one sheet per crosstab.
pub fn write_workbook(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let tables = &analysis.tables;
    let mut sheets: Vec<(String, Vec<Vec<String>>)> = vec![
        (
            "Frequencies".into(),
            csv_rows(|w| super::write_frequencies_csv(tables, w))?,
        ),
        (
            "Co-occurrence".into(),
            csv_rows(|w| super::write_cooccurrence_csv(tables, w))?,
        ),
        (
            "Co-occurrence matrix".into(),
            csv_rows(|w| super::write_cooccurrence_matrix_csv(tables, w))?,
        ),
        ("Code matrix".into(), code_matrix(analysis)),
        ("Excerpts".into(), excerpt_rows(analysis)?),
    ];
    for crosstab in &analysis.crosstabs {
        let rows = csv_rows(|w| super::write_crosstab_csv(crosstab, w))?;
        sheets.push((format!("By {}", crosstab.field), rows));
    }
    let mut workbook = Workbook::new();
    let mut used = Vec::new();
    for (name, rows) in &sheets {
        let name = unique_sheet_name(name, &mut used);
        let sheet = workbook.add_worksheet();
        fill(sheet, &name, rows).map_err(xlsx_error)?;
    }
    let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
    out.write_all(&bytes)
}

/// The first [`MAX_EXCERPT_ROWS`] excerpts as excerpts.csv has them, and a last row saying how
/// many more there are.
fn excerpt_rows(analysis: &Analysis) -> io::Result<Vec<Vec<String>>> {
    let coding = &analysis.coding;
    let shown = coding.segments.len().min(MAX_EXCERPT_ROWS);
    // One character over the cell's limit is enough for `fit_cell` to cut the text as it
    // would cut the whole of it, without the whole of every passage held here first.
    let excerpts = |coding: &crate::Coding, w: &mut dyn Write| {
        let (corpus, codebook) = (&analysis.corpus, &analysis.codebook);
        super::write_excerpts_csv_cut(coding, corpus, codebook, w, Some(MAX_CELL_CHARS + 1))
    };
    let mut rows = if shown == coding.segments.len() {
        csv_rows(|w| excerpts(coding, w))?
    } else {
        let first = crate::Coding {
            unit: coding.unit,
            documents: coding.documents.clone(),
            segments: coding.segments[..shown].to_vec(),
        };
        csv_rows(|w| excerpts(&first, w))?
    };
    if shown < coding.segments.len() {
        rows.push(vec![format!(
            "… {} more coded segments: excerpts.csv and excerpts.jsonl hold them all",
            coding.segments.len() - shown
        )]);
    }
    Ok(rows)
}

/// The rows of a table as its CSV writer writes it.
fn csv_rows(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<Vec<Vec<String>>> {
    let mut bytes = Vec::new();
    write(&mut bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_string).collect())
                .map_err(io::Error::other)
        })
        .collect()
}

/// Codes down, documents across, passages in the cells; a document's column is headed by its
/// title (its id when it has none).
fn code_matrix(analysis: &Analysis) -> Vec<Vec<String>> {
    let documents = analysis.corpus.documents();
    let column: HashMap<&str, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (&*d.id, i))
        .collect();
    let mut header = vec!["code".to_string(), "label".to_string()];
    header.extend(documents.iter().map(|d| {
        if d.metadata.title.is_empty() {
            d.id.to_string()
        } else {
            d.metadata.title.clone()
        }
    }));
    let mut cells: HashMap<&str, Vec<usize>> = HashMap::new();
    for cell in &analysis.tables.by_document {
        if let Some(&i) = column.get(&*cell.doc) {
            cells
                .entry(&*cell.code)
                .or_insert_with(|| vec![0; documents.len()])[i] = cell.passages;
        }
    }
    let mut rows = vec![header];
    for f in &analysis.tables.frequencies {
        let mut row = vec![f.code.to_string(), f.label.clone()];
        match cells.get(&*f.code) {
            Some(counts) => row.extend(counts.iter().map(usize::to_string)),
            None => row.extend(std::iter::repeat_n("0".to_string(), documents.len())),
        }
        rows.push(row);
    }
    rows
}

fn fill(sheet: &mut Worksheet, name: &str, rows: &[Vec<String>]) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    let columns = rows.first().map_or(0, Vec::len);
    let shown = rows.len().min(MAX_ROWS - 1);
    for (r, row) in rows[..shown].iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_string_with_format(r, c, value, &bold)?;
            } else if let Some(number) = as_number(value) {
                sheet.write_number(r, c, number)?;
            } else {
                sheet.write_string(r, c, fit_cell(value))?;
            }
        }
    }
    if shown < rows.len() {
        sheet.write_string(
            shown as u32,
            0,
            format!(
                "… {} more rows than a sheet holds: see the CSV file",
                rows.len() - shown
            ),
        )?;
    }
    if columns > 0 && shown > 1 {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, (shown - 1) as u32, (columns - 1) as u16)?;
    }
    for c in 0..columns {
        let widest = rows[..shown.min(200)]
            .iter()
            .filter_map(|row| row.get(c))
            .map(|v| v.chars().count())
            .max()
            .unwrap_or(8);
        sheet.set_column_width(c as u16, (widest as f64 + 2.0).clamp(6.0, 80.0))?;
    }
    Ok(())
}

/// A cell's text as a number, when it is written as one: digits with an optional sign and
/// decimals, and no leading zero that an identifier such as "007" would lose.
fn as_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = !whole.is_empty()
        && !fraction.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'))
        && whole.len() <= 15;
    if plain { text.parse().ok() } else { None }
}

/// Text cut to what one cell holds, saying so.
fn fit_cell(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text.to_string();
    }
    let note = " […cut: the cell limit is 32,767 characters; the CSV has the full text]";
    let keep = MAX_CELL_CHARS - note.chars().count();
    text.chars().take(keep).collect::<String>() + note
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`), unique in the
/// workbook.
fn unique_sheet_name(name: &str, used: &mut Vec<String>) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(MAX_SHEET_NAME)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!(" ({n})");
        let room = MAX_SHEET_NAME - suffix.chars().count();
        candidate = clean.chars().take(room).collect::<String>() + &suffix;
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

fn xlsx_error(e: XlsxError) -> io::Error {
    io::Error::other(format!("writing the workbook: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_numbers_and_identifiers_stay_text() {
        assert_eq!(as_number("12"), Some(12.0));
        assert_eq!(as_number("0.25"), Some(0.25));
        assert_eq!(as_number("-3.5"), Some(-3.5));
        assert_eq!(as_number("0"), Some(0.0));
        for text in [
            "007",
            "001_80cac5b2",
            "",
            "1e5",
            "2023–2027",
            "12.",
            "inf",
            "NaN",
            "1234567890123456",
        ] {
            assert_eq!(as_number(text), None, "{text}");
        }
    }

    #[test]
    fn sheet_names_are_legal_and_unique() {
        let mut used = Vec::new();
        assert_eq!(unique_sheet_name("By year", &mut used), "By year");
        assert_eq!(unique_sheet_name("By year", &mut used), "By year (2)");
        let long = unique_sheet_name("By a/very:long*metadata?field[name] indeed", &mut used);
        assert!(
            long.chars().count() <= 31 && !long.contains(['/', ':', '*', '?', '[', ']']),
            "{long}"
        );
    }

    #[test]
    fn overlong_cells_are_cut_with_a_note() {
        let text = "ж".repeat(40_000);
        let cut = fit_cell(&text);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("the CSV has the full text]"));
    }
}
