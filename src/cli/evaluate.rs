//! `thematic evaluate`: the codebook against a gold standard.

use std::io::Write;
use std::process::ExitCode;

use thematic::analysis::evaluate::{CodeEvaluation, MacroAverage, evaluate};
use thematic::{Coder, Coding};

use super::output::{aligns, table};
use super::{EvaluateArgs, TableFormat};

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn csv_value(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:.6}"))
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let corpus = super::open_corpus(&args.input.corpus)?;
    let unit = args.input.unit.into();
    let auto = args
        .model
        .apply(
            Coder::new(&codebook)?.unit(unit).roles(args.input.roles),
            &codebook,
        )?
        .code_corpus(&corpus);
    let mut gold = Coding::empty(&corpus, unit);
    gold.add_records(
        super::read_coding_file(&args.gold)?,
        &corpus,
        Some(&args.gold),
    )?;
    let e = evaluate(&auto, &gold, &codebook, args.roll_up);
    if e.wants_roll_up {
        eprintln!(
            "note: {} codes top-level themes only; pass --roll-up so that the codebook's sub-codes count for their theme",
            args.gold.display()
        );
    }
    let macro_row = |m: &MacroAverage| CodeEvaluation {
        code: "(macro average)".into(),
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
        true_negatives: 0,
        precision: m.precision,
        recall: m.recall,
        f1: m.f1,
        kappa: m.kappa,
    };
    // Every table: all passages, then each language's.
    let mut tables: Vec<(String, usize, Vec<CodeEvaluation>, Option<&CodeEvaluation>)> = vec![(
        "all".to_string(),
        e.passages,
        e.codes
            .iter()
            .cloned()
            .chain(std::iter::once(macro_row(&e.macro_average)))
            .collect(),
        Some(&e.overall),
    )];
    for l in &e.by_lang {
        tables.push((
            l.lang.to_string(),
            l.passages,
            l.codes
                .iter()
                .cloned()
                .chain(std::iter::once(macro_row(&l.macro_average)))
                .collect(),
            None,
        ));
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &e)?;
            writeln!(out)?;
        }
        TableFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
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
            ])?;
            for (lang, c) in tables.iter().flat_map(|(lang, _, codes, pooled)| {
                codes.iter().chain(*pooled).map(move |c| (lang, c))
            }) {
                let macro_row = c.code.starts_with('(') && c.code.contains("macro");
                let count = |n: usize| {
                    if macro_row {
                        String::new()
                    } else {
                        n.to_string()
                    }
                };
                w.write_record([
                    lang.clone(),
                    c.code.to_string(),
                    count(c.true_positives),
                    count(c.false_positives),
                    count(c.false_negatives),
                    count(c.true_negatives),
                    csv_value(c.precision),
                    csv_value(c.recall),
                    csv_value(c.f1),
                    csv_value(c.kappa),
                ])?;
            }
            w.flush()?;
        }
        TableFormat::Table => {
            writeln!(
                out,
                "Codebook {} against {} ({} {unit}s):\n",
                codebook.title(),
                args.gold.display(),
                e.passages
            )?;
            for (lang, passages, codes, pooled) in &tables {
                if lang != "all" {
                    writeln!(out, "\nPassages in {lang} ({passages}):")?;
                }
                let rows: Vec<Vec<String>> = codes
                    .iter()
                    .chain(*pooled)
                    .map(|c| {
                        let blank = c.code.contains("macro");
                        let count = |n: usize| if blank { String::new() } else { n.to_string() };
                        vec![
                            c.code.to_string(),
                            count(c.true_positives),
                            count(c.false_positives),
                            count(c.false_negatives),
                            fmt(c.precision),
                            fmt(c.recall),
                            fmt(c.f1),
                            fmt(c.kappa),
                        ]
                    })
                    .collect();
                write!(
                    out,
                    "{}",
                    table(
                        &[
                            "code",
                            "TP",
                            "FP",
                            "FN",
                            "precision",
                            "recall",
                            "F1",
                            "kappa"
                        ],
                        &aligns("lrrrrrrr"),
                        &rows
                    )
                )?;
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
                    args.disagreements.min(e.disagreements.len())
                )?;
            }
            for d in e.disagreements.iter().take(args.disagreements) {
                let doc = corpus
                    .document(&d.doc)
                    .expect("evaluated documents are in the corpus");
                let p = doc.passages(unit)[d.passage];
                let text: String = p
                    .text(&doc.text)
                    .chars()
                    .take(160)
                    .collect::<String>()
                    .replace('\n', " ");
                if d.false_positive {
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
                    writeln!(
                        out,
                        "  FP {} — {} ¶{} (by {}): {text}…",
                        d.code,
                        d.doc,
                        d.passage,
                        why.join(", ")
                    )?;
                } else {
                    writeln!(out, "  FN {} — {} ¶{}: {text}…", d.code, d.doc, d.passage)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
