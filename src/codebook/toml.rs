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
//! ]
//! negative = ["drain pipe"]                 # stop this code in passages matching these
//! examples = ["Kazakhstan has faced significant brain drain."]
//! counterexamples = ["The drains were blocked."]
//! ```
//!
//! A bare string is a phrase, or a glob if it contains `*` or `?`. A table takes exactly one of
//! `phrase`, `glob` or `regex` (a string or a list of strings) and optionally `lang` (`en`, `ru`,
//! `kk`, `uk`: the pattern applies only to passages in that language), `case_sensitive`, `stem`
//! (a phrase matches by the Snowball stems of its words in `lang`: English, Russian or
//! Ukrainian), `note`, and `example`: a sentence (or a list) the pattern alone must match, which
//! `thematic codebook check` tests. Unknown keys anywhere are errors. A parent code must come before its sub-codes.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

use super::{Code, Codebook, Pattern, PatternKind};
use crate::error::{Diagnostic, Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCodebook {
    codebook: RawHeader,
    #[serde(default)]
    code: Vec<RawCode>,
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
}

/// One item of a `patterns` or `negative` list: a bare string or a table, possibly holding
/// several pattern texts that share their options.
pub(super) struct PatternItem(pub(super) Vec<Pattern>);

const PATTERN_KEYS: &[&str] = &[
    "phrase",
    "glob",
    "regex",
    "lang",
    "case_sensitive",
    "stem",
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
        f.write_str("a pattern: a string, or a table with one of `phrase`, `glob` or `regex`")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<PatternItem, E> {
        Ok(PatternItem(vec![Pattern::infer(v)]))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PatternItem, A::Error> {
        let mut kind: Option<(PatternKind, Vec<String>)> = None;
        let mut lang = None;
        let mut case_sensitive = false;
        let mut stem = false;
        let mut note = None;
        let mut examples = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let pattern_kind = match key.as_str() {
                "phrase" => Some(PatternKind::Phrase),
                "glob" => Some(PatternKind::Glob),
                "regex" => Some(PatternKind::Regex),
                _ => None,
            };
            match (key.as_str(), pattern_kind) {
                (_, Some(k)) => {
                    if let Some((previous, _)) = &kind {
                        return Err(de::Error::custom(format!(
                            "a pattern table takes exactly one of `phrase`, `glob` or `regex`, but has both `{previous}` and `{k}`"
                        )));
                    }
                    kind = Some((k, map.next_value::<StringOrList>()?.0));
                }
                ("lang", _) => lang = Some(map.next_value::<String>()?),
                ("case_sensitive", _) => case_sensitive = map.next_value()?,
                ("stem", _) => stem = map.next_value()?,
                ("note", _) => note = Some(map.next_value::<String>()?),
                ("example", _) => examples = map.next_value::<StringOrList>()?.0,
                (other, _) => return Err(de::Error::unknown_field(other, PATTERN_KEYS)),
            }
        }
        let (kind, texts) = kind.ok_or_else(|| {
            de::Error::custom("a pattern table needs one of `phrase`, `glob` or `regex`")
        })?;
        if texts.is_empty() {
            return Err(de::Error::custom(format!("empty list of {kind} patterns")));
        }
        Ok(PatternItem(
            texts
                .into_iter()
                .map(|text| Pattern {
                    kind,
                    text,
                    lang: lang.clone(),
                    case_sensitive,
                    stem,
                    note: note.clone(),
                    examples: examples.clone(),
                })
                .collect(),
        ))
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
        codes: Vec::new(),
        index: Default::default(),
        path: None,
    };
    let checked = |items: Vec<Spanned<PatternItem>>, owner: &str| -> Result<Vec<Pattern>> {
        let mut out = Vec::new();
        for item in items {
            let span = item.span();
            for pattern in item.into_inner().0 {
                if let Err(problem) = pattern.validate() {
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
    codebook.negative = checked(raw.codebook.negative, "the codebook-wide negative patterns")?;
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
            patterns: checked(raw_code.patterns, &owner)?,
            negative: checked(raw_code.negative, &owner)?,
            examples: raw_code.examples,
            counterexamples: raw_code.counterexamples,
            id,
        };
        codebook.push_code(code).map_err(|problem| {
            let span = if problem.starts_with("colour") {
                colour_span.clone()
            } else {
                Some(id_span.clone())
            };
            fail(format!("invalid codebook: {problem}"), span, None)
        })?;
    }
    Ok(codebook)
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
    }
    out
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
        && p.examples.is_empty();
    if plain && p.kind != PatternKind::Regex && Pattern::infer(p.text.as_str()).kind == p.kind {
        return quoted(&p.text);
    }
    let kind = match p.kind {
        PatternKind::Phrase => "phrase",
        PatternKind::Glob => "glob",
        PatternKind::Regex => "regex",
    };
    let mut parts = vec![format!("{kind} = {}", quoted(&p.text))];
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
    format!("{{ {} }}", parts.join(", "))
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
}
