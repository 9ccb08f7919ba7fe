//! Learning from a researcher's own coding, as a library user would write it.
//!
//! Trains a model on the tuning half of the development gold (real policy texts and press in
//! English, Russian and Kazakh, coded by two coders and adjudicated), shows what it learned
//! against the codebook alone by cross-validation, then codes the test half — text the model
//! never saw — with and without it, and prints one code the model gave with its evidence.
//!
//! ```text
//! cargo run --release --example learn_from_coders
//! ```

use std::path::Path;
use std::sync::Arc;

use thematic::analysis::evaluate::evaluate;
use thematic::coding::read_records;
use thematic::learn::Learner;
use thematic::{Codebook, Coder, Coding, Corpus, Origin, Unit};

/// A corpus folder and its gold coding (`gold.jsonl` inside it).
fn corpus_and_gold(folder: &str) -> thematic::Result<(Corpus, Coding)> {
    let corpus = Corpus::open(folder)?;
    let path = Path::new(folder).join("gold.jsonl");
    let records = read_records(std::fs::read(&path)?.as_slice(), Some(&path))?;
    let mut gold = Coding::empty(&corpus, Unit::Paragraph);
    gold.add_records(records, &corpus, Some(&path))?;
    Ok((corpus, gold))
}

fn main() -> thematic::Result<()> {
    let codebook = Codebook::from_path("codebooks/migration.toml")?;
    let coder = Coder::new(&codebook)?;

    // 1. Learn from the coders' coding of the tuning half.
    let (tune, tune_gold) = corpus_and_gold("tests/data/validity/tune")?;
    let model = Learner::new().learn(&codebook, &coder, &tune, &tune_gold)?;
    println!(
        "learned from {} paragraphs ({} features)\n",
        model.training.passages,
        model.features.len()
    );
    println!("cross-validated kappa      model  codebook");
    for v in &model.cross_validation {
        println!(
            "{:<26} {:>5.3}  {:>8.3}",
            v.code,
            v.model.kappa.unwrap_or(f64::NAN),
            v.codebook.kappa.unwrap_or(f64::NAN)
        );
    }

    // 2. Code the test half with and without the model, and score both against its gold.
    let (test, test_gold) = corpus_and_gold("tests/data/validity/test")?;
    let alone = coder.code_corpus(&test);
    let with_model = Coder::new(&codebook)?
        .model(Arc::new(model))
        .code_corpus(&test);
    let kappa = |coding: &Coding| {
        evaluate(coding, &test_gold, &codebook, true)
            .macro_average
            .kappa
            .unwrap_or(f64::NAN)
    };
    println!(
        "\ntest half, macro kappa: codebook alone {:.3}, codebook + model {:.3}",
        kappa(&alone),
        kappa(&with_model)
    );

    // 3. Every code the model gives says how sure it is and why.
    let given_by_model_alone = with_model.segments.iter().find_map(|s| match &s.origin {
        Origin::Model {
            probability,
            evidence,
        } if s.hits.is_empty() => Some((s, probability, evidence)),
        _ => None,
    });
    if let Some((seg, probability, evidence)) = given_by_model_alone {
        println!(
            "\n{} ¶{}: {} with probability {:.2}, a code the codebook did not give; the evidence:",
            seg.doc,
            seg.passage,
            seg.code,
            probability.get()
        );
        for e in evidence.iter() {
            println!("  {:+.3}  {}", e.weight, e.feature);
        }
    }
    Ok(())
}
