// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

interface IFinP2PToken {
    function escrowMove(address from, address to, uint256 amount) external;
}

/// Holds for FinP2P plans: a hold moves an owner's tokens into this contract under the hold's
/// operation id; a release pays them (all or part) to the payee; a revert returns what is left
/// to the owner. Every operation runs at most once per operation id and emits an event indexed
/// by it. held(token, owner) is the owner's total under holds, for balances.
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

    address public immutable owner;
    mapping(address => bool) public operators;
    mapping(bytes32 => bool) public executed;
    mapping(bytes32 => Hold) public holds;
    mapping(address => mapping(address => uint256)) public held;

    event Held(bytes32 indexed operationId, address indexed token, address indexed owner, address beneficiary, uint256 amount);
    event Released(bytes32 indexed operationId, bytes32 indexed holdId, address indexed to, address token, address from, uint256 amount);
    event Reverted(bytes32 indexed operationId, bytes32 indexed holdId, address indexed owner, address token, uint256 amount);

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

    function revertHold(bytes32 operationId, bytes32 holdId) external onlyOperator once(operationId) {
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
}
