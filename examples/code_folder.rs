//! Code any folder of `.txt` / `.md` documents and write its coded excerpts.
//!
//! ```text
//! cargo run --release --example code_folder -- FOLDER [CODEBOOK] [OUT_DIR]
//! ```
//!
//! CODEBOOK defaults to `codebooks/migration.toml` (a `.json` or `.yaml` dictionary works too),
//! OUT_DIR to `out/`. Writes `excerpts.csv` and `excerpts.jsonl`, and lists documents that could
//! not be read.

use std::path::PathBuf;

use thematic::{Codebook, Coder, Corpus, export};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(
        args.next()
            .ok_or("usage: code_folder FOLDER [CODEBOOK] [OUT_DIR]")?,
    );
    let codebook = Codebook::from_path(
        args.next()
            .unwrap_or_else(|| "codebooks/migration.toml".into()),
    )?;
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out".into()));

    let corpus = Corpus::open(&folder)?;
    let coding = Coder::new(&codebook)?.code_corpus(&corpus);

    export::write_atomic(&out.join("excerpts.csv"), |w| {
        export::write_excerpts_csv(&coding, &corpus, &codebook, w)
    })?;
    export::write_atomic(&out.join("excerpts.jsonl"), |w| {
        export::write_excerpts_jsonl(&coding, &corpus, w)
    })?;

    println!(
        "{} documents, {} passages, {} coded segments → {}",
        corpus.documents().len(),
        coding.passage_count(),
        coding.segments.len(),
        out.display()
    );
    for skipped in corpus.skipped() {
        eprintln!("skipped: {}", skipped.error);
    }
    Ok(())
}
