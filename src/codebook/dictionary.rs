//! Plain dictionaries: a JSON object or YAML mapping of code → list of patterns, nested for
//! sub-codes, as quanteda writes them.
//!
//! ```yaml
//! brain_drain:
//!   - brain drain
//!   - emigra*
//! return_policy:
//!   diaspora:
//!     - diaspor*
//! ```
//!
//! Each string is a phrase, or a glob if it holds `*` or `?`. A nested mapping makes sub-codes
//! (`return_policy/diaspora`); its parent gets no patterns of its own.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};

use super::{Code, Codebook, Pattern};
use crate::error::{Diagnostic, Error, Location, Result};

/// A dictionary entry's value: patterns, or sub-codes.
enum Node {
    Patterns(Vec<Pattern>),
    Children(Vec<(String, Node)>),
}

/// The whole dictionary: an ordered mapping (document order is kept, so codes list as written).
struct Dictionary(Vec<(String, Node)>);

impl<'de> Deserialize<'de> for Dictionary {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Dictionary, D::Error> {
        match Node::deserialize(d)? {
            Node::Children(entries) => Ok(Dictionary(entries)),
            Node::Patterns(_) => Err(de::Error::custom(
                "a dictionary must be a mapping of code to a list of phrases, not a list",
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of phrases, or a mapping of sub-codes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut patterns = Vec::new();
        while let Some(text) = seq.next_element::<String>()? {
            let pattern = Pattern::infer(text);
            pattern.validate().map_err(|problem| {
                de::Error::custom(format!("pattern {:?}: {problem}", pattern.text))
            })?;
            patterns.push(pattern);
        }
        Ok(Node::Patterns(patterns))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key.contains('/') {
                return Err(de::Error::custom(format!(
                    "code name {key:?} contains '/': nest a mapping to make sub-codes"
                )));
            }
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format!("code {key:?} is defined twice")));
            }
            let node = map.next_value::<Node>()?;
            entries.push((key, node));
        }
        Ok(Node::Children(entries))
    }
}

fn build(dictionary: Dictionary, path: Option<&Path>) -> Result<Codebook> {
    let name = path.and_then(|p| p.file_stem()).map_or_else(
        || "dictionary".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    // Depth-first, parents before children, keeping the dictionary's order.
    fn walk(codes: &mut Vec<Code>, prefix: &str, entries: Vec<(String, Node)>) {
        for (key, node) in entries {
            let id = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}/{key}")
            };
            match node {
                Node::Patterns(patterns) => {
                    let mut code = Code::new(Arc::<str>::from(id.as_str()), key);
                    code.patterns = patterns;
                    codes.push(code);
                }
                Node::Children(children) => {
                    codes.push(Code::new(Arc::<str>::from(id.as_str()), key));
                    walk(codes, &id, children);
                }
            }
        }
    }
    let mut codes = Vec::new();
    walk(&mut codes, "", dictionary.0);
    assemble(Codebook::builder(name), codes, path)
}

/// Builds the codebook of `codes`, pointing any fault at `path`.
fn assemble(
    mut builder: super::CodebookBuilder,
    codes: Vec<Code>,
    path: Option<&Path>,
) -> Result<Codebook> {
    for code in codes {
        builder = builder.code(code);
    }
    builder.build().map_err(|e| match e {
        Error::Codebook(mut d) => {
            d.path = path.map(Path::to_path_buf);
            Error::Codebook(d)
        }
        other => other,
    })
}

/// Parses a JSON dictionary.
pub(super) fn parse_json(source: &str, path: Option<&Path>) -> Result<Codebook> {
    let dictionary: Dictionary = serde_json::from_str(source).map_err(|e| {
        // serde_json appends " at line L column C" to its messages; the location is shown apart.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m);
        let mut d = Diagnostic::new(format!("invalid dictionary: {message}")).with_path(path);
        if e.line() > 0 {
            d.location = Some(Location::from_line_column(source, e.line(), e.column()));
        }
        Error::Codebook(Box::new(d))
    })?;
    build(dictionary, path)
}

/// Parses a YAML dictionary.
pub(super) fn parse_yaml(source: &str, path: Option<&Path>) -> Result<Codebook> {
    let dictionary: Dictionary = serde_saphyr::from_str(source).map_err(|e| {
        let mut d =
            Diagnostic::new(format!("invalid dictionary: {}", yaml_message(&e))).with_path(path);
        if let Some(loc) = e.location().filter(|l| l.line() > 0) {
            d.location = Some(Location::from_line_column(
                source,
                loc.line() as usize,
                loc.column() as usize,
            ));
        }
        Error::Codebook(Box::new(d))
    })?;
    build(dictionary, path)
}

