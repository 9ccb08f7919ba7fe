//! Compiling a codebook: each pattern into its matcher, then every literal into one automaton
//! (or the phrase table of a large dictionary), each literal pointing at the patterns it stands
//! for.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::fold::fold_str;
use super::{
    Compiled, CompiledPattern, DFA_LITERAL_LIMIT, Effect, Matcher, PatternId, phrases, prefilter,
    rules, stemmed,
};
use crate::codebook::{Codebook, Glob, Pattern, PatternKind, build_regex};
use crate::error::{Diagnostic, Error, Result};

impl Matcher {
    /// Compiles `codebook`, matching plain phrases through the phrase table when there are at
    /// least `table_min` of them.
    pub(super) fn build(codebook: &Codebook, table_min: usize) -> Result<Matcher> {
        let patterns = compile_patterns(codebook)?;
        let rules = rules::Rules::new(codebook, &patterns);
        let in_table = |p: &CompiledPattern| {
            matches!(p.compiled, Compiled::Literal)
                && p.anchors.len() == 1
                && phrases::PhraseTable::takes(&p.anchors[0])
        };
        let table = (patterns.iter().filter(|p| in_table(p)).count() >= table_min).then(|| {
            let mut table = phrases::PhraseTable::default();
            for (id, p) in patterns.iter().enumerate() {
                if in_table(p) {
                    table.insert(&p.anchors[0], id as PatternId);
                }
            }
            table
        });
        let by_automaton = |p: &CompiledPattern| !(table.is_some() && in_table(p));
        let literals = Literals::of(&patterns, by_automaton);
        Ok(Matcher {
            automaton: literals.automaton()?,
            targets: literals.targets,
            unfiltered: literals.unfiltered,
            patterns,
            phrases: table,
            code_count: codebook.codes().len(),
            rules,
        })
    }
}

/// Every pattern of the codebook compiled, in the order their ids number them: codebook-wide
/// negatives, muting patterns, the concept sets' terms, each code's patterns and negatives, then
/// the sets' exceptions.
fn compile_patterns(codebook: &Codebook) -> Result<Vec<CompiledPattern>> {
    let code_count = codebook.codes().len() as u32;
    let mut patterns = Vec::new();
    for p in &codebook.negative {
        patterns.push(compile(codebook, Effect::VetoAll, p, false)?);
    }
    for p in &codebook.mute {
        patterns.push(compile(codebook, Effect::Mute, p, false)?);
    }
    for (i, set) in codebook.sets().iter().enumerate() {
        let effect = Effect::Hit {
            slot: code_count + i as u32,
        };
        for p in &set.terms {
            patterns.push(compile(codebook, effect, p, true)?);
        }
    }
    for (i, code) in codebook.codes().iter().enumerate() {
        for p in &code.patterns {
            patterns.push(compile(codebook, Effect::Hit { slot: i as u32 }, p, false)?);
        }
        for p in &code.negative {
            patterns.push(compile(
                codebook,
                Effect::Veto { code: i as u32 },
                p,
                false,
            )?);
        }
    }
    // Exceptions last, so that adding one leaves the other patterns' ids as they were.
    for (i, set) in codebook.sets().iter().enumerate() {
        let effect = Effect::Except {
            slot: code_count + i as u32,
        };
        for p in &set.except {
            patterns.push(compile(codebook, effect, p, true)?);
        }
    }
    Ok(patterns)
}

/// Compiles one pattern. `morphology_only`: the pattern's language is the one its stems are in,
/// not a filter on passages (concept-set terms).
fn compile(
    codebook: &Codebook,
    effect: Effect,
    p: &Pattern,
    morphology_only: bool,
) -> Result<CompiledPattern> {
    let owner = Owner::of(effect, codebook);
    let invalid = |e: &str| invalid(owner, p, e);
    let lang = p.lang.as_deref().unwrap_or("");
    let (compiled, anchors, starts_at_anchor) = match p.kind {
        PatternKind::Set | PatternKind::Near => (Compiled::Composite, Vec::new(), false),
        PatternKind::Phrase if p.stem => {
            let stemmed = if morphology_only {
                stemmed::StemmedPhrase::inflected(&p.text, lang)
            } else {
                stemmed::StemmedPhrase::in_language(&p.text, lang)
            }
            .map_err(|e| invalid(&e))?;
            let anchors = stemmed.anchors().to_vec();
            (Compiled::Stemmed(stemmed), anchors, false)
        }
        PatternKind::Phrase => (Compiled::Literal, vec![fold_str(&p.text)], false),
        PatternKind::Glob => {
            let glob = Glob::parse(&p.text, p.case_sensitive).map_err(|e| invalid(&e))?;
            let (anchor, starts) = (glob.anchor.clone(), glob.anchor_starts);
            (Compiled::Glob(glob, OnceLock::new()), vec![anchor], starts)
        }
        PatternKind::Regex => {
            let regex = build_regex(&p.text, p.case_sensitive).map_err(|e| invalid(&e))?;
            let anchors = prefilter::regex_anchors(&p.text);
            let prefix = anchors.as_ref().is_some_and(|a| a.prefix);
            let literals = anchors.map(|a| a.literals).unwrap_or_default();
            (Compiled::Regex(regex), literals, prefix)
        }
    };
    let slots = |names: &[String]| names.iter().map(|n| set_slot(codebook, n)).collect();
    Ok(CompiledPattern {
        effect,
        kind: p.kind,
        text: p.text.as_str().into(),
        lang: if morphology_only {
            None
        } else {
            p.lang.as_deref().map(static_lang)
        },
        case_sensitive: p.case_sensitive,
        compiled,
        starts_at_anchor,
        anchors,
        rule: rules::PatternRule {
            sets: slots(&p.sets),
            within: p.within,
            with: slots(&p.with),
            without: slots(&p.without),
            strong: p.strong,
            document: p.document,
        },
    })
}

