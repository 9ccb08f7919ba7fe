//! The review loop: the passages whose labels would teach a model most, as a file for the
//! researcher to decide on, and the decisions, kept so that a later model honours them.
//!
//! [`suggest`] picks the passages where the model is least sure — its probability nearest the
//! code's threshold — taking codes in turn and at most a fair share from any one document.
//! The researcher marks each `accept` or `reject` in the CSV (or JSON Lines) file; [`Decisions`]
//! records them with the coder and the day, refuses to change an earlier decision silently, and
//! is read by [`Learner::decisions`](super::Learner::decisions) (an accepted suggestion is a
//! coded passage, a rejected one is not) and by [`Model::with_decisions`](super::Model::with_decisions)
//! (a decided passage is coded as decided, whatever a retrained model thinks).

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::model::Model;
use crate::coding::Coder;
use crate::corpus::Corpus;
use crate::error::{Diagnostic, Error, Result};

/// What a researcher decided about a suggested code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The passage has the code.
    Accept,
    /// It does not.
    Reject,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Accept => "accept",
            Verdict::Reject => "reject",
        })
    }
}

impl std::str::FromStr for Verdict {
    type Err = String;

    /// `accept`, `yes`, `y`, `1` or `reject`, `no`, `n`, `0`, in any case.
    fn from_str(s: &str) -> std::result::Result<Verdict, String> {
        match s.trim().to_lowercase().as_str() {
            "accept" | "accepted" | "yes" | "y" | "1" => Ok(Verdict::Accept),
            "reject" | "rejected" | "no" | "n" | "0" => Ok(Verdict::Reject),
            other => Err(format!(
                "decision {other:?}: expected \"accept\" or \"reject\" (or leave it empty)"
            )),
        }
    }
}

/// A passage and a code to decide on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The document.
    pub doc: String,
    /// The passage's index in it.
    pub passage: usize,
    /// Its first character.
    pub start: usize,
    /// One past its last character.
    pub end: usize,
    /// The code.
    pub code: String,
    /// Whether the model codes the passage with it now.
    pub coded: bool,
    /// The model's probability.
    pub probability: f32,
    /// The code's threshold.
    pub threshold: f32,
    /// The researcher's decision: empty until made.
    #[serde(default)]
    pub decision: Option<String>,
    /// The passage's text.
    pub text: String,
}

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The document.
    pub doc: String,
    /// The passage's index in it.
    pub passage: usize,
    /// The code.
    pub code: String,
    /// Accepted or rejected.
    pub decision: Verdict,
    /// Who decided.
    pub coder: String,
    /// The day (`YYYY-MM-DD`).
    pub date: String,
    /// The model's probability when it was suggested.
    #[serde(default)]
    pub probability: Option<f32>,
}

/// The decisions of a review, by document, passage and code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decisions {
    entries: BTreeMap<(String, usize, String), Decision>,
}

