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

mod build;
mod confirm;
pub mod fold;
mod phrases;
pub mod prefilter;
mod rules;
pub mod stemmed;

use std::sync::{Arc, OnceLock};

use aho_corasick::AhoCorasick;
use regex_automata::meta;

use crate::codebook::{Codebook, Glob, PatternKind};
use crate::error::Result;
use crate::text::is_whole_word;
use confirm::{lang_ok, match_stemmed, record_phrase, run_anchored, run_glob, run_regex};
use fold::Folded;

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
    /// Cancels the hits of the concept set in slot `slot` that lie inside its match.
    Except { slot: u32 },
}

impl Effect {
    /// One match is all that matters.
    fn first_only(self) -> bool {
        matches!(self, Effect::Veto { .. } | Effect::VetoAll)
    }
}

/// How a pattern's matches are found, once compiled.
#[derive(Debug)]
enum Compiled {
    /// A phrase: its folded words are a literal of the automaton (or the phrase table), checked
    /// for word boundaries where they occur.
    Literal,
    /// A phrase matched by the stems of its words, read from where its anchors occurred.
    Stemmed(stemmed::StemmedPhrase),
    /// A glob: its literal core is in the automaton; its regex, compiled the first time the
    /// core is found, confirms the match.
    Glob(Glob, OnceLock<meta::Regex>),
    /// A regex, compiled with the codebook, run where one of its literals occurred (or on
    /// every passage when it has none).
    Regex(meta::Regex),
    /// A concept-set or proximity pattern: made of its sets' hits by the rules.
    Composite,
}

#[derive(Debug)]
struct CompiledPattern {
    effect: Effect,
    kind: PatternKind,
    text: Arc<str>,
    lang: Option<&'static str>,
    case_sensitive: bool,
    /// How its matches are found.
    compiled: Compiled,
    /// Every match of the glob or regex begins with one of its anchors: look for matches only
    /// where an anchor occurs.
    starts_at_anchor: bool,
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
    /// Where a concept set's exceptions matched: (set slot, start, end).
    excepted: Vec<(u32, usize, usize)>,
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
            Effect::Except { slot } => self.excepted.push((slot, start, end)),
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
        let regexes = self
            .patterns
            .iter()
            .filter(|p| matches!(p.compiled, Compiled::Regex(_)));
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

