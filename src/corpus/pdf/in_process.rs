//! Page-text extraction with pdf-extract, in whichever process calls it: the in-process backend,
//! and the isolated extractor's child. Errors are worded for the researcher (password, damage),
//! not passed on as the reader's internals.

use super::{Extracted, check_header};

/// Reads a PDF with pdf-extract in this process; panics become errors.
pub fn extract_catching_panics(
    bytes: &[u8],
    password: Option<&str>,
) -> std::result::Result<Extracted, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        extract_in_process(bytes, password)
    })) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            Err(format!(
                "the PDF reader failed on this file (pdf-extract panicked: {message})"
            ))
        }
    }
}

fn extract_in_process(
    bytes: &[u8],
    password: Option<&str>,
) -> std::result::Result<Extracted, String> {
    check_header(bytes)?;
    let classify = |e: String| {
        let lower = e.to_lowercase();
        if lower.contains("decrypt") || lower.contains("password") || lower.contains("encrypt") {
            "the PDF is password-protected (give its password)".to_string()
        } else if lower.contains("xref")
            || lower.contains("cross reference")
            || lower.contains("trailer")
            || lower.contains("header")
            || lower.contains("parse")
        {
            format!("damaged or incomplete PDF ({e})")
        } else {
            format!("the PDF could not be read: {e}")
        }
    };
    let loaded = match password {
        Some(password) => pdf_extract::Document::load_mem_with_options(
            bytes,
            pdf_extract::LoadOptions::with_password(password),
        ),
        None => pdf_extract::Document::load_mem(bytes),
    };
    let mut doc = loaded.map_err(|e| classify(e.to_string()))?;
    if doc.is_encrypted() {
        doc.decrypt(password.unwrap_or(""))
            .map_err(|e| classify(format!("decryption: {e}")))?;
    }
    let mut extracted = info(&doc);
    // A document without an outline, or with a broken one, simply has no sections.
    if let Ok(toc) = doc.get_toc() {
        extracted.outline = toc
            .toc
            .into_iter()
            .filter(|entry| !entry.title.trim().is_empty() && entry.page > 0)
            .map(|entry| (entry.level.clamp(1, 6) as u8, entry.title, entry.page))
            .collect();
    }
    for (number, _) in doc.get_pages() {
        let mut text = String::new();
        pdf_extract::output_doc_page(
            &doc,
            &mut pdf_extract::PlainTextOutput::new(&mut text),
            number,
        )
        .map_err(|e| format!("page {number} could not be read: {e}"))?;
        extracted.pages.push(text);
    }
    Ok(extracted)
}

/// The Info dictionary's text strings.
fn info(doc: &pdf_extract::Document) -> Extracted {
    let mut out = Extracted::default();
    let dict = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| match o {
            pdf_extract::Object::Reference(id) => doc.get_object(*id).ok(),
            other => Some(other),
        })
        .and_then(|o| o.as_dict().ok());
    let Some(dict) = dict else { return out };
    let get = |key: &[u8]| {
        dict.get(key)
            .ok()
            .and_then(|o| pdf_extract::decode_text_string(o).ok())
            .map(|s| s.trim_matches(char::from(0)).trim().to_string())
            .filter(|s| !s.is_empty())
    };
    out.title = get(b"Title");
    out.author = get(b"Author");
    out.subject = get(b"Subject");
    out.keywords = get(b"Keywords");
    out.created = dict
        .get(b"CreationDate")
        .ok()
        .and_then(|o| o.as_str().ok())
        .map(|s| String::from_utf8_lossy(s).into_owned());
    out
}
