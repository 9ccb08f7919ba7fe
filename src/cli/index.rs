//! `thematic index`, `thematic search`, `thematic kwic`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use thematic::Pattern;
use thematic::analysis::render::thousands;
use thematic::index::kwic::{Concordance, SortBy};
use thematic::index::{Index, Search, SearchHit, UpdateStats};
use unicode_width::UnicodeWidthStr;

#[cfg(feature = "embeddings")]
use super::SimilarArgs;
use super::output::Progress;
use super::{IndexArgs, Input, KwicArgs, RetrieveFormat, SearchArgs, SearchFilters, SortArg};

/// Opens (or creates) the index and brings it up to date with the corpus and codebook.
fn updated_index(
    input: &Input,
    dir: Option<&std::path::Path>,
    progress: &Progress,
) -> anyhow::Result<(Index, UpdateStats, f64)> {
    let codebook = super::load_codebook(input.codebook.as_deref())?;
    let mut reader = super::open_reader(&input.corpus)?;
    super::strict_check(reader.problems())?;
    let dir = dir.map_or_else(
        || thematic::index::default_path(&input.corpus),
        |d| d.to_path_buf(),
    );
    let mut index = Index::open_or_create(&dir)?;
    let started = Instant::now();
    let mut stats = index.update(&reader, &codebook, input.unit.into(), &|done, all| {
        progress.update(|| format!("indexing: {done}/{all} documents"));
    })?;
    progress.clear();
    let mut problems = reader.take_problems();
    problems.append(&mut stats.skipped);
    stats.skipped = problems;
    Ok((index, stats, started.elapsed().as_secs_f64()))
}

pub fn run_index(args: IndexArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let (index, stats, seconds) = updated_index(&args.input, args.index.as_deref(), progress)?;
    let (docs, passages) = index.counts()?;
    println!(
        "{}: {} documents, {} passages indexed — {} added, {} updated, {} re-coded, {} unchanged, {} removed; {} MB read in {:.2} s",
        index.path().display(),
        docs,
        thousands(passages as usize),
        stats.added,
        stats.updated,
        stats.recoded,
        stats.unchanged,
        stats.removed,
        stats.bytes_read / 1_000_000,
        seconds
    );
    progress.report_skipped(&stats.skipped, &[]);
    super::strict_check(&stats.skipped)?;
    Ok(ExitCode::SUCCESS)
}

/// `2020..2023` or `2022`.
fn parse_years(s: &str) -> anyhow::Result<(i32, i32)> {
    let (a, b) = s.split_once("..").unwrap_or((s, s));
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .with_context(|| format!("--year {s:?}: expected a year or a range like 2020..2023"))
    };
    Ok((year(a)?, year(b)?))
}

/// The search's filters and limit from the command line (its text aside).
fn search_of(query: &str, filters: &SearchFilters) -> anyhow::Result<Search> {
    let mut search = Search::new(query).limit(filters.limit);
    for c in &filters.code {
        search = search.code(c);
    }
    for c in &filters.not_code {
        search = search.not_code(c);
    }
    if let Some(y) = &filters.year {
        let (a, b) = parse_years(y)?;
        search = search.years(a, b);
    }
    if let Some(k) = &filters.kind {
        search = search.kind(k);
    }
    if let Some(l) = &filters.lang {
        search = search.lang(l);
    }
    Ok(search)
}

pub fn run_search(args: SearchArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let search = search_of(&args.query, &args.filters)?;
    let (index, stats, _) = updated_index(&args.input, args.index.as_deref(), progress)?;
    #[cfg(feature = "embeddings")]
    let hits = if args.semantic {
        let (store, e5) = refreshed_vectors(&index, progress)?;
        let query = e5.query(&args.query)?;
        store.search_mixed(&index, &search, &query, thematic::lang::detect(&args.query))?
    } else {
        index.search(&search)?
    };
    #[cfg(not(feature = "embeddings"))]
    let hits = index.search(&search)?;
    write_hits(&hits, args.filters.format, "score")?;
    progress.report_skipped(&stats.skipped, &[]);
    Ok(ExitCode::SUCCESS)
}

/// The vector store beside `index`, brought up to date with it, and the encoder.
#[cfg(feature = "embeddings")]
fn refreshed_vectors(
    index: &Index,
    progress: &Progress,
) -> anyhow::Result<(thematic::index::VectorStore, thematic::embed::Embedder)> {
    let e5 = thematic::embed::Embedder::open()?;
    let started = Instant::now();
    let (store, stats) = thematic::index::VectorStore::refresh(index, &e5, &|done, all| {
        progress.update(|| format!("embedding: {done}/{all} passages"));
    })?;
    progress.clear();
    if stats.embedded > 0 {
        progress.note(format_args!(
            "embedded {} new passages in {:.1} s ({} kept, {} dropped) into {}",
            stats.embedded,
            started.elapsed().as_secs_f64(),
            stats.kept,
            stats.dropped,
            store.path().display()
        ));
    }
    Ok((store, e5))
}

