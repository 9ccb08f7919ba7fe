//! The whole codebook compiled into one matcher, and run over passages.
//!
//! * **Phrases** and the literal core of every **glob** go into one Aho-Corasick automaton, run
//!   once over the passage's [folded](fold) text and reporting every occurrence, overlapping ones
//!   included. Word boundaries are checked on these candidates only. From a few thousand plain
//!   phrases on, whose DFA would outgrow the caches, the phrases are instead looked up word by
//!   word in a hash table of their first words, at a cost that does not grow with their number.
//! * **Globs** whose literal core occurred are confirmed with their own regex on the original
//!   text.
//! * **Regexes** join the automaton through the literals one of which every match holds (see
//!   [`prefilter`]); they run only on passages where one occurred. The few without such
//!   literals run on every passage.
//!
//! Then, per code: if a negative pattern of the code (or of the whole codebook) matched, the code
//! does not apply; otherwise its hits are chosen leftmost-longest without overlap (the earliest
//! hit, the longest of those starting there, then the next that starts after it ends), so a
//! phrase nested in a longer one (`visa` in `investor visa`) is counted once.

pub mod fold;
mod phrases;
pub mod prefilter;
mod rules;
pub mod stemmed;

use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex_automata::{Anchored, Input, meta};

use crate::codebook::{Codebook, Glob, Pattern, PatternKind, build_regex};
use crate::error::{Diagnostic, Error, Result};
use crate::text::{char_before, is_space, is_whole_word, is_word_char};
use fold::{Folded, fold_str};

/// Identifies a pattern of the compiled codebook.
pub type PatternId = u32;

/// Up to this many literals the automaton is a DFA.
const DFA_LITERAL_LIMIT: usize = 20_000;

/// From this many plain phrases on, phrases are matched word by word through a hash table of
/// their first words ([`phrases`]) rather than by the automaton, whose DFA then outgrows the
/// caches. Below it the automaton is faster.
const PHRASE_TABLE_MIN: usize = 2_500;

/// What a match of a pattern does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// A hit for slot `slot`: a code's index, or the number of codes plus a concept set's.
    Hit { slot: u32 },
    /// Stops code `code` in the passage.
    Veto { code: u32 },
    /// Stops every code in the passage (codebook-wide negatives).
    VetoAll,
    /// Mutes the sentence it occurs in.
    Mute,
}

impl Effect {
    /// One match is all that matters.
    fn first_only(self) -> bool {
        matches!(self, Effect::Veto { .. } | Effect::VetoAll)
    }
}

#[derive(Debug)]
struct CompiledPattern {
    effect: Effect,
    kind: PatternKind,
    text: Arc<str>,
    lang: Option<&'static str>,
    case_sensitive: bool,
    /// Regexes, compiled with the codebook.
    regex: Option<meta::Regex>,
    /// Every match of the regex begins with one of its anchors: look for matches only where
    /// an anchor occurs.
    starts_at_anchor: bool,
    /// Globs, compiled the first time their literal core is found.
    glob: Option<(Glob, OnceLock<meta::Regex>)>,
    /// Phrases matched by the stems of their words.
    stemmed: Option<stemmed::StemmedPhrase>,
    /// What the automaton looks for: a phrase folded, a glob's literal core, or the literals
    /// one of which every match of a regex holds. Empty for a regex that must always run, and
    /// for set and near patterns, which are made of their sets' hits.
    anchors: Vec<String>,
    /// Conditions on its hits.
    rule: rules::PatternRule,
}

/// One hit of a pattern in a passage: byte offsets into the passage's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hit {
    /// First byte of the match in the passage.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// The pattern that matched ([`Matcher::pattern_text`] names it).
    pub pattern: PatternId,
}

/// A code that applies to a passage, with the hits that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeHits<'a> {
    /// Index of the code in [`Codebook::codes`].
    pub code: usize,
    /// Its hits, in text order, non-overlapping.
    pub hits: &'a [Hit],
}

/// A codebook compiled for matching. Build it once; share it between threads.
///
/// ```
/// use thematic::{Codebook, Matcher};
/// let codebook = Codebook::from_json_dictionary(
///     r#"{"brain_drain": ["brain drain", "утечк* мозгов"], "return": ["returnees"]}"#, None)?;
/// let matcher = Matcher::new(&codebook)?;
/// let mut scratch = thematic::matcher::Scratch::default();
/// let found = matcher.find("Brain  Drain, or УТЕЧКА МОЗГОВ.", &mut scratch);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].hits.len(), 2);
/// assert_eq!(matcher.pattern_text(found[0].hits[1].pattern), "утечк* мозгов");
/// # Ok::<(), thematic::Error>(())
/// ```
#[derive(Debug)]
pub struct Matcher {
    patterns: Vec<CompiledPattern>,
    automaton: Option<AhoCorasick>,
    /// Plain phrases of a large dictionary, matched word by word instead of by the automaton.
    phrases: Option<phrases::PhraseTable>,
    /// For each literal of the automaton, the phrases and globs it stands for.
    targets: Vec<Vec<PatternId>>,
    /// Regexes with no literal prefilter: they run on every passage.
    unfiltered: Vec<PatternId>,
    code_count: usize,
    /// Concept sets, proximity, context, muting and evidence thresholds.
    rules: rules::Rules,
}

