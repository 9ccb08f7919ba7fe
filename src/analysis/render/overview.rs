//! What `thematic analyze` prints of an [`Analysis`]: a summary line, the code frequencies,
//! the themes together and the strongest co-occurrences across themes.

use std::io::Write;
use std::time::Duration;

use super::{aligns, percent, table, thousands};
use crate::Analysis;
use crate::analysis::{Cooccurrence, CooccurrenceUnit, MIN_SUPPORT, TableOptions, Tables};
use crate::codebook::theme_of;
use crate::error::Result;

/// Writes the overview of `analysis` for reading: the summary line (documents, passages,
/// size, codebook, and `elapsed`, the time coding took), the frequency table (codes indented
/// under their parents), the pairs of themes with their sub-codes counted in (strongest
/// Jaccard first), and the `top` strongest co-occurrences of codes from different themes.
pub fn overview(
    analysis: &Analysis,
    top: usize,
    elapsed: Duration,
    out: &mut dyn Write,
) -> Result<()> {
    let t = &analysis.tables;
    let unit = analysis.coding.unit;
    writeln!(
        out,
        "{} documents · {} {}s · {} KB · codebook {} ({} codes, {} patterns) · coded in {:.0} ms\n",
        t.documents,
        thousands(t.passages),
        unit,
        thousands(analysis.corpus.text_bytes() / 1024),
        analysis.codebook.title(),
        analysis.codebook.codes().len(),
        analysis.codebook.pattern_count(),
        elapsed.as_secs_f64() * 1000.0
    )?;
    write_frequencies(analysis, out)?;

    let together = match t.options.unit {
        CooccurrenceUnit::Passage => format!("{unit}s coded with both"),
        CooccurrenceUnit::Document => "documents coded with both".to_string(),
        CooccurrenceUnit::Window(n) => format!("{unit}s with both within {n} {unit}s"),
        CooccurrenceUnit::Words(n) => {
            format!("{unit}s with hits of both at most {n} words apart")
        }
    };
    let headers = ["pair", t.options.unit.counted(), "jaccard", "lift", "docs"];
    let themes = themes_tables(analysis);
    let theme_pairs = theme_pairs(&themes);
    if !theme_pairs.is_empty() {
        writeln!(
            out,
            "\nThemes together ({together}, sub-codes counted with their theme; Jaccard = both ÷ either; lift = observed ÷ expected):"
        )?;
        write!(
            out,
            "{}",
            table(&headers, &aligns("lrrrr"), &pair_rows(&theme_pairs))
        )?;
    }
    let across = t.strongest_pairs_where(top, |p| theme_of(&p.code_a) != theme_of(&p.code_b));
    if !across.is_empty() {
        writeln!(
            out,
            "\nStrongest co-occurrences of codes from different themes ({together}; pairs seen at least {MIN_SUPPORT} times):"
        )?;
        write!(
            out,
            "{}",
            table(&headers, &aligns("lrrrr"), &pair_rows(&across))
        )?;
    }
    Ok(())
}