/// The first line of serde-saphyr's message, without its own location suffix (shown apart).
fn yaml_message(e: &serde_saphyr::Error) -> String {
    let text = e.to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first
        .rsplit_once(" at line ")
        .map_or(first, |(m, _)| m)
        .trim_start_matches("error: ");
    // "line 3 column 1: invalid type …"
    let first = match first.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") && prefix.contains(" column ") => rest,
        _ => first,
    };
    first.to_string()
}

/// Parses a LIWC dictionary (`.dic`): categories numbered between two `%` lines, then one entry
/// a line, a word (a trailing `*` makes it a prefix, as in our globs) or a phrase, and the
/// numbers of its categories, separated by tabs (spaces do for single words):
///
/// ```text
/// %
/// 1    brain_drain
/// 2    return
/// %
/// emigra*    1
/// brain drain    1
/// return*    2
/// ```
///
/// Each category becomes a top-level code with the category's name, and each entry a pattern of
/// the codes of its categories. LIWC 2007's conditional categories (`like    02 134 (02 134)/125`)
/// are reduced to their unconditional numbers, and entries no pattern can express (a bare `*`)
/// are left out; both are listed in the codebook's
/// description so the conversion hides nothing.
pub(super) fn parse_liwc(source: &str, path: Option<&Path>) -> Result<Codebook> {
    let source_lines = split_lines(source.trim_start_matches('\u{feff}'));
    let fail = |message: String, line: usize, column: usize| {
        let mut d = Diagnostic::new(format!("invalid LIWC dictionary: {message}")).with_path(path);
        d.location = Some(Location {
            line,
            column,
            line_text: source_lines
                .get(line.wrapping_sub(1))
                .copied()
                .unwrap_or_default()
                .to_string(),
            width: 1,
        });
        Error::Codebook(Box::new(d))
    };
    let mut lines = source_lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i + 1, *l))
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim() == "%" => {}
        Some((n, _)) => {
            return Err(fail(
                "expected the opening `%` line of the category list".into(),
                n,
                1,
            ));
        }
        None => return Err(fail("the file is empty".into(), 1, 1)),
    }
    let (categories, mut codes) = liwc_categories(&mut lines, &fail, source_lines.len())?;
    let (reduced, unusable) = liwc_entries(lines, &categories, &mut codes, &fail)?;
    let name = path.and_then(|p| p.file_stem()).map_or_else(
        || "LIWC dictionary".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    assemble(
        Codebook::builder(name).description(liwc_description(&reduced, &unusable)),
        codes,
        path,
    )
}

/// A message at a line and column of the dictionary, as `parse_liwc`'s errors are made.
type Fail<'a> = &'a dyn Fn(String, usize, usize) -> Error;

/// The category list, up to its closing `%` line: each category a code, and the index of its
/// code by category number (leading zeros aside). `last_line` is where a missing `%` is reported.
fn liwc_categories<'a>(
    lines: &mut impl Iterator<Item = (usize, &'a str)>,
    fail: Fail<'_>,
    last_line: usize,
) -> Result<(std::collections::HashMap<String, usize>, Vec<Code>)> {
    // Category number → index into `codes`.
    let mut categories: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut codes: Vec<Code> = Vec::new();
    let mut closed = false;
    for (n, line) in lines.by_ref() {
        if line.trim() == "%" {
            closed = true;
            break;
        }
        let Some((number, name)) = split_category(line) else {
            return Err(fail("a category line is `NUMBER NAME`".into(), n, 1));
        };
        if !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(fail(
                format!(
                    "category number {} is not a number (is the `%` line that closes the category list missing?)",
                    short(number)
                ),
                n,
                1,
            ));
        }
        // An id is written in queries and on the command line, where spaces would split it;
        // the label keeps the name as written.
        let id = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("_")
            .replace('/', "_");
        if categories.contains_key(number.trim_start_matches('0')) {
            return Err(fail(format!("category {number} is defined twice"), n, 1));
        }
        if codes.iter().any(|c| *c.id == *id) {
            return Err(fail(
                format!("category name {} is used twice", short(name)),
                n,
                column_of(line, name),
            ));
        }
        categories.insert(number.trim_start_matches('0').to_string(), codes.len());
        let mut code = Code::new(Arc::<str>::from(id.as_str()), name);
        code.description = Some(format!("LIWC category {number}."));
        codes.push(code);
    }
    if !closed {
        return Err(fail(
            "the category list has no closing `%` line".into(),
            last_line,
            1,
        ));
    }
    Ok((categories, codes))
}

