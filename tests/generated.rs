//! Generated files shipped with the source must match what their scripts produce now.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn assert_same_files(fresh: &Path, shipped: &Path, names: &[&str], regenerate: &str) {
    for name in names {
        let fresh_bytes = std::fs::read(fresh.join(name))
            .unwrap_or_else(|e| panic!("{name} was not generated: {e}"));
        let shipped_bytes = std::fs::read(shipped.join(name))
            .unwrap_or_else(|e| panic!("{name} is not shipped: {e}"));
        assert!(
            fresh_bytes == shipped_bytes,
            "{} is stale: run {regenerate} and commit the result",
            shipped.join(name).display()
        );
    }
}

#[test]
fn contract_abi_and_bytecode_match_the_solidity_source() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(root().join("scripts/build-contract.sh"))
        .arg(out.path())
        .status()
        .expect("scripts/build-contract.sh runs");
    assert!(
        status.success(),
        "scripts/build-contract.sh failed (did `npm ci` run?)"
    );
    assert_same_files(
        out.path(),
        &root().join("contract"),
        &["PaymentVault.abi.json", "PaymentVault.bin"],
        "scripts/build-contract.sh",
    );
}

#[test]
fn completions_and_man_pages_of_both_binaries_match_the_clap_definitions() {
    let out = tempfile::tempdir().unwrap();
    let ferry = env!("CARGO_BIN_EXE_ferry");
    let shells = [
        ("bash", "ferry.bash"),
        ("zsh", "_ferry"),
        ("fish", "ferry.fish"),
        ("elvish", "ferry.elv"),
        ("powershell", "_ferry.ps1"),
    ];
    std::fs::create_dir_all(out.path().join("completions")).unwrap();
    for (shell, name) in shells {
        let output = Command::new(ferry)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "ferry completions {shell} failed");
        assert!(!output.stdout.is_empty());
        std::fs::write(out.path().join("completions").join(name), output.stdout).unwrap();
    }
    let names: Vec<&str> = shells.iter().map(|(_, name)| *name).collect();
    assert_same_files(
        &out.path().join("completions"),
        &root().join("completions"),
        &names,
        "scripts/gen-docs.sh",
    );
    let man = Command::new(ferry).arg("man").output().unwrap();
    assert!(man.status.success());
    let shipped = std::fs::read(root().join("man/ferry.1")).expect("man/ferry.1 is shipped");
    assert!(
        man.stdout == shipped,
        "man/ferry.1 is stale: run scripts/gen-docs.sh and commit the result"
    );
    let pages = out.path().join("man");
    let written = Command::new(ferry).arg("man").arg(&pages).status().unwrap();
    assert!(written.success());
    let node = Command::new(env!("CARGO_BIN_EXE_ferry-node"))
        .arg("man")
        .arg(&pages)
        .status()
        .unwrap();
    assert!(node.success(), "ferry-node man failed");
    for page in [
        "ferry-node.1",
        "ferry-node-register.1",
        "ferry-node-rewards.1",
        "ferry-node-status.1",
    ] {
        let text = std::fs::read_to_string(pages.join(page)).unwrap();
        assert!(
            text.contains(".SH EXAMPLES") || page != "ferry-node.1",
            "{page}"
        );
    }
    let upload = std::fs::read_to_string(pages.join("ferry-upload.1")).unwrap();
    assert!(
        upload.contains(".SH EXAMPLES"),
        "ferry-upload.1 has examples"
    );
    let names = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".1"))
            .collect();
        names.sort();
        names
    };
    let fresh = names(&pages);
    assert!(fresh.len() > 10, "a page per command: {fresh:?}");
    assert_eq!(
        fresh,
        names(&root().join("man")),
        "man/ has missing or extra pages: run scripts/gen-docs.sh and commit the result"
    );
    let fresh: Vec<&str> = fresh.iter().map(String::as_str).collect();
    assert_same_files(&pages, &root().join("man"), &fresh, "scripts/gen-docs.sh");
}