/// Where a stemmed phrase may start: its pattern and a byte of the folded passage. The offset is
/// kept in two halves, so an entry takes 12 bytes rather than 16: a long passage of common words
/// can have a candidate every few words.
#[derive(Debug, Clone, Copy)]
struct StemStart {
    id: PatternId,
    low: u32,
    high: u32,
}

impl StemStart {
    fn new(id: PatternId, at: usize) -> StemStart {
        let at = at as u64;
        StemStart {
            id,
            low: at as u32,
            high: (at >> 32) as u32,
        }
    }

    fn at(self) -> usize {
        (u64::from(self.high) << 32 | u64::from(self.low)) as usize
    }
}

/// Reusable buffers for [`Matcher::find`]; one per thread.
#[derive(Debug, Default)]
pub struct Scratch {
    folded: Folded,
    found: Found,
    /// Globs and regexes whose literals occurred: they run on this passage.
    candidates: Vec<PatternId>,
    /// Per pattern, the passage number it was last made a candidate in.
    candidate_in: Vec<u32>,
    /// Where the anchors of regexes that start at them occurred: (pattern, byte in passage).
    starts: Vec<(PatternId, usize)>,
    /// Where the anchors of stemmed phrases occurred in the folded passage.
    folded_starts: Vec<StemStart>,
    passage_number: u32,
    selected: Vec<Hit>,
    applied: Vec<(usize, usize, usize)>,
    /// Codes that apply only in a document about them: (code, from, to, other passages).
    conditional: Vec<(usize, usize, usize, u32)>,
    lang: Option<Option<&'static str>>,
    rules: rules::RuleScratch,
}

/// What the patterns found in a passage, before choosing hits.
#[derive(Debug, Default)]
struct Found {
    raw: Vec<RawHit>,
    vetoed: Vec<u32>,
    every_code_vetoed: bool,
    /// Where muting patterns matched: byte spans in the passage.
    muted: Vec<(usize, usize)>,
}