/// The entries after the category list, each a pattern of the codes of its categories. Returns
/// the entries whose conditional categories were reduced and those no pattern can express.
fn liwc_entries<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    categories: &std::collections::HashMap<String, usize>,
    codes: &mut [Code],
    fail: Fail<'_>,
) -> Result<(Vec<String>, Vec<String>)> {
    let mut reduced = Vec::new();
    let mut unusable = Vec::new();
    for (n, line) in lines {
        let (word, rest) = split_liwc_entry(line);
        if word.is_empty() {
            return Err(fail("an entry has no word".into(), n, 1));
        }
        let mut seen = Vec::new();
        for token in rest.split_whitespace() {
            if !token.chars().all(|c| c.is_ascii_digit()) {
                if !reduced
                    .iter()
                    .any(|r: &String| r.starts_with(&format!("line {n} ")))
                {
                    reduced.push(format!("line {n} {word:?}"));
                }
                continue;
            }
            let Some(&index) = categories.get(token.trim_start_matches('0')) else {
                return Err(fail(
                    format!(
                        "entry {} names category {}, which the list above does not define",
                        short(word),
                        cut(token)
                    ),
                    n,
                    column_of(line, token),
                ));
            };
            if !seen.contains(&index) {
                seen.push(index);
            }
        }
        let pattern = Pattern::infer(word);
        if let Err(problem) = pattern.validate() {
            unusable.push(format!("line {n} {word:?} ({problem})"));
            continue;
        }
        for index in seen {
            codes[index].patterns.push(pattern.clone());
        }
    }
    Ok((reduced, unusable))
}

/// The converted codebook's description: where it came from, and what the conversion changed.
fn liwc_description(reduced: &[String], unusable: &[String]) -> String {
    let mut description = String::from("Converted from a LIWC dictionary.");
    if !reduced.is_empty() {
        description.push_str(&format!(
            " Conditional categories (LIWC 2007) were reduced to their unconditional ones for {} entries: {}.",
            reduced.len(),
            reduced.join(", ")
        ));
    }
    if !unusable.is_empty() {
        description.push_str(&format!(
            " {} entries could not be made patterns and were left out: {}.",
            unusable.len(),
            unusable.join(", ")
        ));
    }
    description
}

/// The most characters of a word or name a message repeats.
const MAX_ECHOED_CHARS: usize = 40;

/// `text` for a message, cut short (`…`) if long: the whole line is quoted below the message.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHOED_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `text` in quotes for a message, cut short if long.
fn short(text: &str) -> String {
    format!("{:?}", cut(text))
}

/// The lines of a file with any line ends: LF, CRLF, or CR alone, as classic Mac OS wrote them
/// (the Moral Foundations Dictionary 2.0 was first published so).
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    lines.push(&text[start..]);
    lines
}

/// A category line's number and name. The name is the rest of the line, spaces and all
/// (`12 A category`); where tabs split the rest into several fields, it is the last, as
/// quanteda reads it.
fn split_category(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    let (number, rest) = line.split_once(char::is_whitespace)?;
    let name = rest
        .split('\t')
        .map(str::trim)
        .rfind(|field| !field.is_empty())?;
    Some((number, name))
}

/// An entry line's word (or phrase) and the category fields after it: split at the first tab
/// when there is one (LIWC 2015 phrases hold spaces), else before the first number.
fn split_liwc_entry(line: &str) -> (&str, &str) {
    if let Some((word, rest)) = line.split_once('\t') {
        return (word.trim(), rest);
    }
    let line = line.trim();
    let mut end = 0;
    for (at, token) in line
        .split_whitespace()
        .map(|t| (t.as_ptr() as usize - line.as_ptr() as usize, t))
    {
        if end > 0 && token.chars().all(|c| c.is_ascii_digit()) {
            return (line[..end].trim(), &line[at..]);
        }
        end = at + token.len();
    }
    (line, "")
}

