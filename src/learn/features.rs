//! What a learned model sees of a passage: its words (stemmed), the character n-grams of its
//! words, and what the codebook made of it (the codes it gave, the patterns that fired).
//!
//! Every feature has a readable name (`w:учен`, `c:ёны`, `code:brain_drain`,
//! `pattern:brain_drain|утечка мозгов`, `ctx:beside:brain_drain`, `lang:kk`) so that a model
//! can say which features weighed most. Names are looked up by a 64-bit hash of their bytes, computed as the text is
//! read, so applying a model allocates no name.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::coding::CodedSegment;
use crate::stem::{STEMMED_LANGUAGES, Stemmer};
use crate::text::is_word_char;

/// The kinds of feature, in the order their blocks are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    /// A word's stem (Snowball for English, Russian, Ukrainian; a script-neutral prefix for
    /// Kazakh, which has no stemmer).
    Word,
    /// A character n-gram of a word padded with a space each side: the morphology a stemmer
    /// misses, Kazakh's suffixes among it.
    Gram,
    /// A code the codebook gave the passage (sub-codes also give their ancestors).
    Code,
    /// A codebook pattern that fired in the passage, with its code.
    Pattern,
    /// The passage's language.
    Lang,
    /// A theme the codebook gave the passages around it (see [`Surroundings`]).
    Context,
    /// A dimension of the passage's multilingual embedding (see `meaning`).
    Meaning,
}

impl Kind {
    /// The prefix of the names of features of this kind.
    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Kind::Word => "w:",
            Kind::Gram => "c:",
            Kind::Code => "code:",
            Kind::Pattern => "pattern:",
            Kind::Lang => "lang:",
            Kind::Context => "ctx:",
            Kind::Meaning => MEANING_PREFIX,
        }
    }

    /// The kind of a feature name.
    pub(crate) fn of(name: &str) -> Option<Kind> {
        [
            Kind::Word,
            Kind::Gram,
            Kind::Code,
            Kind::Pattern,
            Kind::Lang,
            Kind::Context,
            Kind::Meaning,
        ]
        .into_iter()
        .find(|k| name.starts_with(k.prefix()))
    }

    /// Text features are weighted by tf-idf and normalised per block; the codebook's and the
    /// language are present or not.
    pub(crate) fn is_text(self) -> bool {
        matches!(self, Kind::Word | Kind::Gram)
    }
}

/// The prefix of meaning features' names: `e5:000` … (see `meaning`).
pub(crate) const MEANING_PREFIX: &str = "e5:";

/// The character n-gram lengths read (inclusive).
pub(crate) const GRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// Kazakh words are cut to this many characters (of their script-neutral skeleton) to stand
/// for their root: the language adds suffixes to a stem it does not change.
const KAZAKH_ROOT_CHARS: usize = 6;

/// A hash of a feature name, built from pieces as they are read.
#[derive(Clone, Copy)]
pub(crate) struct NameHash(u64);

impl NameHash {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub(crate) fn new() -> NameHash {
        NameHash(Self::OFFSET)
    }

    /// FNV-1a: hashing `a` then `b` equals hashing `a` and `b` joined, which is what lets a
    /// name be hashed without being assembled.
    pub(crate) fn write(mut self, bytes: &[u8]) -> NameHash {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
        self
    }

    pub(crate) fn of(name: &str) -> u64 {
        NameHash::new().write(name.as_bytes()).0
    }

    pub(crate) fn finish(self) -> u64 {
        self.0
    }
}

/// Reads the features of passages. One per thread: it keeps buffers between passages, and the
/// stems of the words it has met.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    word: String,
    padded: String,
    /// Byte offsets of the characters of `padded`, and its length.
    bounds: Vec<usize>,
    /// Lowercase word → its stem, per stemmed language: stemming dominates otherwise.
    stems: [FxHashMap<String, String>; 3],
    /// Occurrences per feature of the passage being read (zero between passages), and the
    /// features met.
    pub(crate) tally: Vec<u32>,
    pub(crate) touched: Vec<u32>,
    resolved: Resolved,
}

/// Word → the ids of its features in one model, per language slot (en, ru, uk, kk, other).
/// Most words are short enough to be their own key, kept in the table: a key that points
/// elsewhere cost a cache miss per word read.
#[derive(Debug, Default)]
struct Resolved {
    short: [FxHashMap<ShortWord, (u32, u32)>; 5],
    long: [FxHashMap<String, (u32, u32)>; 5],
    ids: Vec<u32>,
}

