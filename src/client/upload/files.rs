//! File progress for a folder upload: which files are stored, as their chunks are.
//!
//! [`FileProgress`] wraps the upload's reporter. It passes every event on and, on each chunk
//! stored (or found already held), counts it off every file that has it; a file is stored once
//! its last distinct chunk (its content and its data map) is, and then a `file_stored` event
//! names it. A chunk that several files share counts for each of them. It keeps a count per
//! file and a file number per chunk it needs; a file's name is built from the upload's
//! [`FileList`] when its event is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::client::folder::FileChunks;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::client::sources::FileList;
use crate::wire::types::ChunkAddress;

/// The upload's reporter, with `file_stored` events added.
pub(super) struct FileProgress {
    inner: Arc<dyn Reporter>,
    /// The files' paths, which name them in events.
    files: Arc<FileList>,
    /// Each chunk's files, by source number.
    by_chunk: HashMap<ChunkAddress, Vec<u32>>,
    /// Chunks each file still waits for, and how many files are stored.
    state: Mutex<(Vec<u32>, usize)>,
}

impl FileProgress {
    /// Tracks the files `files`, which need `chunks`, reporting to `inner`.
    pub(super) fn new(files: Arc<FileList>, chunks: FileChunks, inner: Arc<dyn Reporter>) -> Self {
        let mut by_chunk: HashMap<ChunkAddress, Vec<u32>> =
            HashMap::with_capacity(chunks.by_chunk.len());
        for (chunk, files) in chunks.by_chunk {
            match by_chunk.entry(chunk) {
                std::collections::hash_map::Entry::Occupied(mut known) => {
                    known.get_mut().extend(files)
                }
                std::collections::hash_map::Entry::Vacant(new) => {
                    new.insert(files);
                }
            }
        }
        Self {
            inner,
            files,
            by_chunk,
            state: Mutex::new((chunks.needs, 0)),
        }
    }

    /// Counts `chunk` as stored, reporting each file it completes. Call once per chunk.
    pub(super) fn settle(&self, chunk: &ChunkAddress) {
        let Some(files) = self.by_chunk.get(chunk) else {
            return;
        };
        let mut completed = Vec::new();
        {
            let mut state = self.state.lock().expect("file progress lock");
            let (remaining, done) = &mut *state;
            for &file in files {
                let left = &mut remaining[file as usize];
                *left = left.saturating_sub(1);
                if *left == 0 {
                    *done += 1;
                    completed.push((file, *done));
                }
            }
        }
        for (file, files_done) in completed {
            self.inner.event(&Event::FileStored {
                file: self.files.path(file as usize).display().to_string(),
                files_done,
                files: self.files.len(),
            });
        }
    }
}

impl Reporter for FileProgress {
    fn event(&self, event: &Event) {
        self.inner.event(event);
        match event {
            Event::ChunkStored { chunk, .. } | Event::ChunkAlreadyStored { chunk, .. } => {
                self.settle(chunk)
            }
            _ => {}
        }
    }

    fn progress(&self, phase: Phase, done: u64, total: u64) {
        self.inner.progress(phase, done, total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect(Mutex<Vec<Event>>);

    impl Reporter for Collect {
        fn event(&self, event: &Event) {
            self.0.lock().unwrap().push(event.clone());
        }
    }

    #[test]
    fn a_file_is_stored_with_its_last_chunk_and_shared_chunks_count_for_each_file() {
        let (a, b, shared) = (
            ChunkAddress::of(b"a"),
            ChunkAddress::of(b"b"),
            ChunkAddress::of(b"shared"),
        );
        // "one" needs a and shared; "two" needs b and shared.
        let chunks = FileChunks {
            by_chunk: vec![
                (a, vec![0]),
                (shared, vec![0]),
                (b, vec![1]),
                (shared, vec![1]),
            ],
            needs: vec![2, 2],
        };
        let files = Arc::new(FileList::of_paths(["one", "two"].map(std::path::Path::new)));
        let collect = Arc::new(Collect::default());
        let progress = FileProgress::new(files, chunks, collect.clone());
        let stored = |chunk| Event::ChunkStored {
            chunk,
            bytes: 1,
            nodes: 4,
        };
        progress.event(&stored(a));
        progress.event(&stored(shared));
        progress.event(&stored(ChunkAddress::of(b"manifest")));
        progress.event(&Event::ChunkAlreadyStored { chunk: b, bytes: 1 });
        let events = collect.0.lock().unwrap();
        let stored: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                Event::FileStored {
                    file, files_done, ..
                } => Some((file.as_str(), *files_done)),
                _ => None,
            })
            .collect();
        assert_eq!(stored, [("one", 1), ("two", 2)]);
        assert_eq!(events.len(), 6, "every event is passed on");
    }
}
