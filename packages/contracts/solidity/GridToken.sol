// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title GridToken: the network's payment and staking token.
/// @notice Fixed supply minted once to the deployer's treasury: nobody can mint later,
/// which keeps "tokens are conserved" a checkable invariant.
contract GridToken is ERC20, ERC20Permit {
    constructor(address holder, uint256 supply) ERC20("idlegrid", "GRID") ERC20Permit("idlegrid") {
        _mint(holder, supply);
    }
}
