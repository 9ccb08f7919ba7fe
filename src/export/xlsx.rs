//! The results as one Excel workbook, `results.xlsx`: a sheet per table, for people who work in
//! spreadsheets.
//!
//! Each sheet holds exactly the rows and columns of the CSV file of the same table (the CSV
//! writers are the single source of the columns), with numbers stored as numbers, a bold frozen
//! header row and a filter on every column. The code × document table is also laid out as a
//! matrix, codes down and documents across, as MAXQDA's Code Matrix Browser shows it.

use std::collections::HashMap;
use std::io::{self, Write};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use crate::Analysis;

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on the rows of one sheet.
const MAX_ROWS: usize = 1_048_576;
/// Excel's limit on the columns of one sheet.
const MAX_COLUMNS: usize = 16_384;
/// Excel's limit on the length of a sheet name.
const MAX_SHEET_NAME: usize = 31;
/// At most this many coded segments go into the Excerpts sheet: a sheet is for reading and
/// filtering, and on a large corpus millions of excerpts would only make a workbook nobody can
/// open. excerpts.csv and excerpts.jsonl hold them all.
pub const MAX_EXCERPT_ROWS: usize = 20_000;

/// How many of `len` rows or columns a sheet holding at most `max` shows: all that fit, or,
/// when they do not, one fewer than it holds, to leave room for the note that says so.
fn fitted(len: usize, max: usize) -> usize {
    if len > max { max - 1 } else { len }
}

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
    // The workbook records when it was made; `SOURCE_DATE_EPOCH` fixes that time, so that two
    // runs give the same bytes (a time Excel cannot show, before 1900 or after 9999, is left
    // to the clock).
    if let Some(created) = crate::fingerprint::source_date_epoch()
        .and_then(|seconds| ExcelDateTime::from_timestamp(seconds).ok())
    {
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    }
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
/// title (its id when it has none). A corpus of more documents than a sheet has columns is laid
/// out the other way: documents down, codes across.
fn code_matrix(analysis: &Analysis) -> Vec<Vec<String>> {
    let documents = analysis.corpus.documents();
    if documents.len() + 2 > MAX_COLUMNS {
        return document_matrix(analysis);
    }
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

/// Documents down, codes across: the code matrix of a corpus too wide to lay out codes down.
fn document_matrix(analysis: &Analysis) -> Vec<Vec<String>> {
    let codes: HashMap<&str, usize> = analysis
        .tables
        .frequencies
        .iter()
        .enumerate()
        .map(|(i, f)| (&*f.code, i))
        .collect();
    let mut cells: HashMap<&str, Vec<usize>> = HashMap::new();
    for cell in &analysis.tables.by_document {
        if let Some(&i) = codes.get(&*cell.code) {
            cells
                .entry(&*cell.doc)
                .or_insert_with(|| vec![0; codes.len()])[i] = cell.passages;
        }
    }
    let mut header = vec!["document".to_string(), "title".to_string()];
    header.extend(
        analysis
            .tables
            .frequencies
            .iter()
            .map(|f| f.code.to_string()),
    );
    let mut rows = vec![header];
    for d in analysis.corpus.documents() {
        let mut row = vec![d.id.to_string(), d.metadata.title.clone()];
        match cells.get(&*d.id) {
            Some(counts) => row.extend(counts.iter().map(usize::to_string)),
            None => row.extend(std::iter::repeat_n("0".to_string(), codes.len())),
        }
        rows.push(row);
    }
    rows
}

fn fill(sheet: &mut Worksheet, name: &str, rows: &[Vec<String>]) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    let wide = rows.first().map_or(0, Vec::len);
    // A table wider than a sheet keeps its first columns and says, in the last, where the
    // rest is: a capped sheet clearly labelled beats no workbook at all.
    let columns = fitted(wide, MAX_COLUMNS);
    // Shares are fractions in the CSV files (for programs) and percentages for people, as
    // the report shows them: the same number, formatted.
    let percent = Format::new().set_num_format("0.0%");
    let is_share: Vec<bool> = rows.first().map_or_else(Vec::new, |header| {
        header
            .iter()
            .map(|h| h == "share" || h.ends_with("_share"))
            .collect()
    });
    let shown = fitted(rows.len(), MAX_ROWS);
    for (r, row) in rows[..shown].iter().enumerate() {
        for (c, value) in row.iter().take(columns).enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_string_with_format(r, c, value, &bold)?;
            } else if let Some(number) = as_number(value) {
                if is_share.get(c as usize) == Some(&true) {
                    sheet.write_number_with_format(r, c, number, &percent)?;
                } else {
                    sheet.write_number(r, c, number)?;
                }
            } else {
                sheet.write_string(r, c, fit_cell(value))?;
            }
        }
    }
    if columns < wide {
        sheet.write_string_with_format(
            0,
            columns as u16,
            format!(
                "… {} more columns than a sheet holds: see the CSV file",
                wide - columns
            ),
            &bold,
        )?;
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
    fn a_corpus_wider_than_a_sheet_is_laid_out_documents_down() {
        use crate::{Codebook, Corpus, Document, Unit};
        let documents: Vec<Document> = (0..MAX_COLUMNS)
            .map(|i| Document::new(format!("d{i}"), "The brain drain continues."))
            .collect();
        let codebook = Codebook::from_toml(
            "[codebook]\nname = \"t\"\n[[code]]\nid = \"bd\"\nlabel = \"Brain drain\"\npatterns = [\"brain drain\"]\n",
            None,
        )
        .unwrap();
        let analysis =
            crate::Analysis::run(Corpus::from_documents(documents), codebook, Unit::Paragraph)
                .unwrap();
        let matrix = code_matrix(&analysis);
        assert_eq!(matrix.len(), MAX_COLUMNS + 1, "a row per document");
        assert_eq!(matrix[0], ["document", "title", "bd"]);
        assert_eq!(matrix[1][2], "1");
        let mut bytes = Vec::new();
        write_workbook(&analysis, &mut bytes).expect("the workbook fits");
    }

    #[test]
    fn a_table_wider_than_a_sheet_is_capped_with_a_note() {
        let mut workbook = Workbook::new();
        let row: Vec<String> = (0..MAX_COLUMNS + 10).map(|c| c.to_string()).collect();
        fill(workbook.add_worksheet(), "wide", &[row.clone(), row]).unwrap();
        workbook
            .save_to_buffer()
            .expect("a capped sheet is a valid workbook");
    }

    /// Regression: a table exactly as wide (or long) as a sheet was cut by one column, with a
    /// note about a column that did not exist.
    #[test]
    fn a_table_that_fits_a_sheet_exactly_is_not_cut() {
        assert_eq!(fitted(MAX_COLUMNS, MAX_COLUMNS), MAX_COLUMNS);
        assert_eq!(fitted(MAX_COLUMNS + 1, MAX_COLUMNS), MAX_COLUMNS - 1);
        assert_eq!(fitted(MAX_ROWS, MAX_ROWS), MAX_ROWS);
        assert_eq!(fitted(3, MAX_ROWS), 3);
    }

    #[test]
    fn overlong_cells_are_cut_with_a_note() {
        let text = "ж".repeat(40_000);
        let cut = fit_cell(&text);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("the CSV has the full text]"));
    }
}
