//! ferry's integration tests, one binary: the real `ferry` and `ferry-node` binaries, real
//! anvil, real files. Shared helpers that start those live in `support`.

mod amounts;
mod chain_trust;
mod cli;
mod client_trust;
mod config;
mod cost;
mod devnet;
mod failures;
mod files;
mod folders;
mod forwarding;
mod generated;
mod isolated;
mod keeping;
mod keystore;
mod local_io;
mod membership;
mod network;
mod node;
mod node_trust;
mod ordinary;
mod output;
mod pipes;
mod proofs;
mod pty;
mod resume;
mod rewards;
mod rewards_scan;
mod support;
mod upload;
mod wallet;
