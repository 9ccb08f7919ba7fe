//! The JSON Lines record of a coded segment, written and read back. Its keys are a public
//! contract (see the [module documentation](super)), so writing and reading sit side by side.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{CodedSegment, Evidence, Hit, Origin, Probability};
use crate::corpus::Document;
use crate::error::{Diagnostic, Error, Result};
use crate::segment::Role;
use crate::text::CharIndex;

/// The JSON Lines record of a coded segment, borrowing its parts.
#[derive(Serialize)]
struct RecordOut<'a> {
    doc: &'a str,
    passage: usize,
    start: usize,
    end: usize,
    code: &'a str,
    origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    coder: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    probability: Option<Probability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a [Evidence]>,
    hits: &'a [Hit],
    #[serde(skip_serializing_if = "Option::is_none")]
    memo: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<&'a str>,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pages: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<&'a str>,
    text: &'a str,
}

/// Records with a text longer than this are serialised straight into the writer.
const RECORD_IN_MEMORY_UP_TO: usize = 1 << 20;

/// Writes coded segments as JSON Lines, one record per segment, with the passage text.
pub struct RecordWriter<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> RecordWriter<W> {
    /// Writes to `out` (buffer it: records are written one by one).
    pub fn new(out: W) -> RecordWriter<W> {
        RecordWriter {
            out,
            line: Vec::with_capacity(1024),
        }
    }

    /// Writes the records of one document's segments; `doc` supplies the passage text.
    pub fn write_document(
        &mut self,
        doc: &Document,
        segments: &[CodedSegment],
    ) -> std::io::Result<()> {
        let index = CharIndex::new(&doc.text);
        for seg in segments {
            self.write_in(doc, &index, seg)?;
        }
        Ok(())
    }

    /// Writes one segment of `doc` (indexed by `index`) with its text, pages and section.
    pub(crate) fn write_in(
        &mut self,
        doc: &Document,
        index: &CharIndex,
        seg: &CodedSegment,
    ) -> std::io::Result<()> {
        let text = slice_chars(&doc.text, index, seg.start, seg.end);
        let pages = doc.pages_of(seg.start, seg.end).map(|(a, b)| [a, b]);
        let section = doc.section_at(seg.start).map(|s| s.title.as_str());
        self.write_located(seg, text, pages, section)
    }

    /// Writes one record with the given passage text.
    pub fn write(&mut self, seg: &CodedSegment, text: &str) -> std::io::Result<()> {
        self.write_located(seg, text, None, None)
    }

