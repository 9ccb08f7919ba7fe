//! A persistent full-text index of passages, built on tantivy.
//!
//! One tantivy document per passage: its document id, number and character span, its text
//! (tokenised by our [`WordTokenizer`]: Unicode words with inner apostrophes, NFKC, lowercase),
//! the same text stemmed in a field of its own language (English, Russian, Ukrainian — a Russian
//! query finds inflected forms; Kazakh is not stemmed), its codes as hierarchical facets
//! (`/brain_drain/push_factors`), and the document's metadata (year as a fast numeric field,
//! kind, title, and the passage's language).
//!
//! [`Index::update`] indexes only what changed: files are compared by size and modification
//! time, then by content hash; deleted files leave the index; a new codebook re-reads and re-codes every document (a
//! passage's codes can depend on its role and on the rest of its document). Everything is
//! committed at once at the end, so a run that is killed leaves the previous index as it was.
//!
//! One run updates an index at a time: an index opened to be updated ([`Index::open_or_create`],
//! [`Index::create`]) holds its folder exclusively until it is dropped, one opened to be read
//! ([`Index::open`]) shares it with other readers, and a run that finds the folder taken gets
//! [`Error::IndexBusy`] rather than a half-written index.
//!
//! ```
//! use thematic::index::{Index, Search};
//! use thematic::{Codebook, CorpusReader, Unit};
//! # fn main() -> thematic::Result<()> {
//! let dir = tempfile::tempdir().unwrap();
//! let mut index = Index::open_or_create(dir.path())?;
//! let codebook = Codebook::from_path("codebooks/migration.toml")?;
//! let stats = index.update(&CorpusReader::open("corpus")?, &codebook, Unit::Paragraph, &|_, _| {})?;
//! assert_eq!(stats.added, 32);
//! let hits = index.search(&Search::new("\"brain drain\" AND return").code("return_policy").limit(3))?;
//! assert!(!hits.is_empty());
//! for hit in &hits {
//!     println!("{} ¶{} {:.2}: {}", hit.doc, hit.passage, hit.score, hit.highlighted("[", "]"));
//! }
//! # Ok(()) }
//! ```

pub mod kwic;
mod lock;
mod search;
pub mod tokenizer;
#[cfg(feature = "embeddings")]
pub mod vectors;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{TantivyDocument, Term};

pub use search::{Search, SearchHit};
pub use tokenizer::WordTokenizer;
#[cfg(feature = "embeddings")]
pub use vectors::{PassageKey, RefreshStats, VectorStore};

use crate::codebook::Codebook;
use crate::coding::Coder;
use crate::corpus::{CorpusReader, Document, Skipped};
use crate::error::{Error, Result};
use crate::fingerprint::fnv64;
use crate::segment::{Passage, Unit};
use crate::stem::{STEMMED_LANGUAGES, Stemmer};

/// Bumped whenever the schema or what is stored changes: an index of another version is rebuilt.
const SCHEMA_VERSION: u32 = 3;

/// The folder of a corpus's index, by default.
pub fn default_path(corpus: &Path) -> PathBuf {
    corpus.join(".thematic").join("index")
}

/// The fields of the schema, built once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub doc: Field,
    pub passage: Field,
    pub start: Field,
    pub end: Field,
    pub text: Field,
    /// Stemmed text, one field per language with a stemmer (`STEMMED_LANGUAGES` order).
    pub stemmed: [Field; 3],
    pub codes: Field,
    pub code_list: Field,
    pub year: Field,
    pub kind: Field,
    pub lang: Field,
    pub title: Field,
    /// The passage's role (body, heading, reference, …).
    pub role: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text_with = |tokenizer: &str, stored: bool| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let options = TextOptions::default().set_indexing_options(indexing);
            if stored {
                options.set_stored()
            } else {
                options
            }
        };
        let doc = b.add_text_field("doc", STRING | STORED | FAST);
        let passage = b.add_u64_field("passage", STORED | FAST);
        let start = b.add_u64_field("start", STORED);
        let end = b.add_u64_field("end", STORED);
        let text = b.add_text_field("text", text_with("thematic", true));
        let stemmed = STEMMED_LANGUAGES.map(|l| {
            b.add_text_field(
                &format!("text_{l}"),
                text_with(&format!("thematic_{l}"), false),
            )
        });
        let codes = b.add_facet_field("codes", FacetOptions::default());
        let code_list = b.add_text_field("code_list", STORED);
        let year = b.add_i64_field("year", INDEXED | STORED | FAST);
        let kind = b.add_text_field("kind", STRING | STORED);
        let lang = b.add_text_field("lang", STRING | STORED);
        // The title is the document's, repeated on every passage: stored, not searched.
        let title = b.add_text_field("title", STORED);
        let role = b.add_text_field("role", STRING | STORED);
        (
            b.build(),
            Fields {
                doc,
                passage,
                start,
                end,
                text,
                stemmed,
                codes,
                code_list,
                year,
                kind,
                lang,
                title,
                role,
            },
        )
    }
}

