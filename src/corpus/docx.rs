//! DOCX (Office Open XML word processing) documents: the paragraphs of the body in order,
//! headings as sections, footnotes and endnotes after the body, and the core properties
//! (title, author, date, language) as metadata.
//!
//! A `.docx` is a zip archive of XML parts. The parts read are bounded in size, so a crafted
//! archive that inflates to gigabytes is refused rather than read; the XML reader never
//! expands entities beyond the five predefined ones and character references, so an entity
//! bomb or an external entity has no effect.

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::loader::{Loaded, Loader};
use super::{Metadata, Section, normalize};
use crate::error::{Error, Result};

/// The largest XML part read from an archive: 64 MB, a hundred times a long report.
const MAX_PART_SIZE: u64 = 64 << 20;

/// Word documents (`.docx`, and macro-enabled `.docm`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DocxLoader;

impl Loader for DocxLoader {
    fn format(&self) -> &'static str {
        "docx"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["docx", "docm"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let fail = |message: String| Error::Document {
            path: path.to_path_buf(),
            message,
        };
        if bytes.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
            return Err(fail(
                "not a valid DOCX: this is an OLE compound file, either a password-protected document or a legacy .doc; remove the password or save it as .docx".into(),
            ));
        }
        if !bytes.starts_with(b"PK") {
            return Err(fail("not a valid DOCX (not a zip archive)".into()));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| fail(format!("not a valid DOCX (damaged zip archive: {e})")))?;
        let document = read_part(&mut zip, "word/document.xml", path)?
            .ok_or_else(|| fail("not a valid DOCX (it has no word/document.xml)".into()))?;
        let styles = match read_part(&mut zip, "word/styles.xml", path)? {
            Some(xml) => heading_styles(&xml).map_err(|m| fail(format!("word/styles.xml: {m}")))?,
            None => HashMap::new(),
        };
        let mut found = paragraphs(&document, &styles, "body")
            .map_err(|m| fail(format!("word/document.xml: {m}")))?;
        for (part, element) in [
            ("word/footnotes.xml", "footnote"),
            ("word/endnotes.xml", "endnote"),
        ] {
            if let Some(xml) = read_part(&mut zip, part, path)? {
                let notes =
                    paragraphs(&xml, &styles, element).map_err(|m| fail(format!("{part}: {m}")))?;
                found.extend(notes);
            }
        }
        let metadata = match read_part(&mut zip, "docProps/core.xml", path)? {
            Some(xml) => {
                core_properties(&xml).map_err(|m| fail(format!("docProps/core.xml: {m}")))?
            }
            None => Metadata::default(),
        };
        let (text, sections) = assemble(found);
        Ok(Loaded {
            text,
            metadata,
            pages: Vec::new(),
            sections,
        })
    }
}

