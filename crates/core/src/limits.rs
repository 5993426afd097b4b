//! Ceilings on amounts, so that no price, fee, line or order can reach the range where sums of
//! them stop fitting in fen. Sized for real retail; an operator can change them.

use crate::Money;

/// The largest amounts the marketplace accepts. Every checked sum stays far below `i64::MAX`
/// fen, so a cart can never wrap, whatever its contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyLimits {
    /// A SKU's price (and its original price).
    pub max_price: Money,
    /// A shop's flat shipping fee (and its free-shipping threshold).
    pub max_shipping_fee: Money,
    /// Price × quantity of one order line.
    pub max_line: Money,
    /// One shop's order, shipping included, and so one trade's share of it.
    pub max_order: Money,
}

impl Default for MoneyLimits {
    fn default() -> Self {
        const FEN_PER_YUAN: i64 = 100;
        MoneyLimits {
            max_price: Money::from_minor(1_000_000 * FEN_PER_YUAN),
            max_shipping_fee: Money::from_minor(10_000 * FEN_PER_YUAN),
            max_line: Money::from_minor(1_000_000 * FEN_PER_YUAN),
            max_order: Money::from_minor(10_000_000 * FEN_PER_YUAN),
        }
    }
}

impl MoneyLimits {
    /// From whole yuan, as the configuration gives them; `None` when one is zero or too large to
    /// be an amount of fen.
    pub fn from_yuan(price: u64, shipping_fee: u64, line: u64, order: u64) -> Option<MoneyLimits> {
        let amount = |yuan: u64| {
            i64::try_from(yuan).ok().filter(|y| *y > 0).and_then(|y| y.checked_mul(100)).map(Money::from_minor)
        };
        Some(MoneyLimits {
            max_price: amount(price)?,
            max_shipping_fee: amount(shipping_fee)?,
            max_line: amount(line)?,
            max_order: amount(order)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_yuan_refuses_zero_and_overflow() {
        assert!(MoneyLimits::from_yuan(0, 1, 1, 1).is_none());
        assert!(MoneyLimits::from_yuan(u64::MAX, 1, 1, 1).is_none());
        assert!(MoneyLimits::from_yuan(i64::MAX as u64, 1, 1, 1).is_none());
        let limits = MoneyLimits::from_yuan(5, 6, 7, 8).unwrap();
        assert_eq!(limits.max_order, Money::from_minor(800));
    }
}
