//! `thematic merge`: summaries of shards into one set of tables.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use thematic::analysis::render::{aligns, table, thousands};
use thematic::analysis::summary::Summary;
use thematic::export;

use super::MergeArgs;

pub fn run(args: MergeArgs) -> anyhow::Result<ExitCode> {
    let mut merged: Option<Summary> = None;
    for path in &args.parts {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let part: Summary = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a summary written by `thematic code --format summary`",
                path.display()
            )
        })?;
        match &mut merged {
            None => merged = Some(part),
            Some(m) => m
                .merge(&part)
                .with_context(|| format!("merging {}", path.display()))?,
        }
    }
    let merged = merged.expect("clap requires at least one part");
    let tables = merged.tables();
    if let Some(dir) = &args.out {
        export::write_atomic(&dir.join("frequencies.csv"), |w| {
            export::write_frequencies_csv(&tables, w)
        })?;
        export::write_atomic(&dir.join("cooccurrence.csv"), |w| {
            export::write_cooccurrence_csv(&tables, w)
        })?;
        export::write_atomic(&dir.join("summary.json"), |w| {
            serde_json::to_writer(&mut *w, &merged)?;
            w.write_all(b"\n")
        })?;
        eprintln!(
            "wrote frequencies.csv, cooccurrence.csv, summary.json to {}",
            dir.display()
        );
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(
        out,
        "{} summaries: {} documents · {} {}s · {} MB",
        args.parts.len(),
        thousands(merged.documents_total as usize),
        thousands(merged.passages_total as usize),
        merged.unit,
        merged.bytes / 1_000_000
    )?;
    let rows: Vec<Vec<String>> = tables
        .frequencies
        .iter()
        .map(|f| {
            vec![
                f.code.to_string(),
                thousands(f.passages),
                format!("{:.1}%", 100.0 * f.share),
                thousands(f.documents),
                thousands(f.hits),
            ]
        })
        .collect();
    write!(
        out,
        "\n{}",
        table(
            &["code", "passages", "share", "docs", "hits"],
            &aligns("lrrrr"),
            &rows
        )
    )?;
    let pairs = tables.strongest_pairs(args.top);
    if !pairs.is_empty() {
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|p| {
                vec![
                    format!("{} × {}", p.code_a, p.code_b),
                    thousands(p.passages),
                    format!("{:.3}", p.jaccard),
                ]
            })
            .collect();
        write!(
            out,
            "\n{}",
            table(&["pair", "passages", "jaccard"], &aligns("lrr"), &rows)
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