fn write_frequencies(analysis: &Analysis, out: &mut dyn Write) -> Result<()> {
    let (t, codebook) = (&analysis.tables, &analysis.codebook);
    let unit = analysis.coding.unit;
    let rows: Vec<Vec<String>> = t
        .frequencies
        .iter()
        .map(|f| {
            let code = codebook.code(&f.code);
            let depth = code.map_or(0, |c| c.depth());
            let name = code.map_or(&*f.code, |c| c.name());
            let has_children = codebook.children(&f.code).next().is_some();
            vec![
                format!("{}{}", "  ".repeat(depth), name),
                f.label.clone(),
                thousands(f.passages),
                percent(f.share),
                f.documents.to_string(),
                thousands(f.hits),
                // Rolled up, the passages already count their sub-codes'.
                if has_children && !t.options.roll_up {
                    thousands(f.passages_with_subcodes)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    writeln!(
        out,
        "Code frequencies ({unit}s coded, share of all {unit}s, documents, pattern hits; with sub-codes: {unit}s coded with the code or any sub-code):"
    )?;
    let headers = [
        "code",
        "label",
        "passages",
        "share",
        "docs",
        "hits",
        "with sub-codes",
    ];
    write!(out, "{}", table(&headers, &aligns("llrrrrr"), &rows))?;
    Ok(())
}

/// The analysis's tables with sub-codes counted for their themes, whatever it counted.
fn themes_tables(analysis: &Analysis) -> Tables {
    let t = &analysis.tables;
    if t.options.roll_up {
        return t.clone();
    }
    Tables::compute_in(
        &analysis.coding,
        &analysis.codebook,
        TableOptions {
            roll_up: true,
            ..t.options
        },
        Some(&analysis.corpus),
    )
}

/// The pairs of top-level codes, strongest Jaccard first.
fn theme_pairs(themes: &Tables) -> Vec<&Cooccurrence> {
    let mut pairs: Vec<&Cooccurrence> = themes
        .cooccurrence
        .iter()
        .filter(|p| !p.code_a.contains('/') && !p.code_b.contains('/'))
        .collect();
    pairs.sort_by(|x, y| y.jaccard.total_cmp(&x.jaccard));
    pairs
}

fn pair_rows(pairs: &[&Cooccurrence]) -> Vec<Vec<String>> {
    pairs
        .iter()
        .map(|p| {
            vec![
                format!("{} × {}", p.code_a, p.code_b),
                thousands(p.passages),
                format!("{:.3}", p.jaccard),
                format!("{:.2}", p.lift),
                p.documents.to_string(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Codebook, Pattern};
    use crate::corpus::{Corpus, Document};
    use crate::segment::Unit;

    fn analysis(roll_up: bool) -> Analysis {
        let cb = Codebook::builder("demo")
            .code(Code::new("bd", "Brain drain"))
            .code(Code::new("bd/scale", "Scale").pattern(Pattern::phrase("leave")))
            .code(Code::new("rp", "Return").pattern(Pattern::phrase("return")))
            .build()
            .unwrap();
        let text = "Many leave and few return.\n\n".repeat(6) + "Nothing here.";
        let corpus = Corpus::from_documents([Document::new("d", text)]);
        Analysis::builder(corpus, cb)
            .unit(Unit::Paragraph)
            .roll_up(roll_up)
            .run()
            .unwrap()
    }

    fn render(analysis: &Analysis, top: usize) -> String {
        let mut out = Vec::new();
        overview(analysis, top, Duration::from_millis(42), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The cells of the first line starting with `start`.
    fn cells<'a>(shown: &'a str, start: &str) -> Vec<&'a str> {
        let line = shown.lines().find(|l| l.starts_with(start));
        line.unwrap_or_else(|| panic!("no {start:?} in {shown}"))
            .split_whitespace()
            .collect()
    }

    #[test]
    fn summary_frequencies_and_pairs() {
        let shown = render(&analysis(false), 10);
        assert!(
            shown.starts_with("1 documents · 7 paragraphs · 0 KB · codebook demo"),
            "{shown}"
        );
        assert!(shown.contains("· coded in 42 ms\n\nCode frequencies (paragraphs coded,"));
        // The sub-code is indented under its theme, which shows its reach with sub-codes.
        assert_eq!(
            cells(&shown, "bd "),
            ["bd", "Brain", "drain", "0", "0.0%", "0", "0", "6"]
        );
        assert!(
            shown.lines().any(|l| l.starts_with("  scale  Scale")),
            "{shown}"
        );
        // Counted as themes, brain drain (through its sub-code) and return go together.
        assert!(
            shown.contains("\nThemes together (paragraphs coded with both, sub-codes"),
            "{shown}"
        );
        assert_eq!(
            cells(&shown, "bd × rp"),
            ["bd", "×", "rp", "6", "1.000", "1.17", "1"]
        );
        assert!(
            shown.contains("\nStrongest co-occurrences of codes from different themes (paragraphs coded with both; pairs seen at least 5 times):\n"),
            "{shown}"
        );
        assert_eq!(cells(&shown, "bd/scale × rp")[3], "6");
    }

    #[test]
    fn rolled_up_tables_leave_the_sub_code_column_empty_and_top_limits_pairs() {
        let shown = render(&analysis(true), 0);
        assert_eq!(
            cells(&shown, "bd "),
            ["bd", "Brain", "drain", "6", "85.7%", "1", "6"]
        );
        assert!(!shown.contains("Strongest co-occurrences"), "{shown}");
        assert!(shown.contains("Themes together"), "{shown}");
    }
}
