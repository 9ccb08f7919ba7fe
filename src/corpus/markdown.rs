//! Markdown: YAML front matter as metadata, headings as the sections passages are cited by.
//!
//! The stored text is the document body, markup included, after the front matter. Headings are
//! ATX headings (`#` to `######`) outside fenced code blocks.

use std::path::Path;

use serde_json::Value;

use super::loader::{Loaded, Loader, decode_text, normalized};
use super::{Metadata, Section};
use crate::error::{Diagnostic, Error, Location, Result};

/// Markdown files (`.md`, `.markdown`).
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownLoader;

impl Loader for MarkdownLoader {
    fn format(&self) -> &'static str {
        "markdown"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["md", "markdown"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let (raw, encoding) = decode_text(path, bytes)?;
        let raw = normalized(raw);
        let (metadata, body) = front_matter(&raw, path)?;
        let text = body.to_string();
        let sections = headings(&text);
        let mut metadata = metadata.unwrap_or_default();
        if metadata.title.is_empty()
            && let Some(first) = sections.iter().find(|s| s.level == 1)
        {
            metadata.title = first.title.clone();
        }
        metadata.encoding = encoding;
        Ok(Loaded {
            text,
            metadata,
            pages: Vec::new(),
            sections,
        })
    }
}

/// Splits YAML front matter (between `---` lines at the very top) from the body.
pub fn front_matter<'a>(text: &'a str, path: &Path) -> Result<(Option<Metadata>, &'a str)> {
    let Some(rest) = text.strip_prefix("---\n") else {
        return Ok((None, text));
    };
    let mut offset = 4;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n').trim_end();
        if bare == "---" || bare == "..." {
            let yaml = &text[4..offset];
            let body = &text[offset + line.len()..];
            let metadata = parse_metadata(yaml, path, text)?;
            return Ok((Some(metadata), body.trim_start_matches('\n')));
        }
        offset += line.len();
    }
    // An opening `---` never closed is a thematic break, not front matter.
    Ok((None, text))
}

fn parse_metadata(yaml: &str, path: &Path, whole: &str) -> Result<Metadata> {
    let fail = |message: String, line: usize, column: usize| {
        let mut d =
            Diagnostic::new(format!("invalid front matter: {message}")).with_path(Some(path));
        // The YAML starts on line 2 of the file.
        d.location = Some(Location::from_line_column(whole, line + 1, column));
        Error::Document {
            path: path.to_path_buf(),
            message: d.to_string(),
        }
    };
    let value: Value = serde_saphyr::from_str(yaml).map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
        fail(
            e.to_string().lines().next().unwrap_or("").to_string(),
            line,
            column,
        )
    })?;
    let Value::Object(map) = value else {
        return Err(fail("expected a mapping of keys to values".into(), 1, 1));
    };
    metadata_from_map(map).map_err(|m| fail(m, 1, 1))
}

/// Metadata from a mapping of the manifest's keys (front matter, JSON properties); unknown keys
/// become fields.
pub(crate) fn metadata_from_map(
    map: serde_json::Map<String, Value>,
) -> std::result::Result<Metadata, String> {
    let text = |v: &Value| -> std::result::Result<String, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(format!("expected a string or number, not {other}")),
        }
    };
    let list = |v: &Value| -> std::result::Result<Vec<String>, String> {
        match v {
            Value::Array(items) => items.iter().map(text).collect(),
            other => Ok(vec![text(other)?]),
        }
    };
    let mut m = Metadata::default();
    for (key, value) in map {
        if value.is_null() {
            continue;
        }
        match key.as_str() {
            "title" => m.title = text(&value)?,
            "authors" | "author" => m.authors = list(&value)?,
            "year" | "date" => {
                let t = text(&value)?;
                let year = t.get(..4).and_then(|y| y.parse().ok());
                m.year = Some(year.ok_or_else(|| format!("{key}: expected a year, not {t:?}"))?);
            }
            "kind" | "type" => m.kind = Some(text(&value)?),
            "languages" | "language" | "lang" => m.languages = list(&value)?,
            "source" | "journal" => m.source = Some(text(&value)?),
            "doi" => m.doi = Some(text(&value)?),
            "url" => m.url = Some(text(&value)?),
            "licence" | "license" => m.licence = Some(text(&value)?),
            _ => {
                let v = match &value {
                    Value::Array(_) => list(&value)?.join("; "),
                    other => text(other)?,
                };
                m.fields.insert(key, v);
            }
        }
    }
    Ok(m)
}

/// The ATX headings of a Markdown text, with the character offset of each heading line.
pub fn headings(text: &str) -> Vec<Section> {
    let mut out = Vec::new();
    let mut chars = 0;
    let mut in_fence = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            in_fence = !in_fence;
        } else if !in_fence && line.len() - trimmed.len() <= 3 {
            let level = trimmed.chars().take_while(|&c| c == '#').count();
            let after = &trimmed[level..];
            if (1..=6).contains(&level) && (after.starts_with(' ') || after.trim().is_empty()) {
                let title = after.trim().trim_end_matches('#').trim().replace("**", "");
                if !title.is_empty() {
                    out.push(Section {
                        start: chars,
                        level: level as u8,
                        title,
                    });
                }
            }
        }
        chars += line.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_becomes_metadata() {
        let text = "---\ntitle: Concept\nauthors: [A, B]\nyear: 2023\nregion: Almaty\n---\n\n# Heading\nBody.\n";
        let loaded = MarkdownLoader
            .load(Path::new("c.md"), text.as_bytes().to_vec())
            .unwrap();
        let m = &loaded.metadata;
        assert_eq!(
            (m.title.as_str(), m.year, m.authors.len()),
            ("Concept", Some(2023), 2)
        );
        assert_eq!(m.fields["region"], "Almaty");
        assert_eq!(loaded.text, "# Heading\nBody.\n");
        assert_eq!(loaded.sections[0].title, "Heading");
    }

    #[test]
    fn bad_front_matter_names_the_line() {
        let err = MarkdownLoader
            .load(
                Path::new("c.md"),
                b"---\ntitle: x\nyear: [\n---\nBody".to_vec(),
            )
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid front matter") && err.contains("c.md:"),
            "{err}"
        );
    }

    #[test]
    fn headings_skip_code_fences() {
        let s = headings("# One\ntext\n```\n# not\n```\n## Two ##\n####### seven\n");
        let titles: Vec<(&str, u8, usize)> = s
            .iter()
            .map(|h| (h.title.as_str(), h.level, h.start))
            .collect();
        assert_eq!(titles, [("One", 1, 0), ("Two", 2, 25)]);
    }
}