/// What the index knows of each document, kept in the commit's payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    version: u32,
    unit: String,
    codebook: String,
    documents: BTreeMap<String, DocState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct DocState {
    file: String,
    size: u64,
    modified: u128,
    hash: String,
}

/// What an update did.
#[derive(Debug, Default)]
pub struct UpdateStats {
    /// Documents indexed for the first time.
    pub added: usize,
    /// Documents whose file changed, indexed again.
    pub updated: usize,
    /// Documents read and coded again because the codebook changed (the file did not).
    pub recoded: usize,
    /// Documents left as they were.
    pub unchanged: usize,
    /// Documents whose file is gone, removed from the index.
    pub removed: usize,
    /// Passages written.
    pub passages: usize,
    /// Bytes of text read from files.
    pub bytes_read: u64,
    /// Documents that could not be read (they keep no entry in the index).
    pub skipped: Vec<Skipped>,
}

/// A passage index on disk.
pub struct Index {
    inner: tantivy::Index,
    fields: Fields,
    path: PathBuf,
    /// Held for as long as the index is open; see the [module documentation](self).
    lock: lock::IndexLock,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("path", &self.path).finish()
    }
}

fn index_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Corpus {
        path: path.to_path_buf(),
        message: format!("search index: {e}"),
    }
}

impl Index {
    /// Opens the index in `dir` to update it, creating it (and the folder) when there is none.
    /// An index of an older schema is replaced by a new, empty one.
    ///
    /// The index holds the folder exclusively until dropped: while another run updates it (or,
    /// for more than a few seconds, reads it) this fails with [`Error::IndexBusy`].
    pub fn open_or_create(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        // Taken before any file of the folder is looked at, let alone removed.
        let lock = lock::IndexLock::exclusive(dir)?;
        if dir.join("meta.json").is_file() {
            let index = Index::open_locked(dir, lock)?;
            if index.state()?.version == SCHEMA_VERSION {
                return Ok(index);
            }
            let Index { inner, lock, .. } = index;
            drop(inner);
            clear_folder(dir)?;
            return Index::create_locked(dir, lock);
        }
        Index::create_locked(dir, lock)
    }

    /// Creates a new, empty index in `dir`, held as [`Index::open_or_create`] holds it.
    pub fn create(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock = lock::IndexLock::exclusive(dir)?;
        Index::create_locked(dir, lock)
    }

    fn create_locked(dir: &Path, lock: lock::IndexLock) -> Result<Index> {
        let (schema, fields) = Fields::schema();
        let inner = tantivy::Index::create_in_dir(dir, schema).map_err(|e| index_error(dir, e))?;
        let index = Index {
            inner,
            fields,
            path: dir.to_path_buf(),
            lock,
        };
        index.register_tokenizers();
        Ok(index)
    }

