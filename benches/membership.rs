//! The membership simulation at 1,000 and 10,000 nodes under 1% message loss: messages and
//! bytes per node per second, how soon a failure is noticed by the failed node's close
//! neighbours, how soon a joining node is known by them, and false downs. Runs the real
//! `Swim` state of every node over an in-process network on a virtual clock.
//!
//! `cargo bench --bench membership` (both sizes), or `-- 1000` for one size.

use ferry::node::membership::sim::{SimConfig, run};

fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 10_000]
    } else {
        sizes
    };
    for nodes in sizes {
        let report = run(&SimConfig::new(nodes, 0.01));
        println!("{report}");
        if let Some(peak) = peak_memory_mib() {
            println!("  peak memory of the process so far: {peak:.0} MiB");
        }
    }
}
