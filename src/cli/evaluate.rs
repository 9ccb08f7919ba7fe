//! `thematic evaluate`: the codebook against a gold standard.

use std::io::Write;
use std::process::ExitCode;

use thematic::analysis::evaluate::evaluate;
use thematic::{Codebook, Coder, Coding};

use super::output::{aligns, table};
use super::{EvaluateArgs, TableFormat};

fn fmt(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

fn csv_value(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| format!("{v:.6}"))
}

pub fn run(args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let codebook = Codebook::from_path(&args.input.codebook)?;
    let corpus = super::open_corpus(&args.input.corpus)?;
    let unit = args.input.unit.into();
    let auto = Coder::new(&codebook)?.unit(unit).code_corpus(&corpus);
    let mut gold = Coding::empty(&corpus, unit);
    gold.add_records(
        super::read_coding_file(&args.gold)?,
        &corpus,
        Some(&args.gold),
    )?;
    let e = evaluate(&auto, &gold, &codebook, args.roll_up);

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
            for c in e.codes.iter().chain(std::iter::once(&e.overall)) {
                w.write_record([
                    c.code.to_string(),
                    c.true_positives.to_string(),
                    c.false_positives.to_string(),
                    c.false_negatives.to_string(),
                    c.true_negatives.to_string(),
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
            let rows: Vec<Vec<String>> = e
                .codes
                .iter()
                .chain(std::iter::once(&e.overall))
                .map(|c| {
                    vec![
                        c.code.to_string(),
                        c.true_positives.to_string(),
                        c.false_positives.to_string(),
                        c.false_negatives.to_string(),
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
                    let patterns: Vec<String> = d
                        .hits
                        .iter()
                        .map(|h| format!("{:?}", &*h.pattern))
                        .collect();
                    writeln!(
                        out,
                        "  FP {} — {} ¶{} (by {}): {text}…",
                        d.code,
                        d.doc,
                        d.passage,
                        patterns.join(", ")
                    )?;
                } else {
                    writeln!(out, "  FN {} — {} ¶{}: {text}…", d.code, d.doc, d.passage)?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