impl Resolved {
    fn clear(&mut self) {
        self.short.iter_mut().for_each(FxHashMap::clear);
        self.long.iter_mut().for_each(FxHashMap::clear);
        self.ids.clear();
    }

    fn get(&self, slot: usize, word: &str) -> Option<(u32, u32)> {
        match ShortWord::new(word) {
            Some(key) => self.short[slot].get(&key).copied(),
            None => self.long[slot].get(word).copied(),
        }
    }

    fn insert(&mut self, slot: usize, word: &str, range: (u32, u32)) {
        match ShortWord::new(word) {
            Some(key) => self.short[slot].insert(key, range),
            None => self.long[slot].insert(word.to_string(), range),
        };
    }
}

/// A word of at most [`ShortWord::BYTES`] bytes of UTF-8, held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ShortWord {
    len: u8,
    bytes: [u8; ShortWord::BYTES],
}

impl ShortWord {
    /// Eleven Cyrillic letters, twenty-three Latin ones: most words.
    const BYTES: usize = 23;

    fn new(word: &str) -> Option<ShortWord> {
        let len = word.len();
        (len <= Self::BYTES).then(|| {
            let mut bytes = [0; Self::BYTES];
            bytes[..len].copy_from_slice(word.as_bytes());
            ShortWord {
                len: len as u8,
                bytes,
            }
        })
    }
}

/// Feature ids remembered per reader before the memory is cleared (a few megabytes).
const IDS_REMEMBERED: usize = 2_000_000;

/// Stems remembered per reader before the memory is cleared (a few megabytes).
const STEMS_REMEMBERED: usize = 100_000;

/// One feature occurrence: its kind, the hash of its name, and the name when asked for.
pub(crate) struct Occurrence<'a> {
    pub kind: Kind,
    pub hash: u64,
    /// The name without its kind's prefix.
    pub body: &'a str,
}

impl Reader {
    /// Calls `each` for every feature occurrence of `text` (a passage in language `lang`),
    /// coded by the codebook with `segments`. Text features come once per occurrence (their
    /// counts are term frequencies); the others once.
    pub(crate) fn read(
        &mut self,
        text: &str,
        lang: Option<&'static str>,
        segments: &[&CodedSegment],
        surroundings: &Surroundings,
        mut each: impl FnMut(Occurrence<'_>),
    ) {
        let stemmer = lang.and_then(Stemmer::for_lang);
        let kazakh = lang == Some("kk");
        for word in words(text) {
            self.word_features(word, lang, stemmer, kazakh, &mut each);
        }
        codebook_features(lang, segments, &mut each);
        surroundings.features(each);
    }

    /// Like [`Reader::read`] for a model's vocabulary: calls `each` with the id `resolve`
    /// gives every feature occurrence it knows. A word's features are resolved once and
    /// remembered (a text repeats its words: reading each n-gram of every occurrence again
    /// cost more than coding the passage).
    pub(crate) fn read_ids(
        &mut self,
        text: &str,
        lang: Option<&'static str>,
        segments: &[&CodedSegment],
        surroundings: &Surroundings,
        resolve: impl Fn(u64) -> Option<u32>,
        mut each: impl FnMut(u32),
    ) {
        let stemmer = lang.and_then(Stemmer::for_lang);
        let kazakh = lang == Some("kk");
        let slot = match lang {
            Some("en") => 0,
            Some("ru") => 1,
            Some("uk") => 2,
            Some("kk") => 3,
            _ => 4,
        };
        let mut memory = std::mem::take(&mut self.resolved);
        for word in words(text) {
            let range = match memory.get(slot, word) {
                Some(range) => range,
                None => {
                    if memory.ids.len() >= IDS_REMEMBERED {
                        memory.clear();
                    }
                    let start = memory.ids.len() as u32;
                    let ids = &mut memory.ids;
                    self.word_features(word, lang, stemmer, kazakh, &mut |o| {
                        if let Some(id) = resolve(o.hash) {
                            ids.push(id);
                        }
                    });
                    let range = (start, memory.ids.len() as u32);
                    memory.insert(slot, word, range);
                    range
                }
            };
            for &id in &memory.ids[range.0 as usize..range.1 as usize] {
                each(id);
            }
        }
        self.resolved = memory;
        let mut known = |o: Occurrence<'_>| {
            if let Some(id) = resolve(o.hash) {
                each(id);
            }
        };
        codebook_features(lang, segments, &mut known);
        surroundings.features(known);
    }

