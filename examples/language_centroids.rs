//! Writes `src/embed/centroids.json`: the mean embedding of each language's body paragraphs
//! in the development gold's tuning half (no labels are read).
//!
//! A multilingual encoder places passages of one language nearer each other than passages
//! of another language that say the same thing; subtracting each language's mean vector
//! removes most of that (Libovický, Rosa and Fraser, "On the Language Neutrality of
//! Pre-trained Multilingual Representations", 2020). `thematic similar` compares passages
//! centred so. Run again only when the encoder changes:
//!
//! ```text
//! cargo run --release --example language_centroids
//! ```

use std::collections::BTreeMap;

use thematic::embed::{DIMENSIONS, ENCODER, Embedder};
use thematic::{Codebook, Coder, Corpus};

fn main() -> thematic::Result<()> {
    let corpus = Corpus::open("tests/data/validity/tune")?;
    let coder = Coder::new(&Codebook::from_path("codebooks/migration.toml")?)?;
    let mut by_lang: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for doc in corpus.documents() {
        let coding = coder.code_document_by_codebook(doc);
        for p in &coding.passages {
            if p.role != thematic::segment::Role::Body {
                continue;
            }
            if let Some(lang) = thematic::lang::from_code(coding.langs[p.index]) {
                by_lang
                    .entry(lang)
                    .or_default()
                    .push(p.text(&doc.text).to_string());
            }
        }
    }
    let e5 = Embedder::open()?;
    let mut centroids = serde_json::Map::new();
    let mut counts = serde_json::Map::new();
    for (lang, texts) in &by_lang {
        if texts.len() < 100 {
            continue;
        }
        let mut sum = vec![0f64; DIMENSIONS];
        for chunk in texts.chunks(64) {
            for e in e5.passages(chunk)? {
                for (s, v) in sum.iter_mut().zip(e.values()) {
                    *s += f64::from(*v);
                }
            }
        }
        let mean: Vec<f64> = sum
            .iter()
            .map(|s| (s / texts.len() as f64 * 1e6).round() / 1e6)
            .collect();
        centroids.insert(lang.to_string(), mean.into());
        counts.insert(lang.to_string(), texts.len().into());
        eprintln!("{lang}: {} paragraphs", texts.len());
    }
    let out = serde_json::json!({
        "encoder": ENCODER,
        "source": "body paragraphs of tests/data/validity/tune (examples/language_centroids.rs)",
        "paragraphs": counts,
        "centroids": centroids,
    });
    std::fs::write(
        "src/embed/centroids.json",
        serde_json::to_string(&out).unwrap() + "\n",
    )?;
    Ok(())
}
