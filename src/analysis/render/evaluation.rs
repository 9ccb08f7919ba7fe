//! An [`Evaluation`] as `thematic evaluate` prints it.

use std::io::Write;
use std::path::Path;

use super::{Format, aligns, csv_error, csv_figure, figure, table};
use crate::analysis::evaluate::{CodeEvaluation, Disagreement, Evaluation, MacroAverage};
use crate::corpus::Corpus;
use crate::error::{Error, Result};
use crate::segment::Unit;

/// What the aligned table shows besides the figures: its heading, and the disagreeing
/// passages' text.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationContext<'a> {
    /// The codebook's title, named in the heading.
    pub codebook: &'a str,
    /// The gold standard's file, named in the heading.
    pub gold: &'a Path,
    /// The corpus evaluated: the disagreements quote its passages.
    pub corpus: &'a Corpus,
    /// The unit of coding.
    pub unit: Unit,
    /// How many disagreements to list. The JSON has them all; the CSV, being one table of
    /// figures, has none.
    pub disagreements: usize,
}

/// Writes the evaluation `e` in `format`:
///
/// * [`Format::Table`]: a heading, a table of all passages then one per language (per code TP,
///   FP, FN, precision, recall, F1 and kappa, then the macro average and, for all passages,
///   the pooled figures), the codes not in the gold standard, and the first
///   [`EvaluationContext::disagreements`] disagreements, each quoting its passage and, for a
///   false positive, the patterns (and model probability) behind it;
/// * [`Format::Csv`]: the same rows in one table, with a `lang` column (`all`, `en`, …) and
///   the true negatives;
/// * [`Format::Json`]: the whole [`Evaluation`].
///
/// The context matters to the table only. Fails when the sink does, or when a disagreement
/// lies outside `context.corpus` (an evaluation of another corpus).
pub fn evaluation(
    e: &Evaluation,
    format: Format,
    context: &EvaluationContext<'_>,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => super::write_json(e, out),
        Format::Csv => write_csv(e, out),
        Format::Table => write_table(e, context, out),
    }
}

/// One table of an evaluation: all passages, or one language's.
struct Section<'a> {
    /// `None` for all passages.
    lang: Option<&'a str>,
    passages: usize,
    /// Per code, then the macro average.
    rows: Vec<CodeEvaluation>,
    /// The figures pooled over codes, given for all passages only.
    pooled: Option<&'a CodeEvaluation>,
}

impl Section<'_> {
    fn name(&self) -> &str {
        self.lang.unwrap_or("all")
    }

    fn rows(&self) -> impl Iterator<Item = &CodeEvaluation> {
        self.rows.iter().chain(self.pooled)
    }
}

/// Every table: all passages, then each language's.
fn sections(e: &Evaluation) -> Vec<Section<'_>> {
    let with_macro = |codes: &[CodeEvaluation], m: &MacroAverage| -> Vec<CodeEvaluation> {
        codes
            .iter()
            .cloned()
            .chain(std::iter::once(macro_row(m)))
            .collect()
    };
    let mut sections = vec![Section {
        lang: None,
        passages: e.passages,
        rows: with_macro(&e.codes, &e.macro_average),
        pooled: Some(&e.overall),
    }];
    sections.extend(e.by_lang.iter().map(|l| Section {
        lang: Some(l.lang),
        passages: l.passages,
        rows: with_macro(&l.codes, &l.macro_average),
        pooled: None,
    }));
    sections
}

/// The macro average as a row of the table: its counts mean nothing and are left blank.
fn macro_row(m: &MacroAverage) -> CodeEvaluation {
    CodeEvaluation {
        code: "(macro average)".into(),
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
        true_negatives: 0,
        precision: m.precision,
        recall: m.recall,
        f1: m.f1,
        kappa: m.kappa,
    }
}

fn write_csv(e: &Evaluation, out: &mut dyn Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "lang",
        "code",
        "true_positives",
        "false_positives",
        "false_negatives",
        "true_negatives",
        "precision",
        "recall",
        "f1",
        "kappa",
    ])
    .map_err(csv_error)?;
    for section in sections(e) {
        for c in section.rows() {
            // The macro row is known by its name, so a code whose id merely contains "macro"
            // keeps its counts here (the reading table blanks them: see `write_table`).
            let blank = c.code.starts_with('(') && c.code.contains("macro");
            let count = |n: usize| if blank { String::new() } else { n.to_string() };
            w.write_record([
                section.name().to_string(),
                c.code.to_string(),
                count(c.true_positives),
                count(c.false_positives),
                count(c.false_negatives),
                count(c.true_negatives),
                csv_figure(c.precision),
                csv_figure(c.recall),
                csv_figure(c.f1),
                csv_figure(c.kappa),
            ])
            .map_err(csv_error)?;
        }
    }
    w.flush()?;
    Ok(())
}