    /// Opens an existing index to read it. Other readers may hold it too; while a run updates
    /// it, this fails with [`Error::IndexBusy`]. [`Index::update`] on it waits for the other
    /// readers as [`Index::open_or_create`] does.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            // Let tantivy say what is missing, without making a lock file (or a folder) there.
            return Err(match tantivy::Index::open_in_dir(dir) {
                Err(e) => index_error(dir, e),
                Ok(_) => index_error(dir, "not a folder"),
            });
        }
        let lock = lock::IndexLock::shared(dir)?;
        Index::open_locked(dir, lock)
    }

    fn open_locked(dir: &Path, lock: lock::IndexLock) -> Result<Index> {
        let inner = tantivy::Index::open_in_dir(dir).map_err(|e| index_error(dir, e))?;
        let (_, fields) = Fields::schema();
        let index = Index {
            inner,
            fields,
            path: dir.to_path_buf(),
            lock,
        };
        index.register_tokenizers();
        Ok(index)
    }

    fn register_tokenizers(&self) {
        let tokenizers = self.inner.tokenizers();
        tokenizers.register("thematic", TextAnalyzer::from(WordTokenizer::plain()));
        for lang in STEMMED_LANGUAGES {
            let stemmer = Stemmer::for_lang(lang).expect("a stemmed language");
            tokenizers.register(
                &format!("thematic_{lang}"),
                TextAnalyzer::from(WordTokenizer::stemmed(stemmer)),
            );
        }
    }

    /// Where the index lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn state(&self) -> Result<State> {
        let metas = self
            .inner
            .load_metas()
            .map_err(|e| index_error(&self.path, e))?;
        match metas.payload {
            Some(p) => serde_json::from_str(&p).map_err(|e| index_error(&self.path, e)),
            None => Ok(State::default()),
        }
    }

    /// Number of documents and passages indexed.
    pub fn counts(&self) -> Result<(usize, u64)> {
        let state = self.state()?;
        let reader = self
            .inner
            .reader()
            .map_err(|e| index_error(&self.path, e))?;
        Ok((state.documents.len(), reader.searcher().num_docs()))
    }

    /// Is the index up to date with this codebook and unit (it may still lag the files)?
    pub fn is_coded_with(&self, codebook: &Codebook, unit: Unit) -> Result<bool> {
        let state = self.state()?;
        Ok(state.codebook == fingerprint(codebook) && state.unit == unit.to_string())
    }

    /// Does the index hold `reader`'s corpus as it is now: the same documents, from files of the
    /// same size and modification time? Then its stored passages can stand in for the files
    /// ([`Index::stored_documents`]) without reading or extracting them again.
    pub fn is_current(&self, reader: &CorpusReader) -> Result<bool> {
        let state = self.state()?;
        if state.version != SCHEMA_VERSION || state.documents.len() != reader.entries().len() {
            return Ok(false);
        }
        Ok(reader.entries().iter().all(|entry| {
            state.documents.get(&*entry.id).is_some_and(|d| {
                d.file == entry.relative && (d.size, d.modified) == file_stamp(&entry.path)
            })
        }))
    }

    /// The documents, rebuilt from their stored passages, that have a passage holding every
    /// one of `words` (lowercase words of letters; a word also counts where an apostrophe
    /// joins it to more letters, as in "Kazakhstan's"); all documents when `words` is empty. In
    /// id order.
    ///
    /// The rebuilt text has each passage at its character offsets with line breaks between
    /// them, so offsets, words and passages are those of the document as read.
    pub fn stored_documents(&self, words: &[String]) -> Result<Vec<Document>> {
        use tantivy::query::{BooleanQuery, Occur, Query, RegexQuery};
        let searcher = self
            .inner
            .reader()
            .map_err(|e| index_error(&self.path, e))?
            .searcher();
        let ids: Vec<String> = if words.is_empty() {
            self.state()?.documents.into_keys().collect()
        } else {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for word in words {
                if !word.chars().all(|c| c.is_alphabetic() && !c.is_uppercase()) {
                    return Err(Error::Invalid(format!(
                        "index word {word:?} is not a lowercase word of letters"
                    )));
                }
                let apostrophe = "['’ʼ]";
                let pattern = format!("(.*{apostrophe})?{word}({apostrophe}.*)?");
                let query = RegexQuery::from_pattern(&pattern, self.fields.text)
                    .map_err(|e| index_error(&self.path, e))?;
                clauses.push((Occur::Must, Box::new(query)));
            }
            let addresses = searcher
                .search(
                    &BooleanQuery::new(clauses),
                    &tantivy::collector::DocSetCollector,
                )
                .map_err(|e| index_error(&self.path, e))?;
            let mut ids = std::collections::BTreeSet::new();
            for address in addresses {
                let stored = Stored(self.fetch(&searcher, address)?);
                ids.extend(stored.text(self.fields.doc));
            }
            ids.into_iter().collect()
        };
        ids.iter()
            .map(|id| {
                let passages = self.stored_passages(&searcher, id)?;
                Ok(rebuilt_document(id, &passages))
            })
            .collect()
    }

    /// Brings the index up to date with the corpus: new and changed documents are (re)indexed,
    /// deleted ones removed, and everything re-coded if the codebook or unit changed. `progress`
    /// is called with (documents done, documents in all). One commit at the end.
    pub fn update(
        &mut self,
        reader: &CorpusReader,
        codebook: &Codebook,
        unit: Unit,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<UpdateStats> {
        self.lock.make_exclusive(&self.path)?;
        let previous = self.state()?;
        let codebook_print = fingerprint(codebook);
        let recode_all = previous.codebook != codebook_print || previous.version != SCHEMA_VERSION;
        let reread_all = previous.unit != unit.to_string();
        let coder = Coder::new(codebook)?.unit(unit);
        let threads = rayon::current_num_threads().clamp(1, 8);
        let writer: tantivy::IndexWriter<TantivyDocument> = self
            .inner
            .writer_with_num_threads(threads, 64_000_000 * threads)
            .map_err(|e| index_error(&self.path, e))?;
        let entries = reader.entries();
        let done = std::sync::atomic::AtomicUsize::new(0);
        let stats = Mutex::new(UpdateStats::default());
        let states: Mutex<BTreeMap<String, DocState>> = Mutex::new(BTreeMap::new());
        let failed: Mutex<Option<Error>> = Mutex::new(None);
        entries.par_iter().for_each(|entry| {
            let id = entry.id.to_string();
            let old = previous.documents.get(&id);
            let (size, modified) = file_stamp(&entry.path);
            let same_stamp = old.is_some_and(|o| {
                o.size == size && o.modified == modified && o.file == entry.relative
            });
            let outcome: Result<Option<(DocState, Kind)>> = (|| {
                if same_stamp && !reread_all && !recode_all {
                    let old = old.expect("same stamp implies a state");
                    return Ok(Some((old.clone(), Kind::Unchanged)));
                }
                let doc = match reader.read(entry) {
                    Ok(doc) => doc,
                    Err(error) => {
                        stats.lock().expect("stats").skipped.push(Skipped {
                            path: entry.path.clone(),
                            error,
                        });
                        return Ok(None);
                    }
                };
                let hash = content_hash(&doc);
                let state = DocState {
                    file: entry.relative.clone(),
                    size,
                    modified,
                    hash: hash.clone(),
                };
                stats.lock().expect("stats").bytes_read += doc.source_len as u64;
                if old.is_some_and(|o| o.hash == hash) && !recode_all && !reread_all {
                    return Ok(Some((state, Kind::Unchanged)));
                }
                // A new codebook re-reads the document rather than re-coding the stored
                // passages: coding needs the roles, languages and neighbours of the passages
                // (document-level conditions), which only the document itself gives.
                let kind = if same_stamp && old.is_some_and(|o| o.hash == hash) {
                    Kind::Recoded
                } else if old.is_some() {
                    Kind::Updated
                } else {
                    Kind::Added
                };
                if old.is_some() {
                    writer.delete_term(Term::from_field_text(self.fields.doc, &id));
                }
                let passages = self.add_document(&writer, &doc, &coder)?;
                stats.lock().expect("stats").passages += passages;
                Ok(Some((state, kind)))
            })();
            match outcome {
                Ok(Some((state, kind))) => {
                    let mut s = stats.lock().expect("stats");
                    match kind {
                        Kind::Added => s.added += 1,
                        Kind::Updated => s.updated += 1,
                        Kind::Recoded => s.recoded += 1,
                        Kind::Unchanged => s.unchanged += 1,
                    }
                    states.lock().expect("states").insert(id, state);
                }
                Ok(None) => {
                    // Unreadable now: whatever was indexed of it goes.
                    writer.delete_term(Term::from_field_text(self.fields.doc, &id));
                }
                Err(e) => {
                    failed.lock().expect("failure").get_or_insert(e);
                }
            }
            let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(n, entries.len());
        });
        if let Some(e) = failed.into_inner().expect("failure") {
            return Err(e);
        }
        let mut stats = stats.into_inner().expect("stats");
        let states = states.into_inner().expect("states");
        self.remove_vanished(&writer, reader, &previous, &states, &mut stats);
        let state = State {
            version: SCHEMA_VERSION,
            unit: unit.to_string(),
            codebook: codebook_print,
            documents: states,
        };
        self.commit(writer, &state)?;
        Ok(stats)
    }

    /// Deletes the documents indexed before that the corpus no longer has; those that are
    /// still there but unreadable now are counted as skipped, not removed.
    fn remove_vanished(
        &self,
        writer: &tantivy::IndexWriter<TantivyDocument>,
        reader: &CorpusReader,
        previous: &State,
        states: &BTreeMap<String, DocState>,
        stats: &mut UpdateStats,
    ) {
        for id in previous.documents.keys() {
            if !states.contains_key(id) {
                writer.delete_term(Term::from_field_text(self.fields.doc, id));
                if !stats.skipped.iter().any(|s| {
                    reader
                        .entries()
                        .iter()
                        .any(|e| e.path == s.path && &*e.id == id)
                }) {
                    stats.removed += 1;
                }
            }
        }
    }

    /// Commits the writer's changes with `state` as the commit's payload, in one step: a
    /// reader sees the previous index or the new one, never a mix.
    fn commit(
        &self,
        mut writer: tantivy::IndexWriter<TantivyDocument>,
        state: &State,
    ) -> Result<()> {
        let payload = serde_json::to_string(state).map_err(|e| index_error(&self.path, e))?;
        let mut commit = writer
            .prepare_commit()
            .map_err(|e| index_error(&self.path, e))?;
        commit.set_payload(&payload);
        commit.commit().map_err(|e| index_error(&self.path, e))?;
        writer
            .wait_merging_threads()
            .map_err(|e| index_error(&self.path, e))
    }

    /// Codes and adds the passages of one document; returns how many.
    fn add_document(
        &self,
        writer: &tantivy::IndexWriter<TantivyDocument>,
        doc: &Document,
        coder: &Coder,
    ) -> Result<usize> {
        let coded = coder.code_document(doc);
        let mut codes_of: HashMap<usize, Vec<&str>> = HashMap::new();
        for seg in &coded.segments {
            codes_of.entry(seg.passage).or_default().push(&seg.code);
        }
        for p in &coded.passages {
            let codes = codes_of.get(&p.index).map(Vec::as_slice).unwrap_or(&[]);
            let tdoc = self.passage_document(doc, p, p.text(&doc.text), codes);
            writer
                .add_document(tdoc)
                .map_err(|e| index_error(&self.path, e))?;
        }
        Ok(coded.passages.len())
    }

    fn passage_document(
        &self,
        doc: &Document,
        p: &Passage,
        text: &str,
        codes: &[&str],
    ) -> TantivyDocument {
        self.build_document(
            &doc.id,
            p,
            text,
            codes,
            &StoredMeta {
                title: doc.metadata.title.clone(),
                year: doc.metadata.year.map(i64::from),
                kind: doc.metadata.kind.clone(),
            },
        )
    }

    fn build_document(
        &self,
        id: &str,
        passage: &Passage,
        text: &str,
        codes: &[&str],
        meta: &StoredMeta,
    ) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.doc, id);
        d.add_text(f.role, passage.role.as_str());
        d.add_u64(f.passage, passage.index as u64);
        d.add_u64(f.start, passage.start as u64);
        d.add_u64(f.end, passage.end as u64);
        d.add_text(f.text, text);
        let lang = crate::lang::detect(text);
        if let Some(lang) = lang {
            d.add_text(f.lang, lang);
            if let Some(i) = STEMMED_LANGUAGES.iter().position(|l| *l == lang) {
                d.add_text(f.stemmed[i], text);
            }
        }
        for code in codes {
            d.add_facet(f.codes, tantivy::schema::Facet::from_path(code.split('/')));
            d.add_text(f.code_list, code);
        }
        if let Some(y) = meta.year {
            d.add_i64(f.year, y);
        }
        if let Some(k) = &meta.kind {
            d.add_text(f.kind, k);
        }
        d.add_text(f.title, &meta.title);
        d
    }

    fn stored_passages(
        &self,
        searcher: &tantivy::Searcher,
        id: &str,
    ) -> Result<Vec<StoredPassage>> {
        let query = tantivy::query::TermQuery::new(
            Term::from_field_text(self.fields.doc, id),
            IndexRecordOption::Basic,
        );
        let addresses = searcher
            .search(&query, &tantivy::collector::DocSetCollector)
            .map_err(|e| index_error(&self.path, e))?;
        let f = &self.fields;
        let mut out = Vec::with_capacity(addresses.len());
        for address in addresses {
            let d = Stored(self.fetch(searcher, address)?);
            out.push(StoredPassage {
                passage: d.num(f.passage),
                span: (d.num(f.start), d.num(f.end)),
                text: d.text(f.text).unwrap_or_default(),
                meta: StoredMeta {
                    title: d.text(f.title).unwrap_or_default(),
                    year: d.year(f.year),
                    kind: d.text(f.kind),
                },
            });
        }
        out.sort_by_key(|p| p.passage);
        Ok(out)
    }
}