impl Found {
    /// Records a pattern's match: a hit of its code or set, a veto, or a muted span.
    #[inline]
    fn record(&mut self, p: &CompiledPattern, id: PatternId, start: usize, end: usize) {
        match p.effect {
            Effect::Hit { slot } => self.raw.push(RawHit {
                code: slot,
                start,
                end,
                pattern: id,
            }),
            Effect::VetoAll => self.every_code_vetoed = true,
            Effect::Veto { code } => {
                if !self.vetoed.contains(&code) {
                    self.vetoed.push(code);
                }
            }
            Effect::Mute => self.muted.push((start, end)),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct RawHit {
    /// The slot: a code, or (from the number of codes on) a concept set.
    code: u32,
    start: usize,
    end: usize,
    pattern: PatternId,
}

impl Matcher {
    /// Compiles every pattern of `codebook`.
    pub fn new(codebook: &Codebook) -> Result<Matcher> {
        Matcher::build(codebook, PHRASE_TABLE_MIN)
    }

    /// Compiles `codebook`, matching plain phrases through the phrase table when there are at
    /// least `table_min` of them.
    fn build(codebook: &Codebook, table_min: usize) -> Result<Matcher> {
        let mut patterns = Vec::new();
        let code_count = codebook.codes().len() as u32;
        let set_slot = |name: &str| -> u32 {
            let index = codebook
                .sets()
                .iter()
                .position(|s| &*s.id == name)
                .expect("a validated codebook defines the sets its patterns name");
            code_count + index as u32
        };
        // `morphology_only`: the pattern's language is the one its stems are in, not a filter
        // on passages (concept-set terms).
        let mut add = |effect: Effect, p: &Pattern, morphology_only: bool| -> Result<()> {
            let owner = Owner::of(effect, codebook);
            let stemmed = match (p.stem, morphology_only) {
                (false, _) => None,
                (true, false) => {
                    let lang = p.lang.as_deref().unwrap_or("");
                    Some(
                        stemmed::StemmedPhrase::in_language(&p.text, lang)
                            .map_err(|e| invalid(owner, p, &e))?,
                    )
                }
                (true, true) => Some(
                    stemmed::StemmedPhrase::inflected(&p.text, p.lang.as_deref().unwrap_or(""))
                        .map_err(|e| invalid(owner, p, &e))?,
                ),
            };
            let invalid = |e: &str| invalid(owner, p, e);
            let (regex, glob, anchors, starts_at_anchor) = match p.kind {
                PatternKind::Set | PatternKind::Near => (None, None, Vec::new(), false),
                PatternKind::Phrase => match &stemmed {
                    Some(s) => (None, None, s.anchors().to_vec(), false),
                    None => (None, None, vec![fold_str(&p.text)], false),
                },
                PatternKind::Glob => {
                    let glob = Glob::parse(&p.text, p.case_sensitive).map_err(|e| invalid(&e))?;
                    let (anchor, starts) = (glob.anchor.clone(), glob.anchor_starts);
                    (None, Some((glob, OnceLock::new())), vec![anchor], starts)
                }
                PatternKind::Regex => {
                    let regex = build_regex(&p.text, p.case_sensitive).map_err(|e| invalid(&e))?;
                    let anchors = prefilter::regex_anchors(&p.text);
                    let prefix = anchors.as_ref().is_some_and(|a| a.prefix);
                    (
                        Some(regex),
                        None,
                        anchors.map(|a| a.literals).unwrap_or_default(),
                        prefix,
                    )
                }
            };
            let slots = |names: &[String]| names.iter().map(|n| set_slot(n)).collect();
            patterns.push(CompiledPattern {
                effect,
                kind: p.kind,
                text: p.text.as_str().into(),
                lang: if morphology_only {
                    None
                } else {
                    p.lang.as_deref().map(static_lang)
                },
                case_sensitive: p.case_sensitive,
                regex,
                starts_at_anchor,
                glob,
                stemmed,
                anchors,
                rule: rules::PatternRule {
                    sets: slots(&p.sets),
                    within: p.within,
                    with: slots(&p.with),
                    without: slots(&p.without),
                    strong: p.strong,
                    document: p.document,
                },
            });
            Ok(())
        };
        for p in &codebook.negative {
            add(Effect::VetoAll, p, false)?;
        }
        for p in &codebook.mute {
            add(Effect::Mute, p, false)?;
        }
        for (i, set) in codebook.sets().iter().enumerate() {
            for p in &set.terms {
                add(
                    Effect::Hit {
                        slot: code_count + i as u32,
                    },
                    p,
                    true,
                )?;
            }
        }
        for (i, code) in codebook.codes().iter().enumerate() {
            for p in &code.patterns {
                add(Effect::Hit { slot: i as u32 }, p, false)?;
            }
            for p in &code.negative {
                add(Effect::Veto { code: i as u32 }, p, false)?;
            }
        }
        let rules = rules::Rules::new(codebook, &patterns);

        let in_table = |p: &CompiledPattern| {
            p.kind == PatternKind::Phrase
                && p.stemmed.is_none()
                && p.anchors.len() == 1
                && phrases::PhraseTable::takes(&p.anchors[0])
        };
        let table = if patterns.iter().filter(|p| in_table(p)).count() >= table_min {
            let mut table = phrases::PhraseTable::default();
            for (id, p) in patterns.iter().enumerate() {
                if in_table(p) {
                    table.insert(&p.anchors[0], id as PatternId);
                }
            }
            Some(table)
        } else {
            None
        };
        let mut literals: Vec<String> = Vec::new();
        let mut targets: Vec<Vec<PatternId>> = Vec::new();
        let mut literal_index = std::collections::HashMap::new();
        let mut unfiltered = Vec::new();
        for (id, p) in patterns.iter().enumerate() {
            if table.is_some() && in_table(p) {
                continue;
            }
            if matches!(p.kind, PatternKind::Set | PatternKind::Near) {
                continue;
            }
            if p.anchors.is_empty() {
                unfiltered.push(id as PatternId);
                continue;
            }
            for literal in &p.anchors {
                let slot = *literal_index.entry(literal.clone()).or_insert_with(|| {
                    literals.push(literal.clone());
                    targets.push(Vec::new());
                    targets.len() - 1
                });
                if !targets[slot].contains(&(id as PatternId)) {
                    targets[slot].push(id as PatternId);
                }
            }
        }
        let automaton = if literals.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    // A DFA scans several times faster than the NFAs; its memory grows with the
                    // literals, so very large dictionaries fall back to the contiguous NFA.
                    .kind(Some(if literals.len() <= DFA_LITERAL_LIMIT {
                        AhoCorasickKind::DFA
                    } else {
                        AhoCorasickKind::ContiguousNFA
                    }))
                    .build(&literals)
                    .map_err(|e| {
                        Error::Codebook(Box::new(Diagnostic::new(format!(
                            "the codebook's {} literal patterns could not be compiled: {e}",
                            literals.len()
                        ))))
                    })?,
            )
        };
        Ok(Matcher {
            patterns,
            automaton,
            phrases: table,
            targets,
            unfiltered,
            code_count: codebook.codes().len(),
            rules,
        })
    }

    /// Number of codes of the compiled codebook.
    pub fn code_count(&self) -> usize {
        self.code_count
    }

    /// The pattern's text as written in the codebook.
    pub fn pattern_text(&self, id: PatternId) -> &str {
        &self.patterns[id as usize].text
    }

    /// The pattern's text, shared.
    pub fn pattern_name(&self, id: PatternId) -> &Arc<str> {
        &self.patterns[id as usize].text
    }

    /// The kind of the pattern.
    pub fn pattern_kind(&self, id: PatternId) -> PatternKind {
        self.patterns[id as usize].kind
    }

    /// How the regexes are prefiltered: (waiting for a literal their matches begin with,
    /// waiting for a literal their matches end with, running on every passage).
    pub fn regex_prefilters(&self) -> (usize, usize, usize) {
        let regexes = self.patterns.iter().filter(|p| p.regex.is_some());
        let (mut prefix, mut suffix, mut none) = (0, 0, 0);
        for p in regexes {
            match (p.anchors.is_empty(), p.starts_at_anchor) {
                (true, _) => none += 1,
                (false, true) => prefix += 1,
                (false, false) => suffix += 1,
            }
        }
        (prefix, suffix, none)
    }

    /// The regexes that run on every passage, having no literal to wait for: the slow part of
    /// a codebook. `codebook check` lists them.
    pub fn unfiltered_regexes(&self) -> impl Iterator<Item = &str> + '_ {
        self.unfiltered.iter().map(|&id| self.pattern_text(id))
    }

