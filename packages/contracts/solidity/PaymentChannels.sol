// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title PaymentChannels: one deposit per client, cumulative vouchers per provider.
/// @notice A client (or a session key it authorized) signs EIP-712 vouchers carrying the
/// cumulative amount owed to one provider. The provider redeems the latest whenever it
/// likes and is paid the difference to what it already redeemed, minus the protocol fee.
/// The client can take back unspent funds only after a timelock, which gives providers
/// time to redeem what they earned. The protocol fee belongs to the owner (the governance
/// timelock): each redemption pays the fee in force when it is mined.
contract PaymentChannels is EIP712, Ownable {
    using SafeERC20 for IERC20;

    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address client,address provider,uint256 cumulativeAmount,uint64 nonce,uint64 expiry)");
    uint16 internal constant BPS = 10_000;
    /// The fee can never exceed 10%, whatever governance votes.
    uint16 public constant MAX_FEE_BPS = 1_000;

    struct Voucher {
        address client;
        address provider;
        uint256 cumulativeAmount;
        uint64 nonce;
        uint64 expiry;
    }

    struct Channel {
        uint256 balance;
        uint256 withdrawAmount;
        uint64 withdrawUnlockAt;
    }

    struct Redemption {
        uint256 paid;
        uint64 nonce;
    }

    struct SessionKey {
        uint256 cap;
        uint256 spent;
        uint64 expiry;
    }

    IERC20 public immutable token;
    address public immutable treasury;
    uint64 public immutable withdrawTimelock;
    /// Protocol fee on redeemed vouchers, in basis points; set by the owner (governance).
    uint16 public feeBps;

    mapping(address client => Channel) internal channels;
    mapping(address client => mapping(address provider => Redemption)) internal redemptions;
    mapping(address client => mapping(address key => SessionKey)) internal sessionKeys;

    event Deposited(address indexed client, uint256 amount);
    event WithdrawRequested(address indexed client, uint256 amount, uint64 unlockAt);
    event WithdrawCancelled(address indexed client);
    event Withdrawn(address indexed client, uint256 amount);
    event SessionKeyAuthorized(address indexed client, address indexed key, uint256 cap, uint64 expiry);
    event SessionKeyRevoked(address indexed client, address indexed key);
    event VoucherRedeemed(
        address indexed client, address indexed provider, uint64 nonce, uint256 cumulativeAmount, uint256 amount
    );
    event Paid(address indexed provider, uint256 gross, uint256 fee);
    event FeeChanged(uint16 previousBps, uint16 newBps);

    error ZeroAmount();
    error InvalidParameter();
    error LengthMismatch();
    error WrongProvider(address expected, address caller);
    error VoucherExpired(uint64 expiry);
    error VoucherReplayed(uint64 nonce, uint64 lastNonce);
    error NothingToRedeem(uint256 cumulativeAmount, uint256 alreadyPaid);
    error UnauthorizedSigner(address signer);
    error SessionKeyExpired(address key, uint64 expiry);
    error SessionKeyCapExceeded(address key, uint256 cap, uint256 wouldSpend);
    error InsufficientDeposit(uint256 balance, uint256 requested);
    error NoWithdrawPending();
    error WithdrawLocked(uint64 unlockAt);
    error ParameterOutOfBounds(uint256 value, uint256 min, uint256 max);

    constructor(IERC20 token_, address treasury_, uint16 feeBps_, uint64 withdrawTimelock_, address owner_)
        EIP712("idlegrid", "1")
        Ownable(owner_)
    {
        if (treasury_ == address(0) || feeBps_ > MAX_FEE_BPS) revert InvalidParameter();
        token = token_;
        treasury = treasury_;
        feeBps = feeBps_;
        withdrawTimelock = withdrawTimelock_;
    }

    // ---- governance ----

    /// @notice Sets the protocol fee for every later redemption (vouchers already signed included:
    /// the fee is the network's, not part of what the client signed).
    function setFeeBps(uint16 newBps) external onlyOwner {
        if (newBps > MAX_FEE_BPS) revert ParameterOutOfBounds(newBps, 0, MAX_FEE_BPS);
        emit FeeChanged(feeBps, newBps);
        feeBps = newBps;
    }

    // ---- client funds ----

    function deposit(uint256 amount) public {
        if (amount == 0) revert ZeroAmount();
        channels[msg.sender].balance += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Deposit with an EIP-2612 permit: approval and deposit in one transaction.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external {
        // A front-run permit must not block the deposit, so a failed permit falls back to the allowance.
        try IERC20Permit(address(token)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        deposit(amount);
    }

    function requestWithdraw(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Channel storage channel = channels[msg.sender];
        if (amount > channel.balance) revert InsufficientDeposit(channel.balance, amount);
        channel.withdrawAmount = amount;
        channel.withdrawUnlockAt = uint64(block.timestamp) + withdrawTimelock;
        emit WithdrawRequested(msg.sender, amount, channel.withdrawUnlockAt);
    }

    function cancelWithdraw() external {
        Channel storage channel = channels[msg.sender];
        if (channel.withdrawAmount == 0) revert NoWithdrawPending();
        channel.withdrawAmount = 0;
        channel.withdrawUnlockAt = 0;
        emit WithdrawCancelled(msg.sender);
    }

    /// @notice Pays out the requested amount, or less if providers redeemed in the meantime.
    function withdraw() external {
        Channel storage channel = channels[msg.sender];
        if (channel.withdrawAmount == 0) revert NoWithdrawPending();
        if (block.timestamp < channel.withdrawUnlockAt) revert WithdrawLocked(channel.withdrawUnlockAt);
        uint256 amount = channel.withdrawAmount <= channel.balance ? channel.withdrawAmount : channel.balance;
        channel.balance -= amount;
        channel.withdrawAmount = 0;
        channel.withdrawUnlockAt = 0;
        if (amount > 0) token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---- session keys (API keys) ----

    function authorizeSessionKey(address key, uint256 cap, uint64 expiry) external {
        if (key == address(0) || key == msg.sender || expiry <= block.timestamp) revert InvalidParameter();
        sessionKeys[msg.sender][key] = SessionKey({cap: cap, spent: 0, expiry: expiry});
        emit SessionKeyAuthorized(msg.sender, key, cap, expiry);
    }

    function revokeSessionKey(address key) external {
        delete sessionKeys[msg.sender][key];
        emit SessionKeyRevoked(msg.sender, key);
    }

    // ---- providers ----

    function redeem(Voucher calldata voucher, bytes calldata signature) external {
        _payout(_apply(voucher, signature));
    }

    /// @notice Redeems many vouchers (from different clients) in one transaction and one payout.
    function redeemMany(Voucher[] calldata vouchers, bytes[] calldata signatures) external {
        if (vouchers.length != signatures.length) revert LengthMismatch();
        uint256 gross;
        for (uint256 i = 0; i < vouchers.length; i++) {
            gross += _apply(vouchers[i], signatures[i]);
        }
        _payout(gross);
    }

    function _apply(Voucher calldata voucher, bytes calldata signature) internal returns (uint256 amount) {
        if (voucher.provider != msg.sender) revert WrongProvider(voucher.provider, msg.sender);
        if (block.timestamp > voucher.expiry) revert VoucherExpired(voucher.expiry);
        Redemption storage redemption = redemptions[voucher.client][msg.sender];
        if (voucher.nonce <= redemption.nonce) revert VoucherReplayed(voucher.nonce, redemption.nonce);
        if (voucher.cumulativeAmount <= redemption.paid) {
            revert NothingToRedeem(voucher.cumulativeAmount, redemption.paid);
        }
        amount = voucher.cumulativeAmount - redemption.paid;

        (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecover(hashVoucher(voucher), signature);
        if (recoverError != ECDSA.RecoverError.NoError) revert UnauthorizedSigner(address(0));
        if (signer != voucher.client) _spendSessionKey(voucher.client, signer, amount);

        Channel storage channel = channels[voucher.client];
        if (amount > channel.balance) revert InsufficientDeposit(channel.balance, amount);
        channel.balance -= amount;
        redemption.paid = voucher.cumulativeAmount;
        redemption.nonce = voucher.nonce;
        emit VoucherRedeemed(voucher.client, msg.sender, voucher.nonce, voucher.cumulativeAmount, amount);
    }

    function _spendSessionKey(address client, address key, uint256 amount) internal {
        SessionKey storage session = sessionKeys[client][key];
        if (session.expiry == 0) revert UnauthorizedSigner(key);
        if (block.timestamp > session.expiry) revert SessionKeyExpired(key, session.expiry);
        if (session.spent + amount > session.cap) revert SessionKeyCapExceeded(key, session.cap, session.spent + amount);
        session.spent += amount;
    }

    function _payout(uint256 gross) internal {
        uint256 fee = (gross * feeBps) / BPS;
        token.safeTransfer(msg.sender, gross - fee);
        if (fee > 0) token.safeTransfer(treasury, fee);
        emit Paid(msg.sender, gross, fee);
    }

    // ---- views ----

    function hashVoucher(Voucher calldata voucher) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    VOUCHER_TYPEHASH,
                    voucher.client,
                    voucher.provider,
                    voucher.cumulativeAmount,
                    voucher.nonce,
                    voucher.expiry
                )
            )
        );
    }

    function channelOf(address client)
        external
        view
        returns (uint256 balance, uint256 withdrawAmount, uint64 withdrawUnlockAt)
    {
        Channel storage channel = channels[client];
        return (channel.balance, channel.withdrawAmount, channel.withdrawUnlockAt);
    }

    function redemptionOf(address client, address provider) external view returns (uint256 paid, uint64 nonce) {
        Redemption storage redemption = redemptions[client][provider];
        return (redemption.paid, redemption.nonce);
    }

    function sessionKeyOf(address client, address key)
        external
        view
        returns (uint256 cap, uint256 spent, uint64 expiry)
    {
        SessionKey storage session = sessionKeys[client][key];
        return (session.cap, session.spent, session.expiry);
    }
}
