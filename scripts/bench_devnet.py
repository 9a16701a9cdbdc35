"""Imported by the bench scripts' Python (PYTHONPATH=scripts): what a devnet's nodes served
(each node's GET /stats, summed) and how many logs its vault holds."""
import json
import urllib.request


def get(url):
    return json.load(urllib.request.urlopen(url, timeout=10))


def node_requests(network):
    total = {}
    for node in network["bootstrap"]:
        for key, value in get(node.rstrip("/") + "/stats").items():
            total[key] = total.get(key, 0) + value
    return total


def vault_logs(network):
    """Every log of the vault, from block 0."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getLogs",
                       "params": [{"address": network["vault"], "fromBlock": "0x0"}]}).encode()
    request = urllib.request.Request(network["rpc_url"], body, {"Content-Type": "application/json"})
    return len(json.load(urllib.request.urlopen(request))["result"])
