// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title ferry payment vault
/// @notice Clients pay for a whole wave of chunks in one call that commits to the wave with a
///         Merkle root; storage nodes check one record per (payer, root) before they accept a
///         chunk, and claim what their leaves pay whenever they like.
/// @dev Why a commitment per wave. Gas is most of what an upload pays, and the price of the
///      per-chunk design was its storage writes: one record per quote hash (two slots) plus a
///      balance per rewards address, about 51,000 gas a chunk. Here `payWave` writes ONE slot
///      per wave, whatever its size: the leaves travel in calldata, the contract hashes them and
///      builds the root in memory, emits one `ChunkPaid` log per leaf and records
///      `waves[payer][root]` (block, leaf count, claimed bitmap: one slot). What is left per
///      chunk is its calldata (64 bytes), one keccak, its share of the tree and its log: about
///      2,700 gas a chunk, plus about 47,000 a wave (the transaction, the one new slot, the
///      `WavePaid` log). Measured on a 40-node devnet by `scripts/bench-gas.sh` (README): a
///      64-chunk wave uses about 220,000 gas, 3,440 a chunk; a 16-chunk wave 5,670 a chunk.
///
///      What a leaf binds, and why. A leaf is 64 bytes: the chunk address, then one word holding
///      the rewards address (high 20 bytes) and the amount (low 12 bytes, uint96: up to 7.9e28
///      wei). Those are exactly what a node must check: that *this chunk* was paid, *to the
///      median quote's rewards address*, *at least three times its price*. The payer is bound by
///      the record's key (`msg.sender`), so a stranger paying the same leaves neither blocks
///      the payer (its record is its own) nor counts for it. The quote hash is left out on
///      purpose: the node checks the signed quote itself, off-chain, and a third word would cost
///      every chunk about 500 gas more of calldata for nothing a node needs; a payment reused for
///      the same chunk, node and payer with a later quote pays that node for that chunk still.
///
///      Tree: leaf hash = keccak256(chunk ++ word); an inner node = keccak256(left ++ right); an
///      odd node at the end of a level moves up unchanged. The leaf count is recorded, so a
///      leaf's index fixes the length and shape of its path: an inner node cannot pose as a leaf,
///      and each leaf has one index, one bit in the claimed bitmap.
///
///      The same payer cannot pay the same wave (same leaves, same order) twice: `AlreadyPaid`.
///      That backs the client's journal: a resent wave reverts instead of paying again.
///
///      Payouts are pull. Money stays in the vault until a node claims its leaves with their
///      paths (`claim`, in batches, one transfer per batch); no external call happens inside
///      `payWave`, so one rewards address that refuses ether cannot block a wave. A node learns
///      its leaves and paths from the proofs it admits; should it miss one, every leaf of a wave
///      is in its `payWave` transaction's calldata, so any path can be rebuilt from the chain.
///      Costs of this choice: claiming costs the node gas (each leaf's path in calldata and a
///      bit set in the wave's slot, which already exists), a node must keep its paths until it claims, and a proof grows by
///      its path (at most seven hashes for 128 leaves).
///
///      The node registry. Anyone may make keys, so a node counts (for clients placing chunks and
///      for peers judging proofs) only while it is registered here with a stake of at least
///      `minStake`, and at the position this contract gave it. `register(node)` locks the stake
///      (paid by a sponsor, the operator's wallet) in block B; `activate(node)`, sent by anyone
///      in a later block (within 256 blocks), sets the node's position to
///      keccak256(node, blockhash(B)): a hash no one could know when the registration was sent,
///      so no operator chooses or predicts where its node lands on the ring. A new position
///      needs a new registration (another stake) or an exit, `exitDelay` blocks of waiting and a
///      new stake. `exit(node)` (the sponsor) takes the node out of the active set at once;
///      `withdraw(node)` returns the stake to the sponsor `exitDelay` blocks later. Every change
///      to the active set bumps `registryVersion`, so readers reload the set only when it moved.
contract PaymentVault {
    /// The most leaves one wave may hold (the claimed bitmap is 128 bits).
    uint256 public constant MAX_LEAVES = 128;

    /// The least stake a node registers with, wei.
    uint256 public immutable minStake;
    /// Blocks between a node's exit and the return of its stake.
    uint256 public immutable exitDelay;

    /// A registered node: who staked for it, how much, when, and where it sits.
    struct Member {
        address sponsor;
        uint96 stake;
        uint64 registeredAt;
        uint64 exitAt;
        bytes32 position;
    }

    /// Registered nodes by their signing address.
    mapping(address => Member) public members;
    /// The active nodes (registered, activated, not exited).
    address[] public active;
    /// One more than a node's index in `active` (0: not active).
    mapping(address => uint256) private activeIndex;
    /// Bumped by every change to the active set.
    uint256 public registryVersion;

    event NodeRegistered(address indexed node, address indexed sponsor, uint256 stake);
    event NodeActivated(address indexed node, bytes32 position);
    event NodeExited(address indexed node);

    error StakeTooLow(uint256 sent, uint256 required);
    error AlreadyRegistered(address node);
    error NotRegistered(address node);
    error TooEarly(address node);
    error TooLate(address node);
    error NotSponsor(address node);
    error StillActive(address node);
    error ZeroNode();

    constructor(uint256 minStake_, uint256 exitDelay_) {
        minStake = minStake_;
        exitDelay = exitDelay_;
    }

    /// Stakes `msg.value` for `node`; its position is set by `activate` in a later block.
    function register(address node) external payable {
        if (node == address(0)) revert ZeroNode();
        if (msg.value < minStake || msg.value >= 2 ** 96) revert StakeTooLow(msg.value, minStake);
        if (members[node].registeredAt != 0) revert AlreadyRegistered(node);
        members[node] = Member(msg.sender, uint96(msg.value), uint64(block.number), 0, bytes32(0));
        emit NodeRegistered(node, msg.sender, msg.value);
    }

    /// Gives a registered node its position, keccak256(node, hash of its registration's block),
    /// and makes it active. Anyone may send it, in a block after the registration's and within
    /// 256 blocks of it (later, the block hash is gone: exit and register again).
    function activate(address node) external {
        Member storage m = members[node];
        if (m.registeredAt == 0 || m.exitAt != 0) revert NotRegistered(node);
        if (activeIndex[node] != 0) revert AlreadyRegistered(node);
        if (block.number <= m.registeredAt) revert TooEarly(node);
        bytes32 seed = blockhash(m.registeredAt);
        if (seed == bytes32(0)) revert TooLate(node);
        m.position = keccak256(abi.encode(node, seed));
        active.push(node);
        activeIndex[node] = active.length;
        registryVersion++;
        emit NodeActivated(node, m.position);
    }

    /// Takes a node out of the active set (its sponsor only); the stake can be withdrawn
    /// `exitDelay` blocks later.
    function exit(address node) external {
        Member storage m = members[node];
        if (m.registeredAt == 0 || m.exitAt != 0) revert NotRegistered(node);
        if (m.sponsor != msg.sender) revert NotSponsor(node);
        m.exitAt = uint64(block.number);
        uint256 index = activeIndex[node];
        if (index != 0) {
            address last = active[active.length - 1];
            active[index - 1] = last;
            activeIndex[last] = index;
            active.pop();
            delete activeIndex[node];
            registryVersion++;
        }
        emit NodeExited(node);
    }

    /// Returns an exited node's stake to its sponsor once `exitDelay` blocks have passed; the
    /// node may then be registered again (at a new position, with a new stake).
    function withdraw(address node) external {
        Member memory m = members[node];
        if (m.sponsor != msg.sender) revert NotSponsor(node);
        if (m.exitAt == 0) revert StillActive(node);
        if (block.number < m.exitAt + exitDelay) revert TooEarly(node);
        delete members[node];
        (bool ok,) = msg.sender.call{value: m.stake}("");
        if (!ok) revert TransferFailed();
    }

    /// How many nodes are active.
    function activeCount() external view returns (uint256) {
        return active.length;
    }

    /// Up to `count` active nodes from index `start`, with their positions.
    function activeMembers(uint256 start, uint256 count)
        external
        view
        returns (address[] memory nodes, bytes32[] memory positions)
    {
        uint256 end = start + count;
        if (end > active.length) end = active.length;
        if (start > end) start = end;
        nodes = new address[](end - start);
        positions = new bytes32[](end - start);
        for (uint256 i = start; i < end; i++) {
            nodes[i - start] = active[i];
            positions[i - start] = members[active[i]].position;
        }
    }

    /// A paid wave: the block it was paid in (0 when unpaid), its leaf count, and which leaves
    /// were claimed. One storage slot.
    struct Wave {
        uint64 blockNumber;
        uint16 leaves;
        uint128 claimed;
    }

    /// One leaf to claim, with the path that leads from it to its wave's root.
    struct Claim {
        address payer;
        bytes32 root;
        bytes32 chunk;
        uint96 amount;
        uint16 index;
        bytes32[] path;
    }

    /// Emitted once per paid leaf (a chunk paid twice shows twice). `payment` is the leaf's
    /// second word: the rewards address in its high 20 bytes, the amount in its low 12 bytes.
    /// The payer and root are in the `WavePaid` log of the same transaction.
    event ChunkPaid(bytes32 indexed chunk, bytes32 payment);
    /// Emitted once per paid wave.
    event WavePaid(address indexed payer, bytes32 indexed root, uint256 leaves, uint256 total);
    /// Emitted when leaves are claimed for a rewards address.
    event Claimed(address indexed rewards, uint256 amount);

    error BadLeaves(uint256 length);
    error TooManyLeaves(uint256 count);
    error BadLeaf(uint256 index);
    error AlreadyPaid(bytes32 root);
    error WrongValue(uint256 sent, uint256 required);
    error UnknownWave(address payer, bytes32 root);
    error NotInWave(bytes32 root, uint256 index);
    error AlreadyClaimed(bytes32 root, uint256 index);
    error NothingToClaim();
    error TransferFailed();

    /// Waves by payer, then root.
    mapping(address => mapping(bytes32 => Wave)) public waves;

    /// Pays for a wave: `leaves` is 64 bytes per leaf (chunk, then rewards and amount), and
    /// `msg.value` must equal the sum of the amounts. Returns the wave's root.
    function payWave(bytes calldata leaves) external payable returns (bytes32 root) {
        uint256 count = leaves.length / 64;
        if (count == 0 || leaves.length != count * 64) revert BadLeaves(leaves.length);
        if (count > MAX_LEAVES) revert TooManyLeaves(count);
        bytes32[] memory level = new bytes32[](count);
        uint256 total;
        bytes32 topic = ChunkPaid.selector;
        bytes4 badLeaf = BadLeaf.selector;
        assembly ("memory-safe") {
            let out := add(level, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let at := add(leaves.offset, mul(i, 64))
                let chunk := calldataload(at)
                let payment := calldataload(add(at, 32))
                let amount := and(payment, 0xffffffffffffffffffffffff)
                if or(iszero(amount), iszero(shr(96, payment))) {
                    mstore(0, badLeaf)
                    mstore(4, i)
                    revert(0, 0x24)
                }
                // At most 128 amounts below 2^96: the sum cannot overflow.
                total := add(total, amount)
                mstore(0, chunk)
                mstore(0x20, payment)
                mstore(add(out, mul(i, 0x20)), keccak256(0, 0x40))
                log2(0x20, 0x20, topic, chunk)
            }
            // Reduce in place: node j of the next level is hash(2j, 2j+1); an odd last node
            // moves up unchanged.
            for { let n := count } gt(n, 1) { n := shr(1, add(n, 1)) } {
                let half := shr(1, n)
                for { let j := 0 } lt(j, half) { j := add(j, 1) } {
                    mstore(add(out, mul(j, 0x20)), keccak256(add(out, mul(j, 0x40)), 0x40))
                }
                if and(n, 1) {
                    mstore(add(out, mul(half, 0x20)), mload(add(out, mul(sub(n, 1), 0x20))))
                }
            }
            root := mload(out)
        }
        if (msg.value != total) revert WrongValue(msg.value, total);
        mapping(bytes32 => Wave) storage mine = waves[msg.sender];
        if (mine[root].blockNumber != 0) revert AlreadyPaid(root);
        mine[root] = Wave(uint64(block.number), uint16(count), 0);
        emit WavePaid(msg.sender, root, count, total);
    }

    /// The records of many of one payer's waves in one call (all zero for waves never paid).
    function wavesOf(address payer, bytes32[] calldata roots) external view returns (Wave[] memory found) {
        mapping(bytes32 => Wave) storage theirs = waves[payer];
        found = new Wave[](roots.length);
        for (uint256 i = 0; i < roots.length; i++) {
            found[i] = theirs[roots[i]];
        }
    }

    /// Pays `rewards` what its leaves in `claims` hold, in one transfer, and marks them claimed.
    /// Anyone may send it (the money goes to `rewards` only); every leaf must pay `rewards`.
    function claim(address rewards, Claim[] calldata claims) external returns (uint256 total) {
        for (uint256 i = 0; i < claims.length; i++) {
            Claim calldata c = claims[i];
            Wave storage wave = waves[c.payer][c.root];
            uint256 count = wave.leaves;
            if (wave.blockNumber == 0) revert UnknownWave(c.payer, c.root);
            if (c.index >= count) revert NotInWave(c.root, c.index);
            bytes32 leaf = keccak256(abi.encode(c.chunk, (uint256(uint160(rewards)) << 96) | c.amount));
            if (rootOf(leaf, c.index, count, c.path) != c.root) revert NotInWave(c.root, c.index);
            uint128 bit = uint128(1) << c.index;
            if (wave.claimed & bit != 0) revert AlreadyClaimed(c.root, c.index);
            wave.claimed |= bit;
            total += c.amount;
        }
        if (total == 0) revert NothingToClaim();
        (bool ok,) = rewards.call{value: total}("");
        if (!ok) revert TransferFailed();
        emit Claimed(rewards, total);
    }

    /// The root that `leaf` at `index` of a wave of `count` leaves leads to along `path`, or
    /// zero when the path has the wrong length for that position.
    function rootOf(bytes32 leaf, uint256 index, uint256 count, bytes32[] calldata path)
        public
        pure
        returns (bytes32 node)
    {
        node = leaf;
        uint256 used = 0;
        while (count > 1) {
            if ((index ^ 1) < count) {
                if (used == path.length) return bytes32(0);
                bytes32 sibling = path[used++];
                node = index & 1 == 0 ? keccak256(abi.encode(node, sibling)) : keccak256(abi.encode(sibling, node));
            }
            index >>= 1;
            count = (count + 1) >> 1;
        }
        if (used != path.length) return bytes32(0);
    }
}
