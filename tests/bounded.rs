//! Bounded work per source: PUT bodies trickled in by many connections from one address hold
//! no chunk GET up, are dropped for being too slow, and one source's requests and challenges
//! are capped; a PUT of a chunk the node holds already is never forwarded.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ferry::node::{CHALLENGE_BURST, CHALLENGE_RATE, MAX_REQUESTS_PER_SOURCE, MIN_BODY_RATE};
use ferry::wire::http::encode_put_raw;
use ferry::wire::types::ChunkAddress;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Devnet, planned_chunks, random_file, runtime};

/// A small devnet for these tests alone: they attack its nodes.
fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| Devnet::start_with(3, &[]))
}

/// Uploads a small random file; returns one of its chunks.
fn stored_chunk(devnet: &Devnet) -> ChunkAddress {
    let key = devnet.funded_account();
    let (dir, file, _) = random_file("stored.bin", 200_000);
    devnet.upload_reference(dir.path(), &key, &file);
    planned_chunks(&file)[0]
}

fn socket_of(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

/// What trickling PUTs were answered with, by status.
#[derive(Default)]
struct Answers {
    too_slow: AtomicUsize,
    too_many: AtomicUsize,
    other: AtomicUsize,
}

/// `clients` connections from `from`, each sending a chunk PUT's head and then 1 to 3 body
/// bytes a second; a connection the node answers or closes is opened again. They run until
/// `stop` is set.
fn trickle(
    node: SocketAddr,
    from: Ipv4Addr,
    clients: usize,
    stop: Arc<AtomicBool>,
) -> Arc<Answers> {
    let answers = Arc::new(Answers::default());
    for client in 0..clients {
        let (stop, answers) = (stop.clone(), answers.clone());
        runtime().spawn(async move {
            let chunk = ChunkAddress::of(&client.to_le_bytes());
            while !stop.load(Ordering::SeqCst) {
                let socket = tokio::net::TcpSocket::new_v4().unwrap();
                socket.bind(SocketAddr::new(IpAddr::V4(from), 0)).unwrap();
                let Ok(mut stream) = socket.connect(node).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let head = format!(
                    "PUT /chunk/{chunk} HTTP/1.1\r\nhost: {node}\r\ncontent-length: 1000000\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    continue;
                }
                let mut answer = [0u8; 12];
                loop {
                    let bytes = 1 + client % 3;
                    tokio::select! {
                        read = stream.read(&mut answer) => {
                            let status = match read {
                                Ok(n) if n >= 12 => &answer[9..12],
                                _ => b"---",
                            };
                            let counter = match status {
                                b"408" => &answers.too_slow,
                                b"429" => &answers.too_many,
                                _ => &answers.other,
                            };
                            counter.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        () = tokio::time::sleep(Duration::from_millis(1000 / bytes as u64)) => {
                            if stop.load(Ordering::SeqCst) || stream.write_all(b"x").await.is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
    }
    answers
}

#[test]
fn forty_trickling_uploads_from_one_address_delay_no_chunk_get() {
    let devnet = devnet();
    let chunk = stored_chunk(devnet);
    let holder = devnet.holders_on_disk(chunk)[0];
    let url = devnet.network.bootstrap[holder].clone();
    let stop = Arc::new(AtomicBool::new(false));
    let answers = trickle(
        socket_of(&url),
        Ipv4Addr::new(127, 0, 0, 2),
        40,
        stop.clone(),
    );
    // Let every trickler take its slot, and the first of them run past the rate's grace.
    std::thread::sleep(Duration::from_secs(3));
    let http = reqwest::Client::new();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let bytes = runtime().block_on(async {
            let response = http
                .get(format!("{url}/chunk/{chunk}"))
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .expect("the chunk GET is answered");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.unwrap()
        });
        times.push(started.elapsed());
        assert_eq!(ChunkAddress::of(&bytes), chunk);
        std::thread::sleep(Duration::from_millis(300));
    }
    stop.store(true, Ordering::SeqCst);
    println!("chunk GETs under 40 trickling uploads: {times:?}");
    for time in &times {
        assert!(*time < Duration::from_secs(1), "a GET took {time:?}");
    }
    let too_slow = answers.too_slow.load(Ordering::SeqCst);
    println!(
        "trickling PUTs answered: {too_slow} x 408, {} x 429, {} other",
        answers.too_many.load(Ordering::SeqCst),
        answers.other.load(Ordering::SeqCst)
    );
    assert!(
        too_slow >= 40,
        "each trickler is dropped below {MIN_BODY_RATE} B/s: {too_slow} x 408"
    );
}

#[test]
fn one_source_is_capped_in_requests_under_way_and_in_challenges() {
    let devnet = devnet();
    let url = devnet.network.bootstrap[0].clone();
    let stop = Arc::new(AtomicBool::new(false));
    let over = 8;
    let answers = trickle(
        socket_of(&url),
        Ipv4Addr::new(127, 0, 0, 3),
        MAX_REQUESTS_PER_SOURCE + over,
        stop.clone(),
    );
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::SeqCst);
    let too_many = answers.too_many.load(Ordering::SeqCst);
    assert!(too_many >= over, "{too_many} requests refused with 429");

    // 300 challenges at once from one address: about the burst of 100 pass the limit, the
    // rest are 429; another address is not affected.
    let challenge = |from: Ipv4Addr| {
        let url = url.clone();
        async move {
            let http = reqwest::Client::builder()
                .local_address(IpAddr::V4(from))
                .build()
                .unwrap();
            let response = http
                .post(format!("{url}/challenge"))
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            response.status().as_u16()
        }
    };
    let started = Instant::now();
    let statuses: Vec<u16> = runtime().block_on(async {
        use futures::StreamExt;
        futures::stream::iter(0..300)
            .map(|_| challenge(Ipv4Addr::new(127, 0, 0, 4)))
            .buffer_unordered(32)
            .collect()
            .await
    });
    let elapsed = started.elapsed().as_secs_f64();
    let passed = statuses.iter().filter(|&&status| status != 429).count();
    let allowed = CHALLENGE_BURST + CHALLENGE_RATE * elapsed;
    println!("{passed} of 300 challenges passed in {elapsed:.2} s ({allowed:.0} allowed)");
    assert!(passed as f64 <= allowed + 1.0, "{passed} passed");
    assert!(passed >= CHALLENGE_BURST as usize, "{passed} passed");
    let other = runtime().block_on(challenge(Ipv4Addr::new(127, 0, 0, 5)));
    assert_ne!(other, 429, "another source is limited apart");
}

#[test]
fn a_put_of_a_chunk_the_node_holds_is_never_forwarded() {
    let devnet = devnet();
    let chunk = stored_chunk(devnet);
    let holder = devnet.holders_on_disk(chunk)[0];
    let url = devnet.network.bootstrap[holder].clone();
    // Anyone can read a held chunk and its proof; putting them back costs nothing.
    let http = reqwest::Client::new();
    let (status, before, after) = runtime().block_on(async {
        let get = |path: String| {
            let http = http.clone();
            async move { http.get(path).send().await.unwrap().bytes().await.unwrap() }
        };
        let bytes = get(format!("{url}/chunk/{chunk}")).await;
        let proof = get(format!("{url}/chunk/{chunk}/proof")).await;
        let before = forwards_now(&http, &url).await;
        let response = http
            .put(format!("{url}/chunk/{chunk}"))
            .body(encode_put_raw(&proof, &bytes))
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        let after = forwards_now(&http, &url).await;
        (response.status().as_u16(), before, after)
    });
    assert_eq!(status, 200, "answered as already stored");
    assert_eq!(after, before, "the held chunk was forwarded");
}

/// The PUTs node `url` has sent to peers.
async fn forwards_now(http: &reqwest::Client, url: &str) -> u64 {
    let stats: serde_json::Value = http
        .get(format!("{url}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    stats["forwards"].as_u64().unwrap()
}
