// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title GridToken: the network's payment, staking and governance token.
/// @notice Fixed supply minted once to the deployer's treasury: nobody can mint later,
/// which keeps "tokens are conserved" a checkable invariant. Holders vote in the Governor
/// through ERC20Votes checkpoints, once they delegate (to themselves or another).
contract GridToken is ERC20, ERC20Permit, ERC20Votes {
    constructor(address holder, uint256 supply) ERC20("idlegrid", "GRID") ERC20Permit("idlegrid") {
        _mint(holder, supply);
    }

    /// @notice EIP-6372 clock in seconds, not blocks: the network runs on anvil (which mines
    /// only when there are transactions, so blocks measure nothing) and on L2s with irregular
    /// block times; voting delays and periods written in seconds mean the same everywhere.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    // Both bases need the hook: balances move (ERC20) and so do the delegates' votes (ERC20Votes).
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    // Permit and delegateBySig share one nonce per owner.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