/// The text of a part, `None` if the archive lacks it; refuses parts above [`MAX_PART_SIZE`].
fn read_part(
    zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>,
    name: &str,
    path: &Path,
) -> Result<Option<String>> {
    let fail = |message: String| Error::Document {
        path: path.to_path_buf(),
        message,
    };
    let file = match zip.by_name(name) {
        Ok(file) => file,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(fail(format!("not a valid DOCX ({name}: {e})"))),
    };
    // The declared size may lie; reading is capped whatever it says.
    let mut bytes = Vec::new();
    file.take(MAX_PART_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(format!("not a valid DOCX ({name}: {e})")))?;
    if bytes.len() as u64 > MAX_PART_SIZE {
        return Err(fail(format!(
            "{name} inflates to more than {} MB; refusing it as a likely zip bomb",
            MAX_PART_SIZE >> 20
        )));
    }
    String::from_utf8(bytes).map(Some).map_err(|e| {
        fail(format!(
            "{name} is not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The value of attribute `key` (such as `w:val`) of an element.
fn attribute(e: &BytesStart<'_>, key: &str) -> Option<String> {
    let attr = e.try_get_attribute(key).ok().flatten()?;
    attr.normalized_value(quick_xml::XmlVersion::default())
        .ok()
        .map(|v| v.into_owned())
}

/// Heading level of each paragraph style that is a heading: by outline level, or by the
/// built-in names `heading N` and `Title`, which Word keeps in English whatever the UI
/// language (only the style ids are translated).
fn heading_styles(xml: &str) -> std::result::Result<HashMap<String, u8>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = HashMap::new();
    let mut current: Option<(String, Option<u8>)> = None;
    loop {
        match reader.read_event().map_err(|e| xml_error(&reader, e))? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "style" => {
                    current = attribute(&e, "w:styleId").map(|id| (id, None));
                }
                "name" => {
                    if let (Some((_, level)), Some(name)) = (&mut current, attribute(&e, "w:val")) {
                        let name = name.to_lowercase();
                        if name == "title" {
                            *level = Some(1);
                        } else if let Some(n) = name
                            .strip_prefix("heading ")
                            .and_then(|n| n.trim().parse::<u8>().ok())
                        {
                            *level = Some(n.clamp(1, 6));
                        }
                    }
                }
                "outlineLvl" => {
                    if let (Some((_, level)), Some(n)) = (
                        &mut current,
                        attribute(&e, "w:val").and_then(|v| v.parse::<u8>().ok()),
                    ) {
                        // Level 9 means "body text".
                        if n < 9 {
                            *level = Some((n + 1).min(6));
                        }
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "style" => {
                if let Some((id, Some(level))) = current.take() {
                    out.insert(id, level);
                }
            }
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// One paragraph's text and, if it is a heading, its level.
type Paragraph = (String, Option<u8>);

/// The paragraphs inside every `container` element (`body`, `footnote`, `endnote`), in order.
/// Text in runs (`w:t`), tabs and breaks count; deleted text (`w:delText`), field codes
/// (`w:instrText`) and separator notes do not.
fn paragraphs(
    xml: &str,
    styles: &HashMap<String, u8>,
    container: &str,
) -> std::result::Result<Vec<Paragraph>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = Vec::new();
    let mut inside = 0usize;
    let mut in_text = false;
    let mut paragraph: Option<Paragraph> = None;
    loop {
        match reader.read_event().map_err(|e| xml_error(&reader, e))? {
            Event::Start(e) => match e.local_name().as_ref() {
                name if name == container => {
                    let separator = attribute(&e, "w:type")
                        .is_some_and(|t| t.contains("eparator") || t == "continuationNotice");
                    if !separator {
                        inside += 1;
                    }
                }
                "p" if inside > 0 => paragraph = Some((String::new(), None)),
                "t" => in_text = paragraph.is_some(),
                _ => {}
            },
            Event::Empty(e) => {
                if let Some((text, level)) = &mut paragraph {
                    match e.local_name().as_ref() {
                        "pStyle" => {
                            *level = attribute(&e, "w:val").and_then(|id| styles.get(&id).copied())
                        }
                        "tab" | "ptab" => text.push('\t'),
                        "br" | "cr" => text.push('\n'),
                        "noBreakHyphen" => text.push('\u{2011}'),
                        "softHyphen" => {}
                        _ => {}
                    }
                }
            }
            Event::Text(t) if in_text => {
                if let Some((text, _)) = &mut paragraph {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_text => {
                if let Some((text, _)) = &mut paragraph {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => text.push(c),
                        _ => {
                            let name = r.xml10_content();
                            if let Some(c) = quick_xml::escape::resolve_predefined_entity(&name) {
                                text.push_str(c);
                            }
                        }
                    }
                }
            }
            Event::CData(c) if in_text => {
                if let Some((text, _)) = &mut paragraph {
                    text.push_str(&c.xml10_content());
                }
            }
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    if let Some(p) = paragraph.take() {
                        out.push(p);
                    }
                }
                name if name == container => inside = inside.saturating_sub(1),
                _ => {}
            },
            Event::Eof => return Ok(out),
            _ => {}
        }
    }
}

/// The title, author, year, language and subject/keywords of `docProps/core.xml`.
fn core_properties(xml: &str) -> std::result::Result<Metadata, String> {
    let mut reader = Reader::from_str(xml);
    let mut metadata = Metadata::default();
    let mut element = String::new();
    let mut value = String::new();
    loop {
        match reader.read_event().map_err(|e| xml_error(&reader, e))? {
            Event::Start(e) => {
                element = e.local_name().as_ref().to_string();
                value.clear();
            }
            Event::Text(t) => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    value.push(c);
                } else if let Some(s) =
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                {
                    value.push_str(s);
                }
            }
            Event::End(_) => {
                let v = value.trim().to_string();
                if !v.is_empty() {
                    match element.as_str() {
                        "title" => metadata.title = v,
                        "creator" => {
                            metadata.authors = v
                                .split(';')
                                .map(|a| a.trim().to_string())
                                .filter(|a| !a.is_empty())
                                .collect();
                        }
                        "created" => metadata.year = v.get(..4).and_then(|y| y.parse().ok()),
                        "language" => {
                            let code = v.split(['-', '_']).next().unwrap_or("").to_lowercase();
                            if !code.is_empty() {
                                metadata.languages = vec![code];
                            }
                        }
                        "subject" | "keywords" | "description"
                            if v != "generated by python-docx" =>
                        {
                            metadata.fields.insert(element.clone(), v);
                        }
                        _ => {}
                    }
                }
                element.clear();
                value.clear();
            }
            Event::Eof => return Ok(metadata),
            _ => {}
        }
    }
}

/// The stored text: non-blank paragraphs, normalised, separated by blank lines; headings as
/// sections at their character offsets.
fn assemble(paragraphs: Vec<Paragraph>) -> (String, Vec<Section>) {
    let mut text = String::new();
    let mut chars = 0;
    let mut sections = Vec::new();
    for (raw, level) in paragraphs {
        let paragraph = normalize(raw);
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\n\n");
            chars += 2;
        }
        if let Some(level) = level {
            sections.push(Section {
                start: chars,
                level,
                title: paragraph.replace('\n', " "),
            });
        }
        text.push_str(paragraph);
        chars += paragraph.chars().count();
    }
    if !text.is_empty() {
        text.push('\n');
    }
    (text, sections)
}

fn xml_error(reader: &Reader<&[u8]>, e: quick_xml::Error) -> String {
    format!("malformed XML at byte {}: {e}", reader.error_position())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(xml: &str) -> String {
        format!(
            r#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{xml}</w:body></w:document>"#
        )
    }

    #[test]
    fn runs_tabs_breaks_and_entities_make_paragraph_text() {
        let xml = body(
            r#"<w:p><w:r><w:t>Brain </w:t></w:r><w:r><w:t xml:space="preserve">drain &amp; gain</w:t><w:tab/><w:t>&#1059;</w:t></w:r></w:p>
               <w:p><w:r><w:delText>deleted</w:delText><w:instrText>PAGE</w:instrText><w:t>kept</w:t><w:br/><w:t>line</w:t></w:r></w:p>"#,
        );
        let ps = paragraphs(&xml, &HashMap::new(), "body").unwrap();
        assert_eq!(
            ps,
            [
                ("Brain drain & gain\tУ".to_string(), None),
                ("kept\nline".to_string(), None)
            ]
        );
    }

    #[test]
    fn heading_styles_are_found_by_name_and_outline_level() {
        let styles = r#"<w:styles xmlns:w="w"><w:style w:styleId="berschrift1"><w:name w:val="heading 1"/></w:style>
            <w:style w:styleId="Custom"><w:name w:val="Section"/><w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>
            <w:style w:styleId="Normal"><w:name w:val="Normal"/></w:style></w:styles>"#;
        let map = heading_styles(styles).unwrap();
        assert_eq!(
            (map.get("berschrift1"), map.get("Custom"), map.get("Normal")),
            (Some(&1), Some(&2), None)
        );
        let xml = body(
            r#"<w:p><w:pPr><w:pStyle w:val="Custom"/></w:pPr><w:r><w:t>2 Methods</w:t></w:r></w:p><w:p><w:r><w:t>Body.</w:t></w:r></w:p>"#,
        );
        let (text, sections) = assemble(paragraphs(&xml, &map, "body").unwrap());
        assert_eq!(text, "2 Methods\n\nBody.\n");
        assert_eq!(
            sections,
            [Section {
                start: 0,
                level: 2,
                title: "2 Methods".into()
            }]
        );
    }

    #[test]
    fn separator_notes_are_skipped() {
        let xml = r#"<w:footnotes xmlns:w="w"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>
            <w:footnote w:id="1"><w:p><w:r><w:t>Source: Bureau of National Statistics.</w:t></w:r></w:p></w:footnote></w:footnotes>"#;
        let notes = paragraphs(xml, &HashMap::new(), "footnote").unwrap();
        assert_eq!(
            notes,
            [("Source: Bureau of National Statistics.".to_string(), None)]
        );
    }

    #[test]
    fn malformed_xml_names_the_byte() {
        let err = paragraphs(
            &body("<w:p><w:r><w:t>x</w:r></w:p>"),
            &HashMap::new(),
            "body",
        )
        .unwrap_err();
        assert!(err.contains("malformed XML at byte"), "{err}");
    }

    #[test]
    fn non_zip_and_ole_files_are_refused_with_the_reason() {
        let err = DocxLoader
            .load(Path::new("n.docx"), b"plain text".to_vec())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("n.docx") && err.contains("not a zip archive"),
            "{err}"
        );
        let err = DocxLoader
            .load(Path::new("p.docx"), vec![0xd0, 0xcf, 0x11, 0xe0, 0, 0])
            .unwrap_err()
            .to_string();
        assert!(err.contains("password-protected"), "{err}");
    }
}
