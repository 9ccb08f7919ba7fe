//! `thematic analyze`: code a corpus, print the tables, write the outputs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use thematic::analysis::render::{overview, thousands};
use thematic::{Analysis, Codebook, Corpus};

use super::AnalyzeArgs;
use super::output::Progress;

pub fn run(args: AnalyzeArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    // A bad codebook stops the run before anything is read or written.
    let codebook = super::load_codebook(args.input.codebook.as_deref())?;
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
    let (analysis, elapsed) = analyse(&args, corpus, codebook, progress)?;
    super::to_stdout(|out| overview(&analysis, args.top, elapsed, out))?;
    write_results(&analysis, &args, progress)
}

/// Codes the corpus as the options ask, showing progress; with the time coding took.
fn analyse(
    args: &AnalyzeArgs,
    corpus: Corpus,
    codebook: Codebook,
    progress: &Progress,
) -> anyhow::Result<(Analysis, Duration)> {
    let counter = progress.counter("coded", Some(corpus.documents().len()));
    let started = Instant::now();
    let model = args.model.load(&codebook)?;
    let mut builder = Analysis::builder(corpus, codebook)
        .model(model)
        .unit(args.input.unit.into())
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
    Ok((analysis, elapsed))
}

/// Writes the results folder and the REFI-QDA files asked for, and says what was written;
/// fails (exit status 1) when an output could not be made.
fn write_results(
    analysis: &Analysis,
    args: &AnalyzeArgs,
    progress: &Progress,
) -> anyhow::Result<ExitCode> {
    // The results folder is replaced as a whole; REFI-QDA files asked for inside it join the
    // set, those elsewhere are written (each atomically) once the set is in place.
    let (qdc_in, qdc_out) = split_inside(args.qdc.as_deref(), &args.out);
    let (qdpx_in, qdpx_out) = split_inside(args.qdpx.as_deref(), &args.out);
    let written = analysis
        .write_with(&args.out, |staging| {
            let at = |inside: &Option<PathBuf>| inside.as_ref().map(|p| staging.join(p));
            super::exchange::write_refi(analysis, at(&qdc_in).as_deref(), at(&qdpx_in).as_deref())
        })
        .with_context(|| format!("writing the results into {}", args.out.display()))?;
    let mut names: Vec<String> = written
        .files
        .iter()
        .filter_map(|p| p.strip_prefix(&args.out).ok())
        .map(|p| p.display().to_string())
        .collect();
    for path in super::exchange::write_refi(analysis, qdc_out, qdpx_out)? {
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
