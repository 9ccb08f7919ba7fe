//! The TOML codebook format.
//!
//! ```toml
//! [codebook]
//! name = "Migration policy"                 # required
//! version = "1.0.0"
//! description = "What the codebook is for."
//! authors = ["…"]
//! # Codebook-wide negative patterns: a passage they match gets no code at all.
//! negative = [{ regex = '^\s*\d+\.\s+\p{Lu}[^\n]*\(\d{4}\)', note = "reference-list entries" }]
//! # Muting patterns: no hit counts inside a sentence they match.
//! mute = [{ regex = '\bthis (?:article|study) (?:examines|explores)\b' }]
//!
//! # Concept sets: named terms per language, reused by the patterns of several codes.
//! [[set]]
//! id = "scientists"
//! note = "People who do research."
//! en = ["scientist", "researcher"]          # phrases match by their Snowball stems
//! ru = ["учёный", "научн* кадр*"]            # globs match as written
//! kk = ["ғалым", "зерттеуші"]               # Kazakh stems take their suffixes, in both scripts
//! terms = ["PhD"]                           # any language, matched as written
//!
//! [[set]]
//! id = "returning"
//! ru = ["возвра*", "вернуть"]
//! kk = ["қайтар-", "орал-"]                  # a trailing hyphen: a verb root
//! en = ["return", "come back"]
//!
//! [[set]]
//! id = "leaving"
//! kk = ["кет-"]
//! except.kk = ["айта кет-"]                 # no hit of the set inside these ("let us mention")
//!
//! [[code]]
//! id = "brain_drain"                        # required; sub-codes are paths: "brain_drain/push_factors"
//! label = "Brain drain"                     # default: the id's last segment
//! colour = "#c0392b"
//! description = "Emigration of the highly skilled as a loss to the sending country."
//! include = "Passages naming the outflow of skilled or educated people."
//! exclude = "Labour migration of low-skilled workers."
//! memo = "Coder's reflections."
//! patterns = [
//!   "brain drain",                          # a phrase: case-insensitive, whole words
//!   "emigra*",                              # a glob: * any letters/digits, ? exactly one
//!   { glob = ["утечк* мозг*", "утечк* умов"], lang = "ru" },
//!   { regex = '\bleav(e|ing) the country\b', note = "Why this pattern is here." },
//!   { phrase = "EU", case_sensitive = true },
//!   { near = ["returning", "scientists"], within = 6 },   # both sets in one sentence, ≤ 6 words apart
//!   { set = "scientists", with = "returning" },           # a set's term, with a condition
//!   { phrase = "compatriots", without = "returning", strong = true },
//! ]
//! negative = ["drain pipe"]                 # stop this code in passages matching these
//! min_hits = 2                              # evidence: two hits, or one of a strong pattern
//! examples = ["Kazakhstan has faced significant brain drain."]
//! counterexamples = ["The drains were blocked."]
//!
//! [[code]]
//! id = "drivers"
//! codable = false                           # a heading of sub-codes only (REFI-QDA isCodable)
//!
//! # Groups of codes (REFI-QDA code sets), kept for the tools a codebook goes back to.
//! [[group]]
//! name = "Outflows"
//! description = "Codes of people leaving."
//! codes = ["brain_drain", "drivers"]
//! ```
//!
//! A bare string is a phrase, or a glob if it contains `*` or `?`. A table takes exactly one of
//! `phrase`, `glob` or `regex` (a string or a list of strings), `set` (a concept set's name) or
//! `near` (two or more names), and optionally:
//!
//! * `lang` (`en`, `ru`, `kk`, `uk`): the pattern applies only to passages in that language;
//! * `case_sensitive`;
//! * `stem`: a phrase matches by the Snowball stems of its words in `lang` (English, Russian,
//!   Ukrainian), or for Kazakh by stems and suffixes (see [`crate::stem::kazakh`]);
//! * `within`: for `near`, at most this many words between the sets' terms (unset: anywhere in
//!   the sentence); for a condition, its window;
//! * `with` / `without`: a set name or list of them: a hit counts only with (or never with) a
//!   term of one of them in the same sentence (and `within` words);
//! * `strong`: one hit is evidence enough for the code, whatever its `min_hits`;
//! * `document`: the pattern counts only in a document where at least this many other passages
//!   have the code by its other patterns (weak evidence, read in the light of the document);
//! * `note`, and `example`: a sentence (or a list) the pattern alone must match, which
//!   `thematic codebook check` tests.
//!
//! In a concept set, the list a term is in (`en`, `ru`, `kk`, `uk`) is the language of its
//! morphology, not a filter: sets find their terms in passages of any language. Unknown keys
//! anywhere are errors. Sets come before the codes that name them; a parent code before its
//! sub-codes.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use super::{Code, Codebook, ConceptSet, Pattern, PatternKind};
use crate::error::{Diagnostic, Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodebook {
    codebook: RawHeader,
    #[serde(default)]
    set: Vec<Spanned<RawSet>>,
    #[serde(default)]
    code: Vec<RawCode>,
    #[serde(default)]
    group: Vec<RawGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    name: Spanned<String>,
    description: Option<String>,
    #[serde(default)]
    codes: Vec<String>,
}

/// A concept set; or, as its `except`, the terms inside which its terms do not count. Terms are
/// listed by the language whose morphology matches them, `terms` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: Option<Spanned<String>>,
    note: Option<String>,
    #[serde(default)]
    en: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    ru: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    kk: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    uk: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    terms: Vec<Spanned<PatternItem>>,
    /// Phrases inside which a term of the set does not count (`except.kk = ["айта кет-"]`).
    except: Option<Spanned<Box<RawSet>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    version: Option<String>,
    description: Option<String>,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    negative: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    mute: Vec<Spanned<PatternItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    id: Spanned<String>,
    label: Option<String>,
    colour: Option<Spanned<String>>,
    description: Option<String>,
    include: Option<String>,
    exclude: Option<String>,
    memo: Option<String>,
    #[serde(default)]
    patterns: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    negative: Vec<Spanned<PatternItem>>,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    counterexamples: Vec<String>,
    min_hits: Option<Spanned<u32>>,
    codable: Option<bool>,
}