/// The 1-based column (in characters) where `needle` starts in `line`.
fn column_of(line: &str, needle: &str) -> usize {
    line.find(needle)
        .map_or(1, |b| line[..b].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::PatternKind;

    #[test]
    fn json_dictionary_keeps_order_and_reads_globs() {
        let cb = parse_json(
            r#"{"zeta": ["brain drain", "emigra*"], "alpha": {"kid": ["x"]}}"#,
            Some(Path::new("dict.json")),
        )
        .unwrap();
        let ids: Vec<_> = cb.codes().iter().map(|c| &*c.id).collect();
        assert_eq!(ids, ["zeta", "alpha", "alpha/kid"]);
        assert_eq!(cb.codes()[0].patterns[1].kind, PatternKind::Glob);
        assert_eq!(cb.name, "dict");
    }

    #[test]
    fn yaml_dictionary_nests_codes() {
        let cb = parse_yaml(
            "brain_drain:\n  - brain drain\n  - утечк* мозгов\nreturn:\n  diaspora:\n    - diaspor*\n",
            None,
        )
        .unwrap();
        let ids: Vec<_> = cb.codes().iter().map(|c| &*c.id).collect();
        assert_eq!(ids, ["brain_drain", "return", "return/diaspora"]);
    }

    #[test]
    fn json_errors_point_at_line_and_column() {
        let err = parse_json("{\n  \"a\": [\"x\",\n  3]\n}", Some(Path::new("d.json")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("d.json:3:"), "{err}");
        assert!(err.contains("invalid type: integer"), "{err}");
        let err = parse_json("{\"a\": [\"*\"]}", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no letter or digit"), "{err}");
        let err = parse_json("[\"a\"]", None).unwrap_err().to_string();
        assert!(err.contains("not a list"), "{err}");
    }

    #[test]
    fn yaml_errors_point_at_line() {
        let err = parse_yaml("a:\n  - x\nb: 5\n", Some(Path::new("d.yml")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("d.yml:3:"), "{err}");
        assert!(err.starts_with("invalid dictionary: invalid type"), "{err}");
        let err = parse_yaml("a:\n  - ok\n  - \"*\"\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no letter or digit"), "{err}");
    }

    #[test]
    fn liwc_categories_become_codes_and_entries_patterns() {
        let dic = "%\n1\tbrain_drain\n02\treturn\n%\nemigra*\t1\nbrain drain\t1\nreturn*\t2 1\nkind of\t2\nlike\t02 (02)/1\n*\t1\n";
        let cb = parse_liwc(dic, Some(Path::new("mini.dic"))).unwrap();
        assert_eq!(cb.name, "mini");
        let texts = |id: &str| -> Vec<String> {
            cb.code(id)
                .unwrap()
                .patterns
                .iter()
                .map(|p| format!("{}:{}", p.kind, p.text))
                .collect()
        };
        assert_eq!(
            texts("brain_drain"),
            ["glob:emigra*", "phrase:brain drain", "glob:return*"]
        );
        assert_eq!(
            texts("return"),
            ["glob:return*", "phrase:kind of", "phrase:like"]
        );
        let description = cb.description.as_deref().unwrap();
        assert!(description.contains("line 9 \"like\""), "{description}");
        assert!(description.contains("line 10 \"*\""), "{description}");
    }

    #[test]
    fn liwc_reads_classic_mac_line_ends_and_names_with_spaces() {
        for ending in ["\r", "\r\n", "\n"] {
            let dic = [
                "%",
                "01\tcare.virtue",
                "02 A category",
                "%",
                "safe*\t01",
                "kind of\t02 01",
                "",
            ]
            .join(ending);
            let cb = parse_liwc(&dic, Some(Path::new("mfd2.dic"))).unwrap();
            let codes: Vec<(&str, &str)> = cb
                .codes()
                .iter()
                .map(|c| (&*c.id, c.label.as_str()))
                .collect();
            assert_eq!(
                codes,
                [("care.virtue", "care.virtue"), ("A_category", "A category")],
                "{ending:?}"
            );
            assert_eq!(cb.codes()[0].patterns.len(), 2);
            assert_eq!(cb.codes()[1].patterns[0].text, "kind of");
        }
    }

    #[test]
    fn liwc_errors_quote_the_offending_line_only() {
        let mut dic = String::from("%\r1\tcare\r%\r");
        for i in 0..2_000 {
            dic.push_str(&format!("word{i}\t1\r"));
        }
        dic.push_str("harm\t7\r");
        let err = parse_liwc(&dic, Some(Path::new("mfd2.dic")))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mfd2.dic:2004:"), "{err}");
        assert!(err.contains("2004 | harm\t7\n"), "{err}");
        assert!(!err.contains("word1") && err.len() < 400, "{err}");
        let long = format!("%\r1\t{}\r%\r{}\t9\r", "c", "w".repeat(10_000));
        let err = parse_liwc(&long, None).unwrap_err().to_string();
        assert!(err.len() < 600 && err.contains('…'), "{err}");
    }

    #[test]
    fn liwc_faults_point_at_the_line() {
        let err = parse_liwc("%\n1\ta\n%\nword\t7\n", Some(Path::new("d.dic")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("d.dic:4:") && err.contains("category 7"),
            "{err}"
        );
        let err = parse_liwc("1\ta\n", None).unwrap_err().to_string();
        assert!(err.contains("opening `%`"), "{err}");
        let err = parse_liwc("%\n1\ta\nword\t1\n", None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("closes the category list missing"), "{err}");
    }
}
