//! The XML underneath: a small indenting writer, and a reader that builds a tree of a whole
//! (size-capped) file while refusing what a REFI-QDA file never needs and an attacker would
//! use: a DOCTYPE (and with it every entity declaration), entities other than the five
//! predefined ones, and nesting deeper than [`MAX_DEPTH`].

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, Location};

/// The deepest element nesting read; real files nest codes a dozen levels at most.
pub(super) const MAX_DEPTH: usize = 256;

/// Writes indented XML, escaping every attribute value and text.
pub(super) struct XmlWriter<'w> {
    out: &'w mut dyn Write,
    depth: usize,
}

impl<'w> XmlWriter<'w> {
    /// Starts a document with its XML declaration.
    pub fn new(out: &'w mut dyn Write) -> io::Result<XmlWriter<'w>> {
        out.write_all(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")?;
        Ok(XmlWriter { out, depth: 0 })
    }

    /// Opens an element whose content follows on the next lines.
    pub fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.tag(name, attributes, ">\n")?;
        self.depth += 1;
        Ok(())
    }

    /// Closes the element [`XmlWriter::open`] opened last.
    pub fn close(&mut self, name: &str) -> io::Result<()> {
        self.depth -= 1;
        self.indent()?;
        writeln!(self.out, "</{name}>")
    }

    /// Writes an element without content.
    pub fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.tag(name, attributes, "/>\n")
    }

    /// Writes an element holding only `text`, kept on one line with no whitespace added, so the
    /// text reads back exactly.
    pub fn text(&mut self, name: &str, text: &str) -> io::Result<()> {
        self.indent()?;
        writeln!(self.out, "<{name}>{}</{name}>", escape(text, false))
    }

    fn tag(&mut self, name: &str, attributes: &[(&str, &str)], end: &str) -> io::Result<()> {
        self.indent()?;
        write!(self.out, "<{name}")?;
        for (key, value) in attributes {
            write!(self.out, " {key}=\"{}\"", escape(value, true))?;
        }
        self.out.write_all(end.as_bytes())
    }

    fn indent(&mut self) -> io::Result<()> {
        for _ in 0..self.depth {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }
}

/// Escapes text for XML content or, with `attribute`, a double-quoted attribute value. Line
/// breaks and tabs in attributes, and carriage returns anywhere, are written as character
/// references, since a reader would otherwise turn them into spaces or drop them. Characters
/// XML 1.0 cannot carry at all (most C0 controls, U+FFFE, U+FFFF) become U+FFFD.
fn escape(text: &str, attribute: bool) -> Cow<'_, str> {
    let needs = |c: char| {
        matches!(c, '&' | '<' | '>' | '\r' | '\u{fffe}' | '\u{ffff}')
            || (c < ' ' && c != '\n' && c != '\t')
            || (attribute && matches!(c, '"' | '\n' | '\t'))
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An element of a parsed file, with what the importer needs: local names, attribute values
/// unescaped, the text directly inside it, and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Element {
    /// The element's name without its namespace prefix.
    pub name: String,
    /// The prefix, if the name had one (`qda` of `qda:Project`).
    pub prefix: Option<String>,
    /// Attributes by qualified name (`guid`, `xmlns`, `xsi:schemaLocation`), in file order.
    pub attributes: Vec<(String, String)>,
    /// Child elements, in file order.
    pub children: Vec<Element>,
    /// The text directly inside the element (character data, references resolved).
    pub text: String,
    /// Byte offset of the element's `<` in the file.
    pub offset: usize,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The namespace the element's name is in, as declared on the element itself (REFI-QDA
    /// files declare it on the root).
    pub fn namespace(&self) -> Option<&str> {
        match &self.prefix {
            Some(prefix) => self.attribute(&format!("xmlns:{prefix}")),
            None => self.attribute("xmlns"),
        }
    }
}

/// The text of an XML file, with what is needed to point at a place in it.
#[derive(Debug)]
pub(super) struct XmlFile {
    /// The file on disk (the archive, for a file inside one).
    pub path: PathBuf,
    /// The file's name inside the archive, if it came from one.
    pub entry: Option<String>,
    /// The XML, as UTF-8 without a byte-order mark.
    pub text: String,
}

impl XmlFile {
    /// An error at byte `offset` of the file, naming the file, line and column.
    pub fn error_at(&self, offset: usize, message: impl std::fmt::Display) -> Error {
        Error::Document {
            path: self.path.clone(),
            message: format!("{}: {message}", self.place(offset)),
        }
    }

