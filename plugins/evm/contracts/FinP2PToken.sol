// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// An ERC-20 asset token operated by a FinP2P router's EVM ledger plugin. Operators (the
/// plugin's sending accounts) issue, redeem and transfer on behalf of the FinP2P accounts the
/// router serves; each such operation carries the FinP2P operation id (keccak256 of the
/// idempotency key), runs at most once, and is announced by an event indexed by that id, which is
/// how the plugin finds it again after a crash. The escrow moves tokens into and out of holds.
contract FinP2PToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    address public immutable owner;
    address public escrow;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public operators;
    mapping(bytes32 => bool) public executed;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event Issued(bytes32 indexed operationId, address indexed to, uint256 amount);
    event Redeemed(bytes32 indexed operationId, address indexed from, uint256 amount);
    event Transferred(bytes32 indexed operationId, address indexed from, address indexed to, uint256 amount);

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
        operators[msg.sender] = true;
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "only the owner");
        _;
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

    function setOperator(address who, bool allowed) external onlyOwner {
        operators[who] = allowed;
    }

    function setEscrow(address escrow_) external onlyOwner {
        escrow = escrow_;
    }

    function issue(bytes32 operationId, address to, uint256 amount) external onlyOperator once(operationId) {
        require(amount > 0, "amount must be greater than zero");
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
        emit Issued(operationId, to, amount);
    }

    function redeem(bytes32 operationId, address from, uint256 amount) external onlyOperator once(operationId) {
        require(amount > 0, "amount must be greater than zero");
        _debit(from, amount);
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
        emit Redeemed(operationId, from, amount);
    }

    function transferFor(bytes32 operationId, address from, address to, uint256 amount)
        external
        onlyOperator
        once(operationId)
    {
        require(amount > 0, "amount must be greater than zero");
        require(from != to, "source and destination are the same account");
        _move(from, to, amount);
        emit Transferred(operationId, from, to, amount);
    }

    /// Called by the escrow only, to move tokens into a hold and out of it.
    function escrowMove(address from, address to, uint256 amount) external {
        require(msg.sender == escrow && escrow != address(0), "only the escrow");
        _move(from, to, amount);
    }

    // ---- plain ERC-20, for holders who manage their own keys ----
    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, "allowance exceeded");
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _debit(address from, uint256 amount) private {
        uint256 available = balanceOf[from];
        require(available >= amount, "insufficient balance");
        unchecked {
            balanceOf[from] = available - amount;
        }
    }

    function _move(address from, address to, uint256 amount) private {
        _debit(from, amount);
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
