//! Which passages carry which code, as bitsets over every passage of the corpus.
//!
//! Co-occurrence, retrieval by combination and windows all reduce to set operations on these:
//! intersections counted with `popcount`, windows as dilations within a document.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codebook::{Codebook, is_within};
use crate::coding::{Coding, Origin};

/// A set of passage numbers (global: every passage of the corpus numbered in order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PassageSet {
    words: Vec<u64>,
    len: usize,
}

impl PassageSet {
    /// An empty set over `len` passages.
    pub fn new(len: usize) -> PassageSet {
        PassageSet {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Number of passages the set ranges over.
    pub fn universe(&self) -> usize {
        self.len
    }

    /// Adds passage `i`.
    pub fn insert(&mut self, i: usize) {
        debug_assert!(i < self.len);
        self.words[i / 64] |= 1 << (i % 64);
    }

    /// Adds passages `range`.
    pub fn insert_range(&mut self, range: std::ops::Range<usize>) {
        for i in range {
            self.insert(i);
        }
    }

    /// Is passage `i` in the set?
    pub fn contains(&self, i: usize) -> bool {
        i < self.len && self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Number of passages in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Number of passages in both sets.
    pub fn count_and(&self, other: &PassageSet) -> usize {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| (a & b).count_ones() as usize)
            .sum()
    }

    /// `self ∩ other`.
    pub fn and(&self, other: &PassageSet) -> PassageSet {
        self.zip(other, |a, b| a & b)
    }

    /// `self ∪ other`.
    pub fn or(&self, other: &PassageSet) -> PassageSet {
        self.zip(other, |a, b| a | b)
    }

    /// `self \ other`.
    pub fn and_not(&self, other: &PassageSet) -> PassageSet {
        self.zip(other, |a, b| a & !b)
    }

    fn zip(&self, other: &PassageSet, f: impl Fn(u64, u64) -> u64) -> PassageSet {
        PassageSet {
            words: self
                .words
                .iter()
                .zip(&other.words)
                .map(|(&a, &b)| f(a, b))
                .collect(),
            len: self.len,
        }
    }

    /// The passages in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(w * 64 + b)
            })
        })
    }
}

/// The coded passages of a coding, per code, over all passages of its documents.
#[derive(Debug, Clone)]
pub struct Incidence {
    /// Codes, codebook order first, then codes found only in the coding.
    pub codes: Vec<Arc<str>>,
    /// Labels, parallel to `codes`.
    pub labels: Vec<String>,
    /// First global passage number of each document (and the total at the end).
    pub doc_starts: Vec<usize>,
    /// Passages coded with each code.
    pub sets: Vec<PassageSet>,
    /// Hits of each code.
    pub hits: Vec<usize>,
    /// The passages that count, when only some do (a language filter); every passage otherwise.
    pub counted: Option<PassageSet>,
    /// Position of each code in `codes`.
    code_index: HashMap<Arc<str>, usize>,
    /// For each code, the codes its segments count for: itself, and its ancestors when rolling
    /// up.
    targets: Vec<Vec<usize>>,
    /// Position of each document in the coding.
    doc_index: HashMap<Arc<str>, usize>,
}

/// Which codings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OriginFilter {
    /// Automatic and manual alike.
    #[default]
    Any,
    /// Automatic codings only.
    Auto,
    /// Manual codings only.
    Manual,
}

impl OriginFilter {
    /// Does a coding of this origin count?
    pub fn admits(self, origin: &Origin) -> bool {
        match self {
            OriginFilter::Any => true,
            OriginFilter::Auto => origin.is_automatic(),
            OriginFilter::Manual => matches!(origin, Origin::Manual { .. }),
        }
    }
}

impl Incidence {
    /// Builds the sets of `coding`. With `roll_up`, a sub-code's passages also count for every
    /// ancestor.
    pub fn new(
        coding: &Coding,
        codebook: &Codebook,
        roll_up: bool,
        origin: OriginFilter,
    ) -> Incidence {
        Incidence::filtered(coding, codebook, roll_up, origin, None)
    }