    /// Where byte `offset` is, for messages: `project.qde, line 12, column 5` for a file in an
    /// archive, `line 12, column 5` for a file on its own.
    pub fn place(&self, offset: usize) -> String {
        let location = Location::from_span(&self.text, offset..offset);
        let place = format!("line {}, column {}", location.line, location.column);
        match &self.entry {
            Some(entry) => format!("{entry}, {place}"),
            None => place,
        }
    }

    /// Attribute `name` of `element`, which the schema requires; an error naming the element
    /// and where it is if it is missing.
    pub fn required<'e>(&self, element: &'e Element, name: &str) -> Result<&'e str, Error> {
        element.attribute(name).ok_or_else(|| {
            self.error_at(
                element.offset,
                format!("<{}> has no {name} attribute", element.name),
            )
        })
    }

    /// An error about the file as a whole.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        file_error(&self.path, self.entry.as_deref(), message)
    }

    /// Parses the file into its root element.
    pub fn parse(&self) -> Result<Element, Error> {
        parse(&self.text).map_err(|(offset, message)| self.error_at(offset, message))
    }
}

/// An error about file `path`, or about `entry` inside it.
pub(super) fn file_error(
    path: &Path,
    entry: Option<&str>,
    message: impl std::fmt::Display,
) -> Error {
    Error::Document {
        path: path.to_path_buf(),
        message: match entry {
            Some(entry) => format!("{entry}: {message}"),
            None => message.to_string(),
        },
    }
}

/// A problem found while parsing: the byte offset and what is wrong.
type ParseError = (usize, String);

/// Parses `text` into its root element.
fn parse(text: &str) -> Result<Element, ParseError> {
    let mut reader = Reader::from_str(text);
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            (
                reader.error_position() as usize,
                format!("malformed XML: {e}"),
            )
        })?;
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() && open.is_empty() => {
                return Err((offset, "a second root element; an XML file has one".into()));
            }
            Event::Start(tag) => {
                if open.len() >= MAX_DEPTH {
                    return Err((
                        offset,
                        format!("elements nested more than {MAX_DEPTH} deep; refusing the file"),
                    ));
                }
                open.push(element(&tag, offset)?);
            }
            Event::Empty(tag) => {
                let element = element(&tag, offset)?;
                close(element, &mut open, &mut root);
            }
            Event::End(_) => {
                // The reader has checked that the end tag matches the open element.
                let element = open
                    .pop()
                    .ok_or_else(|| (offset, "an end tag without a start tag".to_string()))?;
                close(element, &mut open, &mut root);
            }
            Event::Text(t) => push_text(&mut open, &t.xml10_content(), offset)?,
            Event::CData(t) => push_text(&mut open, &t.xml10_content(), offset)?,
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| {
                                (
                                    offset,
                                    format!(
                                        "reference to the undefined entity &{name};: only &amp; &lt; &gt; &quot; &apos; and character references are allowed"
                                    ),
                                )
                            })?
                            .to_string()
                    }
                    Err(e) => return Err((offset, format!("bad character reference: {e}"))),
                };
                push_text(&mut open, &resolved, offset)?;
            }
            Event::DocType(_) => {
                return Err((
                    offset,
                    "a DOCTYPE declaration: REFI-QDA files have none, and its entities could read local files or expand without bound; refusing the file".into(),
                ));
            }
            Event::Decl(decl) => {
                if let Some(Ok(encoding)) = decl.encoding() {
                    let encoding = encoding.to_ascii_lowercase();
                    if encoding != "utf-8" && encoding != "utf8" {
                        return Err((
                            offset,
                            format!(
                                "the file declares encoding {encoding:?}; REFI-QDA files are UTF-8"
                            ),
                        ));
                    }
                }
            }
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(unclosed) = open.last() {
        return Err((
            unclosed.offset,
            format!(
                "<{}> is never closed: the file ends inside it",
                unclosed.name
            ),
        ));
    }
    root.ok_or_else(|| (0, "no root element".to_string()))
}

