//! Passage embeddings kept beside the search index: "find passages like this" in any language,
//! and searches that mix words and meaning.
//!
//! The store is a file next to the index folder (`.thematic/index.vectors` for the default
//! `.thematic/index`). [`VectorStore::refresh`] brings it up to date with the index it sits
//! beside: passages whose text is already in the store keep their vector, only new text is
//! embedded, passages gone from the index go. It holds the body text only (the passages
//! auto-coding reads): headings, reference entries, bylines and keyword lines would crowd
//! the nearest neighbours of every query with bare mentions. It holds, for each passage, what a result shows
//! and what the filters read (document, number, span, codes, title, year, kind, language, text),
//! so a query reads the store alone.
//!
//! ```no_run
//! use thematic::embed::Embedder;
//! use thematic::index::{Index, Search, VectorStore};
//!
//! let index = Index::open("corpus/.thematic/index")?;
//! let e5 = Embedder::open()?;
//! let (store, _) = VectorStore::refresh(&index, &e5, &|_, _| {})?;
//! let like = e5.query("recalling scientists who work abroad")?;
//! for hit in store.nearest(&like, Some("en"), &Search::new("").lang("kk").limit(5)) {
//!     println!("{:.3} {} ¶{} {}", hit.score, hit.doc, hit.passage, hit.text);
//! }
//! # Ok::<(), thematic::Error>(())
//! ```

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Index, Search, SearchHit, Stored, index_error};
use crate::embed::{Centroids, DIMENSIONS, ENCODER, Embedder, Embedding, dot};
use crate::error::{Error, Result};

/// The first bytes of a store file, with its format's version.
const MAGIC: &[u8; 16] = b"THEMATIC-VEC-01\n";

/// Texts embedded per call to the encoder: large enough to keep every core busy, small enough
/// to report progress.
const BATCH: usize = 32;

/// The reciprocal-rank-fusion constant of Cormack, Clarke and Büttcher (2009): a passage's
/// fused score is the sum over rankings of 1 / (K + its rank).
const FUSION_K: f32 = 60.0;

/// A passage: its document and its number there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassageKey {
    /// The document's id.
    pub doc: String,
    /// The passage's number in it.
    pub passage: usize,
}

impl std::str::FromStr for PassageKey {
    type Err = Error;

    /// Reads `DOC¶N` (as `search` prints passages) or `DOC#N`.
    fn from_str(s: &str) -> Result<PassageKey> {
        let (doc, n) = s
            .rsplit_once('¶')
            .or_else(|| s.rsplit_once('#'))
            .ok_or_else(|| Error::Invalid(format!("{s:?} is not a passage id like DOC¶3")))?;
        let passage = n
            .trim()
            .parse()
            .map_err(|_| Error::Invalid(format!("{s:?}: {n:?} is not a passage number")))?;
        Ok(PassageKey {
            doc: doc.trim().to_string(),
            passage,
        })
    }
}

impl std::fmt::Display for PassageKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}¶{}", self.doc, self.passage)
    }
}

/// What the store keeps of a passage besides its vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    doc: String,
    passage: usize,
    start: usize,
    end: usize,
    codes: Vec<String>,
    title: String,
    year: Option<i64>,
    kind: Option<String>,
    lang: Option<String>,
    text: String,
}

