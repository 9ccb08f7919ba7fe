//! Documents as JSON Lines: one object per line, `{"id": …, "text": …}` with optional metadata,
//! for streaming a corpus through `thematic code --stdin` from any engine that pipes records
//! through a command (Spark's `RDD.pipe`, Hadoop streaming, GNU parallel).
//!
//! ```
//! use thematic::corpus::jsonl::parse_document;
//! let doc = parse_document(r#"{"id": "d1", "text": "Brain drain.\r\n", "year": 2024, "region": "Almaty"}"#, 1)?;
//! assert_eq!((&*doc.id, doc.text.as_str(), doc.metadata.year), ("d1", "Brain drain.\n", Some(2024)));
//! assert_eq!(doc.metadata.fields["region"], "Almaty");
//! # Ok::<(), thematic::Error>(())
//! ```

use serde_json::Value;

use super::{Document, Metadata, first_line_title, id_problem, normalize};
use crate::error::{Diagnostic, Error, Location, Result};

/// Parses one line of a JSON Lines corpus (`line_no` is 1-based, for messages). Known keys:
/// `id` and `text` (required), `title`, `authors`, `year`, `kind`, `languages`, `source`,
/// `doi`, `url`, `licence`; any other string, number or boolean becomes a metadata field.
pub fn parse_document(line: &str, line_no: usize) -> Result<Document> {
    let fail = |message: String, column: usize| {
        let mut d = Diagnostic::new(format!("document on line {line_no}: {message}"));
        d.location = Some(Location {
            line: line_no,
            column,
            line_text: line.chars().take(120).collect(),
            width: 1,
        });
        d.path = Some("<stdin>".into());
        Error::Coding(Box::new(d))
    };
    let value: Value =
        serde_json::from_str(line).map_err(|e| fail(strip_position(&e.to_string()), e.column()))?;
    let Value::Object(object) = value else {
        return Err(fail("expected a JSON object".into(), 1));
    };
    let mut id = None;
    let mut text = None;
    let mut metadata = Metadata::default();
    for (key, value) in object {
        let as_string = |v: &Value| -> Result<String> {
            match v {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                Value::Bool(b) => Ok(b.to_string()),
                other => Err(fail(
                    format!("{key:?} must be a string, number or boolean, not {other}"),
                    1,
                )),
            }
        };
        let as_list = |v: &Value| -> Result<Vec<String>> {
            match v {
                Value::Array(items) => items.iter().map(as_string).collect(),
                other => Ok(vec![as_string(other)?]),
            }
        };
        match key.as_str() {
            "id" => id = Some(as_string(&value)?),
            "text" => match value {
                Value::String(s) => text = Some(s),
                _ => return Err(fail("\"text\" must be a string".into(), 1)),
            },
            "title" => metadata.title = as_string(&value)?,
            "authors" | "author" => metadata.authors = as_list(&value)?,
            "languages" | "language" => metadata.languages = as_list(&value)?,
            "year" => {
                let y = as_string(&value)?;
                metadata.year = Some(
                    y.trim()
                        .parse()
                        .map_err(|_| fail(format!("\"year\" must be a year, not {y:?}"), 1))?,
                );
            }
            "kind" => metadata.kind = Some(as_string(&value)?),
            "source" => metadata.source = Some(as_string(&value)?),
            "doi" => metadata.doi = Some(as_string(&value)?),
            "url" => metadata.url = Some(as_string(&value)?),
            "licence" | "license" => metadata.licence = Some(as_string(&value)?),
            _ if value.is_null() => {}
            _ => {
                let v = as_string(&value)?;
                metadata.fields.insert(key, v);
            }
        }
    }
    let id = id.ok_or_else(|| fail("missing \"id\"".into(), 1))?;
    if let Some(problem) = id_problem(&id) {
        return Err(fail(format!("document id {id:?} {problem}"), 1));
    }
    let text = text.ok_or_else(|| fail("missing \"text\"".into(), 1))?;
    let source_len = text.len();
    let text = normalize(text);
    if metadata.title.is_empty() {
        metadata.title = first_line_title(&text);
    }
    Ok(Document {
        id: id.into(),
        path: None,
        format: "jsonl",
        text,
        metadata,
        source_len,
        pages: Vec::new(),
        sections: Vec::new(),
    })
}

/// serde_json appends " at line L column C"; the location is shown apart.
fn strip_position(message: &str) -> String {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(m, _)| m)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let err = parse_document("{\"text\": \"x\"}", 7)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 7") && err.contains("missing \"id\""),
            "{err}"
        );
        let err = parse_document("{\"id\": 1, \"text\": ", 3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 3") && err.contains("EOF"), "{err}");
        let err = parse_document("[1]", 2).unwrap_err().to_string();
        assert!(err.contains("expected a JSON object"), "{err}");
        let err = parse_document("{\"id\": \"a\", \"text\": \"t\", \"year\": \"soon\"}", 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"year\" must be a year"), "{err}");
    }

    #[test]
    fn numbers_are_ids_and_lists_are_authors() {
        let d = parse_document(
            r#"{"id": 12, "text": "x", "authors": ["A", "B"], "languages": "kk"}"#,
            1,
        )
        .unwrap();
        assert_eq!(&*d.id, "12");
        assert_eq!(d.metadata.authors, ["A", "B"]);
        assert_eq!(d.metadata.languages, ["kk"]);
        assert_eq!(d.format, "jsonl");
    }
}