fn write_table(e: &Evaluation, cx: &EvaluationContext<'_>, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Codebook {} against {} ({} {}s):\n",
        cx.codebook,
        cx.gold.display(),
        e.passages,
        cx.unit
    )?;
    for section in sections(e) {
        if let Some(lang) = section.lang {
            writeln!(out, "\nPassages in {lang} ({}):", section.passages)?;
        }
        let rows: Vec<Vec<String>> = section.rows().map(table_row).collect();
        let headers = [
            "code",
            "TP",
            "FP",
            "FN",
            "precision",
            "recall",
            "F1",
            "kappa",
        ];
        write!(out, "{}", table(&headers, &aligns("lrrrrrrr"), &rows))?;
    }
    if !e.not_in_gold.is_empty() {
        let names: Vec<&str> = e.not_in_gold.iter().map(|c| &**c).collect();
        writeln!(
            out,
            "\nNot evaluated (coded automatically, never in the gold standard): {}",
            names.join(", ")
        )?;
    }
    if !e.disagreements.is_empty() {
        writeln!(
            out,
            "\nDisagreements ({} in all; showing {}):",
            e.disagreements.len(),
            cx.disagreements.min(e.disagreements.len())
        )?;
    }
    for d in e.disagreements.iter().take(cx.disagreements) {
        writeln!(out, "{}", disagreement_line(d, cx.corpus, cx.unit)?)?;
    }
    Ok(())
}

fn table_row(c: &CodeEvaluation) -> Vec<String> {
    // Any code whose id contains "macro" loses its counts too, as this table always did; the
    // CSV tells the macro row apart more strictly.
    let blank = c.code.contains("macro");
    let count = |n: usize| if blank { String::new() } else { n.to_string() };
    vec![
        c.code.to_string(),
        count(c.true_positives),
        count(c.false_positives),
        count(c.false_negatives),
        figure(c.precision),
        figure(c.recall),
        figure(c.f1),
        figure(c.kappa),
    ]
}

/// The most characters of a disagreeing passage quoted: enough to recognise it on one line.
const QUOTED_CHARS: usize = 160;