/// The slot of concept set `name`: its hits are counted after the codes'.
fn set_slot(codebook: &Codebook, name: &str) -> u32 {
    let index = codebook
        .sets()
        .iter()
        .position(|s| &*s.id == name)
        .expect("a validated codebook defines the sets its patterns name");
    (codebook.codes().len() + index) as u32
}

/// The literals the automaton looks for, each with the patterns it stands for, and the regexes
/// that have none.
struct Literals {
    literals: Vec<String>,
    targets: Vec<Vec<PatternId>>,
    unfiltered: Vec<PatternId>,
}

impl Literals {
    /// The literals of the patterns `by_automaton` accepts (the others are in the phrase table).
    fn of(
        patterns: &[CompiledPattern],
        by_automaton: impl Fn(&CompiledPattern) -> bool,
    ) -> Literals {
        let mut literals = Literals {
            literals: Vec::new(),
            targets: Vec::new(),
            unfiltered: Vec::new(),
        };
        let mut index = HashMap::new();
        for (id, p) in patterns.iter().enumerate() {
            let id = id as PatternId;
            if !by_automaton(p) || matches!(p.compiled, Compiled::Composite) {
                continue;
            }
            if p.anchors.is_empty() {
                literals.unfiltered.push(id);
                continue;
            }
            for literal in &p.anchors {
                let slot = *index.entry(literal.clone()).or_insert_with(|| {
                    literals.literals.push(literal.clone());
                    literals.targets.push(Vec::new());
                    literals.targets.len() - 1
                });
                if !literals.targets[slot].contains(&id) {
                    literals.targets[slot].push(id);
                }
            }
        }
        literals
    }

    /// One automaton over every literal, or none when there is none.
    fn automaton(&self) -> Result<Option<AhoCorasick>> {
        if self.literals.is_empty() {
            return Ok(None);
        }
        AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            // A DFA scans several times faster than the NFAs; its memory grows with the
            // literals, so very large dictionaries fall back to the contiguous NFA.
            .kind(Some(if self.literals.len() <= DFA_LITERAL_LIMIT {
                AhoCorasickKind::DFA
            } else {
                AhoCorasickKind::ContiguousNFA
            }))
            .build(&self.literals)
            .map(Some)
            .map_err(|e| {
                Error::Codebook(Box::new(Diagnostic::new(format!(
                    "the codebook's {} literal patterns could not be compiled: {e}",
                    self.literals.len()
                ))))
            })
    }
}

fn static_lang(lang: &str) -> &'static str {
    crate::codebook::LANGUAGES
        .iter()
        .find(|l| **l == lang)
        .copied()
        .unwrap_or("?")
}

/// Whose pattern it is, for messages.
#[derive(Debug, Clone, Copy)]
struct Owner<'a> {
    codebook: &'a Codebook,
    effect: Effect,
}

impl<'a> Owner<'a> {
    fn of(effect: Effect, codebook: &'a Codebook) -> Owner<'a> {
        Owner { codebook, effect }
    }
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let codes = self.codebook.codes();
        match self.effect {
            Effect::VetoAll => f.write_str("the codebook-wide negative patterns"),
            Effect::Mute => f.write_str("the muting patterns"),
            Effect::Veto { code } => write!(f, "code `{}`", codes[code as usize].id),
            Effect::Hit { slot } if (slot as usize) < codes.len() => {
                write!(f, "code `{}`", codes[slot as usize].id)
            }
            Effect::Hit { slot } => write!(
                f,
                "concept set `{}`",
                self.codebook.sets()[slot as usize - codes.len()].id
            ),
            Effect::Except { slot } => write!(
                f,
                "the exceptions of concept set `{}`",
                self.codebook.sets()[slot as usize - codes.len()].id
            ),
        }
    }
}

fn invalid(owner: Owner<'_>, p: &Pattern, problem: &str) -> Error {
    Error::Codebook(Box::new(
        Diagnostic::new(format!("invalid pattern in {owner}: {:?}", p.text))
            .with_path(owner.codebook.path())
            .with_note(problem.to_string()),
    ))
}
