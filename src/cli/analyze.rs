//! `thematic analyze`: code a corpus, print the tables, write the outputs.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use thematic::analysis::CooccurrenceUnit;
use thematic::{Analysis, Codebook, CorpusReader, Unit};

use super::AnalyzeArgs;
use super::output::{Progress, aligns, table, thousands};

pub fn run(args: AnalyzeArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    // A bad codebook stops the run before anything is read or written.
    let codebook = Codebook::from_path(&args.input.codebook)?;
    let unit: Unit = args.input.unit.into();
    progress.update(|| format!("reading {}…", args.input.corpus.display()));
    let corpus = CorpusReader::open(&args.input.corpus)?.read_all();
    if corpus.documents().is_empty() {
        progress.report_skipped(corpus.skipped(), corpus.ignored());
        bail!(
            "no readable documents in {} (thematic reads .txt and .md files)",
            args.input.corpus.display()
        );
    }
    progress.update(|| format!("coding {} documents…", corpus.documents().len()));
    let started = Instant::now();
    let mut builder = Analysis::builder(corpus, codebook)
        .unit(unit)
        .cooccurrence(args.cooccur)
        .roll_up(args.counting.roll_up)
        .origin(args.origin.into());
    for path in &args.counting.codings {
        builder = builder.codings(super::read_coding_file(path)?, Some(path.clone()));
    }
    for field in &args.by {
        builder = builder.crosstab(field);
    }
    let analysis = builder.run()?;
    let elapsed = started.elapsed();
    progress.clear();

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let t = &analysis.tables;
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

    let rows: Vec<Vec<String>> = t
        .frequencies
        .iter()
        .map(|f| {
            let code = analysis.codebook.code(&f.code);
            let depth = code.map_or(0, |c| c.depth());
            let name = code.map_or(&*f.code, |c| c.name());
            vec![
                format!("{}{}", "  ".repeat(depth), name),
                f.label.clone(),
                thousands(f.passages),
                format!("{:.1}%", 100.0 * f.share),
                f.documents.to_string(),
                thousands(f.hits),
            ]
        })
        .collect();
    writeln!(
        out,
        "Code frequencies ({unit}s coded, share of all {unit}s, documents, pattern hits):"
    )?;
    write!(
        out,
        "{}",
        table(
            &["code", "label", "passages", "share", "docs", "hits"],
            &aligns("llrrrr"),
            &rows
        )
    )?;

    let pairs = t.strongest_pairs(args.top);
    if !pairs.is_empty() {
        let together = match args.cooccur {
            CooccurrenceUnit::Passage => format!("{unit}s coded with both"),
            CooccurrenceUnit::Document => "documents coded with both".to_string(),
            CooccurrenceUnit::Window(n) => format!("{unit}s with both within {n} {unit}s"),
        };
        writeln!(
            out,
            "\nStrongest co-occurrences ({together}; Jaccard = both ÷ either; pairs seen at least {} times; nested codes left out):",
            thematic::analysis::MIN_SUPPORT
        )?;
        let rows: Vec<Vec<String>> = pairs
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
            .collect();
        write!(
            out,
            "{}",
            table(
                &["pair", t.options.unit.counted(), "jaccard", "lift", "docs"],
                &aligns("lrrrr"),
                &rows
            )
        )?;
    }
    out.flush()?;
    drop(out);

    let written = analysis
        .write(&args.out)
        .with_context(|| format!("writing the results into {}", args.out.display()))?;
    let names: Vec<String> = written
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    progress.note(format_args!(
        "\nwrote {} ({} coded segments) to {}",
        names.join(", "),
        thousands(analysis.coding.segments.len()),
        args.out.display()
    ));
    progress.report_skipped(analysis.corpus.skipped(), analysis.corpus.ignored());
    Ok(ExitCode::SUCCESS)
}
