//! HTML: the visible text of a page, its block elements as paragraphs, its headings as
//! sections.
//!
//! Legal portals publish acts as web pages, saved by researchers as `.html`. Scripts, styles
//! and other invisible content are dropped; `<p>`, `<li>`, headings, table rows and other
//! block elements end a paragraph; entities are decoded; whitespace collapses as a browser
//! collapses it (except in `<pre>`). The encoding comes from the page's `<meta charset>`, else
//! UTF-8, else detection. The `<title>` is the document's title.

use std::path::Path;

use super::loader::{Loaded, Loader, decode_text, normalized};
use super::{Metadata, Section};
use crate::error::Result;

/// Web pages (`.html`, `.htm`, `.xhtml`).
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlLoader;

impl Loader for HtmlLoader {
    fn format(&self) -> &'static str {
        "html"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["html", "htm", "xhtml"]
    }

    fn load(&self, path: &Path, bytes: Vec<u8>) -> Result<Loaded> {
        let (source, encoding) = match declared_charset(&bytes) {
            Some(enc) if enc != encoding_rs::UTF_8 => {
                let (text, _, _) = enc.decode(&bytes);
                (text.into_owned(), Some(enc.name().to_ascii_lowercase()))
            }
            _ => decode_text(path, bytes)?,
        };
        let page = to_text(&source);
        let text = normalized(page.text);
        // Normalisation leaves the block structure alone but may compose characters, so the
        // sections are found again in the stored text.
        let sections = relocate(&text, &page.sections);
        Ok(Loaded {
            text,
            metadata: Metadata {
                title: page.title.unwrap_or_default(),
                encoding,
                ..Metadata::default()
            },
            pages: Vec::new(),
            sections,
        })
    }
}

/// The encoding a page declares in its first 2 KB (`<meta charset=…>` or an http-equiv
/// content type).
fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let at = head.find("charset")?;
    let rest = head[at + 7..].trim_start().strip_prefix('=')?.trim_start();
    let label: String = rest
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// Text and headings extracted from a page.
#[derive(Debug, Default)]
pub(crate) struct Page {
    pub text: String,
    pub title: Option<String>,
    /// Headings, with the byte offset of each in `text`.
    pub sections: Vec<(usize, u8, String)>,
}

const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

const INVISIBLE: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
];

/// Converts HTML source to text.
pub(crate) fn to_text(html: &str) -> Page {
    let mut page = Page::default();
    let mut block = String::new();
    let mut heading: Option<u8> = None;
    let mut pre = 0usize;
    let mut in_title = false;
    let mut title = String::new();
    let lower = html.to_ascii_lowercase();
    let mut i = 0;
    let flush = |block: &mut String, page: &mut Page, heading: Option<u8>| {
        let text = block.trim();
        if !text.is_empty() {
            if !page.text.is_empty() {
                page.text.push_str("\n\n");
            }
            if let Some(level) = heading {
                page.sections
                    .push((page.text.len(), level, text.to_string()));
            }
            page.text.push_str(text);
        }
        block.clear();
    };
    while i < html.len() {
        if html.as_bytes()[i] != b'<' {
            let end = html[i..].find('<').map_or(html.len(), |j| i + j);
            let decoded = decode_entities(&html[i..end]);
            if in_title {
                title.push_str(&decoded);
            } else if pre > 0 {
                block.push_str(&decoded);
            } else {
                push_collapsed(&mut block, &decoded);
            }
            i = end;
            continue;
        }
        // Comments, doctypes, processing instructions, CDATA.
        if lower[i..].starts_with("<!--") {
            i = lower[i..].find("-->").map_or(html.len(), |j| i + j + 3);
            continue;
        }
        if lower[i..].starts_with("<!") || lower[i..].starts_with("<?") {
            i = lower[i..].find('>').map_or(html.len(), |j| i + j + 1);
            continue;
        }
        let Some((name, closing, end)) = tag_at(&lower, i) else {
            // A lone '<' in text.
            push_collapsed(&mut block, "<");
            i += 1;
            continue;
        };
        i = end;
        if !closing && INVISIBLE.contains(&name.as_str()) {
            let close = format!("</{name}");
            i = lower[i..]
                .find(&close)
                .and_then(|j| lower[i + j..].find('>').map(|k| i + j + k + 1))
                .unwrap_or(html.len());
            continue;
        }
        match name.as_str() {
            "title" => in_title = !closing,
            "br" => block.push('\n'),
            "td" | "th" if !closing && !block.trim().is_empty() => block.push('\t'),
            "pre" => {
                pre = if closing {
                    pre.saturating_sub(1)
                } else {
                    pre + 1
                }
            }
            _ => {}
        }
        if BLOCKS.contains(&name.as_str()) {
            flush(&mut block, &mut page, heading);
            heading = match (name.as_bytes(), closing) {
                ([b'h', d @ b'1'..=b'6'], false) => Some(d - b'0'),
                _ => None,
            };
        }
    }
    flush(&mut block, &mut page, heading);
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    page.title = (!title.is_empty()).then_some(title);
    page
}