    fn word_features(
        &mut self,
        word: &str,
        lang: Option<&'static str>,
        stemmer: Option<Stemmer>,
        kazakh: bool,
        each: &mut impl FnMut(Occurrence<'_>),
    ) {
        self.word.clear();
        self.word.extend(word.chars().flat_map(char::to_lowercase));
        if kazakh {
            let skeleton = crate::stem::kazakh::skeleton(&self.word);
            self.word.clear();
            self.word.push_str(&skeleton);
        }
        self.padded.clear();
        self.padded.push(' ');
        self.padded.push_str(&self.word);
        self.padded.push(' ');
        match stemmer {
            Some(stemmer) => {
                let slot = STEMMED_LANGUAGES
                    .iter()
                    .position(|l| Some(*l) == lang)
                    .unwrap_or(0);
                let memory = &mut self.stems[slot];
                if memory.len() >= STEMS_REMEMBERED {
                    memory.clear();
                }
                if !memory.contains_key(self.word.as_str()) {
                    let stem = stemmer.stem(&self.word).into_owned();
                    memory.insert(self.word.clone(), stem);
                }
                each(occurrence(Kind::Word, &memory[self.word.as_str()]));
            }
            None => {
                let cut = match self.word.char_indices().nth(KAZAKH_ROOT_CHARS) {
                    Some((cut, _)) if kazakh => cut,
                    _ => self.word.len(),
                };
                each(occurrence(Kind::Word, &self.word[..cut]));
            }
        }
        grams(&self.padded, &mut self.bounds, each);
    }
}

/// How many other passages of a document must have a theme for the document to be about it.
const DOCUMENT_PASSAGES: usize = 2;

/// What the codebook made of the passages around one. A coder reads a paragraph in the light
/// of its neighbours and of its document: "After graduation, to return to the Republic of
/// Kazakhstan to work …" is about a scholarship's rules because the paragraphs before it are,
/// though it names no scholarship.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Surroundings {
    /// Themes the codebook gave the passage read before or the one after.
    beside: Vec<Arc<str>>,
    /// Themes it gave both.
    between: Vec<Arc<str>>,
    /// Themes it gave at least [`DOCUMENT_PASSAGES`] other passages of the document.
    document: Vec<Arc<str>>,
}

impl Surroundings {
    /// The surroundings of each passage of a document, from the themes (top-level codes) the
    /// codebook gave each of the passages read, in reading order.
    pub(crate) fn of_document(themes: &[Vec<Arc<str>>]) -> Vec<Surroundings> {
        let mut in_document: Vec<(&Arc<str>, usize)> = Vec::new();
        for theme in themes.iter().flatten() {
            match in_document.iter_mut().find(|(t, _)| *t == theme) {
                Some((_, n)) => *n += 1,
                None => in_document.push((theme, 1)),
            }
        }
        let none = Vec::new();
        (0..themes.len())
            .map(|i| {
                let before = if i > 0 { &themes[i - 1] } else { &none };
                let after = themes.get(i + 1).unwrap_or(&none);
                let mut beside: Vec<Arc<str>> = before.clone();
                beside.extend(after.iter().filter(|t| !before.contains(t)).cloned());
                let between = before
                    .iter()
                    .filter(|t| after.contains(t))
                    .cloned()
                    .collect();
                let document = in_document
                    .iter()
                    .filter(|(t, n)| {
                        let own = usize::from(themes[i].contains(t));
                        n - own >= DOCUMENT_PASSAGES
                    })
                    .map(|(t, _)| Arc::clone(t))
                    .collect();
                Surroundings {
                    beside,
                    between,
                    document,
                }
            })
            .collect()
    }