    /// Like [`Incidence::new`], counting only the passages in language `lang` (`en`, `ru`,
    /// `kk`, `uk`) when given.
    pub fn filtered(
        coding: &Coding,
        codebook: &Codebook,
        roll_up: bool,
        origin: OriginFilter,
        lang: Option<&str>,
    ) -> Incidence {
        let mut codes: Vec<Arc<str>> = codebook.codes().iter().map(|c| c.id.clone()).collect();
        let mut labels: Vec<String> = codebook.codes().iter().map(|c| c.label.clone()).collect();
        let mut index: HashMap<Arc<str>, usize> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.clone(), i))
            .collect();
        for seg in &coding.segments {
            if !index.contains_key(&seg.code) {
                index.insert(seg.code.clone(), codes.len());
                labels.push(seg.code.to_string());
                codes.push(seg.code.clone());
            }
        }
        let mut doc_starts = Vec::with_capacity(coding.documents.len() + 1);
        let mut total = 0;
        let mut doc_index: HashMap<Arc<str>, usize> = HashMap::new();
        for (i, d) in coding.documents.iter().enumerate() {
            doc_starts.push(total);
            doc_index.insert(d.id.clone(), i);
            total += d.passages;
        }
        doc_starts.push(total);
        let mut sets = vec![PassageSet::new(total); codes.len()];
        let mut hits = vec![0; codes.len()];
        // The codes each code counts for: itself, and its ancestors when rolling up.
        let targets: Vec<Vec<usize>> = codes
            .iter()
            .map(|c| {
                if roll_up {
                    (0..codes.len())
                        .filter(|&a| is_within(c, &codes[a]))
                        .collect()
                } else {
                    vec![index[c]]
                }
            })
            .collect();
        let counted = lang.map(|lang| {
            let wanted = crate::lang::code(Some(lang));
            let mut mask = PassageSet::new(total);
            for (d, doc) in coding.documents.iter().enumerate() {
                for (p, &l) in doc.langs.iter().enumerate().take(doc.passages) {
                    if l == wanted {
                        mask.insert(doc_starts[d] + p);
                    }
                }
            }
            mask
        });
        for seg in &coding.segments {
            if !origin.admits(&seg.origin) {
                continue;
            }
            let Some(&d) = doc_index.get(&*seg.doc) else {
                continue;
            };
            let global = doc_starts[d] + seg.passage;
            if global >= doc_starts[d + 1] || counted.as_ref().is_some_and(|m| !m.contains(global))
            {
                continue;
            }
            for &t in &targets[index[&seg.code]] {
                sets[t].insert(global);
                hits[t] += seg.hits.len();
            }
        }
        Incidence {
            codes,
            labels,
            doc_starts,
            sets,
            hits,
            counted,
            code_index: index,
            targets,
            doc_index,
        }
    }

    /// The codes (positions in [`Incidence::codes`]) a segment of `code` counts for: the code
    /// itself, and its ancestors when the incidence rolls up; none for a code it does not know.
    pub fn counted_for(&self, code: &str) -> &[usize] {
        self.code_index
            .get(code)
            .map_or(&[][..], |&c| self.targets[c].as_slice())
    }

    /// The position of document `id` in the coding.
    pub fn document_index(&self, id: &str) -> Option<usize> {
        self.doc_index.get(id).copied()
    }

    /// Passages that count: all of them, or those in the filtered language.
    pub fn counted_passages(&self) -> usize {
        self.counted
            .as_ref()
            .map_or(self.passages(), PassageSet::count)
    }

    /// Passages of document `d` that count.
    pub fn counted_in(&self, d: usize) -> usize {
        let range = self.doc_starts[d]..self.doc_starts[d + 1];
        match &self.counted {
            Some(mask) => range.filter(|&p| mask.contains(p)).count(),
            None => range.len(),
        }
    }

    /// Total passages.
    pub fn passages(&self) -> usize {
        *self.doc_starts.last().unwrap_or(&0)
    }

    /// Number of documents.
    pub fn documents(&self) -> usize {
        self.doc_starts.len().saturating_sub(1)
    }

    /// The document a global passage number belongs to, and its number there.
    pub fn locate(&self, global: usize) -> (usize, usize) {
        let d = self.doc_starts.partition_point(|&s| s <= global) - 1;
        (d, global - self.doc_starts[d])
    }

    /// The position of code `id`.
    pub fn code_index(&self, id: &str) -> Option<usize> {
        self.codes.iter().position(|c| &**c == id)
    }

    /// The documents containing a passage of `set`, as a set over documents.
    pub fn documents_of(&self, set: &PassageSet) -> PassageSet {
        let mut docs = PassageSet::new(self.documents());
        for p in set.iter() {
            docs.insert(self.locate(p).0);
        }
        docs
    }

    /// Every passage within `n` passages of one in `set`, without crossing a document's
    /// boundary.
    pub fn widen(&self, set: &PassageSet, n: usize) -> PassageSet {
        if n == 0 {
            return set.clone();
        }
        let mut out = PassageSet::new(set.universe());
        for p in set.iter() {
            let (d, _) = self.locate(p);
            let lo = p.saturating_sub(n).max(self.doc_starts[d]);
            let hi = (p + n + 1).min(self.doc_starts[d + 1]);
            out.insert_range(lo..hi);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_and_iteration() {
        let mut a = PassageSet::new(130);
        let mut b = PassageSet::new(130);
        for i in [0, 5, 64, 129] {
            a.insert(i);
        }
        for i in [5, 64, 100] {
            b.insert(i);
        }
        assert_eq!(a.count(), 4);
        assert_eq!(a.count_and(&b), 2);
        assert_eq!(a.and_not(&b).iter().collect::<Vec<_>>(), [0, 129]);
        assert_eq!(a.or(&b).count(), 5);
        assert!(a.contains(129) && !a.contains(128) && !a.contains(500));
    }
}