    /// Finds the codes that apply to `passage`, with their hits (byte offsets into `passage`).
    /// Codes come in codebook order.
    pub fn find<'s>(&self, passage: &str, scratch: &'s mut Scratch) -> Vec<CodeHits<'s>> {
        self.scan(passage, scratch, None);
        scratch
            .applied
            .iter()
            .map(|&(code, from, to)| CodeHits {
                code,
                hits: &scratch.selected[from..to],
            })
            .collect()
    }

    /// Like [`Matcher::find`], calling `each` for every code that applies, without allocating.
    pub fn for_each_code(
        &self,
        passage: &str,
        scratch: &mut Scratch,
        mut each: impl FnMut(usize, &[Hit]),
    ) {
        self.scan(passage, scratch, None);
        for &(code, from, to) in &scratch.applied {
            each(code, &scratch.selected[from..to]);
        }
    }

    /// Like [`Matcher::for_each_code`] for a passage whose language is already known (so
    /// language-tagged patterns need not detect it again).
    pub fn for_each_code_in(
        &self,
        passage: &str,
        lang: Option<&'static str>,
        scratch: &mut Scratch,
        mut each: impl FnMut(usize, &[Hit]),
    ) {
        self.scan(passage, scratch, Some(lang));
        for &(code, from, to) in &scratch.applied {
            each(code, &scratch.selected[from..to]);
        }
    }

    /// Like [`Matcher::for_each_code_in`], also calling `each` for codes that apply only in a
    /// document with `Some(n)` other passages coded so (patterns with a
    /// [`document`](crate::Pattern::document) condition); a caller that sees the whole
    /// document decides.
    pub fn for_each_code_in_document(
        &self,
        passage: &str,
        lang: Option<&'static str>,
        scratch: &mut Scratch,
        each: impl FnMut(usize, &[Hit], Option<u32>),
    ) {
        self.each_in_document(passage, Some(lang), scratch, each);
    }

    /// [`Matcher::for_each_code_in_document`], the language known (`Some`) or to be detected
    /// if a pattern needs it (`None`).
    pub(crate) fn each_in_document(
        &self,
        passage: &str,
        lang: Option<Option<&'static str>>,
        scratch: &mut Scratch,
        mut each: impl FnMut(usize, &[Hit], Option<u32>),
    ) {
        self.scan(passage, scratch, lang);
        for &(code, from, to) in &scratch.applied {
            each(code, &scratch.selected[from..to], None);
        }
        for &(code, from, to, n) in &scratch.conditional {
            each(code, &scratch.selected[from..to], Some(n));
        }
    }

    fn scan(&self, passage: &str, s: &mut Scratch, lang: Option<Option<&'static str>>) {
        s.found.raw.clear();
        s.found.vetoed.clear();
        s.found.muted.clear();
        s.found.every_code_vetoed = false;
        s.candidates.clear();
        s.starts.clear();
        s.folded_starts.clear();
        s.passage_number = s.passage_number.wrapping_add(1);
        if s.passage_number == 0 || s.candidate_in.len() != self.patterns.len() {
            s.candidate_in.clear();
            s.candidate_in.resize(self.patterns.len(), 0);
            s.passage_number = 1;
        }
        s.selected.clear();
        s.applied.clear();
        s.conditional.clear();
        s.lang = lang;

        if self.automaton.is_some() || self.phrases.is_some() {
            s.folded.fold(passage);
        }
        if let Some(table) = &self.phrases {
            let folded = s.folded.text();
            table.for_each_match(folded, |id, start, end| {
                let p = &self.patterns[id as usize];
                record_phrase(
                    p,
                    id,
                    passage,
                    &s.folded,
                    start,
                    end,
                    &mut s.lang,
                    &mut s.found,
                );
            });
        }
        if let Some(automaton) = &self.automaton {
            let folded = s.folded.text();
            for m in automaton.find_overlapping_iter(folded) {
                for &id in &self.targets[m.pattern().as_usize()] {
                    let p = &self.patterns[id as usize];
                    if p.stemmed.is_some() {
                        s.folded_starts.push(StemStart::new(id, m.start()));
                        if s.candidate_in[id as usize] != s.passage_number {
                            s.candidate_in[id as usize] = s.passage_number;
                            s.candidates.push(id);
                        }
                        continue;
                    }
                    if p.kind != PatternKind::Phrase {
                        if p.starts_at_anchor {
                            let at = s.folded.to_original(passage, m.start(), true);
                            s.starts.push((id, at));
                        }
                        if s.candidate_in[id as usize] != s.passage_number {
                            s.candidate_in[id as usize] = s.passage_number;
                            s.candidates.push(id);
                        }
                        continue;
                    }
                    if !is_whole_word(folded, m.start(), m.end()) {
                        continue;
                    }
                    record_phrase(
                        p,
                        id,
                        passage,
                        &s.folded,
                        m.start(),
                        m.end(),
                        &mut s.lang,
                        &mut s.found,
                    );
                }
            }
        }
        s.starts.sort_unstable();
        s.starts.dedup();
        // Each stemmed phrase then reads its own run: a stable sort keeps the automaton's order
        // within it, which decides the overlaps skipped.
        s.folded_starts.sort_by_key(|start| start.id);
        for i in 0..s.candidates.len() {
            let id = s.candidates[i];
            let p = &self.patterns[id as usize];
            if !lang_ok(p, passage, &mut s.lang) {
                continue;
            }
            if let Some(stemmed) = &p.stemmed {
                let from = s.folded_starts.partition_point(|x| x.id < id);
                let to = s.folded_starts.partition_point(|x| x.id <= id);
                let mut last_end = 0;
                for i in from..to {
                    let at = s.folded_starts[i].at();
                    if at < last_end {
                        continue;
                    }
                    if let Some(end) = stemmed.match_at(s.folded.text(), at) {
                        let start = s.folded.to_original(passage, at, true);
                        let stop = s.folded.to_original(passage, end, false);
                        s.found.record(p, id, start, stop);
                        if p.effect.first_only() {
                            break;
                        }
                        last_end = end;
                    }
                }
                continue;
            }
            if let Some(regex) = &p.regex {
                if p.starts_at_anchor {
                    let from = s.starts.partition_point(|&(x, _)| x < id);
                    let to = s.starts.partition_point(|&(x, _)| x <= id);
                    run_regex_at(p, id, regex, passage, &s.starts[from..to], &mut s.found);
                } else {
                    run_regex(p, id, regex, passage, &mut s.found);
                }
                continue;
            }
            let (glob, compiled) = p.glob.as_ref().expect("globs carry their glob");
            // The source is built from escaped literals and a fixed class: it always compiles.
            let regex = compiled.get_or_init(|| glob.compile().expect("a glob's regex compiles"));
            if p.starts_at_anchor {
                let from = s.starts.partition_point(|&(x, _)| x < id);
                let to = s.starts.partition_point(|&(x, _)| x <= id);
                let mut last_end = 0;
                for &(_, at) in &s.starts[from..to] {
                    // A glob stands as whole words: no match starts inside a word.
                    if at < last_end || char_before(passage, at).is_some_and(is_word_char) {
                        continue;
                    }
                    let input = Input::new(passage).range(at..).anchored(Anchored::Yes);
                    if let Some(m) = regex.search(&input)
                        && is_whole_word(passage, m.start(), m.end())
                    {
                        s.found.record(p, id, m.start(), m.end());
                        if p.effect.first_only() {
                            break;
                        }
                        last_end = m.end();
                    }
                }
                continue;
            }
            let mut at = 0;
            while let Some(m) = regex.search(&Input::new(passage).range(at..)) {
                // The regex has no word boundaries (see `Glob::parse`): confirm whole words,
                // and on failure look again one character on.
                if is_whole_word(passage, m.start(), m.end()) {
                    s.found.record(p, id, m.start(), m.end());
                    if p.effect.first_only() {
                        break;
                    }
                    at = m.end();
                } else {
                    at = m.start()
                        + passage[m.start()..]
                            .chars()
                            .next()
                            .map_or(1, char::len_utf8);
                }
                if at > passage.len() {
                    break;
                }
            }
        }
        // Regexes without a literal to wait for run on every passage, each on its own: in a
        // set, one regex the fast engines cannot run (Unicode \b on non-ASCII text) would slow
        // all the others down to it.
        for &id in &self.unfiltered {
            let p = &self.patterns[id as usize];
            if !lang_ok(p, passage, &mut s.lang) {
                continue;
            }
            let regex = p.regex.as_ref().expect("regexes carry their regex");
            run_regex(p, id, regex, passage, &mut s.found);
        }
        let found = &mut s.found;
        if found.every_code_vetoed || found.raw.is_empty() {
            return;
        }
        if self.rules.active() {
            self.rules.apply(
                passage,
                &self.patterns,
                found,
                &mut s.rules,
                &mut s.selected,
                &mut s.applied,
                &mut s.conditional,
            );
            return;
        }
        // Per code, leftmost-longest without overlap.
        found
            .raw
            .sort_unstable_by_key(|h| (h.code, h.start, std::cmp::Reverse(h.end), h.pattern));
        let mut i = 0;
        while i < found.raw.len() {
            let code = found.raw[i].code;
            let mut j = i;
            while j < found.raw.len() && found.raw[j].code == code {
                j += 1;
            }
            if !found.vetoed.contains(&code) {
                let from = s.selected.len();
                let mut last_end = 0;
                for h in &found.raw[i..j] {
                    if h.start >= last_end {
                        s.selected.push(Hit {
                            start: h.start,
                            end: h.end,
                            pattern: h.pattern,
                        });
                        last_end = h.end;
                    }
                }
                s.applied.push((code as usize, from, s.selected.len()));
            }
            i = j;
        }
    }
}