/// The stored fields of a tantivy document.
pub(crate) struct Stored(pub TantivyDocument);

impl Stored {
    pub(crate) fn text(&self, field: Field) -> Option<String> {
        use tantivy::schema::Value;
        self.0
            .get_first(field)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }

    pub(crate) fn texts(&self, field: Field) -> Vec<String> {
        use tantivy::schema::Value;
        self.0
            .get_all(field)
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    pub(crate) fn num(&self, field: Field) -> usize {
        use tantivy::schema::Value;
        self.0
            .get_first(field)
            .and_then(|v| v.as_u64())
            .unwrap_or(0) as usize
    }

    pub(crate) fn year(&self, field: Field) -> Option<i64> {
        use tantivy::schema::Value;
        self.0.get_first(field).and_then(|v| v.as_i64())
    }
}

impl Index {
    /// The stored document at `address`.
    pub(crate) fn fetch(
        &self,
        searcher: &tantivy::Searcher,
        address: tantivy::DocAddress,
    ) -> Result<TantivyDocument> {
        searcher
            .doc(address)
            .map_err(|e| index_error(&self.path, e))
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Added,
    Updated,
    Recoded,
    Unchanged,
}

#[derive(Debug, Clone)]
struct StoredMeta {
    title: String,
    year: Option<i64>,
    kind: Option<String>,
}

struct StoredPassage {
    passage: usize,
    span: (usize, usize),
    text: String,
    meta: StoredMeta,
}

/// A document from its stored passages: each passage's text at its character span, the gaps
/// (blank lines between paragraphs, spaces between sentences) as line breaks.
fn rebuilt_document(id: &str, passages: &[StoredPassage]) -> Document {
    let mut text = String::new();
    let mut chars = 0;
    for p in passages {
        let gap = p.span.0.saturating_sub(chars);
        text.extend(std::iter::repeat_n('\n', gap));
        text.push_str(&p.text);
        chars += gap + p.text.chars().count();
    }
    let mut doc = Document::new(id, text);
    if let Some(first) = passages.first() {
        doc.metadata.title = first.meta.title.clone();
        doc.metadata.year = first.meta.year.and_then(|y| i32::try_from(y).ok());
        doc.metadata.kind = first.meta.kind.clone();
    }
    doc
}

/// Removes everything in an index folder but the lock file, which the caller holds.
fn clear_folder(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name() == lock::LOCK_FILE {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

/// Size and modification time (nanoseconds since the epoch) of a file, zeros if unknown.
fn file_stamp(path: &Path) -> (u64, u128) {
    std::fs::metadata(path).map_or((0, 0), |m| {
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        (m.len(), modified)
    })
}

/// The hash of a document's stored text and metadata.
fn content_hash(doc: &Document) -> String {
    let meta = serde_json::to_string(&doc.metadata).unwrap_or_default();
    fnv64(&[doc.text.as_bytes(), meta.as_bytes()])
}

/// The fingerprint of a codebook: what coding depends on.
fn fingerprint(codebook: &Codebook) -> String {
    let json = serde_json::to_string(codebook).unwrap_or_default();
    fnv64(&[json.as_bytes()])
}
