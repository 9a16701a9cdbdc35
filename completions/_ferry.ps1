
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ferry' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ferry'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ferry' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('upload', 'upload', [CompletionResultType]::ParameterValue, 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a file or a folder by its reference')
            [CompletionResult]::new('quote', 'quote', [CompletionResultType]::ParameterValue, 'Estimate what uploading a file costs; pays nothing and needs no wallet')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that a file is still fully stored: every node of each chunk''s close group is challenged to prove it holds the chunk. Pays nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories')
            [CompletionResult]::new('ls', 'ls', [CompletionResultType]::ParameterValue, 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Clean the receipt cache')
            [CompletionResult]::new('wallet', 'wallet', [CompletionResultType]::ParameterValue, 'Show the paying wallet')
            [CompletionResult]::new('devnet', 'devnet', [CompletionResultType]::ParameterValue, 'Run a local network: anvil, the payment vault and storage nodes')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Deploy the payment vault contract')
            [CompletionResult]::new('network', 'network', [CompletionResultType]::ParameterValue, 'Write a network file for a chain, its vault and some nodes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;upload' {
            [CompletionResult]::new('--max-cost', '--max-cost', [CompletionResultType]::ParameterName, 'Never let this run pay more than this, storage and gas: wei (1000), gwei (5gwei) or ETH (0.01eth)')
            [CompletionResult]::new('--confirm-above', '--confirm-above', [CompletionResultType]::ParameterName, 'On a terminal, ask before paying more than this (storage and gas): wei, gwei (5gwei) or ETH (0.01eth); 0 asks always [default: 0.01eth]')
            [CompletionResult]::new('--transfers', '--transfers', [CompletionResultType]::ParameterName, 'Chunks being sent to nodes at once, 1 to 32 (each to 4 nodes; about 4 MiB of memory each) [default: 8]')
            [CompletionResult]::new('--wave-size', '--wave-size', [CompletionResultType]::ParameterName, 'Chunks per payment transaction, 1 to 64 [default: 64]')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask before paying (ferry never asks off a terminal or with --json)')
            [CompletionResult]::new('--no-resume', '--no-resume', [CompletionResultType]::ParameterName, 'Do not trust the cached receipt''s record of what is stored: ask every chunk''s nodes again. Chunks the chain shows paid (proofs still valid) are never paid again')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;download' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Where to write the file (`-` for standard output; missing parent directories are created), or the directory to rebuild a folder in. With --path, an existing directory gets the file under its own name')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Where to write the file (`-` for standard output; missing parent directories are created), or the directory to rebuild a folder in. With --path, an existing directory gets the file under its own name')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'For a folder''s reference: download only the file at this path inside the folder (`a/b.txt`), fetching only the chunks that hold it')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Refuse to replace an existing file (or, for a folder, to write into a directory that is not empty) instead of overwriting it')
            [CompletionResult]::new('--no-clobber', '--no-clobber', [CompletionResultType]::ParameterName, 'Refuse to replace an existing file (or, for a folder, to write into a directory that is not empty) instead of overwriting it')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;quote' {
            [CompletionResult]::new('--wave-size', '--wave-size', [CompletionResultType]::ParameterName, 'Chunks per payment transaction the estimate assumes, 1 to 64 [default: 64]')
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;verify' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;repair' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;status' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;list' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;ls' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;cache' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove receipts whose proofs have all expired (a day after their newest payment)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove every receipt; receipts holding paid chunks not yet stored need --force')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;cache;gc' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;cache;clear' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Also remove receipts holding unexpired paid-but-unstored proofs (those chunks would be paid again)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;cache;help' {
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove receipts whose proofs have all expired (a day after their newest payment)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove every receipt; receipts holding paid chunks not yet stored need --force')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;cache;help;gc' {
            break
        }
        'ferry;cache;help;clear' {
            break
        }
        'ferry;cache;help;help' {
            break
        }
        'ferry;wallet' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts under the data dir: names and addresses, never keys')
            [CompletionResult]::new('address', 'address', [CompletionResultType]::ParameterValue, 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)')
            [CompletionResult]::new('balance', 'balance', [CompletionResultType]::ParameterValue, 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;wallet;import' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;wallet;new' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;wallet;list' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;wallet;address' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;wallet;balance' {
            [CompletionResult]::new('--network', '--network', [CompletionResultType]::ParameterName, 'A network file (JSON: chain_id, rpc_url, vault, bootstrap)')
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'Override the network file''s RPC URL')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--devnet', '--devnet', [CompletionResultType]::ParameterName, 'Use the local devnet (wins over --network and FERRY_NETWORK). upload, quote and wallet start one, detached, when none is running; download, verify, repair and list need one running (a new devnet holds nothing uploaded before)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;wallet;help' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts under the data dir: names and addresses, never keys')
            [CompletionResult]::new('address', 'address', [CompletionResultType]::ParameterValue, 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)')
            [CompletionResult]::new('balance', 'balance', [CompletionResultType]::ParameterValue, 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;wallet;help;import' {
            break
        }
        'ferry;wallet;help;new' {
            break
        }
        'ferry;wallet;help;list' {
            break
        }
        'ferry;wallet;help;address' {
            break
        }
        'ferry;wallet;help;balance' {
            break
        }
        'ferry;wallet;help;help' {
            break
        }
        'ferry;devnet' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the devnet that `up` started in this data dir')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the devnet''s chain and nodes answer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;devnet;up' {
            [CompletionResult]::new('--nodes', '--nodes', [CompletionResultType]::ParameterName, 'How many storage nodes to start [default: 10]')
            [CompletionResult]::new('--repair-interval', '--repair-interval', [CompletionResultType]::ParameterName, 'Seconds between the nodes'' checks that each chunk''s 4 closest nodes hold it [default: 5]')
            [CompletionResult]::new('--uplink-mbit', '--uplink-mbit', [CompletionResultType]::ParameterName, 'Shape this host''s link into the isolated network to M Mbit/s (token bucket); traffic between nodes is not shaped')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Leave the devnet running in the background and return; stop it with `ferry devnet down`')
            [CompletionResult]::new('--until-stdin-closes', '--until-stdin-closes', [CompletionResultType]::ParameterName, 'Also stop when stdin reaches EOF (for test harnesses)')
            [CompletionResult]::new('--isolated', '--isolated', [CompletionResultType]::ParameterName, 'Run anvil and each node in its own network namespace on a bridge, reached from here by their own IPs, as if on other machines (Linux, root, iproute2)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;devnet;down' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;devnet;status' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;devnet;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the devnet that `up` started in this data dir')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the devnet''s chain and nodes answer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;devnet;help;up' {
            break
        }
        'ferry;devnet;help;down' {
            break
        }
        'ferry;devnet;help;status' {
            break
        }
        'ferry;devnet;help;help' {
            break
        }
        'ferry;vault' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;vault;deploy' {
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'The chain''s JSON-RPC URL (else `rpc_url` from the config file)')
            [CompletionResult]::new('--min-stake', '--min-stake', [CompletionResultType]::ParameterName, 'The least stake a node registers with (`0.1eth`, `5gwei`, or wei)')
            [CompletionResult]::new('--exit-delay', '--exit-delay', [CompletionResultType]::ParameterName, 'Blocks between a node''s exit and the return of its stake (50,400: a week of 12 s blocks)')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;vault;help' {
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;vault;help;deploy' {
            break
        }
        'ferry;vault;help;help' {
            break
        }
        'ferry;network' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a network file: the chain id is read from the RPC endpoint and the vault checked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;network;init' {
            [CompletionResult]::new('--rpc-url', '--rpc-url', [CompletionResultType]::ParameterName, 'The chain''s JSON-RPC URL (else `rpc_url` from the config file)')
            [CompletionResult]::new('--vault', '--vault', [CompletionResultType]::ParameterName, 'The payment vault''s address (what `ferry vault deploy` printed)')
            [CompletionResult]::new('--bootstrap', '--bootstrap', [CompletionResultType]::ParameterName, 'A node''s public URL to bootstrap from; repeat it or separate URLs with commas')
            [CompletionResult]::new('--vault-block', '--vault-block', [CompletionResultType]::ParameterName, 'The block the vault was deployed in (what `ferry vault deploy` printed): where nodes start reading its logs for their rewards [default: block 0]')
            [CompletionResult]::new('--native-unit', '--native-unit', [CompletionResultType]::ParameterName, 'The symbol of the chain''s native coin, which human output shows amounts in (`POL`, `xDAI`…) [default: ETH]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the network file here (atomically) instead of to stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the network file here (atomically) instead of to stdout')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--private', '--private', [CompletionResultType]::ParameterName, 'Mark the network private: its nodes live on loopback or private (LAN) addresses and may connect to such peers. Without it, nodes refuse to reach any loopback, private, link-local or otherwise non-public address')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;network;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a network file: the chain id is read from the RPC endpoint and the vault checked')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;network;help;init' {
            break
        }
        'ferry;network;help;help' {
            break
        }
        'ferry;completions' {
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Where ferry keeps receipts and the devnet [default: the platform''s data dir, e.g. ~/.local/share/ferry]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The config file [default: config.toml in the platform''s config dir, e.g. ~/.config/ferry/config.toml]')
            [CompletionResult]::new('--units', '--units', [CompletionResultType]::ParameterName, 'The unit human output shows amounts in (`--json` always gives decimal strings of wei) [default: eth]')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pay with the key in the keystore of this account (made by `ferry wallet import` or `ferry wallet new`, under the data dir)')
            [CompletionResult]::new('--keystore', '--keystore', [CompletionResultType]::ParameterName, 'Pay with the key in this keystore file (Web3 Secret Storage v3, as geth, clef and `cast wallet` write them)')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the keystore''s password from the first line of this file instead of asking')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per line on stdout instead of human output')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Show only errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show ferry''s decisions on stderr: -v waves, retries and why, failed nodes; -vv each chunk and which nodes; -vvv also the libraries'' debug logs')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ferry;help' {
            [CompletionResult]::new('upload', 'upload', [CompletionResultType]::ParameterValue, 'Upload a file or a folder: encrypt, pay in waves, store; rerun to resume')
            [CompletionResult]::new('download', 'download', [CompletionResultType]::ParameterValue, 'Download a file or a folder by its reference')
            [CompletionResult]::new('quote', 'quote', [CompletionResultType]::ParameterValue, 'Estimate what uploading a file costs; pays nothing and needs no wallet')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that a file is still fully stored: every node of each chunk''s close group is challenged to prove it holds the chunk. Pays nothing')
            [CompletionResult]::new('repair', 'repair', [CompletionResultType]::ParameterValue, 'Verify, then store the missing replicas of every chunk below 4 on its close group. Pays nothing')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'List interrupted uploads: chunks paid, stored and total, what they paid, when proofs expire, and the command that resumes each')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List finished uploads from the local history (name, size, date, cost, reference), or with a folder''s reference, its files and directories')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Clean the receipt cache')
            [CompletionResult]::new('wallet', 'wallet', [CompletionResultType]::ParameterValue, 'Show the paying wallet')
            [CompletionResult]::new('devnet', 'devnet', [CompletionResultType]::ParameterValue, 'Run a local network: anvil, the payment vault and storage nodes')
            [CompletionResult]::new('vault', 'vault', [CompletionResultType]::ParameterValue, 'Deploy the payment vault contract')
            [CompletionResult]::new('network', 'network', [CompletionResultType]::ParameterValue, 'Write a network file for a chain, its vault and some nodes')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ferry;help;upload' {
            break
        }
        'ferry;help;download' {
            break
        }
        'ferry;help;quote' {
            break
        }
        'ferry;help;verify' {
            break
        }
        'ferry;help;repair' {
            break
        }
        'ferry;help;status' {
            break
        }
        'ferry;help;list' {
            break
        }
        'ferry;help;cache' {
            [CompletionResult]::new('gc', 'gc', [CompletionResultType]::ParameterValue, 'Remove receipts whose proofs have all expired (a day after their newest payment)')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove every receipt; receipts holding paid chunks not yet stored need --force')
            break
        }
        'ferry;help;cache;gc' {
            break
        }
        'ferry;help;cache;clear' {
            break
        }
        'ferry;help;wallet' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Save a private key in an encrypted keystore under the data dir, as account NAME: the key is typed at a prompt (or read from standard input off a terminal, never from an argument), the password asked twice (or read from --password-file)')
            [CompletionResult]::new('new', 'new', [CompletionResultType]::ParameterValue, 'Make a fresh key and save it in an encrypted keystore as account NAME (fund its address before paying with it)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the accounts under the data dir: names and addresses, never keys')
            [CompletionResult]::new('address', 'address', [CompletionResultType]::ParameterValue, 'Print the paying address (from --account, --keystore, FERRY_PRIVATE_KEY, or the devnet''s funded key)')
            [CompletionResult]::new('balance', 'balance', [CompletionResultType]::ParameterValue, 'Print the paying address''s balance, exactly, in the chain''s coin (--units gwei or wei for those; --json gives wei)')
            break
        }
        'ferry;help;wallet;import' {
            break
        }
        'ferry;help;wallet;new' {
            break
        }
        'ferry;help;wallet;list' {
            break
        }
        'ferry;help;wallet;address' {
            break
        }
        'ferry;help;wallet;balance' {
            break
        }
        'ferry;help;devnet' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Start anvil, deploy the payment vault and start storage nodes; writes `<data dir>/devnet/network.json`. Runs until Ctrl-C unless --detach')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Stop the devnet that `up` started in this data dir')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the devnet''s chain and nodes answer')
            break
        }
        'ferry;help;devnet;up' {
            break
        }
        'ferry;help;devnet;down' {
            break
        }
        'ferry;help;devnet;status' {
            break
        }
        'ferry;help;vault' {
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Deploy the payment vault on a chain, paid by FERRY_PRIVATE_KEY; prints its address')
            break
        }
        'ferry;help;vault;deploy' {
            break
        }
        'ferry;help;network' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a network file: the chain id is read from the RPC endpoint and the vault checked')
            break
        }
        'ferry;help;network;init' {
            break
        }
        'ferry;help;completions' {
            break
        }
        'ferry;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