impl Decisions {
    /// Reads a decisions file (JSON Lines, as [`Decisions::write`] writes it). A missing file
    /// is no decision yet.
    pub fn read(path: &Path) -> Result<Decisions> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Decisions::default()),
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut decisions = Decisions::default();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let decision: Decision = serde_json::from_str(line)
                .map_err(|e| located(path, i + 1, line, format!("not a review decision: {e}")))?;
            decisions
                .add(decision, false)
                .map_err(|message| located(path, i + 1, line, message))?;
        }
        Ok(decisions)
    }

    /// Records `decision`. One that contradicts an earlier decision on the same passage and
    /// code is refused, unless `replace`.
    pub fn add(&mut self, decision: Decision, replace: bool) -> std::result::Result<(), String> {
        let key = (
            decision.doc.clone(),
            decision.passage,
            decision.code.clone(),
        );
        if let Some(earlier) = self.entries.get(&key)
            && earlier.decision != decision.decision
            && !replace
        {
            return Err(format!(
                "{} ¶{} {}: {} decided {} on {}; this says {} (pass --replace to change a decision)",
                key.0,
                key.1,
                key.2,
                earlier.coder,
                earlier.decision,
                earlier.date,
                decision.decision
            ));
        }
        self.entries.insert(key, decision);
        Ok(())
    }

    /// The decision on `code` for passage `passage` of document `doc`, if any.
    pub fn get(&self, doc: &str, passage: usize, code: &str) -> Option<Verdict> {
        self.entries
            .get(&(doc.to_string(), passage, code.to_string()))
            .map(|d| d.decision)
    }

    /// What the decisions say of passage `passage` of `doc` and `code`: not coded if the code
    /// or an ancestor was rejected; coded if the code or a sub-code was accepted; `None` when
    /// nothing was decided about it.
    pub fn label(&self, doc: &str, passage: usize, code: &str) -> Option<bool> {
        let ends = code.match_indices('/').map(|(i, _)| i);
        let rejected = ends
            .chain(std::iter::once(code.len()))
            .any(|end| self.get(doc, passage, &code[..end]) == Some(Verdict::Reject));
        if rejected {
            return Some(false);
        }
        // Codes that start with `code` sort together, its sub-codes among them.
        let from = (doc.to_string(), passage, code.to_string());
        let accepted = self
            .entries
            .range(from..)
            .take_while(|((d, p, c), _)| d == doc && *p == passage && c.starts_with(code))
            .any(|((_, _, c), d)| {
                crate::codebook::is_within(c, code) && d.decision == Verdict::Accept
            });
        accepted.then_some(true)
    }

    /// Every decision, by document, passage and code.
    pub fn iter(&self) -> impl Iterator<Item = &Decision> {
        self.entries.values()
    }

    /// How many decisions there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Writes every decision to `path` as JSON Lines, all at once or not at all.
    pub fn write(&self, path: &Path) -> Result<()> {
        crate::export::write_atomic(path, |w| {
            for d in self.entries.values() {
                serde_json::to_writer(&mut *w, d).map_err(std::io::Error::other)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
    }
}

fn located(path: &Path, line: usize, text: &str, message: String) -> Error {
    let mut d = Diagnostic::new(message).with_path(Some(path));
    let mut location = crate::error::Location::from_line_column(text, 1, 1);
    location.line = line;
    d.location = Some(location);
    Error::Coding(Box::new(d))
}

/// The `n` suggestions that would teach `model` most on `corpus`: for each code, the body
/// passages whose probability lies nearest the code's threshold, codes taken in turn, no
/// document giving more than its share (`n` over the documents, rounded up), and nothing
/// already `decided`.
pub fn suggest(
    model: &Model,
    coder: &Coder,
    corpus: &Corpus,
    n: usize,
    decided: &Decisions,
) -> Vec<Suggestion> {
    // Every (passage, code) the model scores, with how unsure it is.
    let scored: Vec<(f32, Suggestion)> = corpus
        .documents()
        .par_iter()
        .flat_map_iter(|doc| {
            let coding = coder.code_document_by_codebook(doc);
            let mut reader = model.readers.take();
            let mut out = Vec::new();
            let passages: Vec<_> = super::coded_passages(coder, &coding).collect();
            let texts: Vec<&str> = passages.iter().map(|(p, ..)| p.text(&doc.text)).collect();
            let meanings = model.meanings(&texts);
            let surroundings = super::surroundings_of(&passages, model.reads_context);
            for (((passage, lang, segments), meaning), around) in
                passages.into_iter().zip(meanings).zip(&surroundings)
            {
                let text = passage.text(&doc.text);
                let x = model.vectorise(
                    &mut reader,
                    text,
                    lang,
                    &segments,
                    around,
                    meaning.as_deref(),
                );
                for (k, p) in model.probabilities(&x).into_iter().enumerate() {
                    let code = &model.codes[k];
                    if decided.get(&doc.id, passage.index, &code.code).is_some() {
                        continue;
                    }
                    let p = p as f32;
                    out.push((
                        (p - code.threshold).abs(),
                        Suggestion {
                            doc: doc.id.to_string(),
                            passage: passage.index,
                            start: passage.start,
                            end: passage.end,
                            code: code.code.clone(),
                            coded: p >= code.threshold,
                            probability: p,
                            threshold: code.threshold,
                            decision: None,
                            text: text.to_string(),
                        },
                    ));
                }
            }
            model.readers.give(reader);
            out
        })
        .collect();
    let mut per_code: Vec<Vec<(f32, Suggestion)>> = vec![Vec::new(); model.codes.len()];
    for (u, s) in scored {
        let k = model
            .codes
            .iter()
            .position(|c| c.code == s.code)
            .expect("scored codes are the model's");
        per_code[k].push((u, s));
    }
    for list in &mut per_code {
        list.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| (&a.1.doc, a.1.passage).cmp(&(&b.1.doc, b.1.passage)))
        });
        list.reverse(); // pop() takes the most uncertain
    }
    let documents = corpus.documents().len().max(1);
    let share = n.div_ceil(documents).max(1);
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n && per_code.iter().any(|l| !l.is_empty()) {
        for list in &mut per_code {
            if out.len() == n {
                break;
            }
            while let Some((_, s)) = list.pop() {
                let count = taken.entry(s.doc.clone()).or_default();
                if *count < share {
                    *count += 1;
                    out.push(s);
                    break;
                }
            }
        }
    }
    out
}

