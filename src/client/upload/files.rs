//! File progress for a folder upload: which files are stored, as their chunks are.
//!
//! [`FileProgress`] wraps the upload's reporter. It passes every event on and, on each chunk
//! stored (or found already held), counts it off every file that has it; a file is stored once
//! its last distinct chunk (its content and its data map) is, and then a `file_stored` event
//! names it. A chunk that several files share counts for each of them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::client::folder::FileChunks;
use crate::client::reporter::{Event, Phase, Reporter};
use crate::wire::types::ChunkAddress;

/// The upload's reporter, with `file_stored` events added.
pub(super) struct FileProgress {
    inner: Arc<dyn Reporter>,
    names: Vec<String>,
    by_chunk: HashMap<ChunkAddress, Vec<usize>>,
    /// Chunks each file still waits for, and how many files are stored.
    state: Mutex<(Vec<usize>, usize)>,
}

impl FileProgress {
    /// Tracks `files`, reporting to `inner`.
    pub(super) fn new(files: Vec<FileChunks>, inner: Arc<dyn Reporter>) -> Self {
        let mut by_chunk: HashMap<ChunkAddress, Vec<usize>> = HashMap::new();
        let mut remaining = Vec::with_capacity(files.len());
        let mut names = Vec::with_capacity(files.len());
        for (index, mut file) in files.into_iter().enumerate() {
            file.chunks.sort();
            file.chunks.dedup();
            for chunk in &file.chunks {
                by_chunk.entry(*chunk).or_default().push(index);
            }
            remaining.push(file.chunks.len());
            names.push(file.name);
        }
        Self {
            inner,
            names,
            by_chunk,
            state: Mutex::new((remaining, 0)),
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
                remaining[file] = remaining[file].saturating_sub(1);
                if remaining[file] == 0 {
                    *done += 1;
                    completed.push((file, *done));
                }
            }
        }
        for (file, files_done) in completed {
            self.inner.event(&Event::FileStored {
                file: self.names[file].clone(),
                files_done,
                files: self.names.len(),
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
        let files = vec![
            FileChunks {
                name: "one".into(),
                chunks: vec![a, shared, a],
            },
            FileChunks {
                name: "two".into(),
                chunks: vec![b, shared],
            },
        ];
        let collect = Arc::new(Collect::default());
        let progress = FileProgress::new(files, collect.clone());
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
