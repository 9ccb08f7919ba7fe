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
    let mut builder = Codebook::builder(name);
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
}