    /// Calls `each` for the context features.
    fn features(&self, mut each: impl FnMut(Occurrence<'_>)) {
        let mut name = String::new();
        for (place, themes) in [
            ("beside:", &self.beside),
            ("between:", &self.between),
            ("document:", &self.document),
        ] {
            for theme in themes {
                name.clear();
                name.push_str(place);
                name.push_str(theme);
                each(occurrence(Kind::Context, &name));
            }
        }
    }
}

/// The themes (top-level codes) of a passage's segments, each once, in the order met; shared
/// with `ids` (the codebook's code ids) where they are among them.
pub(crate) fn themes(segments: &[&CodedSegment], ids: &[Arc<str>]) -> Vec<Arc<str>> {
    let mut out: Vec<Arc<str>> = Vec::new();
    for seg in segments {
        let theme = crate::codebook::theme_of(&seg.code);
        if !out.iter().any(|t| &**t == theme) {
            out.push(match ids.iter().find(|id| &***id == theme) {
                Some(id) => Arc::clone(id),
                None => theme.into(),
            });
        }
    }
    out
}

/// The words of `text`: runs of word characters.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

/// Calls `each` for what the codebook made of a passage (`segments`) and for its language.
fn codebook_features(
    lang: Option<&str>,
    segments: &[&CodedSegment],
    each: &mut impl FnMut(Occurrence<'_>),
) {
    let mut codes: Vec<&str> = Vec::new();
    let mut patterns: Vec<String> = Vec::new();
    for seg in segments {
        // The code and its ancestors: `a/b/c` gives `a`, `a/b` and `a/b/c`.
        let code: &str = &seg.code;
        let ends = code.match_indices('/').map(|(i, _)| i);
        for end in ends.chain(std::iter::once(code.len())) {
            if !codes.contains(&&code[..end]) {
                codes.push(&code[..end]);
            }
        }
        for hit in &seg.hits {
            let name = format!("{}|{}", seg.code, hit.pattern);
            if !patterns.contains(&name) {
                patterns.push(name);
            }
        }
    }
    for code in &codes {
        each(occurrence(Kind::Code, code));
    }
    for pattern in &patterns {
        each(occurrence(Kind::Pattern, pattern));
    }
    each(occurrence(Kind::Lang, lang.unwrap_or("unknown")));
}

/// Calls `each` for the character n-grams of `padded`, a word with a space each side. The hash
/// of each longer n-gram continues the shorter one's from the same start.
fn grams(padded: &str, bounds: &mut Vec<usize>, each: &mut impl FnMut(Occurrence<'_>)) {
    bounds.clear();
    bounds.extend(padded.char_indices().map(|(i, _)| i));
    bounds.push(padded.len());
    let chars = bounds.len() - 1;
    let prefix = NameHash::new().write(Kind::Gram.prefix().as_bytes());
    for i in 0..chars {
        let mut hash = prefix;
        for n in 1..=*GRAMS.end() {
            if i + n > chars {
                break;
            }
            hash = hash.write(&padded.as_bytes()[bounds[i + n - 1]..bounds[i + n]]);
            if n >= *GRAMS.start() {
                each(Occurrence {
                    kind: Kind::Gram,
                    hash: hash.finish(),
                    body: &padded[bounds[i]..bounds[i + n]],
                });
            }
        }
    }
}

fn occurrence(kind: Kind, body: &str) -> Occurrence<'_> {
    Occurrence {
        kind,
        hash: NameHash::new()
            .write(kind.prefix().as_bytes())
            .write(body.as_bytes())
            .finish(),
        body,
    }
}

/// The feature vector of one passage, from `counts`, `(feature, occurrences)` in the order of
/// `counts`: the occurrences of known features, weighted.
///
/// Text features weigh `(1 + ln tf) · idf`, each block (words, n-grams) scaled to unit length;
/// the others weigh 1.
pub(crate) fn vector(
    counts: impl IntoIterator<Item = (u32, u32)>,
    kinds: &[Kind],
    idf: &[f32],
) -> Vec<(u32, f32)> {
    let (mut words, mut grams) = (0.0f32, 0.0f32);
    let mut entries: Vec<(u32, f32)> = counts
        .into_iter()
        .map(|(f, tf)| {
            let w = match kinds[f as usize] {
                Kind::Word | Kind::Gram => sublinear(tf) * idf[f as usize],
                _ => 1.0,
            };
            match kinds[f as usize] {
                Kind::Word => words += w * w,
                Kind::Gram => grams += w * w,
                _ => {}
            }
            (f, w)
        })
        .collect();
    let (words, grams) = (words.sqrt(), grams.sqrt());
    for (f, w) in &mut entries {
        match kinds[*f as usize] {
            Kind::Word if words > 0.0 => *w /= words,
            Kind::Gram if grams > 0.0 => *w /= grams,
            _ => {}
        }
    }
    entries
}

/// `1 + ln tf`, from a table for the small counts nearly every feature has (a logarithm per
/// feature occurrence was a tenth of applying a model). The table holds the very values the
/// logarithm gives, so that models do not depend on which way a weight was computed.
fn sublinear(tf: u32) -> f32 {
    static SMALL: std::sync::LazyLock<[f32; 32]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|tf| 1.0 + (tf as f32).ln()));
    match SMALL.get(tf as usize) {
        Some(&w) if tf > 0 => w,
        _ => 1.0 + (tf as f32).ln(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, lang: Option<&'static str>) -> Vec<String> {
        let mut out = Vec::new();
        Reader::default().read(text, lang, &[], &Surroundings::default(), |o| {
            assert_eq!(
                o.hash,
                NameHash::of(&format!("{}{}", o.kind.prefix(), o.body))
            );
            out.push(format!("{}{}", o.kind.prefix(), o.body));
        });
        out
    }

    #[test]
    fn inflected_russian_words_share_a_word_feature() {
        let a = names("утечка мозгов", Some("ru"));
        let b = names("утечки мозга", Some("ru"));
        let words = |v: &[String]| -> Vec<String> {
            v.iter().filter(|n| n.starts_with("w:")).cloned().collect()
        };
        assert_eq!(words(&a), words(&b));
        assert!(a.contains(&"c: ут".to_string()) && a.contains(&"c:гов ".to_string()));
        assert!(a.contains(&"lang:ru".to_string()));
    }

    #[test]
    fn kazakh_in_either_script_reads_the_same() {
        let cyrillic = names("ғалымдарды", Some("kk"));
        let latin = names("ğalymdardy", Some("kk"));
        assert_eq!(cyrillic, latin);
        assert!(cyrillic.contains(&"w:galymd".to_string()), "{cyrillic:?}");
    }

    #[test]
    fn surroundings_name_the_themes_of_the_neighbours_and_of_the_document() {
        let t = |names: &[&str]| -> Vec<Arc<str>> { names.iter().map(|n| (*n).into()).collect() };
        // A scholarship's rules over four paragraphs, the third naming no scholarship.
        let themes = [
            t(&["education_pull"]),
            t(&["education_pull", "return_policy"]),
            t(&[]),
            t(&["education_pull", "brain_drain"]),
        ];
        let around = Surroundings::of_document(&themes);
        assert_eq!(around.len(), 4);
        let names = |s: &Surroundings| {
            let mut out = Vec::new();
            s.features(|o| out.push(format!("{}{}", o.kind.prefix(), o.body)));
            out
        };
        assert_eq!(
            names(&around[2]),
            [
                "ctx:beside:education_pull",
                "ctx:beside:return_policy",
                "ctx:beside:brain_drain",
                "ctx:between:education_pull",
                "ctx:document:education_pull",
            ]
        );
        // The document's themes are the other passages': the first has education_pull in two
        // others, return_policy in one (not enough).
        assert_eq!(
            names(&around[0]),
            [
                "ctx:beside:education_pull",
                "ctx:beside:return_policy",
                "ctx:document:education_pull",
            ]
        );
        // The last passage has one neighbour, and no theme of its own counts for its document.
        assert_eq!(names(&around[3]), ["ctx:document:education_pull"]);
        assert!(names(&Surroundings::default()).is_empty());
    }

    #[test]
    fn a_reader_remembers_short_and_long_words_alike() {
        let mut memory = Resolved::default();
        let long = "высококвалифицированных"; // 46 bytes: not inline
        assert!(ShortWord::new(long).is_none());
        assert!(ShortWord::new("ғалымдар").is_some());
        memory.insert(1, long, (0, 3));
        memory.insert(3, "ғалымдар", (3, 5));
        assert_eq!(memory.get(1, long), Some((0, 3)));
        assert_eq!(memory.get(3, "ғалымдар"), Some((3, 5)));
        assert_eq!(memory.get(1, "ғалымдар"), None, "per language");
        // A word is not a prefix of another: the length is part of the key.
        memory.insert(0, "ab", (5, 6));
        assert_eq!(memory.get(0, "a"), None);
        memory.clear();
        assert_eq!(memory.get(1, long), None);
    }

    #[test]
    fn the_sublinear_table_is_the_logarithm() {
        for tf in 1..40u32 {
            assert_eq!(sublinear(tf), 1.0 + (tf as f32).ln(), "{tf}");
        }
    }

    #[test]
    fn text_blocks_have_unit_length_and_codebook_features_weigh_one() {
        let kinds = [Kind::Word, Kind::Word, Kind::Gram, Kind::Code];
        let idf = [1.0, 2.0, 1.5, 1.0];
        let counts = [(0, 1), (1, 3), (2, 2), (3, 1)];
        let v = vector(counts, &kinds, &idf);
        let words: f32 = v[..2].iter().map(|(_, w)| w * w).sum();
        assert!((words - 1.0).abs() < 1e-6);
        assert!((v[2].1 - 1.0).abs() < 1e-6);
        assert_eq!(v[3], (3, 1.0));
    }
}
