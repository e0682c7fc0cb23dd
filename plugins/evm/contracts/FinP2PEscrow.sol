// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

interface IFinP2PToken {
    function escrowMove(address from, address to, uint256 amount) external;
}

/// Holds for FinP2P plans: a hold moves an owner's tokens into this contract under the hold's
/// operation id; a release pays them (all or part) to the payee; a revert returns what is left
/// to the owner. Every operation runs at most once per operation id and emits an event indexed
/// by it. held(token, owner) is the owner's total under holds, for balances.
///
/// A hash time-locked hold (lock) is a hold with a hash and an expiry. It lives here rather than
/// in a contract of its own because the token lets one escrow move its tokens, and because a
/// lock is custody like any hold: held() counts it, and release/revertHold refuse it, so the
/// only ways out are claim (anyone, with the preimage, before the expiry: the beneficiary is
/// paid and the preimage published in Claimed) and refund (anyone, from the expiry on: the
/// owner is paid). Neither needs an operator: the lock, not the caller, decides the outcome, so
/// a beneficiary can claim on its own and an owner can refund on its own.
contract FinP2PEscrow {
    enum HoldState {
        None,
        Held,
        Released,
        Reverted
    }

    struct Hold {
        address token;
        address owner;
        address beneficiary;
        uint256 remaining;
        HoldState state;
    }

    enum HashFunction {
        Sha256,
        Keccak256
    }

    struct HashLock {
        bytes32 hash;
        uint64 expiry; // unix seconds; zero: not a hash-locked hold
        HashFunction hashFunction;
    }

    address public immutable owner;
    mapping(address => bool) public operators;
    mapping(bytes32 => bool) public executed;
    mapping(bytes32 => Hold) public holds;
    mapping(address => mapping(address => uint256)) public held;
    mapping(bytes32 => HashLock) public hashLocks;

    event Held(bytes32 indexed operationId, address indexed token, address indexed owner, address beneficiary, uint256 amount);
    event Released(bytes32 indexed operationId, bytes32 indexed holdId, address indexed to, address token, address from, uint256 amount);
    event Reverted(bytes32 indexed operationId, bytes32 indexed holdId, address indexed owner, address token, uint256 amount);
    event Locked(bytes32 indexed operationId, address indexed token, address indexed owner, address beneficiary, uint256 amount, bytes32 hash, HashFunction hashFunction, uint64 expiry);
    event Claimed(bytes32 indexed operationId, bytes32 indexed holdId, address indexed to, address token, address from, uint256 amount, bytes preimage);
    event Refunded(bytes32 indexed operationId, bytes32 indexed holdId, address indexed owner, address token, uint256 amount);

    constructor() {
        owner = msg.sender;
        operators[msg.sender] = true;
    }

    modifier onlyOperator() {
        require(operators[msg.sender], "only an operator");
        _;
    }

    modifier once(bytes32 operationId) {
        require(!executed[operationId], "operation already executed");
        executed[operationId] = true;
        _;
    }

    modifier notHashLocked(bytes32 holdId) {
        require(hashLocks[holdId].expiry == 0, "hold is hash-locked");
        _;
    }

    function setOperator(address who, bool allowed) external {
        require(msg.sender == owner, "only the owner");
        operators[who] = allowed;
    }

    function hold(bytes32 operationId, address token, address from, address beneficiary, uint256 amount)
        external
        onlyOperator
        once(operationId)
    {
        require(amount > 0, "amount must be greater than zero");
        IFinP2PToken(token).escrowMove(from, address(this), amount);
        holds[operationId] = Hold(token, from, beneficiary, amount, HoldState.Held);
        held[token][from] += amount;
        emit Held(operationId, token, from, beneficiary, amount);
    }

    /// Pays `amount` of the hold to `to` (the hold's beneficiary when zero); amount zero
    /// releases everything that remains.
    function release(bytes32 operationId, bytes32 holdId, address to, uint256 amount)
        external
        onlyOperator
        once(operationId)
        notHashLocked(holdId)
    {
        Hold storage h = holds[holdId];
        require(h.state != HoldState.None, "no such hold");
        require(h.state == HoldState.Held, "hold is no longer held");
        if (amount == 0) amount = h.remaining;
        require(amount <= h.remaining, "release exceeds the hold");
        if (to == address(0)) to = h.beneficiary;
        h.remaining -= amount;
        if (h.remaining == 0) h.state = HoldState.Released;
        held[h.token][h.owner] -= amount;
        IFinP2PToken(h.token).escrowMove(address(this), to, amount);
        emit Released(operationId, holdId, to, h.token, h.owner, amount);
    }

    function revertHold(bytes32 operationId, bytes32 holdId)
        external
        onlyOperator
        once(operationId)
        notHashLocked(holdId)
    {
        Hold storage h = holds[holdId];
        require(h.state != HoldState.None, "no such hold");
        require(h.state == HoldState.Held, "hold is no longer held");
        uint256 amount = h.remaining;
        h.remaining = 0;
        h.state = HoldState.Reverted;
        held[h.token][h.owner] -= amount;
        IFinP2PToken(h.token).escrowMove(address(this), h.owner, amount);
        emit Reverted(operationId, holdId, h.owner, h.token, amount);
    }

    /// Locks like hold, under `hash` until `expiry`. Only an operator: it moves the owner's tokens.
    function lock(
        bytes32 operationId,
        address token,
        address from,
        address beneficiary,
        uint256 amount,
        bytes32 hash,
        HashFunction hashFunction,
        uint64 expiry
    ) external onlyOperator once(operationId) {
        require(amount > 0, "amount must be greater than zero");
        require(beneficiary != address(0), "a hash lock needs its beneficiary");
        require(expiry > block.timestamp, "expiry is not in the future");
        IFinP2PToken(token).escrowMove(from, address(this), amount);
        holds[operationId] = Hold(token, from, beneficiary, amount, HoldState.Held);
        hashLocks[operationId] = HashLock(hash, expiry, hashFunction);
        held[token][from] += amount;
        emit Locked(operationId, token, from, beneficiary, amount, hash, hashFunction, expiry);
    }

    /// Pays the whole lock to its beneficiary. Anyone may call it: the preimage is the
    /// authority. `operationId` names the claim for the caller's bookkeeping (at most once).
    function claim(bytes32 operationId, bytes32 holdId, bytes calldata preimage) external once(operationId) {
        HashLock storage l = hashLocks[holdId];
        Hold storage h = holds[holdId];
        require(l.expiry != 0, "no such hash lock");
        require(h.state == HoldState.Held, h.state == HoldState.Released ? "hash lock already claimed" : "hash lock already refunded");
        require(block.timestamp < l.expiry, "hash lock expired");
        bytes32 digest = l.hashFunction == HashFunction.Sha256 ? sha256(preimage) : keccak256(preimage);
        require(digest == l.hash, "wrong preimage");
        uint256 amount = h.remaining;
        h.remaining = 0;
        h.state = HoldState.Released;
        held[h.token][h.owner] -= amount;
        IFinP2PToken(h.token).escrowMove(address(this), h.beneficiary, amount);
        emit Claimed(operationId, holdId, h.beneficiary, h.token, h.owner, amount, preimage);
    }

    /// Gives the whole lock back to its owner, from the expiry on. Anyone may call it.
    function refund(bytes32 operationId, bytes32 holdId) external once(operationId) {
        HashLock storage l = hashLocks[holdId];
        Hold storage h = holds[holdId];
        require(l.expiry != 0, "no such hash lock");
        require(h.state == HoldState.Held, h.state == HoldState.Released ? "hash lock already claimed" : "hash lock already refunded");
        require(block.timestamp >= l.expiry, "hash lock not yet expired");
        uint256 amount = h.remaining;
        h.remaining = 0;
        h.state = HoldState.Reverted;
        held[h.token][h.owner] -= amount;
        IFinP2PToken(h.token).escrowMove(address(this), h.owner, amount);
        emit Refunded(operationId, holdId, h.owner, h.token, amount);
    }
}