impl Entry {
    fn hit(&self, score: f32) -> SearchHit {
        SearchHit {
            doc: self.doc.clone(),
            passage: self.passage,
            start: self.start,
            end: self.end,
            score,
            codes: self.codes.clone(),
            title: self.title.clone(),
            year: self.year,
            lang: self.lang.clone(),
            text: self.text.clone(),
            highlights: Vec::new(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    encoder: String,
    entries: Vec<Entry>,
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshStats {
    /// Passages embedded now.
    pub embedded: usize,
    /// Passages whose vector was already in the store.
    pub kept: usize,
    /// Passages gone from the index, dropped from the store.
    pub dropped: usize,
}

/// Passage embeddings, with what each passage's result shows; see the [module
/// documentation](self).
pub struct VectorStore {
    entries: Vec<Entry>,
    /// The vectors, [`DIMENSIONS`] numbers each, in the order of `entries`: the encoder's.
    vectors: Vec<f32>,
    /// The same, each less its language's mean ([`Centroids`]): what queries compare.
    centred: Vec<f32>,
    path: PathBuf,
}

impl std::fmt::Debug for VectorStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorStore")
            .field("path", &self.path)
            .field("passages", &self.entries.len())
            .finish()
    }
}

/// The vectors less their language's mean, one after another.
fn centre_all(entries: &[Entry], vectors: &[f32]) -> Vec<f32> {
    let centroids = Centroids::shipped();
    let mut centred = Vec::with_capacity(vectors.len());
    for (entry, v) in entries.iter().zip(vectors.chunks_exact(DIMENSIONS)) {
        match Embedding::new(v.to_vec()) {
            Some(e) => {
                centred.extend_from_slice(centroids.centred(&e, entry.lang.as_deref()).values())
            }
            None => centred.extend_from_slice(v),
        }
    }
    centred
}

impl VectorStore {
    fn new(entries: Vec<Entry>, vectors: Vec<f32>, path: PathBuf) -> VectorStore {
        let centred = centre_all(&entries, &vectors);
        VectorStore {
            entries,
            vectors,
            centred,
            path,
        }
    }

    /// Where the store of the index in `index_dir` is kept: beside it, as `<index>.vectors`.
    pub fn path_beside(index_dir: &Path) -> PathBuf {
        let mut name = index_dir
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_else(|| "index".into());
        name.push(".vectors");
        index_dir.with_file_name(name)
    }

    /// Number of passages in the store.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the store holds no passage.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The file the store is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the store beside `index`'s folder, or an empty one when there is none yet. A
    /// store that cannot be read (cut short, of another format, or of another encoder) is
    /// read as empty: it is a cache of what the encoder computes, and the next
    /// [`refresh`](VectorStore::refresh) rewrites it whole.
    pub fn open(index: &Index) -> VectorStore {
        let path = VectorStore::path_beside(index.path());
        let (entries, vectors) = read_store(&path).unwrap_or_default();
        VectorStore::new(entries, vectors, path)
    }

    /// Brings the store beside `index` up to date with it: embeds the passages whose text it
    /// does not hold yet (calling `progress` with passages done and to do), drops those gone,
    /// and writes it back at once (a run killed midway leaves the old store).
    pub fn refresh(
        index: &Index,
        embedder: &Embedder,
        progress: &dyn Fn(usize, usize),
    ) -> Result<(VectorStore, RefreshStats)> {
        let old = VectorStore::open(index);
        let current = index.passages_for_vectors()?;
        let unchanged = current.len() == old.entries.len()
            && current.iter().zip(&old.entries).all(|(a, b)| a == b);
        if unchanged {
            let kept = old.entries.len();
            return Ok((
                old,
                RefreshStats {
                    kept,
                    ..RefreshStats::default()
                },
            ));
        }
        let known: HashMap<&str, usize> = old
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.text.as_str(), i))
            .collect();
        let to_embed: Vec<usize> = (0..current.len())
            .filter(|&i| !known.contains_key(current[i].text.as_str()))
            .collect();
        let mut fresh: HashMap<usize, Embedding> = HashMap::with_capacity(to_embed.len());
        for (done, batch) in to_embed.chunks(BATCH).enumerate() {
            progress(done * BATCH, to_embed.len());
            let texts: Vec<&str> = batch.iter().map(|&i| current[i].text.as_str()).collect();
            for (&i, e) in batch.iter().zip(embedder.passages(&texts)?) {
                fresh.insert(i, e);
            }
        }
        progress(to_embed.len(), to_embed.len());
        let mut vectors = Vec::with_capacity(current.len() * DIMENSIONS);
        for (i, entry) in current.iter().enumerate() {
            match known.get(entry.text.as_str()) {
                Some(&j) => vectors.extend_from_slice(old.vector(j)),
                None => vectors.extend_from_slice(fresh[&i].values()),
            }
        }
        let current_texts: std::collections::HashSet<&str> =
            current.iter().map(|e| e.text.as_str()).collect();
        let stats = RefreshStats {
            embedded: to_embed.len(),
            kept: current.len() - to_embed.len(),
            dropped: old
                .entries
                .iter()
                .filter(|e| !current_texts.contains(e.text.as_str()))
                .count(),
        };
        let store = VectorStore::new(current, vectors, old.path);
        store.write()?;
        Ok((store, stats))
    }

    /// A store held in memory, of passages from anywhere with their embeddings (a hit's
    /// `score` and `highlights` are not kept). It is not written anywhere unless
    /// [`refresh`](VectorStore::refresh)ed from an index.
    pub fn from_embeddings(
        passages: impl IntoIterator<Item = (SearchHit, Embedding)>,
    ) -> VectorStore {
        let mut entries = Vec::new();
        let mut vectors = Vec::new();
        for (hit, embedding) in passages {
            entries.push(Entry {
                doc: hit.doc,
                passage: hit.passage,
                start: hit.start,
                end: hit.end,
                codes: hit.codes,
                title: hit.title,
                year: hit.year,
                kind: None,
                lang: hit.lang,
                text: hit.text,
            });
            vectors.extend_from_slice(embedding.values());
        }
        VectorStore::new(entries, vectors, PathBuf::new())
    }

    fn vector(&self, i: usize) -> &[f32] {
        &self.vectors[i * DIMENSIONS..(i + 1) * DIMENSIONS]
    }

