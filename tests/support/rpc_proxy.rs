//! A JSON-RPC proxy in front of a devnet's anvil, in the test process, that a test can make
//! misbehave: refuse chosen calls with an RPC error, drop a call's connection, let a call
//! through and then vanish (the chain endpoint gone mid-wave), let it through and never answer
//! (the client stuck right after sending), or be cut at any moment (listener closed, every
//! connection dropped: connection refused from then on), or rewrite the answers it passes on
//! (an endpoint that lies).
//!
//! Each request is forwarded on its own upstream connection and answered with
//! `Connection: close`, which keeps the HTTP handling to reading one request and one response.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// What the proxy does with one JSON-RPC request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Pass it on and return the answer.
    Forward,
    /// Answer with a JSON-RPC error carrying this message, without passing it on.
    Refuse(String),
    /// Close the connection without answering (a transport failure of this call only).
    Drop,
    /// Pass it on, then cut the proxy before answering: the call took effect upstream and
    /// the client never hears of it.
    ForwardThenCut,
    /// Pass it on and never answer (the connection stays open until the proxy is cut).
    ForwardThenHold,
}

type Rule = dyn Fn(&Value) -> Verdict + Send + Sync;
type Rewrite = dyn Fn(&Value, &mut Value) + Send + Sync;

struct Shared {
    upstream: String,
    rule: Box<Rule>,
    rewrite: Option<Box<Rewrite>>,
    cut: AtomicBool,
    /// Every request seen, in order.
    seen: Mutex<Vec<Value>>,
    /// Requests passed on upstream.
    forwarded: Mutex<Vec<Value>>,
    clients: Mutex<Vec<TcpStream>>,
}

/// A running proxy; cut when dropped.
pub struct RpcProxy {
    url: String,
    shared: Arc<Shared>,
}

impl RpcProxy {
    /// Starts a proxy on 127.0.0.1:0 in front of `upstream_url` (`http://host:port`), judging
    /// each request with `rule`.
    pub fn start(
        upstream_url: &str,
        rule: impl Fn(&Value) -> Verdict + Send + Sync + 'static,
    ) -> RpcProxy {
        Self::start_with(upstream_url, Box::new(rule), None)
    }

    /// Starts a proxy that forwards every request and passes each answer (with its request)
    /// through `rewrite` before returning it.
    pub fn rewriting(
        upstream_url: &str,
        rewrite: impl Fn(&Value, &mut Value) + Send + Sync + 'static,
    ) -> RpcProxy {
        Self::start_with(
            upstream_url,
            Box::new(|_: &Value| Verdict::Forward),
            Some(Box::new(rewrite)),
        )
    }

    fn start_with(upstream_url: &str, rule: Box<Rule>, rewrite: Option<Box<Rewrite>>) -> RpcProxy {
        let upstream = upstream_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            upstream,
            rule,
            rewrite,
            cut: AtomicBool::new(false),
            seen: Mutex::new(Vec::new()),
            forwarded: Mutex::new(Vec::new()),
            clients: Mutex::new(Vec::new()),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || {
            while !accepting.cut.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        accepting
                            .clients
                            .lock()
                            .unwrap()
                            .push(stream.try_clone().unwrap());
                        let shared = accepting.clone();
                        std::thread::spawn(move || serve(&shared, stream));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            // The listener is dropped here: connection refused from now on.
        });
        RpcProxy { url, shared }
    }

    /// The proxy's URL, to give the client as its RPC endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Cuts the proxy: no new connections, and every open one is dropped unanswered.
    pub fn cut(&self) {
        cut(&self.shared);
    }

    /// True once cut.
    pub fn is_cut(&self) -> bool {
        self.shared.cut.load(Ordering::SeqCst)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Value> {
        self.shared.seen.lock().unwrap().clone()
    }

    /// The requests passed on upstream so far.
    pub fn forwarded(&self) -> Vec<Value> {
        self.shared.forwarded.lock().unwrap().clone()
    }

    /// The requests seen with this method.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.seen()
            .into_iter()
            .filter(|r| r["method"] == method)
            .collect()
    }
}

impl Drop for RpcProxy {
    fn drop(&mut self) {
        self.cut();
    }
}

fn cut(shared: &Shared) {
    shared.cut.store(true, Ordering::SeqCst);
    for client in shared.clients.lock().unwrap().drain(..) {
        let _ = client.shutdown(Shutdown::Both);
    }
}

/// Handles one client connection: one request, one answer (or none).
fn serve(shared: &Shared, stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let Some(body) = read_message(&mut reader) else {
        return;
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    shared.seen.lock().unwrap().push(request.clone());
    if shared.cut.load(Ordering::SeqCst) {
        return;
    }
    let verdict = (shared.rule)(&request);
    let answer = match &verdict {
        Verdict::Drop => {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        Verdict::Refuse(message) => serde_json::to_vec(&serde_json::json!({
            "jsonrpc": "2.0",
            "id": request["id"],
            "error": {"code": -32005, "message": message},
        }))
        .unwrap(),
        Verdict::Forward | Verdict::ForwardThenCut | Verdict::ForwardThenHold => {
            let Some(answer) = forward(&shared.upstream, &body) else {
                let _ = stream.shutdown(Shutdown::Both);
                return;
            };
            shared.forwarded.lock().unwrap().push(request.clone());
            match &shared.rewrite {
                Some(rewrite) => {
                    let mut value: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
                    rewrite(&request, &mut value);
                    serde_json::to_vec(&value).unwrap()
                }
                None => answer,
            }
        }
    };
    match verdict {
        Verdict::ForwardThenCut => {
            cut(shared);
            return;
        }
        // Held until the proxy is cut (which shuts this connection down).
        Verdict::ForwardThenHold => return,
        _ => {}
    }
    if shared.cut.load(Ordering::SeqCst) {
        return;
    }
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&answer);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// Passes a JSON-RPC body to the upstream and returns the answer's body.
fn forward(upstream: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut connection = TcpStream::connect(upstream).ok()?;
    let head = format!(
        "POST / HTTP/1.1\r\nhost: {upstream}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    connection.write_all(head.as_bytes()).ok()?;
    connection.write_all(body).ok()?;
    read_message(&mut BufReader::new(connection))
}

/// Reads one HTTP message (request or response) and returns its body; `None` at end of
/// stream. Handles `content-length` and chunked bodies.
fn read_message(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut length = None;
    let mut chunked = false;
    let mut first = true;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() && !first {
            break;
        }
        first = false;
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse::<usize>().ok();
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                return Some(body);
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    let mut body = vec![0; length.unwrap_or(0)];
    reader.read_exact(&mut body).ok()?;
    Some(body)
}