/// The tag starting at `i` (`<name …>` or `</name>`): its lowercase name, whether it closes,
/// and the byte after its `>`; quotes in attributes are respected.
fn tag_at(lower: &str, i: usize) -> Option<(String, bool, usize)> {
    let bytes = lower.as_bytes();
    let mut j = i + 1;
    let closing = bytes.get(j) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < bytes.len()
        && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-' || bytes[j] == b':')
    {
        j += 1;
    }
    if j == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = lower[name_start..j].to_string();
    let mut quote = None;
    while j < bytes.len() {
        match (bytes[j], quote) {
            (b'"' | b'\'', None) => quote = Some(bytes[j]),
            (q, Some(open)) if q == open => quote = None,
            (b'>', None) => return Some((name, closing, j + 1)),
            _ => {}
        }
        j += 1;
    }
    Some((name, closing, bytes.len()))
}

/// Appends text with runs of whitespace collapsed to one space, as a browser renders it.
fn push_collapsed(block: &mut String, text: &str) {
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            if !block.ends_with([' ', '\n', '\t']) && !block.is_empty() {
                block.push(' ');
            }
        } else {
            block.push(c);
        }
    }
}

/// Decodes HTML character references: numeric ones and the named ones policy texts use.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..].find(';').map(|j| j + 1).filter(|&j| j <= 32);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = if let Some(num) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = name.strip_prefix('#') {
                num.parse().ok().and_then(char::from_u32)
            } else {
                named_entity(name)
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        "shy" => '\u{ad}',
        "ndash" => '–',
        "mdash" => '—',
        "laquo" => '«',
        "raquo" => '»',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "sect" => '§',
        "para" => '¶',
        "deg" => '°',
        "middot" => '·',
        "bull" => '•',
        "numero" => '№',
        "euro" => '€',
        "times" => '×',
        _ => return None,
    })
}

/// Sections with byte offsets into the text before normalisation, found again (by their
/// titles, in order) in the normalised text, with character offsets.
fn relocate(text: &str, sections: &[(usize, u8, String)]) -> Vec<Section> {
    let mut out = Vec::with_capacity(sections.len());
    let mut from = 0;
    for (_, level, title) in sections {
        let title = super::normalize(title.clone());
        if let Some(at) = text[from..].find(&title) {
            let byte = from + at;
            out.push(Section {
                start: text[..byte].chars().count(),
                level: *level,
                title,
            });
            from = byte + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_in_blocks() {
        let page = to_text(
            "<html><head><title>Act  No 1</title><style>p{}</style><script>var x = \"brain drain\";</script></head>\
             <body><nav><ul><li>Home</li><li>Acts</li></ul></nav><h1>On Migration</h1>\
             <p>Brain&nbsp;drain &amp; return,\n   policy.</p><!-- hidden --><p>Second<br>line</p>\
             <table><tr><td>a</td><td>b</td></tr></table></body></html>",
        );
        assert_eq!(page.title.as_deref(), Some("Act No 1"));
        assert_eq!(
            page.text,
            "Home\n\nActs\n\nOn Migration\n\nBrain\u{a0}drain & return, policy.\n\nSecond\nline\n\na\tb"
        );
        assert!(!page.text.contains("var x"));
        assert_eq!(page.sections, [(12, 1, "On Migration".to_string())]);
    }

    #[test]
    fn entities_and_charsets() {
        assert_eq!(
            decode_entities("&#1052;&#x438;&laquo;x&raquo; &bogus; & done"),
            "Ми«x» &bogus; & done"
        );
        assert_eq!(
            declared_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">"
            ),
            Some(encoding_rs::WINDOWS_1251)
        );
        assert_eq!(
            declared_charset(b"<meta charset='utf-8'>"),
            Some(encoding_rs::UTF_8)
        );
    }
}
