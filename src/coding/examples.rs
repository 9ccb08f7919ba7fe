//! The codebook's self-check: its examples must be coded, its counterexamples must not, and a
//! pattern's own examples must be matched by that pattern alone.

use std::sync::Arc;

use super::Coder;
use crate::codebook::Codebook;
use crate::matcher::{Matcher, Scratch};

impl Coder {
    /// Checks every code's `examples` (each must be coded with the code) and `counterexamples`
    /// (none may be), each taken as one passage.
    pub fn check_examples(&self, codebook: &Codebook) -> Vec<ExampleFailure> {
        let mut scratch = Scratch::default();
        let mut failures = Vec::new();
        for (index, code) in codebook.codes().iter().enumerate() {
            let cases = code
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(code.counterexamples.iter().map(|e| (e, false)));
            for (sentence, expected) in cases {
                let mut coded = false;
                self.matcher.for_each_code(sentence, &mut scratch, |c, _| {
                    coded |= c == index;
                });
                if coded != expected {
                    failures.push(ExampleFailure {
                        code: code.id.clone(),
                        pattern: None,
                        sentence: sentence.clone(),
                        expected_coded: expected,
                    });
                }
            }
            // A pattern's own examples must be matched by that pattern alone; a table of several
            // patterns shares its examples (its patterns sit together with the same examples),
            // and each of them must be matched by one of its patterns.
            let mut k = 0;
            while k < code.patterns.len() {
                let examples = &code.patterns[k].examples;
                let mut end = k + 1;
                while end < code.patterns.len() && code.patterns[end].examples == *examples {
                    end += 1;
                }
                let group = &code.patterns[k..end];
                k = end;
                if examples.is_empty() {
                    continue;
                }
                // The sets they may name come along; the codebook's muting patterns and
                // thresholds do not.
                let single = group
                    .iter()
                    .enumerate()
                    .fold(
                        codebook
                            .sets()
                            .iter()
                            .fold(Codebook::builder("pattern"), |b, set| b.set(set.clone())),
                        |b, (i, p)| {
                            b.code(
                                crate::codebook::Code::new(format!("p{i}"), "p").pattern(p.clone()),
                            )
                        },
                    )
                    .build()
                    .and_then(|cb| Matcher::new(&cb));
                let Ok(single) = single else {
                    continue;
                };
                let mut scratch = Scratch::default();
                for sentence in examples {
                    let mut coded = false;
                    single.for_each_code(sentence, &mut scratch, |_, _| coded = true);
                    if !coded {
                        let names: Vec<&str> = group.iter().map(|p| p.text.as_str()).collect();
                        failures.push(ExampleFailure {
                            code: code.id.clone(),
                            pattern: Some(names.join(" | ")),
                            sentence: sentence.clone(),
                            expected_coded: true,
                        });
                    }
                }
            }
        }
        failures
    }
}

/// An example or counterexample of the codebook that the patterns get wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// The code.
    pub code: Arc<str>,
    /// The pattern, for a pattern's own example (else the example is the code's).
    pub pattern: Option<String>,
    /// The sentence.
    pub sentence: String,
    /// `true` for an example that was not coded, `false` for a counterexample that was.
    pub expected_coded: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

    #[test]
    fn examples_are_checked() {
        let mut cb_code = Code::new("bd", "bd").pattern(Pattern::phrase("brain drain"));
        cb_code.examples = vec!["Brain drain grows.".into(), "Talent leaves.".into()];
        cb_code.counterexamples = vec!["The brain drains fluid.".into(), "brain drain".into()];
        let cb = Codebook::builder("t").code(cb_code).build().unwrap();
        let failures = Coder::new(&cb).unwrap().check_examples(&cb);
        let sentences: Vec<_> = failures
            .iter()
            .map(|f| (f.sentence.as_str(), f.expected_coded))
            .collect();
        assert_eq!(
            sentences,
            [("Talent leaves.", true), ("brain drain", false)]
        );
    }
}
