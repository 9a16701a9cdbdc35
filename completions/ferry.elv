
use builtin;
use str;

set edit:completion:arg-completer[ferry] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ferry'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ferry'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand upload 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume'
            cand download 'Download a file or a folder by its reference'
            cand quote 'Estimate what uploading a file costs; pays nothing and needs no wallet'
            cand verify 'Check that a file is still fully stored: every node of each chunk''s close group is challenged to prove it holds the chunk. Pays nothing'
            cand repair 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing'
            cand status 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each'
            cand list 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories'
            cand ls 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories'
            cand cache 'Clean the receipt cache'
            cand wallet 'Show the paying wallet'
            cand devnet 'Run a local network: anvil, the payment vault and storage nodes'
            cand vault 'Deploy the payment vault contract'
            cand network 'Write a network file for a chain, its vault and some nodes'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;upload'= {
            cand --max-cost 'Never let this run pay more than this, storage and gas: wei (1000), gwei (5gwei) or ETH (0.01eth)'
            cand --confirm-above 'On a terminal, ask before paying more than this (storage and gas): wei, gwei (5gwei) or ETH (0.01eth); 0 asks always [default: 0.01eth]'
            cand --transfers 'Chunks being sent to nodes at once, 1 to 32 (each to 4 nodes; about 4 MiB of memory each) [default: 8]'
            cand --wave-size 'Chunks per payment transaction, 1 to 64 [default: 64]'
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --yes 'Do not ask before paying (ferry never asks off a terminal or with --json)'
            cand --no-resume 'Do not trust the cached receipt''s record of what is stored: ask every chunk''s nodes again. Chunks the chain shows paid (proofs still valid) are never paid again'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;download'= {
            cand -o 'Where to write the file (`-` for standard output; missing parent directories are created), or the directory to rebuild a folder in. With --path, an existing directory gets the file under its own name'
            cand --output 'Where to write the file (`-` for standard output; missing parent directories are created), or the directory to rebuild a folder in. With --path, an existing directory gets the file under its own name'
            cand --path 'For a folder''s reference: download only the file at this path inside the folder (`a/b.txt`), fetching only the chunks that hold it'
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand -n 'Refuse to replace an existing file (or, for a folder, to write into a directory that is not empty) instead of overwriting it'
            cand --no-clobber 'Refuse to replace an existing file (or, for a folder, to write into a directory that is not empty) instead of overwriting it'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;quote'= {
            cand --wave-size 'Chunks per payment transaction the estimate assumes, 1 to 64 [default: 64]'
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;verify'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;repair'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;status'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;list'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;ls'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;cache'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand gc 'Remove receipts whose proofs have all expired (a day after their newest payment)'
            cand clear 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;cache;gc'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;cache;clear'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --force 'Also remove receipts holding unexpired paid-but-unstored proofs (those chunks would be paid again)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;cache;help'= {
            cand gc 'Remove receipts whose proofs have all expired (a day after their newest payment)'
            cand clear 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;cache;help;gc'= {
        }
        &'ferry;cache;help;clear'= {
        }
        &'ferry;cache;help;help'= {
        }
        &'ferry;wallet'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand import 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
            cand new 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
            cand list 'List the accounts under the data dir: names and addresses, never keys'
            cand address 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)'
            cand balance 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;wallet;import'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;wallet;new'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;wallet;list'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;wallet;address'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;wallet;balance'= {
            cand --network 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)'
            cand --rpc-url 'Override the network file''s RPC URL'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --devnet 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;wallet;help'= {
            cand import 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
            cand new 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
            cand list 'List the accounts under the data dir: names and addresses, never keys'
            cand address 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)'
            cand balance 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;wallet;help;import'= {
        }
        &'ferry;wallet;help;new'= {
        }
        &'ferry;wallet;help;list'= {
        }
        &'ferry;wallet;help;address'= {
        }
        &'ferry;wallet;help;balance'= {
        }
        &'ferry;wallet;help;help'= {
        }
        &'ferry;devnet'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand up 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
            cand down 'Stop the devnet that `up` started in this data dir'
            cand status 'Show whether the devnet''s chain and nodes answer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;devnet;up'= {
            cand --nodes 'How many storage nodes to start [default: 10]'
            cand --repair-interval 'Seconds between the nodes'' checks that each chunk''s 4 closest nodes hold it [default: 5]'
            cand --uplink-mbit 'Shape this host''s link into the isolated network to M Mbit/s (token bucket); traffic between nodes is not shaped'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --detach 'Leave the devnet running in the background and return; stop it with `ferry devnet down`'
            cand --until-stdin-closes 'Also stop when stdin reaches EOF (for test harnesses)'
            cand --isolated 'Run anvil and each node in its own network namespace on a bridge, reached from here by their own IPs, as if on other machines (Linux, root, iproute2)'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;devnet;down'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;devnet;status'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;devnet;help'= {
            cand up 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
            cand down 'Stop the devnet that `up` started in this data dir'
            cand status 'Show whether the devnet''s chain and nodes answer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;devnet;help;up'= {
        }
        &'ferry;devnet;help;down'= {
        }
        &'ferry;devnet;help;status'= {
        }
        &'ferry;devnet;help;help'= {
        }
        &'ferry;vault'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand deploy 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;vault;deploy'= {
            cand --rpc-url 'The chain''s JSON-RPC URL (else `rpc_url` from the config file)'
            cand --min-stake 'The least stake a node registers with (`0.1eth`, `5gwei`, or wei)'
            cand --exit-delay 'Blocks between a node''s exit and the return of its stake (50,400: a week of 12 s blocks)'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;vault;help'= {
            cand deploy 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;vault;help;deploy'= {
        }
        &'ferry;vault;help;help'= {
        }
        &'ferry;network'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand init 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;network;init'= {
            cand --rpc-url 'The chain''s JSON-RPC URL (else `rpc_url` from the config file)'
            cand --vault 'The payment vault''s address (what `ferry vault deploy` printed)'
            cand --bootstrap 'A node''s public URL to bootstrap from; repeat it or separate URLs with commas'
            cand --vault-block 'The block the vault was deployed in (what `ferry vault deploy` printed): where nodes start reading its logs for their rewards [default: block 0]'
            cand --native-unit 'The symbol of the chain''s native coin, which human output shows amounts in (`POL`, `xDAI`…) [default: ETH]'
            cand -o 'Write the network file here (atomically) instead of to stdout'
            cand --output 'Write the network file here (atomically) instead of to stdout'
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --private 'Mark the network private: its nodes live on loopback or private (LAN) addresses and may connect to such peers. Without it, nodes refuse to reach any loopback, private, link-local or otherwise non-public address'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;network;help'= {
            cand init 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;network;help;init'= {
        }
        &'ferry;network;help;help'= {
        }
        &'ferry;completions'= {
            cand --data-dir 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]'
            cand --config 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]'
            cand --units 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]'
            cand --account 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)'
            cand --keystore 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)'
            cand --password-file 'Read the keystore''s password from the first line of this file instead of asking'
            cand --json 'Print one JSON object per line on stdout instead of human output'
            cand -q 'Show only errors'
            cand --quiet 'Show only errors'
            cand -v 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand --verbose 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ferry;help'= {
            cand upload 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume'
            cand download 'Download a file or a folder by its reference'
            cand quote 'Estimate what uploading a file costs; pays nothing and needs no wallet'
            cand verify 'Check that a file is still fully stored: every node of each chunk''s close group is challenged to prove it holds the chunk. Pays nothing'
            cand repair 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing'
            cand status 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each'
            cand list 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories'
            cand cache 'Clean the receipt cache'
            cand wallet 'Show the paying wallet'
            cand devnet 'Run a local network: anvil, the payment vault and storage nodes'
            cand vault 'Deploy the payment vault contract'
            cand network 'Write a network file for a chain, its vault and some nodes'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ferry;help;upload'= {
        }
        &'ferry;help;download'= {
        }
        &'ferry;help;quote'= {
        }
        &'ferry;help;verify'= {
        }
        &'ferry;help;repair'= {
        }
        &'ferry;help;status'= {
        }
        &'ferry;help;list'= {
        }
        &'ferry;help;cache'= {
            cand gc 'Remove receipts whose proofs have all expired (a day after their newest payment)'
            cand clear 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
        }
        &'ferry;help;cache;gc'= {
        }
        &'ferry;help;cache;clear'= {
        }
        &'ferry;help;wallet'= {
            cand import 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
            cand new 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
            cand list 'List the accounts under the data dir: names and addresses, never keys'
            cand address 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)'
            cand balance 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)'
        }
        &'ferry;help;wallet;import'= {
        }
        &'ferry;help;wallet;new'= {
        }
        &'ferry;help;wallet;list'= {
        }
        &'ferry;help;wallet;address'= {
        }
        &'ferry;help;wallet;balance'= {
        }
        &'ferry;help;devnet'= {
            cand up 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
            cand down 'Stop the devnet that `up` started in this data dir'
            cand status 'Show whether the devnet''s chain and nodes answer'
        }
        &'ferry;help;devnet;up'= {
        }
        &'ferry;help;devnet;down'= {
        }
        &'ferry;help;devnet;status'= {
        }
        &'ferry;help;vault'= {
            cand deploy 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
        }
        &'ferry;help;vault;deploy'= {
        }
        &'ferry;help;network'= {
            cand init 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
        }
        &'ferry;help;network;init'= {
        }
        &'ferry;help;completions'= {
        }
        &'ferry;help;help'= {
        }
    ]
    $completions[$command]
}
