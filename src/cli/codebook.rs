//! `thematic codebook check` (validate, summarise, and test the examples) and `thematic codebook
//! convert` (dictionaries and REFI-QDA codebooks into TOML).

use std::path::Path;
use std::process::ExitCode;

use thematic::analysis::render::{aligns, table};
use thematic::{Codebook, Coder, PatternKind};

pub fn convert(input: &Path, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let codebook = Codebook::from_path(input)?;
    let header = format!(
        "# Converted by `thematic codebook convert` from {}.\n# Check it with `thematic codebook check`; add descriptions, examples and languages.\n\n",
        input
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    );
    let text = header + &codebook.to_toml();
    match output {
        Some(path) => {
            thematic::export::write_atomic(path, |w| w.write_all(text.as_bytes()))?;
            eprintln!(
                "wrote {} ({} codes, {} patterns)",
                path.display(),
                codebook.codes().len(),
                codebook.pattern_count()
            );
        }
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let codebook = Codebook::from_path(path)?;
    let coder = Coder::new(&codebook)?;
    println!(
        "{}: {} — {} codes ({} top-level), {} patterns, {} codebook-wide negative",
        path.display(),
        codebook.title(),
        codebook.codes().len(),
        codebook.codes().iter().filter(|c| c.depth() == 0).count(),
        codebook.pattern_count(),
        codebook.negative.len()
    );
    let rows: Vec<Vec<String>> = codebook
        .codes()
        .iter()
        .map(|c| {
            let count = |k: PatternKind| {
                c.patterns
                    .iter()
                    .filter(|p| p.kind == k)
                    .count()
                    .to_string()
            };
            let mut langs: Vec<&str> = c
                .patterns
                .iter()
                .filter_map(|p| p.lang.as_deref())
                .collect();
            langs.sort_unstable();
            langs.dedup();
            vec![
                format!("{}{}", "  ".repeat(c.depth()), c.name()),
                c.label.clone(),
                count(PatternKind::Phrase),
                count(PatternKind::Glob),
                count(PatternKind::Regex),
                c.negative.len().to_string(),
                langs.join(" "),
                format!("{}/{}", c.examples.len(), c.counterexamples.len()),
            ]
        })
        .collect();
    print!(
        "\n{}",
        table(
            &[
                "code", "label", "phrases", "globs", "regexes", "negative", "tagged", "examples"
            ],
            &aligns("llrrrrlr"),
            &rows
        )
    );
    let empty: Vec<&str> = codebook
        .codes()
        .iter()
        .filter(|c| c.patterns.is_empty() && codebook.children(&c.id).next().is_none())
        .map(|c| &*c.id)
        .collect();
    if !empty.is_empty() {
        println!(
            "\nnote: codes with no patterns and no sub-codes (only manual coding can apply them): {}",
            empty.join(", ")
        );
    }
    let (prefix, suffix, none) = coder.matcher().regex_prefilters();
    if prefix + suffix + none > 0 {
        println!(
            "\nregexes: {prefix} run where a literal their matches begin with occurs, {suffix} on passages holding a literal their matches end with, {none} on every passage"
        );
    }
    let unfiltered: Vec<&str> = coder.matcher().unfiltered_regexes().collect();
    if !unfiltered.is_empty() {
        println!(
            "\nnote: {} regex(es) have no literal that every match contains, so they run on every passage (the rest wait for their literals):",
            unfiltered.len()
        );
        for r in &unfiltered {
            let short: String = r.chars().take(100).collect();
            let slow = if r.contains(r"\b") && !r.contains("(?-u") {
                "  [\\b is a Unicode word boundary: the fast engines give up on non-ASCII text]"
            } else {
                ""
            };
            println!(
                "  {short}{}{slow}",
                if r.chars().count() > 100 { "…" } else { "" }
            );
        }
    }
    let failures = coder.check_examples(&codebook);
    let cases: usize = codebook
        .codes()
        .iter()
        .map(|c| {
            c.examples.len()
                + c.counterexamples.len()
                + c.patterns.iter().map(|p| p.examples.len()).sum::<usize>()
        })
        .sum();
    if failures.is_empty() {
        println!("\nall {cases} examples and counterexamples pass");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "\n{} of {cases} examples and counterexamples fail:",
        failures.len()
    );
    for f in &failures {
        let what = match (&f.pattern, f.expected_coded) {
            (Some(p), _) => format!("pattern {p:?} misses its example"),
            (None, true) => "example not coded".to_string(),
            (None, false) => "counterexample coded".to_string(),
        };
        println!("  {} — {what}: {:?}", f.code, f.sentence);
    }
    Ok(ExitCode::FAILURE)
}