    /// The embedding of a passage of the store, as the encoder gave it.
    pub fn embedding_of(&self, key: &PassageKey) -> Option<Embedding> {
        Embedding::new(self.vector(self.position(key)?).to_vec())
    }

    fn position(&self, key: &PassageKey) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.doc == key.doc && e.passage == key.passage)
    }

    /// The passages nearest in meaning to `query`, a text in language `lang` (see
    /// [`Embedder::query`]), that pass `search`'s filters (its text is not read): at most
    /// [`Search::max_hits`], nearest first. Passages are compared by the cosine of their
    /// embeddings less their language's mean ([`Centroids`]), so that passages in another
    /// language that say the same thing come as near as those in the query's own; a hit's
    /// score is that cosine.
    pub fn nearest(
        &self,
        query: &Embedding,
        lang: Option<&str>,
        search: &Search,
    ) -> Vec<SearchHit> {
        let centred = Centroids::shipped().centred(query, lang);
        self.hits(self.ranked(centred.values(), search, None, search.max_hits()))
    }

    /// The passages nearest in meaning to the passage `key` of the store, as
    /// [`nearest`](VectorStore::nearest) compares them, the passage itself left out; `None`
    /// when the store has no such passage.
    pub fn nearest_to_passage(&self, key: &PassageKey, search: &Search) -> Option<Vec<SearchHit>> {
        let i = self.position(key)?;
        let query = self.centred[i * DIMENSIONS..(i + 1) * DIMENSIONS].to_vec();
        Some(self.hits(self.ranked(&query, search, Some(key), search.max_hits())))
    }

    fn hits(&self, ranked: Vec<(usize, f32)>) -> Vec<SearchHit> {
        ranked
            .into_iter()
            .map(|(i, score)| self.entries[i].hit(score))
            .collect()
    }

    /// Indices and cosines of the `n` nearest passages that pass the filters.
    fn ranked(
        &self,
        query: &[f32],
        search: &Search,
        except: Option<&PassageKey>,
        n: usize,
    ) -> Vec<(usize, f32)> {
        let mut scored: Vec<(usize, f32)> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                except.is_none_or(|k| !(k.doc == e.doc && k.passage == e.passage))
                    && search.keeps(&e.codes, e.year, e.kind.as_deref(), e.lang.as_deref())
            })
            .map(|(i, _)| {
                (
                    i,
                    dot(query, &self.centred[i * DIMENSIONS..(i + 1) * DIMENSIONS]),
                )
            })
            .collect();
        let by_score = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if scored.len() > n && n > 0 {
            scored.select_nth_unstable_by(n - 1, by_score);
            scored.truncate(n);
        }
        scored.sort_unstable_by(by_score);
        scored.truncate(n);
        scored
    }

    /// A search that mixes words and meaning: the index's BM25 ranking of `search` and the
    /// store's ranking by meaning against `query`, a text in language `lang` (the same filters), fused by reciprocal rank
    /// (each passage scores the sum of 1 / (60 + its rank) over the rankings it is in). Hits
    /// keep the word highlights of the BM25 ranking; their score is the fused score.
    pub fn search_mixed(
        &self,
        index: &Index,
        search: &Search,
        query: &Embedding,
        lang: Option<&str>,
    ) -> Result<Vec<SearchHit>> {
        let query = Centroids::shipped().centred(query, lang);
        let depth = (search.max_hits() * 5).max(50);
        let by_words = if search.text().trim().is_empty() {
            Vec::new()
        } else {
            index.search(&search.clone().limit(depth))?
        };
        let by_meaning = self.ranked(query.values(), search, None, depth);
        let mut fused: HashMap<(String, usize), (f32, SearchHit)> = HashMap::new();
        for (rank, hit) in by_words.into_iter().enumerate() {
            let score = 1.0 / (FUSION_K + rank as f32 + 1.0);
            fused.insert((hit.doc.clone(), hit.passage), (score, hit));
        }
        for (rank, (i, _)) in by_meaning.into_iter().enumerate() {
            let score = 1.0 / (FUSION_K + rank as f32 + 1.0);
            let e = &self.entries[i];
            fused
                .entry((e.doc.clone(), e.passage))
                .and_modify(|(s, _)| *s += score)
                .or_insert_with(|| (score, e.hit(0.0)));
        }
        let mut hits: Vec<SearchHit> = fused
            .into_values()
            .map(|(score, mut hit)| {
                hit.score = score;
                hit
            })
            .collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.doc.cmp(&b.doc))
                .then(a.passage.cmp(&b.passage))
        });
        hits.truncate(search.max_hits());
        Ok(hits)
    }

    fn write(&self) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let header = serde_json::to_vec(&Header {
            encoder: ENCODER.to_string(),
            entries: self.entries.clone(),
        })
        .map_err(|e| index_error(&self.path, e))?;
        let mut file = tempfile::Builder::new()
            .prefix(".thematic-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(io)?;
        {
            let mut w = std::io::BufWriter::new(file.as_file_mut());
            w.write_all(MAGIC).map_err(io)?;
            w.write_all(&(header.len() as u64).to_le_bytes())
                .map_err(io)?;
            w.write_all(&header).map_err(io)?;
            for v in &self.vectors {
                w.write_all(&v.to_le_bytes()).map_err(io)?;
            }
            w.flush().map_err(io)?;
        }
        file.as_file().sync_all().map_err(io)?;
        file.persist(&self.path).map_err(|e| io(e.error))?;
        Ok(())
    }
}

