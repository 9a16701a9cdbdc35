# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ferry_global_optspecs
    string join \n json q/quiet v/verbose data-dir= config= units= account= keystore= password-file= h/help V/version
end

function __fish_ferry_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ferry_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ferry_using_subcommand
    set -l cmd (__fish_ferry_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ferry -n "__fish_ferry_needs_command" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_needs_command" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_needs_command" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_needs_command" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_needs_command" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_needs_command" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_needs_command" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_needs_command" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_needs_command" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_needs_command" -s V -l version -d 'Print version'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "upload" -d 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "download" -d 'Download a file or a folder by its reference'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "quote" -d 'Estimate what uploading a file costs; pays nothing and needs no wallet'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "verify" -d 'Check that a file is still fully stored: every node of each chunk\'s close group is challenged to prove it holds the chunk. Pays nothing'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "repair" -d 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "status" -d 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "list" -d 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder\'s reference, its files and directories'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "ls" -d 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder\'s reference, its files and directories'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "cache" -d 'Clean the receipt cache'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "wallet" -d 'Show the paying wallet'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "devnet" -d 'Run a local network: anvil, the payment vault and storage nodes'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "vault" -d 'Deploy the payment vault contract'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "network" -d 'Write a network file for a chain, its vault and some nodes'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c ferry -n "__fish_ferry_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l max-cost -d 'Never let this run pay more than this, storage and gas: wei (1000), gwei (5gwei) or ETH (0.01eth)' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l confirm-above -d 'On a terminal, ask before paying more than this (storage and gas): wei, gwei (5gwei) or ETH (0.01eth); 0 asks always [default: 0.01eth]' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l transfers -d 'Chunks being sent to nodes at once, 1 to 32 (each to 4 nodes; about 4 MiB of memory each) [default: 8]' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l wave-size -d 'Chunks per payment transaction, 1 to 64 [default: 64]' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l yes -d 'Do not ask before paying (ferry never asks off a terminal or with --json)'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l no-resume -d 'Do not trust the cached receipt\'s record of what is stored: ask every chunk\'s nodes again. Chunks the chain shows paid (proofs still valid) are never paid again'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand upload" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand download" -s o -l output -d 'Where to write the file (`-` for standard output; missing parent directories are created), or the directory to rebuild a folder in. With --path, an existing directory gets the file under its own name' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -l path -d 'For a folder\'s reference: download only the file at this path inside the folder (`a/b.txt`), fetching only the chunks that hold it' -r
complete -c ferry -n "__fish_ferry_using_subcommand download" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand download" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand download" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand download" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand download" -s n -l no-clobber -d 'Refuse to replace an existing file (or, for a folder, to write into a directory that is not empty) instead of overwriting it'
complete -c ferry -n "__fish_ferry_using_subcommand download" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand download" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand download" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand download" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand download" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l wave-size -d 'Chunks per payment transaction the estimate assumes, 1 to 64 [default: 64]' -r
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand quote" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand quote" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand quote" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand quote" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand verify" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand verify" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand verify" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand repair" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand repair" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand repair" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand repair" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand status" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand status" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand status" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand status" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand status" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand status" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand status" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand status" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand status" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand list" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand list" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand list" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand list" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand list" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand list" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand list" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand list" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand list" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand list" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand list" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand list" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand ls" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand ls" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand ls" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -f -a "gc" -d 'Remove receipts whose proofs have all expired (a day after their newest payment)'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -f -a "clear" -d 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and not __fish_seen_subcommand_from gc clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from gc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l force -d 'Also remove receipts holding unexpired paid-but-unstored proofs (those chunks would be paid again)'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "gc" -d 'Remove receipts whose proofs have all expired (a day after their newest payment)'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
complete -c ferry -n "__fish_ferry_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "import" -d 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "new" -d 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "list" -d 'List the accounts under the data dir: names and addresses, never keys'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "address" -d 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet\'s funded key)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "balance" -d 'Print the paying address\'s balance, exactly, in the chain\'s coin (--units gwei or wei for those; --json gives wei)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and not __fish_seen_subcommand_from import new list address balance help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from new" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from address" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l network -d 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l rpc-url -d 'Override the network file\'s RPC URL' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l devnet -d 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from balance" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "import" -d 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "new" -d 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the accounts under the data dir: names and addresses, never keys'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "address" -d 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet\'s funded key)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "balance" -d 'Print the paying address\'s balance, exactly, in the chain\'s coin (--units gwei or wei for those; --json gives wei)'
complete -c ferry -n "__fish_ferry_using_subcommand wallet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -f -a "up" -d 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -f -a "down" -d 'Stop the devnet that `up` started in this data dir'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -f -a "status" -d 'Show whether the devnet\'s chain and nodes answer'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and not __fish_seen_subcommand_from up down status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l nodes -d 'How many storage nodes to start [default: 10]' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l repair-interval -d 'Seconds between the nodes\' checks that each chunk\'s 4 closest nodes hold it [default: 5]' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l uplink-mbit -d 'Shape this host\'s link into the isolated network to M Mbit/s (token bucket); traffic between nodes is not shaped' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l detach -d 'Leave the devnet running in the background and return; stop it with `ferry devnet down`'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l until-stdin-closes -d 'Also stop when stdin reaches EOF (for test harnesses)'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l isolated -d 'Run anvil and each node in its own network namespace on a bridge, reached from here by their own IPs, as if on other machines (Linux, root, iproute2)'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "up" -d 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "down" -d 'Stop the devnet that `up` started in this data dir'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the devnet\'s chain and nodes answer'
complete -c ferry -n "__fish_ferry_using_subcommand devnet; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -f -a "deploy" -d 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and not __fish_seen_subcommand_from deploy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l rpc-url -d 'The chain\'s JSON-RPC URL (else `rpc_url` from the config file)' -r
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l min-stake -d 'The least stake a node registers with (`0.1eth`, `5gwei`, or wei)' -r
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l exit-delay -d 'Blocks between a node\'s exit and the return of its stake (50,400: a week of 12 s blocks)' -r
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "deploy" -d 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
complete -c ferry -n "__fish_ferry_using_subcommand vault; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -f -a "init" -d 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
complete -c ferry -n "__fish_ferry_using_subcommand network; and not __fish_seen_subcommand_from init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l rpc-url -d 'The chain\'s JSON-RPC URL (else `rpc_url` from the config file)' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l vault -d 'The payment vault\'s address (what `ferry vault deploy` printed)' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l bootstrap -d 'A node\'s public URL to bootstrap from; repeat it or separate URLs with commas' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l vault-block -d 'The block the vault was deployed in (what `ferry vault deploy` printed): where nodes start reading its logs for their rewards [default: block 0]' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l native-unit -d 'The symbol of the chain\'s native coin, which human output shows amounts in (`POL`, `xDAI`…) [default: ETH]' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -s o -l output -d 'Write the network file here (atomically) instead of to stdout' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l private -d 'Mark the network private: its nodes live on loopback or private (LAN) addresses and may connect to such peers. Without it, nodes refuse to reach any loopback, private, link-local or otherwise non-public address'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
complete -c ferry -n "__fish_ferry_using_subcommand network; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l data-dir -d 'Where ferry keeps receipts and the devnet [default: the platform\'s data dir, e.g. ~/.local/share/ferry]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l config -d 'The config file [default: config.toml in the platform\'s config dir, e.g. ~/.config/ferry/config.toml]' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l units -d 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]' -r -f -a "wei\t'Wei, exact'
gwei\t'Gwei (10^9 wei), exact'
eth\t'The chain\'s native unit (10^18 wei), six significant digits'"
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l account -d 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)' -r
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l keystore -d 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l password-file -d 'Read the keystore\'s password from the first line of this file instead of asking' -r -F
complete -c ferry -n "__fish_ferry_using_subcommand completions" -l json -d 'Print one JSON object per line on stdout instead of human output'
complete -c ferry -n "__fish_ferry_using_subcommand completions" -s q -l quiet -d 'Show only errors'
complete -c ferry -n "__fish_ferry_using_subcommand completions" -s v -l verbose -d 'Show ferry\'s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries\' debug logs'
complete -c ferry -n "__fish_ferry_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "upload" -d 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "download" -d 'Download a file or a folder by its reference'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "quote" -d 'Estimate what uploading a file costs; pays nothing and needs no wallet'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "verify" -d 'Check that a file is still fully stored: every node of each chunk\'s close group is challenged to prove it holds the chunk. Pays nothing'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "repair" -d 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "status" -d 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "list" -d 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder\'s reference, its files and directories'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "cache" -d 'Clean the receipt cache'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "wallet" -d 'Show the paying wallet'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "devnet" -d 'Run a local network: anvil, the payment vault and storage nodes'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "vault" -d 'Deploy the payment vault contract'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "network" -d 'Write a network file for a chain, its vault and some nodes'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and not __fish_seen_subcommand_from upload download quote verify repair status list cache wallet devnet vault network completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "gc" -d 'Remove receipts whose proofs have all expired (a day after their newest payment)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clear" -d 'Remove every receipt; receipts holding paid chunks not yet stored need --force'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "import" -d 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "new" -d 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "list" -d 'List the accounts under the data dir: names and addresses, never keys'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "address" -d 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet\'s funded key)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from wallet" -f -a "balance" -d 'Print the paying address\'s balance, exactly, in the chain\'s coin (--units gwei or wei for those; --json gives wei)'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "up" -d 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "down" -d 'Stop the devnet that `up` started in this data dir'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from devnet" -f -a "status" -d 'Show whether the devnet\'s chain and nodes answer'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from vault" -f -a "deploy" -d 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address'
complete -c ferry -n "__fish_ferry_using_subcommand help; and __fish_seen_subcommand_from network" -f -a "init" -d 'Write a network file: the chain id is read from the RPC endpoint and the vault checked'
