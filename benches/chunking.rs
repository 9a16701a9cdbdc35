//! Chunk + encrypt throughput beside the raw primitives it is built from.
//! Run: `cargo bench --bench chunking` (prints MB/s as criterion's "thrpt").

use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ferry::client::chunking::{MAX_PLAINTEXT_BYTES, encrypt_in_place, plan_file};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

const FILE_BYTES: usize = 128 * 1024 * 1024;

fn primitives(c: &mut Criterion) {
    let piece = vec![0x5au8; MAX_PLAINTEXT_BYTES];
    let mut group = c.benchmark_group("primitives (one core, 4 MiB)");
    group.throughput(Throughput::Bytes(piece.len() as u64));
    group.bench_function("blake3", |b| b.iter(|| blake3::hash(&piece)));
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[7u8; 32]).unwrap());
    group.bench_function("aes-256-gcm seal (ring)", |b| {
        let mut buffer = piece.clone();
        b.iter(|| {
            buffer.truncate(piece.len());
            key.seal_in_place_append_tag(
                Nonce::assume_unique_for_key([0; 12]),
                Aad::empty(),
                &mut buffer,
            )
            .unwrap();
        })
    });
    group.bench_function("encrypt_in_place (key + seal + address)", |b| {
        let mut buffer = piece.clone();
        b.iter(|| {
            buffer.truncate(piece.len());
            encrypt_in_place(&mut buffer)
        })
    });
    group.finish();
}

fn plan(c: &mut Criterion) {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let block: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for _ in 0..FILE_BYTES / block.len() {
        file.write_all(&block).unwrap();
    }
    file.flush().unwrap();
    let mut group = c.benchmark_group("chunk+encrypt a 128 MiB file");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(FILE_BYTES as u64));
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| plan_file(file.path(), threads, &|_| {}).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, primitives, plan);
criterion_main!(benches);
