//! `thematic analyze`: code a corpus, print the tables, write the outputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use thematic::analysis::{CooccurrenceUnit, TableOptions, Tables};
use thematic::{Analysis, Unit};

use super::AnalyzeArgs;
use super::output::{Progress, aligns, table, thousands};

pub fn run(args: AnalyzeArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    // A bad codebook stops the run before anything is read or written.
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
    let unit: Unit = args.input.unit.into();
    // So does a results folder that cannot be replaced; a run killed from here on leaves the
    // previous results as they were.
    thematic::export::OutputFolder::check(&args.out)?;
    progress.update(|| format!("reading {}…", args.input.corpus.display()));
    let corpus = super::open_corpus_showing(&args.input.corpus, progress)?;
    if corpus.documents().is_empty() {
        progress.report_skipped(corpus.skipped(), corpus.ignored());
        bail!(
            "no readable documents in {} (thematic reads .txt, .md, .pdf, .docx and .html files)",
            args.input.corpus.display()
        );
    }
    let counter = progress.counter("coded", Some(corpus.documents().len()));
    let started = Instant::now();
    let model = args.model.load(&codebook)?;
    let mut builder = Analysis::builder(corpus, codebook)
        .model(model)
        .unit(unit)
        .roles(args.input.roles)
        .cooccurrence(args.cooccur)
        .roll_up(args.counting.roll_up)
        .origin(args.origin.into())
        .lang(args.lang.as_deref());
    for path in &args.counting.codings {
        builder = builder.codings(super::read_coding_file(path)?, Some(path.clone()));
    }
    for field in &args.by {
        builder = builder.crosstab(field);
    }
    let analysis = builder.run_with(&|doc| counter.add(doc.len()))?;
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
            let has_children = analysis.codebook.children(&f.code).next().is_some();
            vec![
                format!("{}{}", "  ".repeat(depth), name),
                f.label.clone(),
                thousands(f.passages),
                format!("{:.1}%", 100.0 * f.share),
                f.documents.to_string(),
                thousands(f.hits),
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
    write!(
        out,
        "{}",
        table(
            &[
                "code",
                "label",
                "passages",
                "share",
                "docs",
                "hits",
                "with sub-codes"
            ],
            &aligns("llrrrrr"),
            &rows
        )
    )?;

    let together = match args.cooccur {
        CooccurrenceUnit::Passage => format!("{unit}s coded with both"),
        CooccurrenceUnit::Document => "documents coded with both".to_string(),
        CooccurrenceUnit::Window(n) => format!("{unit}s with both within {n} {unit}s"),
        CooccurrenceUnit::Words(n) => {
            format!("{unit}s with hits of both at most {n} words apart")
        }
    };
    let pair_rows = |pairs: &[&thematic::analysis::Cooccurrence]| -> Vec<Vec<String>> {
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
    };
    let theme = |code: &str| thematic::codebook::theme_of(code).to_string();
    // The themes together: top-level codes, each with its sub-codes.
    let themes = if t.options.roll_up {
        t.clone()
    } else {
        Tables::compute_in(
            &analysis.coding,
            &analysis.codebook,
            TableOptions {
                roll_up: true,
                ..t.options
            },
            Some(&analysis.corpus),
        )
    };
    let theme_pairs: Vec<&thematic::analysis::Cooccurrence> = {
        let mut pairs: Vec<_> = themes
            .cooccurrence
            .iter()
            .filter(|p| !p.code_a.contains('/') && !p.code_b.contains('/'))
            .collect();
        pairs.sort_by(|x, y| y.jaccard.total_cmp(&x.jaccard));
        pairs
    };
    let headers = ["pair", t.options.unit.counted(), "jaccard", "lift", "docs"];
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
    let across = t.strongest_pairs_where(args.top, |p| theme(&p.code_a) != theme(&p.code_b));
    if !across.is_empty() {
        writeln!(
            out,
            "\nStrongest co-occurrences of codes from different themes ({together}; pairs seen at least {} times):",
            thematic::analysis::MIN_SUPPORT
        )?;
        write!(
            out,
            "{}",
            table(&headers, &aligns("lrrrr"), &pair_rows(&across))
        )?;
    }
    out.flush()?;
    drop(out);

    // The results folder is replaced as a whole; REFI-QDA files asked for inside it join the
    // set, those elsewhere are written (each atomically) once the set is in place.
    let (qdc_in, qdc_out) = split_inside(args.qdc.as_deref(), &args.out);
    let (qdpx_in, qdpx_out) = split_inside(args.qdpx.as_deref(), &args.out);
    let written = analysis
        .write_with(&args.out, |staging| {
            let at = |inside: &Option<PathBuf>| inside.as_ref().map(|p| staging.join(p));
            super::exchange::write_refi(&analysis, at(&qdc_in).as_deref(), at(&qdpx_in).as_deref())
        })
        .with_context(|| format!("writing the results into {}", args.out.display()))?;
    let mut names: Vec<String> = written
        .files
        .iter()
        .filter_map(|p| p.strip_prefix(&args.out).ok())
        .map(|p| p.display().to_string())
        .collect();
    for path in super::exchange::write_refi(&analysis, qdc_out, qdpx_out)? {
        names.push(path.display().to_string());
    }
    progress.note(format_args!(
        "\nwrote {} ({} coded segments) to {}",
        names.join(", "),
        thousands(analysis.coding.segments.len()),
        args.out.display()
    ));
    for (output, err) in &written.failed {
        progress.note(format_args!("error: could not write {output}: {err}"));
    }
    progress.report_skipped(analysis.corpus.skipped(), analysis.corpus.ignored());
    Ok(if written.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Splits an output path into its place inside the results folder `out`, when it lies there,
/// or itself, when it lies elsewhere (`./results/x.qdpx` lies in `results`).
fn split_inside<'a>(path: Option<&'a Path>, out: &Path) -> (Option<PathBuf>, Option<&'a Path>) {
    let Some(path) = path else {
        return (None, None);
    };
    let plain = |p: &Path| -> PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    match plain(path).strip_prefix(plain(out)) {
        Ok(inside) if !inside.as_os_str().is_empty() => (Some(inside.to_path_buf()), None),
        _ => (None, Some(path)),
    }
}
