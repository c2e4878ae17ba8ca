// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {CoordinatorRegistry} from "./CoordinatorRegistry.sol";

/// @title Staking: providers bond tokens that a verifier can slash with evidence.
/// @notice Unbonding tokens stay slashable until withdrawn, so a cheater cannot escape
/// a pending slash by unbonding first. A slasher needs both the verifier role (granted by
/// the admin) and an active registration with the CoordinatorRegistry, and slashes at most
/// its own bond at a time: it has more at stake than it can take.
/// The economic parameters (unbonding delay, slash shares, stake floor, default verification
/// policy) belong to the owner, the governance timelock, and stay within fixed bounds. The
/// admin role only admits verifiers.
contract Staking is AccessControl, Ownable {
    using SafeERC20 for IERC20;

    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");
    uint16 internal constant BPS = 10_000;
    /// Long enough to find and slash a cheat before its stake leaves; short enough that
    /// governance cannot lock stake away indefinitely.
    uint64 public constant MIN_UNBONDING_DELAY = 1 hours;
    uint64 public constant MAX_UNBONDING_DELAY = 90 days;
    uint32 public constant MAX_STAKE_FLOOR_MULTIPLIER = 100;
    /// Default verification policy kinds, as the coordinator reads them (verify/policy.ts).
    uint8 public constant VERIFY_NONE = 0;
    uint8 public constant VERIFY_SAMPLE = 1;
    uint8 public constant VERIFY_REPLICATE = 2;
    uint8 public constant VERIFY_CANARY = 3;
    /// Probabilities are in parts per million; replicas range from 2 to the coordinator's maximum.
    uint32 internal constant PPM = 1_000_000;
    uint32 internal constant MAX_REPLICAS = 7;

    IERC20 public immutable token;
    CoordinatorRegistry public immutable coordinators;
    address public immutable treasury;
    // One storage slot for all parameters: a slash or an unbond reads it once.
    uint64 public unbondingDelay;
    /// Share of a slash paid to the challenger; the treasury gets the rest.
    uint16 public challengerShareBps;
    /// A provider may take a job of value V only with at least V * stakeFloorMultiplier bonded.
    uint32 public stakeFloorMultiplier;
    /// What a job that names no verification policy gets (VERIFY_*, and its probability or replicas).
    uint8 public defaultVerificationKind;
    uint32 public defaultVerificationValue;

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

    event UnbondingDelayChanged(uint64 previous, uint64 current);
    event ChallengerShareChanged(uint16 previousBps, uint16 currentBps);
    event StakeFloorMultiplierChanged(uint32 previous, uint32 current);
    event DefaultVerificationChanged(uint8 kind, uint32 value);

    error ZeroAmount();
    error InvalidParameter();
    error InsufficientBonded(uint256 bonded, uint256 requested);
    error NothingToWithdraw();
    error StillUnbonding(uint64 releaseAt);
    error SlashExceedsStake(uint256 slashable, uint256 requested);
    error EvidenceAlreadyUsed(bytes32 evidenceHash);
    error CoordinatorNotActive(address coordinator);
    error SlashExceedsCoordinatorStake(uint256 coordinatorStake, uint256 requested);
    error ParameterOutOfBounds(uint256 value, uint256 min, uint256 max);

    constructor(
        IERC20 token_,
        CoordinatorRegistry coordinators_,
        address treasury_,
        uint64 unbondingDelay_,
        uint16 challengerShareBps_,
        uint32 stakeFloorMultiplier_,
        address admin,
        address owner_
    ) Ownable(owner_) {
        if (treasury_ == address(0) || admin == address(0)) revert InvalidParameter();
        token = token_;
        coordinators = coordinators_;
        treasury = treasury_;
        _setUnbondingDelay(unbondingDelay_);
        _setChallengerShare(challengerShareBps_);
        _setStakeFloorMultiplier(stakeFloorMultiplier_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---- governance: the owner (timelock) sets the parameters, within bounds ----

    /// @notice Applies to unbonding requested from now on; stake already unbonding keeps its date.
    function setUnbondingDelay(uint64 delay) external onlyOwner {
        _setUnbondingDelay(delay);
    }

    function setChallengerShareBps(uint16 shareBps) external onlyOwner {
        _setChallengerShare(shareBps);
    }

    function setStakeFloorMultiplier(uint32 multiplier) external onlyOwner {
        _setStakeFloorMultiplier(multiplier);
    }

    /// @notice The policy coordinators apply to a job that names none: VERIFY_NONE (value 0),
    /// VERIFY_SAMPLE (probability in ppm, above 0), VERIFY_REPLICATE (2 to 7 replicas) or
    /// VERIFY_CANARY (probability in ppm; 0 for the coordinator's own rate).
    function setDefaultVerification(uint8 kind, uint32 value) external onlyOwner {
        if (kind > VERIFY_CANARY) revert ParameterOutOfBounds(kind, VERIFY_NONE, VERIFY_CANARY);
        (uint256 min, uint256 max) = kind == VERIFY_NONE
            ? (uint256(0), uint256(0))
            : kind == VERIFY_SAMPLE
                ? (uint256(1), uint256(PPM))
                : kind == VERIFY_REPLICATE ? (uint256(2), uint256(MAX_REPLICAS)) : (uint256(0), uint256(PPM));
        if (value < min || value > max) revert ParameterOutOfBounds(value, min, max);
        defaultVerificationKind = kind;
        defaultVerificationValue = value;
        emit DefaultVerificationChanged(kind, value);
    }

    function _setUnbondingDelay(uint64 delay) internal {
        if (delay < MIN_UNBONDING_DELAY || delay > MAX_UNBONDING_DELAY) {
            revert ParameterOutOfBounds(delay, MIN_UNBONDING_DELAY, MAX_UNBONDING_DELAY);
        }
        emit UnbondingDelayChanged(unbondingDelay, delay);
        unbondingDelay = delay;
    }

    function _setChallengerShare(uint16 shareBps) internal {
        if (shareBps > BPS) revert ParameterOutOfBounds(shareBps, 0, BPS);
        emit ChallengerShareChanged(challengerShareBps, shareBps);
        challengerShareBps = shareBps;
    }

    function _setStakeFloorMultiplier(uint32 multiplier) internal {
        if (multiplier == 0 || multiplier > MAX_STAKE_FLOOR_MULTIPLIER) {
            revert ParameterOutOfBounds(multiplier, 1, MAX_STAKE_FLOOR_MULTIPLIER);
        }
        emit StakeFloorMultiplierChanged(stakeFloorMultiplier, multiplier);
        stakeFloorMultiplier = multiplier;
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

    function defaultVerification() external view returns (uint8 kind, uint32 value) {
        return (defaultVerificationKind, defaultVerificationValue);
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
