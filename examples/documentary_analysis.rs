//! Documentary analysis of the shipped corpus, as a library user would write it.
//!
//! Reads the five policy papers in `corpus/`, codes their paragraphs with the shipped codebook,
//! and prints what a researcher reads first: which themes the papers discuss and how often,
//! which themes occur together, and a coded excerpt per theme with the words that triggered it.
//!
//! ```text
//! cargo run --release --example documentary_analysis
//! ```

use thematic::{Analysis, Codebook, Corpus, Unit};

fn main() -> thematic::Result<()> {
    // 1. The corpus: documents and their metadata from corpus/corpus.toml.
    let corpus = Corpus::open("corpus")?;
    for doc in corpus.documents() {
        let m = &doc.metadata;
        println!(
            "{} — {} ({})",
            doc.id,
            m.title,
            m.year.map_or("n.d.".into(), |y| y.to_string())
        );
    }

    // 2. The codebook, validated as it loads.
    let codebook = Codebook::from_path("codebooks/migration.toml")?;

    // 3. Code every paragraph and compute the tables.
    let analysis = Analysis::run(corpus, codebook, Unit::Paragraph)?;
    let tables = &analysis.tables;

    println!("\nThemes in {} paragraphs:", tables.passages);
    for f in &tables.frequencies {
        let depth = analysis.codebook.code(&f.code).map_or(0, |c| c.depth());
        println!(
            "{:indent$}{:<40} {:>4} paragraphs ({:>4.1}%) in {} documents",
            "",
            f.label,
            f.passages,
            100.0 * f.share,
            f.documents,
            indent = 2 * depth
        );
    }

    println!("\nThemes that occur together (same paragraph):");
    for pair in tables.strongest_pairs(5) {
        println!(
            "  {} × {}: {} paragraphs, Jaccard {:.2}",
            pair.code_a, pair.code_b, pair.passages, pair.jaccard
        );
    }

    // 4. One excerpt per top-level theme, with the matched words in [brackets].
    println!("\nExcerpts:");
    for code in analysis.codebook.codes().iter().filter(|c| c.depth() == 0) {
        let Some(seg) = analysis.coding.segments.iter().find(|s| s.code == code.id) else {
            continue;
        };
        let doc = analysis
            .corpus
            .document(&seg.doc)
            .expect("coded documents are in the corpus");
        let chars: Vec<char> = doc.text.chars().collect();
        let mut shown = String::new();
        let mut at = seg.start;
        for hit in &seg.hits {
            shown.extend(&chars[at..hit.start]);
            shown.push('[');
            shown.extend(&chars[hit.start..hit.end]);
            shown.push(']');
            at = hit.end;
        }
        shown.extend(&chars[at..seg.end]);
        let shown: String = shown.chars().take(300).collect();
        println!(
            "\n{} — {}, paragraph {}:\n  {}…",
            code.label,
            doc.metadata.title,
            seg.passage,
            shown.replace('\n', " ")
        );
    }

    // 5. The files a researcher opens next.
    let written = analysis.write("out")?;
    println!("\nWrote {} files to out/", written.files.len());
    for (output, err) in &written.failed {
        eprintln!("could not write {output}: {err}");
    }
    Ok(())
}
