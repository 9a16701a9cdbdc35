//! The EXAMPLES section of each man page, by page name (`ferry-upload`, `ferry-node`, …):
//! what a person types for the common tasks, each command as it runs. Pages without an entry
//! get no section.

/// A line of explanation and the command it explains.
pub type Example = (&'static str, &'static str);

/// The examples of the page `name` (`ferry`, `ferry-upload`, `ferry-node-rewards`, …).
pub fn examples(name: &str) -> &'static [Example] {
    match name {
        "ferry" => &[
            (
                "Try it on a local network: start a devnet, upload a file, get it back.",
                "ferry devnet up --detach\nferry upload photo.jpg --devnet\nferry download ferry:… -o photo-copy.jpg --devnet",
            ),
            (
                "What would uploading a folder cost on a real network, then upload it.",
                "ferry quote ~/Documents --network network.json\nferry upload ~/Documents --network network.json",
            ),
            (
                "See what was uploaded, and what an interrupted upload is waiting for.",
                "ferry list\nferry status",
            ),
        ],
        "ferry-upload" => &[
            (
                "Upload a file to the local devnet; prints its reference.",
                "ferry upload photo.jpg --devnet",
            ),
            (
                "Upload a folder, paying at most 0.01 ETH in this run.",
                "ferry upload ~/Documents --network network.json --max-cost 0.01eth",
            ),
            (
                "Upload what a pipe carries.",
                "tar c photos | ferry upload - --devnet",
            ),
            (
                "After Ctrl-C or a crash, run the same command again: it resumes and pays nothing twice.",
                "ferry upload ~/Documents --network network.json",
            ),
        ],
        "ferry-download" => &[
            (
                "Download a file.",
                "ferry download ferry:… -o photo.jpg --devnet",
            ),
            (
                "Rebuild a folder in a directory.",
                "ferry download ferry:… -o restored/ --devnet",
            ),
            (
                "Stream a file to a pipe.",
                "ferry download ferry:… -o - --devnet | tar x",
            ),
        ],
        "ferry-quote" => &[
            (
                "What uploading a file would cost now; pays nothing.",
                "ferry quote big.iso --network network.json",
            ),
            (
                "The same as JSON, amounts in wei.",
                "ferry quote big.iso --network network.json --json",
            ),
        ],
        "ferry-verify" => &[(
            "Is everything still stored? Exit 0 healthy, 7 degraded, 8 lost.",
            "ferry verify ferry:… --network network.json",
        )],
        "ferry-repair" => &[(
            "Store missing replicas again, paying nothing.",
            "ferry repair ferry:… --network network.json",
        )],
        "ferry-status" => &[
            (
                "Interrupted uploads, what they paid, and the command that resumes each.",
                "ferry status",
            ),
            ("Only one file's upload.", "ferry status big.iso"),
        ],
        "ferry-list" => &[
            (
                "Finished uploads: date, size, cost, name and reference.",
                "ferry list",
            ),
            ("The same as JSON lines.", "ferry ls --json"),
            (
                "The files and directories of an uploaded folder.",
                "ferry list ferry:… --devnet",
            ),
        ],
        "ferry-cache-gc" => &[(
            "Drop receipts whose proofs have all expired.",
            "ferry cache gc",
        )],
        "ferry-cache-clear" => &[(
            "Drop every receipt, even those holding paid chunks.",
            "ferry cache clear --force",
        )],
        "ferry-wallet-balance" => &[(
            "The paying wallet's balance, exactly.",
            "FERRY_PRIVATE_KEY=0x… ferry wallet balance --network network.json",
        )],
        "ferry-devnet-up" => &[
            (
                "A local network in the background: anvil, the vault and 10 nodes.",
                "ferry devnet up --detach",
            ),
            (
                "Each process in a network namespace, behind a 200 Mbit/s uplink (root).",
                "sudo ferry devnet up --isolated --uplink-mbit 200",
            ),
        ],
        "ferry-devnet-down" => &[(
            "Stop the devnet and everything it started.",
            "ferry devnet down",
        )],
        "ferry-vault-deploy" => &[(
            "Deploy the payment vault (FERRY_PRIVATE_KEY pays); prints its address and block.",
            "ferry vault deploy --rpc-url https://rpc.example.org --min-stake 0.1eth",
        )],
        "ferry-network-init" => &[(
            "Write a network file; the chain id is read and the vault checked.",
            "ferry network init --rpc-url https://rpc.example.org --vault 0xVAULT --vault-block 123456 --bootstrap http://a.example.org:7000 -o network.json",
        )],
        "ferry-completions" => &[
            (
                "Install bash completions for your user.",
                "ferry completions bash > ~/.local/share/bash-completion/completions/ferry",
            ),
            (
                "zsh: put _ferry in a directory of your fpath.",
                "ferry completions zsh > ~/.zfunc/_ferry",
            ),
            (
                "fish.",
                "ferry completions fish > ~/.config/fish/completions/ferry.fish",
            ),
        ],
        "ferry-node" => &[
            (
                "Stake for a node once (FERRY_PRIVATE_KEY pays), then run it with a 500 GiB store.",
                "ferry-node register --key-file /srv/ferry/node.key --network network.json\nferry-node --listen 0.0.0.0:7000 --public-url http://203.0.113.7:7000 --root /srv/ferry/store --key-file /srv/ferry/node.key --network network.json --capacity 500GiB",
            ),
            (
                "Withdraw what the node earned.",
                "ferry-node rewards --key-file /srv/ferry/node.key --root /srv/ferry/store --network network.json",
            ),
        ],
        "ferry-node-register" => &[(
            "Stake the vault's minimum for a node (FERRY_PRIVATE_KEY pays).",
            "ferry-node register --key-file /srv/ferry/node.key --network network.json",
        )],
        "ferry-node-rewards" => &[(
            "Only show what the vault holds for the node.",
            "ferry-node rewards --key-file /srv/ferry/node.key --root /srv/ferry/store --network network.json --show-only",
        )],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_ferry_command_with_work_to_show_has_examples() {
        for page in [
            "ferry",
            "ferry-upload",
            "ferry-download",
            "ferry-quote",
            "ferry-verify",
            "ferry-repair",
            "ferry-status",
            "ferry-list",
            "ferry-node",
        ] {
            assert!(!examples(page).is_empty(), "{page} has no examples");
        }
    }
}
