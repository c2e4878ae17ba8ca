// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {CoordinatorRegistry} from "./CoordinatorRegistry.sol";

/// @title Staking: providers bond tokens that a verifier can slash with evidence.
/// @notice Unbonding tokens stay slashable until withdrawn, so a cheater cannot escape
/// a pending slash by unbonding first. A slasher needs both the verifier role (granted by
/// the admin) and an active registration with the CoordinatorRegistry, and slashes at most
/// its own bond at a time: it has more at stake than it can take.
contract Staking is AccessControl {
    using SafeERC20 for IERC20;

    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");
    uint16 internal constant BPS = 10_000;

    IERC20 public immutable token;
    CoordinatorRegistry public immutable coordinators;
    address public immutable treasury;
    uint64 public immutable unbondingDelay;
    uint16 public immutable challengerShareBps;
    /// A provider may take a job of value V only with at least V * stakeFloorMultiplier bonded.
    uint32 public immutable stakeFloorMultiplier;

    struct StakeAccount {
        uint256 bonded;
        uint256 unbonding;
        uint64 releaseAt;
    }

    mapping(address provider => StakeAccount) internal accounts;
    mapping(bytes32 evidenceHash => bool) public evidenceUsed;

    event Staked(address indexed provider, uint256 amount);
    event UnbondRequested(address indexed provider, uint256 amount, uint64 releaseAt);
    event Withdrawn(address indexed provider, uint256 amount);
    event Slashed(
        address indexed provider,
        uint256 amount,
        address indexed challenger,
        uint256 challengerReward,
        bytes32 indexed evidenceHash
    );

    error ZeroAmount();
    error InvalidParameter();
    error InsufficientBonded(uint256 bonded, uint256 requested);
    error NothingToWithdraw();
    error StillUnbonding(uint64 releaseAt);
    error SlashExceedsStake(uint256 slashable, uint256 requested);
    error EvidenceAlreadyUsed(bytes32 evidenceHash);
    error CoordinatorNotActive(address coordinator);
    error SlashExceedsCoordinatorStake(uint256 coordinatorStake, uint256 requested);

    constructor(
        IERC20 token_,
        CoordinatorRegistry coordinators_,
        address treasury_,
        uint64 unbondingDelay_,
        uint16 challengerShareBps_,
        uint32 stakeFloorMultiplier_,
        address admin
    ) {
        if (treasury_ == address(0) || admin == address(0) || challengerShareBps_ > BPS || stakeFloorMultiplier_ == 0) {
            revert InvalidParameter();
        }
        token = token_;
        coordinators = coordinators_;
        treasury = treasury_;
        unbondingDelay = unbondingDelay_;
        challengerShareBps = challengerShareBps_;
        stakeFloorMultiplier = stakeFloorMultiplier_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    function stake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        accounts[msg.sender].bonded += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount);
    }

    /// @notice Moves bonded stake to unbonding. A new request restarts the delay for all
    /// unbonding stake: one queue per provider keeps the accounting simple and safe.
    function requestUnbond(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        StakeAccount storage account = accounts[msg.sender];
        if (amount > account.bonded) revert InsufficientBonded(account.bonded, amount);
        account.bonded -= amount;
        account.unbonding += amount;
        account.releaseAt = uint64(block.timestamp) + unbondingDelay;
        emit UnbondRequested(msg.sender, amount, account.releaseAt);
    }

    function withdraw() external {
        StakeAccount storage account = accounts[msg.sender];
        uint256 amount = account.unbonding;
        if (amount == 0) revert NothingToWithdraw();
        if (block.timestamp < account.releaseAt) revert StillUnbonding(account.releaseAt);
        account.unbonding = 0;
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Slashes `amount` from a provider (bonded first, then unbonding), paying the
    /// challenger its share and the treasury the rest. Each evidence hash slashes once.
    function slash(address provider, uint256 amount, bytes32 evidenceHash, address challenger)
        external
        onlyRole(VERIFIER_ROLE)
    {
        if (amount == 0) revert ZeroAmount();
        if (evidenceUsed[evidenceHash]) revert EvidenceAlreadyUsed(evidenceHash);
        if (!coordinators.isActive(msg.sender)) revert CoordinatorNotActive(msg.sender);
        uint256 coordinatorStake = coordinators.stakeOf(msg.sender);
        if (amount > coordinatorStake) revert SlashExceedsCoordinatorStake(coordinatorStake, amount);
        StakeAccount storage account = accounts[provider];
        uint256 slashable = account.bonded + account.unbonding;
        if (amount > slashable) revert SlashExceedsStake(slashable, amount);
        evidenceUsed[evidenceHash] = true;

        uint256 fromBonded = amount <= account.bonded ? amount : account.bonded;
        account.bonded -= fromBonded;
        account.unbonding -= amount - fromBonded;

        uint256 reward = challenger == address(0) ? 0 : (amount * challengerShareBps) / BPS;
        if (reward > 0) token.safeTransfer(challenger, reward);
        token.safeTransfer(treasury, amount - reward);
        emit Slashed(provider, amount, challenger, reward, evidenceHash);
    }

    function stakeOf(address provider) external view returns (uint256 bonded, uint256 unbonding, uint64 releaseAt) {
        StakeAccount storage account = accounts[provider];
        return (account.bonded, account.unbonding, account.releaseAt);
    }

    function slashableStake(address provider) external view returns (uint256) {
        StakeAccount storage account = accounts[provider];
        return account.bonded + account.unbonding;
    }

    function minStakeForJob(uint256 jobValue) public view returns (uint256) {
        return jobValue * stakeFloorMultiplier;
    }

    /// @notice Whether a provider's bonded stake covers a job of this value (the stake floor).
    function canServe(address provider, uint256 jobValue) external view returns (bool) {
        return accounts[provider].bonded >= minStakeForJob(jobValue);
    }
}
