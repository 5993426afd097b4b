//! What a refund of some of an order's units gives back: their value less exactly the share of
//! each discount allocated to them, the points share as points, and the shipping fee with the
//! last units. Shares are taken cumulatively per line (what the units refunded so far were
//! discounted, less what earlier refunds already gave back), so refunding every unit, in any
//! number of steps, returns the order's total exactly — never a fen more or less.

use std::collections::BTreeMap;

/// A line of the order: its SKU, unit price (fen) and units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PaidLine {
    pub sku_id: i64,
    pub unit_price: i64,
    pub quantity: i64,
}

/// What a line was discounted, in fen (positive): in money, and in the points share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LineDiscounts {
    pub money: i64,
    pub points_fen: i64,
}

/// A refund's breakdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RefundShare {
    /// Money back, in fen.
    pub money: i64,
    /// The points share, in fen (returned as points, not money).
    pub points_fen: i64,
    /// Whether, with this refund, every unit of the order is refunded.
    pub whole: bool,
}

/// Why a refund's lines cannot be refunded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    NotInOrder(i64),
    TooMany { sku_id: i64, left: i64 },
    Nothing,
}

/// The share of `total` for `units` of `quantity`, rounded down.
fn part(total: i64, units: i64, quantity: i64) -> i64 {
    if quantity <= 0 {
        return 0;
    }
    i64::try_from(i128::from(total) * i128::from(units) / i128::from(quantity)).unwrap_or(0)
}

/// Splits a refund of `wanted` units (SKU → units) of an order of `lines` whose discounts per
/// SKU are `discounts` and whose shipping was `shipping`, after `before` units (SKU → units)
/// were refunded already.
pub(crate) fn split(
    lines: &[PaidLine],
    discounts: &BTreeMap<i64, LineDiscounts>,
    shipping: i64,
    before: &BTreeMap<i64, i64>,
    wanted: &BTreeMap<i64, i64>,
) -> Result<RefundShare, SplitError> {
    if wanted.values().all(|units| *units <= 0) {
        return Err(SplitError::Nothing);
    }
    let mut share = RefundShare::default();
    for (sku, units) in wanted {
        let line = lines.iter().find(|line| line.sku_id == *sku).ok_or(SplitError::NotInOrder(*sku))?;
        let done = before.get(sku).copied().unwrap_or(0);
        let left = line.quantity - done;
        if *units <= 0 || *units > left {
            return Err(SplitError::TooMany { sku_id: *sku, left });
        }
        let off = discounts.get(sku).copied().unwrap_or_default();
        let after = done + units;
        // The whole discount (money and points together) taken cumulatively never exceeds the
        // units' value, so no step gives back less than nothing.
        let total_off = off.money + off.points_fen;
        let taken_off = part(total_off, after, line.quantity) - part(total_off, done, line.quantity);
        let points_off = part(off.points_fen, after, line.quantity) - part(off.points_fen, done, line.quantity);
        share.money += line.unit_price * units - taken_off;
        share.points_fen += points_off;
    }
    share.whole = lines.iter().all(|line| {
        before.get(&line.sku_id).copied().unwrap_or(0) + wanted.get(&line.sku_id).copied().unwrap_or(0) >= line.quantity
    });
    if share.whole {
        share.money += shipping;
    }
    Ok(share)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// For random orders, discounts and refund sequences: refunding every unit returns the paid
    /// total exactly and the whole points share; no step is negative.
    #[test]
    fn refunding_every_unit_in_any_steps_returns_exactly_what_was_paid() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..10_000 {
            let lines: Vec<PaidLine> = (0..rng.random_range(1..5))
                .map(|sku| PaidLine {
                    sku_id: sku,
                    unit_price: rng.random_range(1..20_000),
                    quantity: rng.random_range(1..6),
                })
                .collect();
            let discounts: BTreeMap<i64, LineDiscounts> = lines
                .iter()
                .map(|line| {
                    let value = line.unit_price * line.quantity;
                    let money = rng.random_range(0..=value);
                    let points_fen = rng.random_range(0..=value - money);
                    (line.sku_id, LineDiscounts { money, points_fen })
                })
                .collect();
            let shipping = rng.random_range(0..1_500);
            let paid: i64 = lines.iter().map(|line| line.unit_price * line.quantity).sum::<i64>() + shipping
                - discounts.values().map(|d| d.money + d.points_fen).sum::<i64>();
            let points: i64 = discounts.values().map(|d| d.points_fen).sum();
            let mut before: BTreeMap<i64, i64> = BTreeMap::new();
            let (mut money, mut points_back, mut whole) = (0, 0, false);
            while !whole {
                let open: Vec<&PaidLine> = lines
                    .iter()
                    .filter(|line| before.get(&line.sku_id).copied().unwrap_or(0) < line.quantity)
                    .collect();
                let mut wanted = BTreeMap::new();
                let picked: Vec<&PaidLine> =
                    open.iter().copied().filter(|_| rng.random_bool(0.6)).chain(open.first().copied()).collect();
                for line in picked {
                    let left = line.quantity - before.get(&line.sku_id).copied().unwrap_or(0);
                    wanted.insert(line.sku_id, rng.random_range(1..=left));
                }
                let share = split(&lines, &discounts, shipping, &before, &wanted).expect("a valid refund");
                assert!(share.money >= 0 && share.points_fen >= 0, "{share:?}");
                money += share.money;
                points_back += share.points_fen;
                whole = share.whole;
                for (sku, units) in wanted {
                    *before.entry(sku).or_default() += units;
                }
            }
            assert_eq!(money, paid, "{lines:?} {discounts:?}");
            assert_eq!(points_back, points);
        }
    }

    #[test]
    fn units_beyond_what_is_left_or_not_in_the_order_are_refused() {
        let lines = [PaidLine { sku_id: 1, unit_price: 1_000, quantity: 2 }];
        let none: BTreeMap<i64, LineDiscounts> = BTreeMap::new();
        let nothing_yet: BTreeMap<i64, i64> = BTreeMap::new();
        let refunded_one = BTreeMap::from([(1, 1)]);
        assert_eq!(
            split(&lines, &none, 0, &refunded_one, &BTreeMap::from([(1, 2)])),
            Err(SplitError::TooMany { sku_id: 1, left: 1 })
        );
        assert_eq!(split(&lines, &none, 0, &nothing_yet, &BTreeMap::from([(9, 1)])), Err(SplitError::NotInOrder(9)));
        assert_eq!(split(&lines, &none, 0, &nothing_yet, &BTreeMap::new()), Err(SplitError::Nothing));
    }
}