    /// Runs every pattern over `passage` and leaves in `s` the codes that apply with their
    /// hits: find the literals, confirm the candidates they point at, run the regexes that wait
    /// for no literal, then choose each code's hits.
    fn scan(&self, passage: &str, s: &mut Scratch, lang: Option<Option<&'static str>>) {
        s.reset(self.patterns.len(), lang);
        if self.automaton.is_some() || self.phrases.is_some() {
            s.folded.fold(passage);
        }
        self.find_table_phrases(passage, s);
        self.find_literals(passage, s);
        self.confirm_candidates(passage, s);
        self.run_unfiltered(passage, s);
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
        } else {
            select_leftmost_longest(found, &mut s.selected, &mut s.applied);
        }
    }

    /// The phrases of a large dictionary, looked up word by word in the phrase table.
    fn find_table_phrases(&self, passage: &str, s: &mut Scratch) {
        let Some(table) = &self.phrases else { return };
        table.for_each_match(s.folded.text(), |id, start, end| {
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

    /// One pass of the automaton over the folded passage: plain phrases are recorded where they
    /// stand as whole words; stemmed phrases, globs and regexes whose literals occurred become
    /// candidates, with the places their matches may start.
    fn find_literals(&self, passage: &str, s: &mut Scratch) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        let folded = s.folded.text();
        for m in automaton.find_overlapping_iter(folded) {
            for &id in &self.targets[m.pattern().as_usize()] {
                let p = &self.patterns[id as usize];
                match p.compiled {
                    Compiled::Literal => {
                        if is_whole_word(folded, m.start(), m.end()) {
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
                        continue;
                    }
                    Compiled::Stemmed(_) => s.folded_starts.push(StemStart::new(id, m.start())),
                    _ if p.starts_at_anchor => {
                        let at = s.folded.to_original(passage, m.start(), true);
                        s.starts.push((id, at));
                    }
                    _ => {}
                }
                if s.candidate_in[id as usize] != s.passage_number {
                    s.candidate_in[id as usize] = s.passage_number;
                    s.candidates.push(id);
                }
            }
        }
    }

    /// Runs each candidate where its literals said a match may be.
    fn confirm_candidates(&self, passage: &str, s: &mut Scratch) {
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
            let starts = || {
                let from = s.starts.partition_point(|&(x, _)| x < id);
                let to = s.starts.partition_point(|&(x, _)| x <= id);
                &s.starts[from..to]
            };
            match &p.compiled {
                Compiled::Stemmed(stemmed) => {
                    let from = s.folded_starts.partition_point(|x| x.id < id);
                    let to = s.folded_starts.partition_point(|x| x.id <= id);
                    let starts = &s.folded_starts[from..to];
                    match_stemmed(p, id, stemmed, passage, &s.folded, starts, &mut s.found);
                }
                Compiled::Regex(regex) if p.starts_at_anchor => {
                    run_anchored(p, id, regex, passage, starts(), false, &mut s.found);
                }
                Compiled::Regex(regex) => run_regex(p, id, regex, passage, &mut s.found),
                Compiled::Glob(glob, compiled) => {
                    // The source is built from escaped literals and a fixed class: it always
                    // compiles.
                    let regex =
                        compiled.get_or_init(|| glob.compile().expect("a glob's regex compiles"));
                    if p.starts_at_anchor {
                        run_anchored(p, id, regex, passage, starts(), true, &mut s.found);
                    } else {
                        run_glob(p, id, regex, passage, &mut s.found);
                    }
                }
                Compiled::Literal | Compiled::Composite => {
                    unreachable!("plain phrases are recorded as found; composites are not run")
                }
            }
        }
    }

    /// Regexes without a literal to wait for run on every passage, each on its own: in a set,
    /// one regex the fast engines cannot run (Unicode \b on non-ASCII text) would slow all the
    /// others down to it.
    fn run_unfiltered(&self, passage: &str, s: &mut Scratch) {
        for &id in &self.unfiltered {
            let p = &self.patterns[id as usize];
            if !lang_ok(p, passage, &mut s.lang) {
                continue;
            }
            let Compiled::Regex(regex) = &p.compiled else {
                unreachable!("only regexes are left without a literal")
            };
            run_regex(p, id, regex, passage, &mut s.found);
        }
    }
}

impl Scratch {
    /// Ready for the next passage of a matcher of `patterns` patterns.
    fn reset(&mut self, patterns: usize, lang: Option<Option<&'static str>>) {
        self.found.raw.clear();
        self.found.vetoed.clear();
        self.found.muted.clear();
        self.found.excepted.clear();
        self.found.every_code_vetoed = false;
        self.candidates.clear();
        self.starts.clear();
        self.folded_starts.clear();
        self.passage_number = self.passage_number.wrapping_add(1);
        if self.passage_number == 0 || self.candidate_in.len() != patterns {
            self.candidate_in.clear();
            self.candidate_in.resize(patterns, 0);
            self.passage_number = 1;
        }
        self.selected.clear();
        self.applied.clear();
        self.conditional.clear();
        self.lang = lang;
    }
}

/// Per code, leftmost-longest without overlap: the earliest hit, the longest of those starting
/// there, then the next that starts after it ends. A vetoed code gets none.
fn select_leftmost_longest(
    found: &mut Found,
    selected: &mut Vec<Hit>,
    applied: &mut Vec<(usize, usize, usize)>,
) {
    found
        .raw
        .sort_unstable_by_key(|h| (h.code, h.start, std::cmp::Reverse(h.end), h.pattern));
    for run in found.raw.chunk_by(|a, b| a.code == b.code) {
        let code = run[0].code;
        if found.vetoed.contains(&code) {
            continue;
        }
        let from = selected.len();
        let mut last_end = 0;
        for h in run {
            if h.start >= last_end {
                selected.push(Hit {
                    start: h.start,
                    end: h.end,
                    pattern: h.pattern,
                });
                last_end = h.end;
            }
        }
        applied.push((code as usize, from, selected.len()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::{Code, Pattern};

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