    fn write_located(
        &mut self,
        seg: &CodedSegment,
        text: &str,
        pages: Option<[usize; 2]>,
        section: Option<&str>,
    ) -> std::io::Result<()> {
        self.line.clear();
        let (coder, probability, evidence) = match &seg.origin {
            Origin::Auto => (None, None, None),
            Origin::Manual { coder } => (Some(coder.as_str()), None, None),
            Origin::Model {
                probability,
                evidence,
            } => (None, Some(*probability), Some(&**evidence)),
        };
        let origin = seg.origin.as_str();
        let record = RecordOut {
            doc: &seg.doc,
            passage: seg.passage,
            start: seg.start,
            end: seg.end,
            code: &seg.code,
            origin,
            coder,
            probability,
            evidence,
            hits: &seg.hits,
            memo: seg.memo.as_deref(),
            lang: seg.lang,
            role: seg.role,
            pages,
            section,
            text,
        };
        // A record is assembled in memory to reach the writer in one piece, unless its text is
        // long: a passage of hundreds of megabytes would be copied whole for nothing.
        if text.len() > RECORD_IN_MEMORY_UP_TO {
            serde_json::to_writer(&mut self.out, &record)?;
            return self.out.write_all(b"\n");
        }
        serde_json::to_writer(&mut self.line, &record)?;
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// `text[start..end]` in characters, through a [`CharIndex`]; empty if out of range.
pub(crate) fn slice_chars<'a>(
    text: &'a str,
    index: &CharIndex,
    start: usize,
    end: usize,
) -> &'a str {
    index.slice(text, start, end)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordIn {
    doc: Arc<str>,
    passage: usize,
    start: usize,
    end: usize,
    code: Arc<str>,
    origin: String,
    coder: Option<String>,
    #[serde(default)]
    probability: Option<f64>,
    #[serde(default)]
    evidence: Option<Vec<Evidence>>,
    #[serde(default)]
    hits: Vec<Hit>,
    #[serde(default)]
    memo: Option<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    role: Option<Role>,
    /// Where the passage lies in the source (first and last page); informative only.
    #[serde(default, rename = "pages")]
    _pages: Option<[usize; 2]>,
    /// The heading the passage falls under; informative only.
    #[serde(default, rename = "section")]
    _section: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// A record read back from JSON Lines: the segment and the text it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The coded segment.
    pub segment: CodedSegment,
    /// The passage text as recorded, if present.
    pub text: Option<String>,
    /// The line it was read from.
    pub line: usize,
}

/// Reads coded-segment records from JSON Lines; errors name the file and line.
pub fn read_records(input: impl BufRead, path: Option<&Path>) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line.map_err(|e| Error::io(path.unwrap_or(Path::new("<input>")), e))?;
        if line.trim().is_empty() {
            continue;
        }
        let fail = |message: String, column: usize| {
            let mut d = Diagnostic::new(message).with_path(path);
            d.location = Some(crate::error::Location::from_line_column(&line, 1, column));
            if let Some(loc) = &mut d.location {
                loc.line = line_no;
            }
            Error::Coding(Box::new(d))
        };
        let raw: RecordIn = serde_json::from_str(&line).map_err(|e| {
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            fail(
                format!("invalid coded-segment record: {message}"),
                e.column(),
            )
        })?;
        let origin = match (raw.origin.as_str(), raw.coder) {
            ("auto", _) => Origin::Auto,
            ("manual", Some(coder)) => Origin::Manual { coder },
            ("manual", None) => {
                return Err(fail("a manual record needs a \"coder\"".to_string(), 1));
            }
            ("model", _) => match raw.probability {
                Some(p) if (0.0..=1.0).contains(&p) => Origin::Model {
                    probability: Probability::new(p),
                    evidence: raw.evidence.unwrap_or_default().into(),
                },
                _ => {
                    return Err(fail(
                        "a model record needs a \"probability\" between 0 and 1".to_string(),
                        1,
                    ));
                }
            },
            (other, _) => {
                return Err(fail(
                    format!("unknown origin {other:?}: expected \"auto\", \"manual\" or \"model\""),
                    1,
                ));
            }
        };
        if raw.start > raw.end || raw.hits.iter().any(|h| h.start > h.end) {
            return Err(fail("a span ends before it starts".to_string(), 1));
        }
        out.push(Record {
            segment: CodedSegment {
                doc: raw.doc,
                passage: raw.passage,
                start: raw.start,
                end: raw.end,
                code: raw.code,
                origin,
                hits: raw.hits,
                memo: raw.memo,
                lang: crate::lang::from_code(crate::lang::code(raw.lang.as_deref())),
                role: raw.role.unwrap_or_default(),
            },
            text: raw.text,
            line: line_no,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::fixtures::coder;

    #[test]
    fn records_round_trip_and_slice_the_text() {
        let (_, coder) = coder();
        let doc = Document::new(
            "d1",
            "Итак, утечка мозгов и return migration.\n\nNothing here.",
        );
        let coded = coder.code_document(&doc);
        assert_eq!(coded.segments.len(), 2);
        let mut w = RecordWriter::new(Vec::new());
        w.write_document(&doc, &coded.segments).unwrap();
        let bytes = w.into_inner().unwrap();
        let first = String::from_utf8(bytes.clone())
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            first,
            r#"{"doc":"d1","passage":0,"start":0,"end":39,"code":"bd","origin":"auto","hits":[{"start":6,"end":19,"pattern":"утечк* мозг*"}],"lang":"ru","role":"body","text":"Итак, утечка мозгов и return migration."}"#
        );
        let back = read_records(&bytes[..], None).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].segment, coded.segments[0]);
        let chars: Vec<char> = doc.text.chars().collect();
        let hit = &back[1].segment.hits[0];
        assert_eq!(
            chars[hit.start..hit.end].iter().collect::<String>(),
            "return migration"
        );
    }

    #[test]
    fn bad_records_name_the_line() {
        let input = "{\"doc\":\"a\",\"passage\":0,\"start\":0,\"end\":1,\"code\":\"x\",\"origin\":\"auto\"}\n\n{\"doc\":\"a\",\"passage\":0,\"start\":0,\"end\":1,\"code\":\"x\",\"origin\":\"manual\"}\n";
        let err = read_records(input.as_bytes(), Some(Path::new("c.jsonl")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.jsonl:3:") && err.contains("needs a \"coder\""),
            "{err}"
        );
        let err = read_records("{\"doc\":1}".as_bytes(), None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
    }
}