/// Builds an element from its start tag.
fn element(tag: &BytesStart<'_>, offset: usize) -> Result<Element, ParseError> {
    let qualified = tag.name().as_ref().to_string();
    let (prefix, name) = match qualified.split_once(':') {
        Some((prefix, name)) => (Some(prefix.to_string()), name.to_string()),
        None => (None, qualified),
    };
    let mut attributes = Vec::new();
    for attribute in tag.attributes() {
        let attribute =
            attribute.map_err(|e| (offset, format!("malformed attribute in <{name}>: {e}")))?;
        let key = attribute.key.as_ref().to_string();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::default())
            .map_err(|e| (offset, format!("attribute {key} of <{name}>: {e}")))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        prefix,
        attributes,
        children: Vec::new(),
        text: String::new(),
        offset,
    })
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(element: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None => *root = Some(element),
    }
}

/// Adds character data to the open element; outside the root only whitespace may appear.
fn push_text(open: &mut [Element], text: &str, offset: usize) -> Result<(), ParseError> {
    match open.last_mut() {
        Some(element) => element.text.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err((offset, "text outside the root element".to_string())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> XmlFile {
        XmlFile {
            path: "p.qdpx".into(),
            entry: Some("project.qde".into()),
            text: text.to_string(),
        }
    }

    #[test]
    fn written_xml_reads_back_exactly() {
        let awkward = "a \"quoted\" <b> & c\r\n\ttab\u{1}\u{c}";
        let mut out = Vec::new();
        let mut xml = XmlWriter::new(&mut out).unwrap();
        xml.open("Root", &[("xmlns", "urn:x"), ("name", awkward)])
            .unwrap();
        xml.text("Description", awkward).unwrap();
        xml.empty("Leaf", &[("guid", "g")]).unwrap();
        xml.close("Root").unwrap();
        let root = parse(std::str::from_utf8(&out).unwrap()).unwrap();
        let expected = "a \"quoted\" <b> & c\r\n\ttab\u{fffd}\u{fffd}";
        assert_eq!(root.attribute("name"), Some(expected));
        assert_eq!(root.child("Description").unwrap().text, expected);
        assert_eq!(root.namespace(), Some("urn:x"));
        assert_eq!(root.children_named("Leaf").count(), 1);
    }

    #[test]
    fn prefixed_names_and_their_namespace_are_read() {
        let root = parse(
            r#"<q:Project xmlns:q="urn:QDA-XML:project:1.0" name="n"><q:Users/></q:Project>"#,
        )
        .unwrap();
        assert_eq!(
            (root.name.as_str(), root.namespace()),
            ("Project", Some("urn:QDA-XML:project:1.0"))
        );
        assert_eq!(root.children[0].name, "Users");
    }

    #[test]
    fn a_doctype_with_entities_is_refused_with_its_position() {
        let xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<Project name=\"&xxe;\"/>";
        let err = file(xml).parse().unwrap_err().to_string();
        assert!(
            err.contains("p.qdpx: project.qde, line 2, column 1: a DOCTYPE declaration"),
            "{err}"
        );
    }

    #[test]
    fn undefined_entities_are_refused_in_text_and_attributes() {
        let err = file("<Project>\n  <Description>&xxe;</Description></Project>")
            .parse()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2, column 16") && err.contains("&xxe;"),
            "{err}"
        );
        let err = file("<Project name=\"&xxe;\"/>")
            .parse()
            .unwrap_err()
            .to_string();
        assert!(err.contains("attribute name of <Project>"), "{err}");
    }

    #[test]
    fn malformed_and_hostile_structure_is_located() {
        let err = file("<A>\n<B></A>").parse().unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("malformed XML"),
            "{err}"
        );
        let err = file("<A><B>").parse().unwrap_err().to_string();
        assert!(err.contains("column 4: <B> is never closed"), "{err}");
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        let err = file(&deep).parse().unwrap_err().to_string();
        assert!(err.contains("nested more than 256 deep"), "{err}");
        let err = file("<A/><B/>").parse().unwrap_err().to_string();
        assert!(err.contains("second root"), "{err}");
        let err = file("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><A/>")
            .parse()
            .unwrap_err()
            .to_string();
        assert!(err.contains("REFI-QDA files are UTF-8"), "{err}");
    }
}