/// Writes suggestions as CSV (`.csv`) or JSON Lines (any other name), all at once.
pub fn write_suggestions(path: &Path, suggestions: &[Suggestion]) -> Result<()> {
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    crate::export::write_atomic(path, |w| {
        if csv {
            let mut out = csv::Writer::from_writer(w);
            for s in suggestions {
                out.serialize(s).map_err(std::io::Error::other)?;
            }
            out.flush()
        } else {
            for s in suggestions {
                serde_json::to_writer(&mut *w, s).map_err(std::io::Error::other)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        }
    })
}

/// Reads a review file back (CSV or JSON Lines, by its name) and turns the rows with a decision
/// into [`Decision`]s by `coder` on `date`; rows left empty are skipped. Errors name the file
/// and the line.
pub fn read_decided(path: &Path, coder: &str, date: &str) -> Result<Vec<Decision>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let rows: Vec<(usize, String, std::result::Result<Suggestion, String>)> = if csv {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        reader
            .deserialize::<Suggestion>()
            .enumerate()
            .map(|(i, r)| {
                let line = r
                    .as_ref()
                    .err()
                    .and_then(|e| e.position().map(|p| p.line() as usize))
                    .unwrap_or(i + 2);
                (line, String::new(), r.map_err(|e| e.to_string()))
            })
            .collect()
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                (
                    i + 1,
                    l.to_string(),
                    serde_json::from_str(l).map_err(|e| e.to_string()),
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for (line, raw, row) in rows {
        let row = row.map_err(|e| located(path, line, &raw, format!("not a review row: {e}")))?;
        let Some(decision) = row.decision.as_deref().filter(|d| !d.trim().is_empty()) else {
            continue;
        };
        let verdict: Verdict = decision
            .parse()
            .map_err(|e: String| located(path, line, &raw, e))?;
        out.push(Decision {
            doc: row.doc,
            passage: row.passage,
            code: row.code,
            decision: verdict,
            coder: coder.to_string(),
            date: date.to_string(),
            probability: Some(row.probability),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(code: &str, verdict: Verdict, coder: &str) -> Decision {
        Decision {
            doc: "d".into(),
            passage: 3,
            code: code.into(),
            decision: verdict,
            coder: coder.into(),
            date: "2026-12-01".into(),
            probability: Some(0.5),
        }
    }

    #[test]
    fn verdicts_read_as_people_write_them() {
        for yes in ["accept", "Accepted", " YES ", "y", "1"] {
            assert_eq!(yes.parse::<Verdict>(), Ok(Verdict::Accept), "{yes}");
        }
        for no in ["reject", "REJECTED", "no", "n", "0"] {
            assert_eq!(no.parse::<Verdict>(), Ok(Verdict::Reject), "{no}");
        }
        assert!(
            "maybe"
                .parse::<Verdict>()
                .unwrap_err()
                .contains("\"maybe\"")
        );
    }

    #[test]
    fn a_contradicting_decision_is_refused_unless_replacing() {
        let mut d = Decisions::default();
        d.add(decision("brain_drain", Verdict::Accept, "ana"), false)
            .unwrap();
        // The same decision again is no contradiction.
        d.add(decision("brain_drain", Verdict::Accept, "bo"), false)
            .unwrap();
        let err = d
            .add(decision("brain_drain", Verdict::Reject, "bo"), false)
            .unwrap_err();
        assert!(
            err.contains("decided accept") && err.contains("says reject"),
            "{err}"
        );
        d.add(decision("brain_drain", Verdict::Reject, "bo"), true)
            .unwrap();
        assert_eq!(d.get("d", 3, "brain_drain"), Some(Verdict::Reject));
        assert_eq!(d.get("d", 3, "return_policy"), None);
    }

    #[test]
    fn a_rejected_theme_rejects_its_sub_codes_and_an_accepted_sub_code_its_theme() {
        let mut d = Decisions::default();
        d.add(decision("brain_drain", Verdict::Reject, "ana"), false)
            .unwrap();
        d.add(decision("return_policy-x", Verdict::Accept, "ana"), false)
            .unwrap();
        d.add(
            decision("return_policy/retention", Verdict::Accept, "ana"),
            false,
        )
        .unwrap();
        assert_eq!(d.label("d", 3, "brain_drain"), Some(false));
        assert_eq!(d.label("d", 3, "brain_drain/push_factors"), Some(false));
        assert_eq!(d.label("d", 3, "return_policy"), Some(true));
        assert_eq!(d.label("d", 3, "return_policy/retention"), Some(true));
        assert_eq!(d.label("d", 3, "return_policy/diaspora"), None);
        assert_eq!(d.label("d", 4, "return_policy"), None);
        assert_eq!(d.label("d", 3, "education_pull"), None);
    }

    #[test]
    fn decisions_round_trip_and_bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.jsonl");
        assert!(
            Decisions::read(&path).unwrap().is_empty(),
            "no file: none yet"
        );
        let mut d = Decisions::default();
        d.add(decision("brain_drain", Verdict::Accept, "ana"), false)
            .unwrap();
        d.add(decision("return_policy", Verdict::Reject, "ana"), false)
            .unwrap();
        d.write(&path).unwrap();
        assert_eq!(Decisions::read(&path).unwrap(), d);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str("{\"doc\": \"d\", \"passage\": 1}\n");
        std::fs::write(&path, text).unwrap();
        let err = Decisions::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("decisions.jsonl") && err.contains(":3"),
            "{err}"
        );
    }
}