/// Records a whole-word occurrence of a phrase at `[start, end)` of the folded passage, if the
/// passage's language and, for a case-sensitive phrase, the original's case agree.
#[allow(clippy::too_many_arguments)]
#[inline]
fn record_phrase(
    p: &CompiledPattern,
    id: PatternId,
    passage: &str,
    folded: &Folded,
    start: usize,
    end: usize,
    lang: &mut Option<Option<&'static str>>,
    found: &mut Found,
) {
    if !lang_ok(p, passage, lang) {
        return;
    }
    let start = folded.to_original(passage, start, true);
    let end = folded.to_original(passage, end, false);
    if p.case_sensitive && !same_words(&passage[start..end], &p.text) {
        return;
    }
    found.record(p, id, start, end);
}

/// Records every non-empty match of a user regex (the first is enough for a negative one).
fn run_regex(
    p: &CompiledPattern,
    id: PatternId,
    regex: &meta::Regex,
    passage: &str,
    found: &mut Found,
) {
    for m in regex.find_iter(passage) {
        if m.start() == m.end() {
            continue;
        }
        found.record(p, id, m.start(), m.end());
        if p.effect.first_only() {
            break;
        }
    }
}

/// Records the matches of a user regex that begin at the given positions, where its anchors
/// occurred, without overlap: the same matches a scan of the whole passage gives, found in
/// time proportional to the matches rather than the passage. The whole passage stays the
/// haystack, so look-behind (`\b`, `^`) sees the text before each position.
fn run_regex_at(
    p: &CompiledPattern,
    id: PatternId,
    regex: &meta::Regex,
    passage: &str,
    starts: &[(PatternId, usize)],
    found: &mut Found,
) {
    let mut last_end = 0;
    for &(_, at) in starts {
        if at < last_end {
            continue;
        }
        let input = Input::new(passage).range(at..).anchored(Anchored::Yes);
        if let Some(m) = regex.search(&input)
            && m.start() < m.end()
        {
            found.record(p, id, m.start(), m.end());
            if p.effect.first_only() {
                break;
            }
            last_end = m.end();
        }
    }
}

