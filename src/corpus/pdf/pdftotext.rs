//! The pdftotext backend: poppler's `pdftotext` for the pages and `pdfinfo` for the document
//! information, for the files pdf-extract cannot read.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::process::run_limited;
use super::{Extracted, PdfLoader};

impl PdfLoader {
    pub(super) fn extract_pdftotext(
        &self,
        program: &Path,
        path: &Path,
    ) -> std::result::Result<Extracted, String> {
        let mut command = Command::new(program);
        command.args(["-enc", "UTF-8"]);
        if let Some(password) = &self.password {
            command.arg("-upw").arg(password);
        }
        command.arg(path).arg("-");
        let ran = run_limited(command, self.timeout)
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if ran.timed_out {
            return Err(format!(
                "PDF too large or too complex to extract (no result within {} s)",
                self.timeout.as_secs()
            ));
        }
        let stderr = String::from_utf8_lossy(&ran.stderr);
        if !ran.status.success() {
            return Err(if stderr.contains("Incorrect password") {
                "the PDF is password-protected (give its password)".to_string()
            } else if stderr.contains("xref")
                || stderr.contains("May not be a PDF")
                || stderr.contains("Couldn't")
            {
                format!(
                    "damaged or incomplete PDF ({})",
                    stderr.lines().next().unwrap_or("").trim()
                )
            } else {
                format!("pdftotext failed ({}): {}", ran.status, stderr.trim())
            });
        }
        let text = String::from_utf8_lossy(&ran.stdout);
        let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
        // pdftotext ends every page with a form feed, the last one too.
        if pages.len() > 1 && pages.last().is_some_and(|p| p.trim().is_empty()) {
            pages.pop();
        }
        let mut extracted = Extracted {
            pages,
            ..Extracted::default()
        };
        let pdfinfo = program.with_file_name("pdfinfo");
        let mut info = Command::new(if pdfinfo.is_file() {
            pdfinfo
        } else {
            PathBuf::from("pdfinfo")
        });
        info.args(["-enc", "UTF-8"]).arg(path);
        if let Ok(ran) = run_limited(info, self.timeout)
            && ran.status.success()
        {
            for line in String::from_utf8_lossy(&ran.stdout).lines() {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                let value = Some(value.trim().to_string()).filter(|v| !v.is_empty());
                match key {
                    "Title" => extracted.title = value,
                    "Author" => extracted.author = value,
                    "Subject" => extracted.subject = value,
                    "Keywords" => extracted.keywords = value,
                    "CreationDate" => extracted.created = value,
                    _ => {}
                }
            }
        }
        Ok(extracted)
    }
}
