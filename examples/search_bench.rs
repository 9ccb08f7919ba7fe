//! Search index benchmark: build speed, index size, query latency.
//!
//! ```text
//! ../shared/bench/make_corpus.sh 100 /tmp/c100
//! cargo run --release --example search_bench -- /tmp/c100 [CODEBOOK]
//! ```
//!
//! Builds a fresh index of the corpus (coding it with the codebook), reports MB/s and the
//! index's size against the text's, then runs a fixed set of 240 queries — single terms,
//! phrases, boolean and proximity queries, Russian terms (stemmed), and code and year filters —
//! three times, and reports the median and 99th-percentile latency of the last two rounds.

use std::time::Instant;

use thematic::index::{Index, Search};
use thematic::{Codebook, CorpusReader, Unit};

/// Size of a folder's files, recursively.
fn folder_size(path: &std::path::Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        folder_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn queries() -> Vec<Search> {
    let terms = [
        "migration",
        "education",
        "students",
        "brain",
        "diaspora",
        "visa",
        "scholarship",
        "return",
        "talent",
        "emigration",
        "Bolashak",
        "repatriation",
        "universities",
        "scientists",
        "knowledge",
        "collaboration",
        "policy",
        "Kazakhstan",
        "Russia",
        "capital",
    ];
    let phrases = [
        "\"brain drain\"",
        "\"human capital\"",
        "\"research collaboration\"",
        "\"brain circulation\"",
        "\"international students\"",
        "\"migration policy\"",
        "\"highly skilled\"",
        "\"knowledge exchange\"",
        "\"return migration\"",
        "\"educational migration\"",
    ];
    let russian = [
        "миграции",
        "утечка",
        "образования",
        "специалистов",
        "молодежи",
    ];
    let codes = [
        "brain_drain",
        "education_pull",
        "return_policy",
        "talent_attraction",
        "research_collaboration",
    ];
    let mut out = Vec::new();
    for t in terms {
        out.push(Search::new(t));
        out.push(Search::new(format!("{t}*")));
    }
    for p in phrases {
        out.push(Search::new(p));
        out.push(Search::new(format!("{}~3", p)));
    }
    for (i, t) in terms.iter().enumerate() {
        let other = terms[(i + 7) % terms.len()];
        out.push(Search::new(format!("{t} AND {other}")));
        out.push(Search::new(format!("{t} OR {other}")));
        out.push(Search::new(format!("{t} -{other}")));
    }
    for r in russian {
        out.push(Search::new(r));
    }
    for (i, c) in codes.iter().enumerate() {
        for t in terms.iter().skip(i).step_by(2) {
            out.push(Search::new(*t).code(*c));
        }
        out.push(Search::new("").code(*c));
        out.push(Search::new(phrases[i]).code(*c).years(2015, 2020));
        out.push(Search::new(terms[i]).not_code(*c));
    }
    while out.len() < 240 {
        let i = out.len();
        out.push(Search::new(terms[i % terms.len()]).years(2015 + (i % 11) as i32, 2025));
    }
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = args.next().ok_or("usage: search_bench CORPUS [CODEBOOK]")?;
    let codebook = Codebook::from_path(
        args.next()
            .unwrap_or_else(|| "codebooks/migration.toml".into()),
    )?;
    let reader = CorpusReader::open(&folder)?;
    let dir = tempfile::tempdir()?;
    let started = Instant::now();
    let mut index = Index::create(dir.path())?;
    let stats = index.update(&reader, &codebook, Unit::Paragraph, &|_, _| {})?;
    let seconds = started.elapsed().as_secs_f64();
    let mib = stats.bytes_read as f64 / 1048576.0;
    let size = folder_size(dir.path()) as f64 / 1048576.0;
    println!(
        "{folder}: {} documents, {:.1} MiB, {} passages indexed in {seconds:.2} s = {:.1} MB/s; index {size:.1} MiB = {:.2}× the text",
        stats.added,
        mib,
        stats.passages,
        mib / seconds,
        size / mib
    );

    let queries = queries();
    let mut latencies = Vec::new();
    let mut hits = 0;
    for round in 0..3 {
        for q in &queries {
            let t = Instant::now();
            hits += index.search(&q.clone().limit(10))?.len();
            if round > 0 {
                latencies.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{} queries × 2 timed rounds: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} hits returned)",
        queries.len(),
        pct(0.5),
        pct(0.9),
        pct(0.99),
        latencies.last().copied().unwrap_or(0.0),
        hits
    );
    Ok(())
}