/// Does the pattern's language tag (if any) match the passage's language?
#[inline]
fn lang_ok(p: &CompiledPattern, passage: &str, cache: &mut Option<Option<&'static str>>) -> bool {
    match p.lang {
        None => true,
        Some(lang) => *cache.get_or_insert_with(|| crate::lang::detect(passage)) == Some(lang),
    }
}

/// Is `found` the phrase `phrase` with exactly its case, whitespace runs aside?
fn same_words(found: &str, phrase: &str) -> bool {
    let words = |s: &str| {
        s.split(is_space)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    words(found) == words(phrase)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Code;

    fn matcher(codes: &[(&str, &[Pattern])]) -> Matcher {
        let mut b = Codebook::builder("t");
        for (id, patterns) in codes {
            let mut code = Code::new(*id, *id);
            code.patterns = patterns.to_vec();
            b = b.code(code);
        }
        Matcher::new(&b.build().unwrap()).unwrap()
    }

    fn spans(m: &Matcher, text: &str) -> Vec<(usize, Vec<String>)> {
        let mut s = Scratch::default();
        m.find(text, &mut s)
            .into_iter()
            .map(|c| {
                (
                    c.code,
                    c.hits
                        .iter()
                        .map(|h| text[h.start..h.end].to_string())
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn phrases_match_whole_words_only() {
        let m = matcher(&[("a", &[Pattern::phrase("drain")])]);
        assert_eq!(spans(&m, "drains drain_age"), []);
        assert_eq!(
            spans(&m, "brain-drain, www.drain.org"),
            [(0, vec!["drain".into(), "drain".into()])]
        );
        assert_eq!(spans(&m, "drain,<sup>4</sup>"), [(0, vec!["drain".into()])]);
    }

    #[test]
    fn cyrillic_boundaries_and_case() {
        let m = matcher(&[("a", &[Pattern::phrase("утечка умов")])]);
        assert_eq!(spans(&m, "утечка умова"), []);
        assert_eq!(
            spans(&m, "УТЕЧКА\n  УМОВ."),
            [(0, vec!["УТЕЧКА\n  УМОВ".into()])]
        );
        let m = matcher(&[("a", &[Pattern::glob("мигра*")])]);
        assert_eq!(
            spans(&m, "Миграция и эмиграция"),
            [(0, vec!["Миграция".into()])]
        );
    }

    #[test]
    fn leftmost_longest_per_code_checks_boundaries_first() {
        let m = matcher(&[(
            "rc",
            &[
                Pattern::phrase("international research"),
                Pattern::phrase("international research collaboration"),
                Pattern::phrase("research collaborations"),
            ],
        )]);
        // The longest candidate fails its boundary; the shorter one still counts, once.
        assert_eq!(
            spans(&m, "International research collaborations"),
            [(0, vec!["International research".into()])]
        );
        let m = matcher(&[
            (
                "ta",
                &[
                    Pattern::phrase("skilled migrants"),
                    Pattern::phrase("highly skilled migrants"),
                    Pattern::phrase("global talent"),
                ],
            ),
            ("bd", &[Pattern::phrase("talent shortage")]),
        ]);
        assert_eq!(
            spans(&m, "highly skilled migrants"),
            [(0, vec!["highly skilled migrants".into()])]
        );
        assert_eq!(
            spans(&m, "a global talent shortage"),
            [
                (0, vec!["global talent".into()]),
                (1, vec!["talent shortage".into()])
            ]
        );
    }

    #[test]
    fn negative_patterns_veto_their_code_or_every_code() {
        let mut code = Code::new("bd", "bd").pattern(Pattern::phrase("drain"));
        code.negative.push(Pattern::phrase("drain pipe"));
        let cb = Codebook::builder("t")
            .code(code)
            .code(Code::new("other", "o").pattern(Pattern::phrase("pipe")))
            .negative(Pattern::regex(r"^\d+\. .*doi:"))
            .build()
            .unwrap();
        let m = Matcher::new(&cb).unwrap();
        assert_eq!(
            spans(&m, "the drain pipe and the drain"),
            [(1, vec!["pipe".into()])]
        );
        assert_eq!(spans(&m, "12. Smith, Brain drain, doi:10.1/x pipe"), []);
    }

    #[test]
    fn language_tags_filter_by_passage_language() {
        let m = matcher(&[(
            "a",
            &[
                Pattern::phrase("мигра").lang("kk"),
                Pattern::glob("мигра*").lang("ru"),
            ],
        )]);
        assert_eq!(
            spans(&m, "Миграция растёт."),
            [(0, vec!["Миграция".into()])]
        );
        assert_eq!(
            spans(&m, "Мигра және көші-қон мәселесі."),
            [(0, vec!["Мигра".into()])]
        );
    }

    #[test]
    fn case_sensitive_phrases_and_regexes() {
        let m = matcher(&[(
            "a",
            &[
                Pattern::phrase("EU").case_sensitive(true),
                Pattern::regex(r"Bolashak\s+programme"),
            ],
        )]);
        assert_eq!(spans(&m, "eu EU"), [(0, vec!["EU".into()])]);
        assert_eq!(
            spans(&m, "the BOLASHAK  Programme"),
            [(0, vec!["BOLASHAK  Programme".into()])]
        );
    }

    #[test]
    fn hits_map_back_through_folding() {
        let m = matcher(&[("a", &[Pattern::phrase("brain drain")])]);
        let text = "\u{130}\u{130}  x Brain \t\n Drain";
        let mut s = Scratch::default();
        let found = m.find(text, &mut s);
        let h = found[0].hits[0];
        assert_eq!(&text[h.start..h.end], "Brain \t\n Drain");
    }

    mod phrase_table {
        use super::*;
        use proptest::prelude::*;

        const WORDS: &[&str] = &[
            "brain",
            "Brain",
            "drain",
            "drains",
            "brain-drain",
            "it's",
            "return",
            "RETURN",
            "migration",
            "утечка",
            "Утечка",
            "мозгов",
            "ещё",
            "еще",
            "ақыл-ой",
            "кетуі",
            "x_y",
            "2023",
            "3.5",
            "the",
            "of",
        ];
        const SEPARATORS: &[&str] = &[" ", "  ", "\n", ", ", "-", "; ", "\t", " — "];

        fn codebook() -> Codebook {
            let phrases = [
                "brain drain",
                "brain",
                "drain",
                "brain-drain",
                "it's",
                "return migration",
                "утечка мозгов",
                "еще",
                "ақыл-ой кетуі",
                "x_y",
                "2023",
                "the brain",
                "of the",
            ];
            let mut first = Code::new("a", "a");
            for p in phrases {
                first.patterns.push(Pattern::phrase(p));
            }
            first
                .patterns
                .push(Pattern::phrase("Return").case_sensitive(true));
            first.patterns.push(Pattern::phrase("migration").lang("en"));
            let mut second = Code::new("b", "b");
            second.patterns.push(Pattern::phrase("drain"));
            second.patterns.push(Pattern::glob("утечк* мозг*"));
            second.patterns.push(Pattern::regex(r"\bbrain\s+drains?\b"));
            second.negative.push(Pattern::phrase("of the"));
            Codebook::builder("t")
                .code(first)
                .code(second)
                .build()
                .unwrap()
        }

        fn found(m: &Matcher, text: &str) -> Vec<(usize, Vec<Hit>)> {
            let mut s = Scratch::default();
            m.find(text, &mut s)
                .into_iter()
                .map(|c| (c.code, c.hits.to_vec()))
                .collect()
        }

        proptest! {
            /// Word by word through the table or by the automaton: the same hits.
            #[test]
            fn the_table_finds_what_the_automaton_finds(
                parts in prop::collection::vec((0..WORDS.len(), 0..SEPARATORS.len()), 0..40)
            ) {
                let text: String = parts.iter().map(|&(w, s)| format!("{}{}", WORDS[w], SEPARATORS[s])).collect();
                let codebook = codebook();
                let table = Matcher::build(&codebook, 1).unwrap();
                let automaton = Matcher::build(&codebook, usize::MAX).unwrap();
                prop_assert!(table.phrases.is_some() && automaton.phrases.is_none());
                prop_assert_eq!(found(&table, &text), found(&automaton, &text), "{:?}", text);
            }
        }

        #[test]
        fn the_shipped_corpus_is_coded_alike_both_ways() {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let codebook = Codebook::from_path(root.join("codebooks/migration.toml")).unwrap();
            let corpus = crate::Corpus::open(root.join("corpus")).unwrap();
            let table = Matcher::build(&codebook, 1).unwrap();
            let automaton = Matcher::build(&codebook, usize::MAX).unwrap();
            let mut passages = 0;
            for doc in corpus.documents() {
                for p in doc.passages(crate::Unit::Paragraph) {
                    let text = &doc.text[p.byte_start..p.byte_end];
                    assert_eq!(
                        found(&table, text),
                        found(&automaton, text),
                        "{}: {text}",
                        doc.id
                    );
                    passages += 1;
                }
            }
            assert!(passages > 300, "{passages} passages");
        }
    }
}