/// The entries and vectors of a store file; `None` when it is missing or unreadable.
fn read_store(path: &Path) -> Option<(Vec<Entry>, Vec<f32>)> {
    let mut file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    let mut magic = [0u8; 16];
    file.read_exact(&mut magic).ok()?;
    if &magic != MAGIC {
        return None;
    }
    let mut len = [0u8; 8];
    file.read_exact(&mut len).ok()?;
    let len = usize::try_from(u64::from_le_bytes(len)).ok()?;
    let mut header = Vec::new();
    file.by_ref()
        .take(len as u64)
        .read_to_end(&mut header)
        .ok()?;
    let header: Header = serde_json::from_slice(&header).ok()?;
    if header.encoder != ENCODER {
        return None;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    if bytes.len() != header.entries.len() * DIMENSIONS * 4 {
        return None;
    }
    let vectors = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Some((header.entries, vectors))
}

impl Index {
    /// Every stored body passage as the vector store keeps it, in document and passage order.
    fn passages_for_vectors(&self) -> Result<Vec<Entry>> {
        let f = &self.fields;
        let searcher = self
            .inner
            .reader()
            .map_err(|e| index_error(&self.path, e))?
            .searcher();
        let addresses = searcher
            .search(
                &tantivy::query::AllQuery,
                &tantivy::collector::DocSetCollector,
            )
            .map_err(|e| index_error(&self.path, e))?;
        let mut entries = Vec::with_capacity(addresses.len());
        for address in addresses {
            let d = Stored(self.fetch(&searcher, address)?);
            if d.text(f.role).as_deref() != Some(crate::segment::Role::Body.as_str()) {
                continue;
            }
            entries.push(Entry {
                doc: d.text(f.doc).unwrap_or_default(),
                passage: d.num(f.passage),
                start: d.num(f.start),
                end: d.num(f.end),
                codes: d.texts(f.code_list),
                title: d.text(f.title).unwrap_or_default(),
                year: d.year(f.year),
                kind: d.text(f.kind),
                lang: d.text(f.lang),
                text: d.text(f.text).unwrap_or_default(),
            });
        }
        entries.sort_by(|a, b| a.doc.cmp(&b.doc).then(a.passage.cmp(&b.passage)));
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passage_ids_read_as_search_prints_them() {
        let k: PassageKey = "ru-012¶3".parse().unwrap();
        assert_eq!(
            k,
            PassageKey {
                doc: "ru-012".into(),
                passage: 3
            }
        );
        assert_eq!(k.to_string(), "ru-012¶3");
        assert_eq!("a#b#7".parse::<PassageKey>().unwrap().doc, "a#b");
        let err = "ru-012".parse::<PassageKey>().unwrap_err().to_string();
        assert!(err.contains("DOC¶3"), "{err}");
        assert!("x¶three".parse::<PassageKey>().is_err());
    }

    #[test]
    fn the_store_sits_beside_its_index() {
        assert_eq!(
            VectorStore::path_beside(Path::new("corpus/.thematic/index")),
            Path::new("corpus/.thematic/index.vectors")
        );
    }

    #[test]
    fn a_store_cut_short_or_of_another_format_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.vectors");
        let entry = Entry {
            doc: "d".into(),
            passage: 0,
            start: 0,
            end: 4,
            codes: vec!["brain_drain".into()],
            title: String::new(),
            year: Some(2024),
            kind: None,
            lang: Some("en".into()),
            text: "text".into(),
        };
        let store = VectorStore::new(
            vec![entry.clone()],
            (0..DIMENSIONS).map(|i| i as f32).collect(),
            path.clone(),
        );
        store.write().unwrap();
        let (entries, vectors) = read_store(&path).unwrap();
        assert_eq!(
            (entries, vectors),
            (store.entries.clone(), store.vectors.clone())
        );
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(read_store(&path).is_none());
        std::fs::write(&path, b"THEMATIC-VEC-99\n").unwrap();
        assert!(read_store(&path).is_none());
    }
}