/// One item of a `patterns` or `negative` list: a bare string or a table, possibly holding
/// several pattern texts that share their options.
pub(super) struct PatternItem {
    pub(super) patterns: Vec<Pattern>,
    /// `stem` was written out (in a concept set, phrases are stemmed unless it says no).
    stem_given: bool,
}

const PATTERN_KEYS: &[&str] = &[
    "phrase",
    "glob",
    "regex",
    "set",
    "near",
    "lang",
    "case_sensitive",
    "stem",
    "within",
    "with",
    "without",
    "strong",
    "document",
    "note",
    "example",
];

impl<'de> Deserialize<'de> for PatternItem {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<PatternItem, D::Error> {
        deserializer.deserialize_any(PatternItemVisitor)
    }
}

struct PatternItemVisitor;

impl<'de> Visitor<'de> for PatternItemVisitor {
    type Value = PatternItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a pattern: a string, or a table with one of `phrase`, `glob`, `regex`, `set` or `near`",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PatternItem, E> {
        Ok(PatternItem {
            patterns: vec![Pattern::infer(v)],
            stem_given: false,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatternItem, A::Error> {
        let mut kind: Option<(PatternKind, Vec<String>)> = None;
        let mut lang = None;
        let mut case_sensitive = false;
        let mut stem = None;
        let mut within = None;
        let mut with = Vec::new();
        let mut without = Vec::new();
        let mut strong = false;
        let mut document = None;
        let mut note = None;
        let mut examples = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let pattern_kind = match key.as_str() {
                "phrase" => Some(PatternKind::Phrase),
                "glob" => Some(PatternKind::Glob),
                "regex" => Some(PatternKind::Regex),
                "set" => Some(PatternKind::Set),
                "near" => Some(PatternKind::Near),
                _ => None,
            };
            match (key.as_str(), pattern_kind) {
                (_, Some(k)) => {
                    if let Some((previous, _)) = &kind {
                        return Err(de::Error::custom(format!(
                            "a pattern table takes exactly one of `phrase`, `glob`, `regex`, `set` or `near`, but has both `{previous}` and `{k}`"
                        )));
                    }
                    kind = Some((k, map.next_value::<StringOrList>()?.0));
                }
                ("lang", _) => lang = Some(map.next_value::<String>()?),
                ("case_sensitive", _) => case_sensitive = map.next_value()?,
                ("stem", _) => stem = Some(map.next_value()?),
                ("within", _) => within = Some(map.next_value::<u32>()?),
                ("with", _) => with = map.next_value::<StringOrList>()?.0,
                ("without", _) => without = map.next_value::<StringOrList>()?.0,
                ("strong", _) => strong = map.next_value()?,
                ("document", _) => document = Some(map.next_value::<u32>()?),
                ("note", _) => note = Some(map.next_value::<String>()?),
                ("example", _) => examples = map.next_value::<StringOrList>()?.0,
                (other, _) => return Err(de::Error::unknown_field(other, PATTERN_KEYS)),
            }
        }
        let (kind, texts) = kind.ok_or_else(|| {
            de::Error::custom(
                "a pattern table needs one of `phrase`, `glob`, `regex`, `set` or `near`",
            )
        })?;
        if texts.is_empty() {
            return Err(de::Error::custom(format!("empty list of {kind} patterns")));
        }
        let base = |p: Pattern| Pattern {
            lang: lang.clone(),
            case_sensitive,
            stem: stem.unwrap_or(false),
            note: note.clone(),
            examples: examples.clone(),
            within: p.within.or(within),
            with: with.clone(),
            without: without.clone(),
            strong,
            document,
            ..p
        };
        let patterns = match kind {
            // `near = ["a", "b"]` is one pattern over several sets.
            PatternKind::Near => vec![base(Pattern::near(texts, within))],
            PatternKind::Set => texts.into_iter().map(|t| base(Pattern::set(t))).collect(),
            _ => texts
                .into_iter()
                .map(|text| base(Pattern::new(kind, text)))
                .collect(),
        };
        Ok(PatternItem {
            patterns,
            stem_given: stem.is_some(),
        })
    }
}

struct StringOrList(Vec<String>);

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<StringOrList, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringOrList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringOrList, E> {
                Ok(StringOrList(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringOrList, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(StringOrList(out))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// Parses the TOML codebook format.
pub(super) fn parse(source: &str, path: Option<&Path>) -> Result<Codebook> {
    let fail = |message: String, span: Option<std::ops::Range<usize>>, note: Option<String>| {
        let mut d = Diagnostic::new(message)
            .with_path(path)
            .with_span(source, span);
        d.note = note;
        Error::Codebook(Box::new(d))
    };
    let raw: RawCodebook = toml::from_str(source).map_err(|e| {
        fail(
            format!("invalid codebook: {}", e.message().trim_end()),
            e.span(),
            None,
        )
    })?;
    let mut codebook = Codebook {
        name: raw.codebook.name,
        version: raw.codebook.version,
        description: raw.codebook.description,
        authors: raw.codebook.authors,
        negative: Vec::new(),
        mute: Vec::new(),
        sets: Vec::new(),
        codes: Vec::new(),
        groups: Vec::new(),
        index: Default::default(),
        path: None,
    };
    // Sets first: patterns of every kind name them.
    for raw_set in raw.set {
        let span = raw_set.span();
        let id_span = raw_set.get_ref().id.as_ref().map_or(span, Spanned::span);
        let set = parse_set(raw_set, &fail)?;
        codebook
            .push_set(set)
            .map_err(|problem| fail(format!("invalid codebook: {problem}"), Some(id_span), None))?;
    }
    let checked = |codebook: &Codebook,
                   items: Vec<Spanned<PatternItem>>,
                   owner: &str|
     -> Result<Vec<Pattern>> {
        let mut out = Vec::new();
        for item in items {
            let span = item.span();
            for pattern in item.into_inner().patterns {
                if let Err(problem) = pattern
                    .validate()
                    .and_then(|()| codebook.check_sets(&pattern))
                {
                    let (first, rest) = problem.split_once('\n').unwrap_or((&problem, ""));
                    return Err(fail(
                        format!("{first} in {owner}, pattern {:?}", pattern.text),
                        Some(span),
                        (!rest.is_empty()).then(|| rest.to_string()),
                    ));
                }
                out.push(pattern);
            }
        }
        Ok(out)
    };
    codebook.negative = checked(
        &codebook,
        raw.codebook.negative,
        "the codebook-wide negative patterns",
    )?;
    codebook.mute = checked(&codebook, raw.codebook.mute, "the muting patterns")?;
    for raw_code in raw.code {
        let id_span = raw_code.id.span();
        let id: Arc<str> = raw_code.id.into_inner().into();
        let owner = format!("code `{id}`");
        let colour_span = raw_code.colour.as_ref().map(Spanned::span);
        let code = Code {
            label: raw_code
                .label
                .unwrap_or_else(|| id.rsplit('/').next().unwrap_or(&id).to_string()),
            description: raw_code.description,
            include: raw_code.include,
            exclude: raw_code.exclude,
            memo: raw_code.memo,
            colour: raw_code.colour.map(Spanned::into_inner),
            patterns: checked(&codebook, raw_code.patterns, &owner)?,
            negative: checked(&codebook, raw_code.negative, &owner)?,
            examples: raw_code.examples,
            counterexamples: raw_code.counterexamples,
            min_hits: raw_code.min_hits.as_ref().map_or(1, |m| *m.get_ref()),
            codable: raw_code.codable.unwrap_or(true),
            id,
        };
        let min_hits_span = raw_code.min_hits.as_ref().map(Spanned::span);
        codebook.push_code(code).map_err(|problem| {
            let span = if problem.starts_with("colour") {
                colour_span.clone()
            } else if problem.contains("min_hits") {
                min_hits_span.clone()
            } else {
                Some(id_span.clone())
            };
            fail(format!("invalid codebook: {problem}"), span, None)
        })?;
    }
    for raw_group in raw.group {
        let span = raw_group.name.span();
        let group = super::CodeGroup {
            name: raw_group.name.into_inner(),
            description: raw_group.description,
            codes: raw_group.codes.into_iter().map(Arc::from).collect(),
        };
        codebook
            .push_group(group)
            .map_err(|problem| fail(format!("invalid codebook: {problem}"), Some(span), None))?;
    }
    Ok(codebook)
}

/// Builds a [`Diagnostic`] error from a message, the span at fault and a note.
type Fail<'a> = &'a dyn Fn(String, Option<std::ops::Range<usize>>, Option<String>) -> Error;

/// One concept set: its terms and exceptions tagged with their language and checked, the error
/// pointing at the term at fault.
fn parse_set(raw_set: Spanned<RawSet>, fail: Fail<'_>) -> Result<ConceptSet> {
    let span = raw_set.span();
    let mut raw_set = raw_set.into_inner();
    let Some(id) = raw_set.id.take() else {
        return Err(fail(
            "invalid codebook: a concept set needs an `id`".to_string(),
            Some(span),
            None,
        ));
    };
    let except = match raw_set.except.take() {
        Some(except) => {
            let span = except.span();
            let except = *except.into_inner();
            if except.id.is_some() || except.note.is_some() || except.except.is_some() {
                return Err(fail(
                    format!(
                        "invalid codebook: concept set `{}`: `except` lists terms only (en, ru, kk, uk, terms)",
                        id.get_ref()
                    ),
                    Some(span),
                    None,
                ));
            }
            except
        }
        None => RawSet::default(),
    };
    let (note, terms) = (raw_set.note.take(), raw_set);
    let id: Arc<str> = id.into_inner().into();
    let terms = set_terms(&id, terms, fail)?;
    let except = set_terms(&id, except, fail)?;
    for (term, span) in terms.iter().chain(&except) {
        if let Err(problem) = term.validate_term() {
            let (first, rest) = problem.split_once('\n').unwrap_or((&problem, ""));
            return Err(fail(
                format!("{first} in concept set `{id}`, term {:?}", term.text),
                Some(span.clone()),
                (!rest.is_empty()).then(|| rest.to_string()),
            ));
        }
    }
    let patterns =
        |list: Vec<(Pattern, std::ops::Range<usize>)>| list.into_iter().map(|(t, _)| t).collect();
    Ok(ConceptSet {
        id,
        note,
        terms: patterns(terms),
        except: patterns(except),
    })
}

/// A set's terms (or exceptions) with the language of the list each is in: the language whose
/// morphology matches it; phrases are stemmed unless they say otherwise.
fn set_terms(
    id: &str,
    lists: RawSet,
    fail: Fail<'_>,
) -> Result<Vec<(Pattern, std::ops::Range<usize>)>> {
    let mut terms = Vec::new();
    for (lang, items) in [
        (Some("en"), lists.en),
        (Some("ru"), lists.ru),
        (Some("kk"), lists.kk),
        (Some("uk"), lists.uk),
        (None, lists.terms),
    ] {
        for item in items {
            let span = item.span();
            let item = item.into_inner();
            for mut term in item.patterns {
                if let Some(lang) = lang {
                    if term.lang.is_some() {
                        return Err(fail(
                            format!(
                                "invalid codebook: concept set `{id}`, term {:?}: a term's language is the list it is in (`{lang}`); drop `lang`",
                                term.text
                            ),
                            Some(span),
                            None,
                        ));
                    }
                    term.lang = Some(lang.to_string());
                    if term.kind == PatternKind::Phrase && !item.stem_given {
                        term.stem = true;
                    }
                }
                terms.push((term, span.clone()));
            }
        }
    }
    Ok(terms)
}

/// Writes `codebook` in the TOML format, so that reading it back gives an equal codebook: codes
/// in codebook order, each field written only when set, bare strings for patterns that need no
/// options. Used to convert dictionaries and REFI-QDA codebooks into editable codebooks.
pub fn to_string(codebook: &Codebook) -> String {
    let mut out = String::new();
    out.push_str("[codebook]\n");
    field(&mut out, "name", Some(&codebook.name));
    field(&mut out, "version", codebook.version.as_deref());
    field(&mut out, "description", codebook.description.as_deref());
    strings(&mut out, "authors", &codebook.authors);
    patterns(&mut out, "negative", &codebook.negative);
    patterns(&mut out, "mute", &codebook.mute);
    for set in codebook.sets() {
        out.push_str("\n[[set]]\n");
        field(&mut out, "id", Some(&set.id));
        field(&mut out, "note", set.note.as_deref());
        set_term_lists(&mut out, "", &set.terms);
        set_term_lists(&mut out, "except.", &set.except);
    }
    for code in codebook.codes() {
        out.push_str("\n[[code]]\n");
        field(&mut out, "id", Some(&code.id));
        if code.label != code.name() {
            field(&mut out, "label", Some(&code.label));
        }
        field(&mut out, "colour", code.colour.as_deref());
        field(&mut out, "description", code.description.as_deref());
        field(&mut out, "include", code.include.as_deref());
        field(&mut out, "exclude", code.exclude.as_deref());
        field(&mut out, "memo", code.memo.as_deref());
        patterns(&mut out, "patterns", &code.patterns);
        patterns(&mut out, "negative", &code.negative);
        strings(&mut out, "examples", &code.examples);
        strings(&mut out, "counterexamples", &code.counterexamples);
        if code.min_hits != 1 {
            out.push_str(&format!("min_hits = {}\n", code.min_hits));
        }
        if !code.codable {
            out.push_str("codable = false\n");
        }
    }
    for group in codebook.groups() {
        out.push_str("\n[[group]]\n");
        field(&mut out, "name", Some(&group.name));
        field(&mut out, "description", group.description.as_deref());
        let codes: Vec<String> = group.codes.iter().map(|c| c.to_string()).collect();
        strings(&mut out, "codes", &codes);
    }
    out
}

/// A set's terms (or exceptions, `prefix` "except.") as one list per language, then the
/// terms matched as written.
fn set_term_lists(out: &mut String, prefix: &str, terms: &[Pattern]) {
    for lang in ["en", "ru", "kk", "uk"] {
        let items: Vec<String> = terms
            .iter()
            .filter(|t| t.lang.as_deref() == Some(lang))
            .map(term_item)
            .collect();
        list(out, &format!("{prefix}{lang}"), &items);
    }
    let any: Vec<String> = terms
        .iter()
        .filter(|t| t.lang.is_none())
        .map(pattern_item)
        .collect();
    list(out, &format!("{prefix}terms"), &any);
}

/// A term of a language's list: its language is the list's, and phrases are stemmed unless
/// they say `stem = false`.
fn term_item(t: &Pattern) -> String {
    let mut written = t.clone();
    written.lang = None;
    if written.kind != PatternKind::Phrase {
        return pattern_item(&written);
    }
    if written.stem {
        written.stem = false;
        return pattern_item(&written);
    }
    let mut parts = pattern_parts(&written);
    parts.push("stem = false".into());
    format!("{{ {} }}", parts.join(", "))
}

fn list(out: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("{key} = [\n"));
    for item in items {
        out.push_str(&format!("  {item},\n"));
    }
    out.push_str("]\n");
}

/// A TOML string literal, in whichever quoting the `toml` crate finds clearest (literal strings
/// for regexes with backslashes, multi-line strings for text with line breaks).
fn quoted(text: &str) -> String {
    ::toml::Value::String(text.to_string()).to_string()
}

fn field(out: &mut String, key: &str, value: Option<&str>) {
    if let Some(value) = value {
        out.push_str(&format!("{key} = {}\n", quoted(value)));
    }
}

fn strings(out: &mut String, key: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    out.push_str(&format!("{key} = [\n"));
    for value in values {
        out.push_str(&format!("  {},\n", quoted(value)));
    }
    out.push_str("]\n");
}

fn patterns(out: &mut String, key: &str, values: &[Pattern]) {
    if values.is_empty() {
        return;
    }
    out.push_str(&format!("{key} = [\n"));
    for pattern in values {
        out.push_str(&format!("  {},\n", pattern_item(pattern)));
    }
    out.push_str("]\n");
}

/// A pattern as a bare string when reading it back infers the same kind and it has no options,
/// else as an inline table.
fn pattern_item(p: &Pattern) -> String {
    let plain = p.lang.is_none()
        && !p.case_sensitive
        && !p.stem
        && p.note.is_none()
        && p.examples.is_empty()
        && !p.has_context()
        && !p.strong
        && p.document.is_none();
    if plain
        && matches!(p.kind, PatternKind::Phrase | PatternKind::Glob)
        && Pattern::infer(p.text.as_str()).kind == p.kind
    {
        return quoted(&p.text);
    }
    format!("{{ {} }}", pattern_parts(p).join(", "))
}

/// The keys of a pattern's inline table.
fn pattern_parts(p: &Pattern) -> Vec<String> {
    let mut parts = vec![match p.kind {
        PatternKind::Set => format!("set = {}", quoted(&p.sets[0])),
        PatternKind::Near => format!(
            "near = [{}]",
            p.sets
                .iter()
                .map(|s| quoted(s))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        kind => format!("{kind} = {}", quoted(&p.text)),
    }];
    if let Some(within) = p.within {
        parts.push(format!("within = {within}"));
    }
    for (key, sets) in [("with", &p.with), ("without", &p.without)] {
        if !sets.is_empty() {
            parts.push(format!(
                "{key} = [{}]",
                sets.iter()
                    .map(|s| quoted(s))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if p.strong {
        parts.push("strong = true".into());
    }
    if let Some(n) = p.document {
        parts.push(format!("document = {n}"));
    }
    if let Some(lang) = &p.lang {
        parts.push(format!("lang = {}", quoted(lang)));
    }
    if p.case_sensitive {
        parts.push("case_sensitive = true".into());
    }
    if p.stem {
        parts.push("stem = true".into());
    }
    if let Some(note) = &p.note {
        parts.push(format!("note = {}", quoted(note)));
    }
    match p.examples.as_slice() {
        [] => {}
        [one] => parts.push(format!("example = {}", quoted(one))),
        many => parts.push(format!(
            "example = [{}]",
            many.iter()
                .map(|e| quoted(e))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"
[codebook]
name = "Test"
version = "0.1"
negative = [{ regex = '^\d+\. ', note = "references" }]

[[code]]
id = "brain_drain"
label = "Brain drain"
colour = "#c0392b"
patterns = ["brain drain", "emigra*", { glob = ["утечк* мозг*", "утечк* умов"], lang = "ru" }]
negative = ["drain pipe"]
examples = ["Brain drain is rising."]

[[code]]
id = "brain_drain/push_factors"
patterns = [{ regex = 'push\s+factors?', note = "plural too" }]
"##;

    #[test]
    fn parses_the_full_format() {
        let cb = parse(GOOD, None).unwrap();
        assert_eq!(cb.title(), "Test 0.1");
        assert_eq!(cb.negative[0].note.as_deref(), Some("references"));
        let bd = cb.code("brain_drain").unwrap();
        let kinds: Vec<_> = bd
            .patterns
            .iter()
            .map(|p| (p.kind, p.lang.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (PatternKind::Phrase, None),
                (PatternKind::Glob, None),
                (PatternKind::Glob, Some("ru")),
                (PatternKind::Glob, Some("ru")),
            ]
        );
        assert_eq!(
            cb.code("brain_drain/push_factors").unwrap().label,
            "push_factors"
        );
    }

    #[test]
    fn an_invalid_regex_names_code_line_and_the_regex_error() {
        let src = GOOD.replace(r"push\s+factors?", r"push\s+(factors?");
        let err = parse(&src, Some(Path::new("cb.toml")))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid regex in code `brain_drain/push_factors`"),
            "{err}"
        );
        assert!(err.contains("cb.toml:17:"), "{err}");
        assert!(err.contains("unclosed group"), "{err}");
        assert!(err.contains("^^^"), "{err}");
    }

    #[test]
    fn a_bad_exception_points_at_its_line() {
        let source = "[codebook]\nname = \"t\"\n\n[[set]]\nid = \"leaving\"\nkk = [\"кет-\"]\nexcept.kk = [{ regex = 'айта (' }]\n";
        let err = parse(source, None).unwrap_err().to_string();
        assert!(err.contains("concept set `leaving`"), "{err}");
        assert!(err.contains(":7:"), "{err}");
        let source = "[codebook]\nname = \"t\"\n\n[[set]]\nid = \"leaving\"\nkk = [\"кет-\"]\nexcept.de = [\"x\"]\n";
        let err = parse(source, None).unwrap_err().to_string();
        assert!(err.contains("unknown field `de`"), "{err}");
        let source = "[codebook]\nname = \"t\"\n\n[[set]]\nid = \"leaving\"\nkk = [\"кет-\"]\nexcept.id = \"x\"\n";
        let err = parse(source, None).unwrap_err().to_string();
        assert!(err.contains("`except` lists terms only"), "{err}");
        let source = "[codebook]\nname = \"t\"\n\n[[set]]\nkk = [\"кет-\"]\n";
        let err = parse(source, None).unwrap_err().to_string();
        assert!(err.contains("a concept set needs an `id`"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_at_their_line() {
        let src = GOOD.replace("label = \"Brain drain\"", "lable = \"Brain drain\"");
        let err = parse(&src, Some(Path::new("cb.toml")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `lable`"), "{err}");
        assert!(err.contains("cb.toml:9:1"), "{err}");
        let src = GOOD.replace("lang = \"ru\"", "language = \"ru\"");
        let err = parse(&src, None).unwrap_err().to_string();
        assert!(err.contains("unknown field `language`"), "{err}");
        assert!(err.contains(":11:"), "{err}");
    }

    #[test]
    fn pattern_tables_need_exactly_one_kind() {
        let src = GOOD.replace("{ regex = 'push", "{ phrase = 'x', regex = 'push");
        let err = parse(&src, None).unwrap_err().to_string();
        assert!(err.contains("both `phrase` and `regex`"), "{err}");
        let src = GOOD.replace(
            "{ regex = 'push\\s+factors?', note = \"plural too\" }",
            "{ note = \"x\" }",
        );
        let err = parse(&src, None).unwrap_err().to_string();
        assert!(err.contains("needs one of"), "{err}");
    }

    #[test]
    fn a_missing_parent_points_at_the_id() {
        let src = GOOD.replace(
            "id = \"brain_drain/push_factors\"",
            "id = \"brain/push_factors\"",
        );
        let err = parse(&src, None).unwrap_err().to_string();
        assert!(
            err.contains("parent `brain`") && err.contains(":16:"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_colour_points_at_the_colour() {
        let src = GOOD.replace("#c0392b", "crimson");
        let err = parse(&src, None).unwrap_err().to_string();
        assert!(
            err.contains("colour \"crimson\"") && err.contains(":10:"),
            "{err}"
        );
    }

    #[test]
    fn the_shipped_codebook_survives_writing_and_reading_back() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/codebooks/migration.toml");
        let original = Codebook::from_path(path).unwrap();
        let written = to_string(&original);
        let read = parse(&written, None).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(read.codes(), original.codes());
        assert_eq!(
            (
                &read.name,
                &read.version,
                &read.description,
                &read.authors,
                &read.negative
            ),
            (
                &original.name,
                &original.version,
                &original.description,
                &original.authors,
                &original.negative
            )
        );
    }

    #[test]
    fn awkward_strings_and_every_pattern_option_round_trip() {
        let code = Code::new(
            "a/b",
            "A \"quoted\" label with 'apostrophes'\nand a line break",
        )
        .pattern(Pattern::phrase("it's"))
        .pattern(Pattern::glob("утечк* мозг*").lang("ru"))
        .pattern(Pattern::phrase("star*").case_sensitive(true))
        .pattern(Pattern::regex(r#"\bleav(e|ing)\b "'''"#))
        .pattern(Pattern::phrase("утечка мозгов").lang("ru").stem(true));
        let codebook = Codebook::builder("T")
            .code(Code::new("a", "A"))
            .code(code)
            .build()
            .unwrap();
        let written = to_string(&codebook);
        let read = parse(&written, None).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(read.codes(), codebook.codes());
    }

    #[test]
    fn headings_that_code_nothing_and_groups_of_codes_round_trip() {
        let mut heading = Code::new("drivers", "Drivers");
        heading.codable = false;
        let codebook = Codebook::builder("T")
            .code(heading)
            .code(Code::new("drivers/push", "Push").pattern(Pattern::phrase("push")))
            .group(
                crate::codebook::CodeGroup::new("Outflows")
                    .code("drivers")
                    .code("drivers/push"),
            )
            .build()
            .unwrap();
        let written = to_string(&codebook);
        assert!(written.contains("codable = false"), "{written}");
        let read = parse(&written, None).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(read.codes(), codebook.codes());
        assert_eq!(read.groups(), codebook.groups());
        let err = parse(
            &written.replace("\"drivers/push\",\n]", "\"nope\",\n]"),
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("names code `nope`"), "{err}");
        let err = parse(
            "[codebook]\nname = \"x\"\n[[code]]\nid = \"a\"\ncodable = false\npatterns = [\"a\"]\n",
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not codable"), "{err}");
    }
}
