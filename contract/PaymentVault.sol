// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title ferry payment vault
/// @notice Clients pay for a whole wave of chunks in one call; storage nodes check the record
///         of (payer, quote hash) before they accept a chunk.
/// @dev Payouts are *pull*, not push. A push payout calls every rewards address inside
///      `payWave`, so one rewards address that is a contract refusing ether (or burning gas)
///      would revert the whole wave and block every other chunk in it; the client could not
///      tell which node to drop without a second round trip. With pull payouts `payWave` only
///      writes storage and emits events, its gas is predictable (no external calls, so no
///      reentrancy surface), and each node sweeps its balance with `withdraw` when it likes.
///      A payment is bound to its payer: records are keyed by (msg.sender, quote hash). A
///      quote hash can be paid only once per payer, so a client bug can never pay the same
///      quote twice; and a stranger who pays someone else's quote hash first neither makes
///      that payer's wave revert (no front-running) nor counts as that payer's payment.
contract PaymentVault {
    /// One chunk's payment inside a wave.
    struct Payment {
        bytes32 chunk;
        bytes32 quoteHash;
        address rewards;
        uint256 amount;
    }

    /// What a payer paid for a quote hash, and in which block (for confirmations). `rewards`
    /// and `blockNumber` share one storage slot.
    struct Record {
        address rewards;
        uint64 blockNumber;
        uint256 amount;
    }

    /// Emitted once per paid chunk, so anyone can audit that no chunk was paid twice.
    event ChunkPaid(
        bytes32 indexed chunk, bytes32 indexed quoteHash, address indexed payer, address rewards, uint256 amount
    );
    /// Emitted when a rewards address sweeps its balance.
    event Withdrawn(address indexed rewards, uint256 amount);

    error EmptyWave();
    error ZeroAmount(bytes32 quoteHash);
    error ZeroRewards(bytes32 quoteHash);
    error AlreadyPaid(bytes32 quoteHash);
    error WrongValue(uint256 sent, uint256 required);
    error NothingToWithdraw();
    error TransferFailed();

    /// Records by payer, then quote hash.
    mapping(address => mapping(bytes32 => Record)) private records;

    /// Ether owed to each rewards address, claimable with `withdraw`.
    mapping(address => uint256) public balanceOf;

    /// Pays for every chunk of a wave; `msg.value` must equal the sum of the amounts.
    function payWave(Payment[] calldata payments) external payable {
        if (payments.length == 0) revert EmptyWave();
        uint256 total = 0;
        mapping(bytes32 => Record) storage mine = records[msg.sender];
        for (uint256 i = 0; i < payments.length; i++) {
            Payment calldata p = payments[i];
            if (p.amount == 0) revert ZeroAmount(p.quoteHash);
            if (p.rewards == address(0)) revert ZeroRewards(p.quoteHash);
            if (mine[p.quoteHash].amount != 0) revert AlreadyPaid(p.quoteHash);
            mine[p.quoteHash] = Record(p.rewards, uint64(block.number), p.amount);
            balanceOf[p.rewards] += p.amount;
            total += p.amount;
            emit ChunkPaid(p.chunk, p.quoteHash, msg.sender, p.rewards, p.amount);
        }
        if (msg.value != total) revert WrongValue(msg.value, total);
    }

    /// What `payer` paid for one quote hash, and in which block (all zero when unpaid).
    function paidFor(address payer, bytes32 quoteHash)
        external
        view
        returns (address rewards, uint256 amount, uint64 blockNumber)
    {
        Record storage r = records[payer][quoteHash];
        return (r.rewards, r.amount, r.blockNumber);
    }

    /// `paidFor` for many of one payer's quote hashes in one call (to reconcile a journal).
    function paidForMany(address payer, bytes32[] calldata quoteHashes)
        external
        view
        returns (Record[] memory found)
    {
        mapping(bytes32 => Record) storage theirs = records[payer];
        found = new Record[](quoteHashes.length);
        for (uint256 i = 0; i < quoteHashes.length; i++) {
            found[i] = theirs[quoteHashes[i]];
        }
    }

    /// Sends the caller everything it is owed.
    function withdraw() external {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        balanceOf[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed();
        emit Withdrawn(msg.sender, amount);
    }
}
