//! Counting without building segments, the fastest way to code when only the numbers matter:
//! per-code totals that add up exactly across runs over disjoint documents.

use serde::{Deserialize, Serialize};

use super::Coder;
use crate::corpus::Document;
use crate::matcher::Scratch;
use crate::segment::{Passage, Roles, Unit, matchable_text, segment_into};

/// Per-code counts of passages and hits: the cheap summary of a coding run. Counts from separate
/// runs over disjoint documents add up exactly ([`Counts::merge`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passages coded, per code (codebook order).
    pub passages: Vec<u64>,
    /// Hits, per code.
    pub hits: Vec<u64>,
    /// Passages seen.
    pub passages_total: u64,
    /// Documents seen.
    pub documents: u64,
    /// Bytes of stored text seen.
    pub bytes: u64,
}

impl Counts {
    /// Zero counts for `codes` codes.
    pub fn new(codes: usize) -> Counts {
        Counts {
            passages: vec![0; codes],
            hits: vec![0; codes],
            ..Counts::default()
        }
    }

    /// Adds `other` (a run over other documents) to these counts.
    pub fn merge(&mut self, other: &Counts) {
        if self.passages.len() < other.passages.len() {
            self.passages.resize(other.passages.len(), 0);
            self.hits.resize(other.hits.len(), 0);
        }
        for (a, b) in self.passages.iter_mut().zip(&other.passages) {
            *a += b;
        }
        for (a, b) in self.hits.iter_mut().zip(&other.hits) {
            *a += b;
        }
        self.passages_total += other.passages_total;
        self.documents += other.documents;
        self.bytes += other.bytes;
    }
}

impl Coder {
    /// Counts passages and hits per code in one document, adding to `counts`, without building
    /// segments: the fastest way to code.
    pub fn count_document(&self, doc: &Document, counts: &mut Counts, scratch: &mut CountScratch) {
        if self.model.is_some() {
            // The model needs every passage's features: count from the full coding.
            let coding = self.code_document(doc);
            let mut last = (usize::MAX, usize::MAX);
            for seg in &coding.segments {
                let code = self.code_index(&seg.code);
                if last != (seg.passage, code) {
                    counts.passages[code] += 1;
                    last = (seg.passage, code);
                }
                counts.hits[code] += seg.hits.len() as u64;
            }
            counts.passages_total += coding.passages.len() as u64;
            counts.documents += 1;
            counts.bytes += doc.source_len as u64;
            return;
        }
        let text = doc.text.as_str();
        if self.unit == Unit::Block && self.roles == Roles::ALL {
            // Every block is counted whatever its role: no need to tell the roles.
            crate::segment::blocks_into(text, &mut scratch.passages);
        } else {
            segment_into(text, self.unit, &mut scratch.passages);
        }
        // Codes that need the document: (code, hits, other passages coded so).
        scratch.conditional.clear();
        scratch.coded.clear();
        scratch.coded.resize(self.code_ids.len(), 0);
        let mut last = vec![usize::MAX; self.code_ids.len()];
        for passage in &scratch.passages {
            if !self.roles.contains(passage.role) {
                continue;
            }
            let (coded, conditional) = (&mut scratch.coded, &mut scratch.conditional);
            self.matcher.each_in_document(
                &matchable_text(passage.text(text)),
                None,
                &mut scratch.matcher,
                |code, hits, needs| match needs {
                    None => {
                        for &i in &self.lineage[code] {
                            if last[i] != passage.index {
                                last[i] = passage.index;
                                coded[i] += 1;
                            }
                        }
                        counts.passages[code] += 1;
                        counts.hits[code] += hits.len() as u64;
                    }
                    Some(n) => conditional.push((code, hits.len() as u64, n)),
                },
            );
        }
        for &(code, hits, n) in &scratch.conditional {
            if scratch.coded[code] >= n as u64 {
                counts.passages[code] += 1;
                counts.hits[code] += hits;
            }
        }
        counts.passages_total += scratch.passages.len() as u64;
        counts.documents += 1;
        counts.bytes += doc.source_len as u64;
    }
}

/// Reusable buffers for [`Coder::count_document`]; one per thread.
#[derive(Debug, Default)]
pub struct CountScratch {
    passages: Vec<Passage>,
    matcher: Scratch,
    /// Passages of the document coded with each code or one of its sub-codes.
    coded: Vec<u64>,
    /// Codes that need the document: (code, hits, other passages coded so).
    conditional: Vec<(usize, u64, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::fixtures::coder;

    #[test]
    fn counts_merge_exactly() {
        let (_, coder) = coder();
        let texts = [
            Document::new("a", "brain drain\n\nreturn migration and brain drain"),
            Document::new("b", "утечки мозгов"),
        ];
        let mut whole = Counts::new(2);
        let mut scratch = CountScratch::default();
        for t in &texts {
            coder.count_document(t, &mut whole, &mut scratch);
        }
        let mut a = Counts::new(2);
        let mut b = Counts::new(2);
        coder.count_document(&texts[0], &mut a, &mut scratch);
        coder.count_document(&texts[1], &mut b, &mut scratch);
        a.merge(&b);
        assert_eq!(a, whole);
        assert_eq!(
            (whole.passages[0], whole.hits[0], whole.passages_total),
            (3, 3, 3)
        );
    }
}
