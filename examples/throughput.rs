//! Coding throughput on a large corpus, in MB/s.
//!
//! ```text
//! ../shared/bench/make_corpus.sh 100 /tmp/c100
//! cargo run --release --example throughput -- /tmp/c100 [CODEBOOK]
//! ```
//!
//! Measures, after one warm-up pass (so files come from the page cache): counting (per-code
//! passages and hits, the peer benchmark's task) and full coding (coded segments with character
//! offsets and explained hits), each on all cores and on one. MB is MiB (2^20 bytes) of source
//! text, as the peer benchmark counts it.

use std::time::Instant;

use rayon::prelude::*;
use thematic::coding::{CountScratch, Counts};
use thematic::{Codebook, Coder, CorpusReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = args.next().ok_or("usage: throughput CORPUS [CODEBOOK]")?;
    let codebook = Codebook::from_path(
        args.next()
            .unwrap_or_else(|| "codebooks/migration.toml".into()),
    )?;
    let coder = Coder::new(&codebook)?;
    let reader = CorpusReader::open(&folder)?;
    let n = codebook.codes().len();

    let count = || -> Counts {
        reader
            .entries()
            .par_iter()
            .fold(
                || (Counts::new(n), CountScratch::default()),
                |(mut c, mut s), e| {
                    let doc = reader.read(e).expect("readable");
                    coder.count_document(&doc, &mut c, &mut s);
                    (c, s)
                },
            )
            .map(|(c, _)| c)
            .reduce(
                || Counts::new(n),
                |mut a, b| {
                    a.merge(&b);
                    a
                },
            )
    };
    let code = || -> usize {
        reader
            .entries()
            .par_iter()
            .map(|e| {
                coder
                    .code_document(&reader.read(e).expect("readable"))
                    .segments
                    .len()
            })
            .sum()
    };

    let warm = count();
    let mb = warm.bytes as f64 / 1048576.0;
    println!(
        "{folder}: {} documents, {:.1} MiB, {} passages; codebook {} ({} codes, {} patterns)",
        warm.documents,
        mb,
        warm.passages_total,
        codebook.title(),
        n,
        codebook.pattern_count()
    );
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    for (threads, pool) in [(rayon::current_num_threads(), None), (1, Some(&one))] {
        let time = |f: &(dyn Fn() + Sync)| {
            let best = (0..3)
                .map(|_| {
                    let t = Instant::now();
                    match pool {
                        Some(p) => p.install(f),
                        None => f(),
                    }
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            (best, mb / best)
        };
        let (t_count, r_count) = time(&|| {
            count();
        });
        let (t_code, r_code) = time(&|| {
            code();
        });
        println!(
            "{threads} thread(s): counting {t_count:.3} s = {r_count:.0} MB/s; full coding {t_code:.3} s = {r_code:.0} MB/s"
        );
    }
    Ok(())
}
