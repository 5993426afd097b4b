//! Hardening found by attacking the running gateway: money that cannot wrap, paid orders a shop
//! cannot keep the money of, stock that cannot be hoarded, accounts that cannot be pre-claimed,
//! password guesses that cannot outrun their limit, and a sandbox that will not start exposed.
//! Every test here failed against the gateway before its fix.

mod abuse;
mod accounts;
mod money;
mod sockets;
mod stock;