#[cfg(feature = "embeddings")]
pub fn run_similar(args: SimilarArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let search = search_of("", &args.filters)?;
    let (index, stats, _) = updated_index(&args.input, args.index.as_deref(), progress)?;
    let (store, e5) = refreshed_vectors(&index, progress)?;
    let by_passage = args
        .passage
        .parse::<thematic::index::PassageKey>()
        .ok()
        .and_then(|k| store.nearest_to_passage(&k, &search));
    let hits = match by_passage {
        Some(hits) => hits,
        None if args.passage.trim().is_empty() => bail!("give a passage id (DOC¶N) or a text"),
        None => {
            if let Ok(k) = args.passage.parse::<thematic::index::PassageKey>()
                && args.passage.split_whitespace().count() == 1
            {
                bail!(
                    "{k}: no such passage in the index of {} (passage ids are as `search` prints them)",
                    args.input.corpus.display()
                );
            }
            let lang = thematic::lang::detect(&args.passage);
            store.nearest(&e5.query(&args.passage)?, lang, &search)
        }
    };
    write_hits(&hits, args.filters.format, "cosine")?;
    progress.report_skipped(&stats.skipped, &[]);
    Ok(ExitCode::SUCCESS)
}

/// Writes ranked passages as a table, JSON Lines or CSV; `score` names their score.
fn write_hits(hits: &[SearchHit], format: RetrieveFormat, score: &str) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match format {
        RetrieveFormat::Table => {
            let bold = std::io::IsTerminal::is_terminal(&std::io::stdout());
            let (open, close) = if bold {
                ("\x1b[1;31m", "\x1b[0m")
            } else {
                ("[", "]")
            };
            for (rank, hit) in hits.iter().enumerate() {
                writeln!(
                    out,
                    "{}. {} ¶{} ({score} {:.3}) — {}{} [{}]",
                    rank + 1,
                    hit.doc,
                    hit.passage,
                    hit.score,
                    hit.title,
                    hit.year.map_or(String::new(), |y| format!(", {y}")),
                    hit.codes.join(", ")
                )?;
                writeln!(out, "   {}\n", snippet(&hit.highlighted(open, close), 500))?;
            }
            if hits.is_empty() {
                writeln!(out, "no passage matches")?;
            }
        }
        RetrieveFormat::Jsonl => {
            for hit in hits {
                serde_json::to_writer(&mut out, hit)?;
                writeln!(out)?;
            }
        }
        RetrieveFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record([
                "rank", "doc", "passage", "start", "end", score, "codes", "title", "year", "text",
            ])?;
            for (rank, h) in hits.iter().enumerate() {
                w.write_record([
                    (rank + 1).to_string(),
                    h.doc.clone(),
                    h.passage.to_string(),
                    h.start.to_string(),
                    h.end.to_string(),
                    format!("{:.4}", h.score),
                    h.codes.join(" | "),
                    h.title.clone(),
                    h.year.map_or(String::new(), |y| y.to_string()),
                    h.text.clone(),
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// The text on one line, at most `max` characters.
fn snippet(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

/// The corpus's index, if there is one and it was built from the files as they are now.
fn current_index(args: &KwicArgs, progress: &Progress) -> anyhow::Result<Option<Index>> {
    let dir = args
        .index
        .clone()
        .unwrap_or_else(|| thematic::index::default_path(&args.corpus));
    if !dir.join("meta.json").is_file() {
        return Ok(None);
    }
    let index = match Index::open(&dir) {
        Ok(index) => index,
        // The files give the same lines; the index only saves reading them.
        Err(thematic::Error::IndexBusy { .. }) => {
            progress.note(format_args!(
                "note: the index at {} is being updated by another run; reading the files instead",
                dir.display()
            ));
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let reader = super::open_reader(&args.corpus)?;
    Ok(index.is_current(&reader)?.then_some(index))
}

pub fn run_kwic(args: KwicArgs, progress: &Progress) -> anyhow::Result<ExitCode> {
    let pattern = if args.regex {
        Pattern::regex(&args.pattern)
    } else {
        Pattern::infer(&args.pattern)
    };
    if let Err(problem) = pattern.validate() {
        bail!("pattern {:?}: {problem}", args.pattern);
    }
    let concordance = Concordance::new(pattern, args.window);
    let lines = match current_index(&args, progress)? {
        Some(index) => {
            let documents = index.stored_documents(&concordance.required_words())?;
            progress.note(format_args!(
                "note: read from the index {} ({} candidate documents)",
                index.path().display(),
                documents.len()
            ));
            concordance.find_in(documents.iter())?
        }
        None => concordance.find(&super::open_corpus(&args.corpus)?)?,
    };
    let lines = Concordance::sorted(
        lines,
        match args.sort {
            SortArg::Doc => SortBy::Document,
            SortArg::Left => SortBy::Left,
            SortArg::Right => SortBy::Right,
        },
    );
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        RetrieveFormat::Table => {
            let width = lines.iter().map(|l| l.left.width()).max().unwrap_or(0);
            let id_width = lines
                .iter()
                .map(|l| l.doc.len() + 1 + l.passage.to_string().len())
                .max()
                .unwrap_or(0);
            for l in &lines {
                let id = format!("{}¶{}", l.doc, l.passage);
                writeln!(
                    out,
                    "{id:<id_width$}  {}{} | {} | {}",
                    " ".repeat(width - l.left.width()),
                    l.left,
                    l.keyword,
                    l.right
                )?;
            }
        }
        RetrieveFormat::Jsonl => {
            for l in &lines {
                serde_json::to_writer(&mut out, l)?;
                writeln!(out)?;
            }
        }
        RetrieveFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(["doc", "passage", "start", "end", "left", "keyword", "right"])?;
            for l in &lines {
                w.write_record([
                    &*l.doc,
                    &l.passage.to_string(),
                    &l.start.to_string(),
                    &l.end.to_string(),
                    &l.left,
                    &l.keyword,
                    &l.right,
                ])?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    eprintln!("{} matches of {:?}", lines.len(), args.pattern);
    Ok(ExitCode::SUCCESS)
}
