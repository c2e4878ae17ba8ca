// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title CoordinatorRegistry: the coordinators of the mesh, each with a bond and its endpoints.
/// @notice Providers take work only from active coordinators, and Staking lets a coordinator
/// slash a provider for at most its own bond. Leaving takes an unbonding delay, during which
/// the coordinator is no longer active but its bond can still be slashed by the admin
/// (governance) for a fault found late.
contract CoordinatorRegistry is AccessControl {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    address public immutable treasury;
    /// The bond below which a coordinator is not active.
    uint256 public immutable minStake;
    uint64 public immutable unbondingDelay;

    struct Coordinator {
        address account;
        uint256 bonded;
        /// Zero while registered; when leaving, the time its bond can be withdrawn.
        uint64 releaseAt;
        /// Its libp2p multiaddr (ending in /p2p/<peer id>) and its HTTP API, for discovery.
        string p2p;
        string apiUrl;
    }

    mapping(address account => Coordinator) internal records;
    /// Every coordinator with a bond (leaving ones too, until they withdraw).
    address[] internal members;
    mapping(address account => uint256 indexPlusOne) internal memberIndex;

    event Registered(address indexed coordinator, uint256 bonded, string p2p, string apiUrl);
    event DeregisterRequested(address indexed coordinator, uint64 releaseAt);
    event Withdrawn(address indexed coordinator, uint256 amount);
    event CoordinatorSlashed(address indexed coordinator, uint256 amount, bytes32 indexed evidenceHash);

    error InvalidParameter();
    error StakeBelowMinimum(uint256 bonded, uint256 minimum);
    error NotRegistered(address coordinator);
    error AlreadyLeaving(uint64 releaseAt);
    error StillUnbonding(uint64 releaseAt);
    error NotLeaving(address coordinator);
    error SlashExceedsStake(uint256 slashable, uint256 requested);

    constructor(IERC20 token_, address treasury_, uint256 minStake_, uint64 unbondingDelay_, address admin) {
        if (treasury_ == address(0) || admin == address(0) || minStake_ == 0) revert InvalidParameter();
        token = token_;
        treasury = treasury_;
        minStake = minStake_;
        unbondingDelay = unbondingDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Registers (or tops up and updates the endpoints of) the caller. The bond after
    /// this call must reach the minimum. A leaving coordinator must withdraw first.
    function register(uint256 amount, string calldata p2p, string calldata apiUrl) external {
        Coordinator storage record = records[msg.sender];
        if (record.releaseAt != 0) revert AlreadyLeaving(record.releaseAt);
        uint256 bonded = record.bonded + amount;
        if (bonded < minStake) revert StakeBelowMinimum(bonded, minStake);
        if (memberIndex[msg.sender] == 0) {
            members.push(msg.sender);
            memberIndex[msg.sender] = members.length;
            record.account = msg.sender;
        }
        record.bonded = bonded;
        record.p2p = p2p;
        record.apiUrl = apiUrl;
        if (amount > 0) token.safeTransferFrom(msg.sender, address(this), amount);
        emit Registered(msg.sender, bonded, p2p, apiUrl);
    }

    /// @notice Stops being active now; the bond can be withdrawn after the unbonding delay.
    function requestDeregister() external {
        Coordinator storage record = records[msg.sender];
        if (memberIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        if (record.releaseAt != 0) revert AlreadyLeaving(record.releaseAt);
        record.releaseAt = uint64(block.timestamp) + unbondingDelay;
        emit DeregisterRequested(msg.sender, record.releaseAt);
    }

    function withdraw() external {
        Coordinator storage record = records[msg.sender];
        if (memberIndex[msg.sender] == 0) revert NotRegistered(msg.sender);
        if (record.releaseAt == 0) revert NotLeaving(msg.sender);
        if (block.timestamp < record.releaseAt) revert StillUnbonding(record.releaseAt);
        uint256 amount = record.bonded;
        _removeMember(msg.sender);
        delete records[msg.sender];
        if (amount > 0) token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Governance takes `amount` of a coordinator's bond to the treasury, for a fault
    /// shown by evidence (a forged punishment, say). Below the minimum it is no longer active.
    function slash(address coordinator, uint256 amount, bytes32 evidenceHash)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        Coordinator storage record = records[coordinator];
        if (amount == 0 || amount > record.bonded) revert SlashExceedsStake(record.bonded, amount);
        record.bonded -= amount;
        token.safeTransfer(treasury, amount);
        emit CoordinatorSlashed(coordinator, amount, evidenceHash);
    }

    /// @notice Registered, not leaving, and bonded at least the minimum.
    function isActive(address coordinator) public view returns (bool) {
        Coordinator storage record = records[coordinator];
        return record.releaseAt == 0 && record.bonded >= minStake;
    }

    function stakeOf(address coordinator) external view returns (uint256) {
        return records[coordinator].bonded;
    }

    function coordinatorOf(address coordinator) external view returns (Coordinator memory) {
        return records[coordinator];
    }

    /// @notice The active coordinators with their endpoints: how nodes find the mesh.
    function activeCoordinators() external view returns (Coordinator[] memory active) {
        uint256 count;
        for (uint256 i = 0; i < members.length; i++) {
            if (isActive(members[i])) count++;
        }
        active = new Coordinator[](count);
        uint256 next;
        for (uint256 i = 0; i < members.length; i++) {
            if (isActive(members[i])) active[next++] = records[members[i]];
        }
    }

    function _removeMember(address account) internal {
        uint256 index = memberIndex[account] - 1;
        address last = members[members.length - 1];
        members[index] = last;
        memberIndex[last] = index + 1;
        members.pop();
        delete memberIndex[account];
    }
}