/// `  FP code — doc ¶n (by model p=…, "pattern", …): text…`, or `  FN code — doc ¶n: text…`.
fn disagreement_line(d: &Disagreement, corpus: &Corpus, unit: Unit) -> Result<String> {
    let outside = || {
        Error::Invalid(format!(
            "disagreement in {} ¶{} lies outside the corpus given",
            d.doc, d.passage
        ))
    };
    let doc = corpus.document(&d.doc).ok_or_else(outside)?;
    let passage = *doc.passages(unit).get(d.passage).ok_or_else(outside)?;
    let text: String = passage
        .text(&doc.text)
        .chars()
        .take(QUOTED_CHARS)
        .collect::<String>()
        .replace('\n', " ");
    if !d.false_positive {
        return Ok(format!(
            "  FN {} — {} ¶{}: {text}…",
            d.code, d.doc, d.passage
        ));
    }
    let mut why: Vec<String> = Vec::new();
    if let Some(p) = d.probability {
        why.push(format!("model p={p:.2}"));
    }
    for h in &d.hits {
        let pattern = format!("{:?}", &*h.pattern);
        if !why.contains(&pattern) {
            why.push(pattern);
        }
    }
    Ok(format!(
        "  FP {} — {} ¶{} (by {}): {text}…",
        d.code,
        d.doc,
        d.passage,
        why.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::evaluate::evaluate;
    use crate::codebook::{Code, Codebook, Pattern};
    use crate::coding::{Coder, Coding};
    use crate::corpus::Document;

    /// Five paragraphs: the codebook codes 0 and 1, the gold standard 0 and 2.
    fn evaluated() -> (Codebook, Corpus, Evaluation) {
        let cb = Codebook::builder("t")
            .code(Code::new("bd", "bd").pattern(Pattern::phrase("brain drain")))
            .build()
            .unwrap();
        let corpus = Corpus::from_documents([Document::new(
            "d",
            "brain drain here\n\nbrain drain again\n\ntalent leaves\n\nnothing\n\nnothing",
        )]);
        let auto = Coder::new(&cb).unwrap().code_corpus(&corpus);
        let mut gold = Coding::empty(&corpus, Unit::Paragraph);
        let doc = corpus.document("d").unwrap();
        gold.add_manual(doc, 0, 16, "bd", "gold", None).unwrap();
        gold.add_manual(doc, 37, 50, "bd", "gold", None).unwrap();
        let e = evaluate(&auto, &gold, &cb, false);
        (cb, corpus, e)
    }

    fn render(e: &Evaluation, corpus: &Corpus, format: Format, listed: usize) -> String {
        let context = EvaluationContext {
            codebook: "t 1",
            gold: Path::new("gold.jsonl"),
            corpus,
            unit: Unit::Paragraph,
            disagreements: listed,
        };
        let mut out = Vec::new();
        evaluation(e, format, &context, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_table_has_figures_averages_and_disagreements() {
        let (_, corpus, e) = evaluated();
        let shown = render(&e, &corpus, Format::Table, 20);
        assert!(
            shown.starts_with("Codebook t 1 against gold.jsonl (5 paragraphs):\n\ncode "),
            "{shown}"
        );
        let row = |name: &str| shown.lines().find(|l| l.starts_with(name)).unwrap();
        fn figures(line: &str) -> Vec<&str> {
            line.split_whitespace().skip(1).collect()
        }
        assert_eq!(
            figures(row("bd ")),
            ["1", "1", "1", "0.500", "0.500", "0.500", "0.167"]
        );
        assert_eq!(
            figures(row("(macro")),
            ["average)", "0.500", "0.500", "0.500", "0.167"]
        );
        assert_eq!(
            row("(all codes)")
                .split_whitespace()
                .skip(2)
                .collect::<Vec<_>>(),
            ["1", "1", "1", "0.500", "0.500", "0.500", "0.167"]
        );
        assert!(shown.contains("\nPassages in en (5):\n"), "{shown}");
        assert!(
            shown.contains("\nDisagreements (2 in all; showing 2):\n"),
            "{shown}"
        );
        assert!(
            shown.contains("  FP bd — d ¶1 (by \"brain drain\"): brain drain again…\n"),
            "{shown}"
        );
        assert!(
            shown.ends_with("  FN bd — d ¶2: talent leaves…\n"),
            "{shown}"
        );
    }

    #[test]
    fn the_table_lists_only_as_many_disagreements_as_asked() {
        let (_, corpus, e) = evaluated();
        let shown = render(&e, &corpus, Format::Table, 1);
        assert!(shown.contains("(2 in all; showing 1)"), "{shown}");
        let listed = |shown: &str| {
            shown
                .lines()
                .filter(|l| l.starts_with("  FP ") || l.starts_with("  FN "))
                .count()
        };
        assert_eq!(listed(&shown), 1, "{shown}");
        let none = render(&e, &corpus, Format::Table, 0);
        assert!(none.contains("showing 0"), "{none}");
        assert_eq!(listed(&none), 0, "{none}");
    }

    #[test]
    fn csv_rows_per_language_with_blank_macro_counts() {
        let (_, corpus, e) = evaluated();
        let csv = render(&e, &corpus, Format::Csv, 0);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "lang,code,true_positives,false_positives,false_negatives,true_negatives,precision,recall,f1,kappa"
        );
        assert_eq!(
            lines[1],
            "all,bd,1,1,1,2,0.500000,0.500000,0.500000,0.166667"
        );
        assert_eq!(
            lines[2],
            "all,(macro average),,,,,0.500000,0.500000,0.500000,0.166667"
        );
        assert!(lines[3].starts_with("all,(all codes),1,1,1,2,"), "{csv}");
        // The language table has no pooled row.
        assert_eq!(lines.len(), 6, "{csv}");
        assert!(lines[5].starts_with("en,(macro average),,,,,"), "{csv}");
    }

    #[test]
    fn json_is_the_whole_evaluation() {
        let (_, corpus, e) = evaluated();
        let json = render(&e, &corpus, Format::Json, 0);
        assert!(json.ends_with("}\n"));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["passages"], 5);
        assert_eq!(back["disagreements"].as_array().unwrap().len(), 2);
        assert_eq!(back, serde_json::to_value(&e).unwrap());
    }

    #[test]
    fn a_disagreement_outside_the_corpus_is_an_error() {
        let (_, _, e) = evaluated();
        let other = Corpus::from_documents([Document::new("x", "nothing")]);
        let context = EvaluationContext {
            codebook: "t",
            gold: Path::new("gold.jsonl"),
            corpus: &other,
            unit: Unit::Paragraph,
            disagreements: 5,
        };
        let err = evaluation(&e, Format::Table, &context, &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("d ¶"), "{err}");
    }
}
