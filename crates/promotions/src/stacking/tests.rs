use super::*;
use rand::{Rng, SeedableRng};

fn lines(amounts: &[i64]) -> Vec<Line> {
    amounts.iter().map(|amount| Line { amount: *amount, quantity: 1, discountable: true }).collect()
}

fn whole_order(rule: Rule, combinable: bool, count: usize) -> Candidate {
    Candidate { rule, covers: vec![true; count], combinable }
}

/// An automatic-promotion layer and a coupon layer, one candidate each.
fn two_layers(auto: Candidate, coupon: Candidate, coupon_named: bool) -> Vec<Layer> {
    vec![
        Layer { candidates: vec![auto], required: false, spends: false },
        Layer { candidates: vec![coupon], required: coupon_named, spends: true },
    ]
}

/// (layer, off) of each discount taken.
fn picked(taken: &[Taken]) -> Vec<(usize, i64)> {
    taken.iter().map(|t| (t.layer, t.off)).collect()
}

#[test]
fn pairs_by_their_combine_flags_choose_the_best_for_the_buyer() {
    let order = lines(&[20_000]);
    let tiers = |off| Rule::Tiers(vec![(10_000, off)]);
    let coupon = |off| Rule::Fixed { min_spend: 10_000, off };
    // (automatic off, automatic combines, coupon off, coupon combines, coupon named) → taken
    type Row = (i64, bool, i64, bool, bool, &'static [(usize, i64)]);
    let table: &[Row] = &[
        (1_000, true, 1_500, true, false, &[(0, 1_000), (1, 1_500)]),
        (1_000, true, 1_500, false, false, &[(1, 1_500)]),
        (1_000, false, 1_500, true, false, &[(1, 1_500)]),
        (1_000, false, 1_500, false, false, &[(1, 1_500)]),
        (2_000, false, 1_500, true, false, &[(0, 2_000)]),
        (2_000, true, 1_500, false, false, &[(0, 2_000)]),
        // A tie keeps the coupon in the wallet.
        (1_500, false, 1_500, false, false, &[(0, 1_500)]),
        // The buyer named the coupon: it is taken, and what does not stack with it is dropped.
        (2_000, false, 1_500, true, true, &[(1, 1_500)]),
        (2_000, true, 1_500, true, true, &[(0, 2_000), (1, 1_500)]),
    ];
    for (auto_off, auto_combines, coupon_off, coupon_combines, named, expected) in table {
        let layers = two_layers(
            whole_order(tiers(*auto_off), *auto_combines, 1),
            whole_order(coupon(*coupon_off), *coupon_combines, 1),
            *named,
        );
        let taken = best(&layers, &order, 19_999).expect("a combination");
        assert_eq!(
            picked(&taken),
            expected.to_vec(),
            "auto {auto_off} {auto_combines}, coupon {coupon_off} {coupon_combines}, named {named}"
        );
    }
}

#[test]
fn a_coupon_threshold_is_met_by_what_the_buyer_still_pays() {
    // 满100减10 automatically leaves 95.00: a 满100减5 coupon no longer reaches its threshold.
    let layers = two_layers(
        whole_order(Rule::Tiers(vec![(10_000, 1_000)]), true, 1),
        whole_order(Rule::Fixed { min_spend: 10_000, off: 500 }, true, 1),
        false,
    );
    assert_eq!(picked(&best(&layers, &lines(&[10_500]), 10_499).expect("taken")), vec![(0, 1_000)]);
    // Named, the coupon alone is what the buyer gets.
    let mut named = layers.clone();
    named[1].required = true;
    assert_eq!(picked(&best(&named, &lines(&[10_500]), 10_499).expect("taken")), vec![(1, 500)]);
}

#[test]
fn thresholds_are_reached_exactly_or_not_at_all() {
    // The peer's rounding bug: 满5减1 on 4.99 must give nothing.
    let rule = Rule::Fixed { min_spend: 500, off: 100 };
    assert_eq!(rule.off(&lines(&[499]), &[true]), 0);
    assert_eq!(rule.off(&lines(&[500]), &[true]), 100);
    let tiers = Rule::Tiers(vec![(19_900, 2_000), (39_900, 5_000)]);
    assert_eq!(tiers.off(&lines(&[19_899]), &[true]), 0);
    assert_eq!(tiers.off(&lines(&[39_899]), &[true]), 2_000);
    assert_eq!(tiers.off(&lines(&[39_900]), &[true]), 5_000);
    let items = Rule::ItemsPercent { min_items: 2, percent: 10 };
    let three = [Line { amount: 999, quantity: 3, discountable: true }];
    assert_eq!(items.off(&three, &[true]), 99, "9.99 at 10% off is 0.99, rounded down");
    let one = [Line { amount: 5_000, quantity: 1, discountable: true }];
    assert_eq!(items.off(&one, &[true]), 0);
}

#[test]
fn lines_at_a_price_that_does_not_combine_take_no_further_discount() {
    let mut order = lines(&[10_000, 5_000]);
    order[0].discountable = false;
    let layers = vec![Layer {
        candidates: vec![whole_order(Rule::Percent { min_spend: 0, percent: 10, cap: None }, true, 2)],
        required: false,
        spends: true,
    }];
    let taken = best(&layers, &order, 14_999).expect("taken");
    assert_eq!(taken[0].shares, vec![0, 500]);
    // Nor do those lines count toward a threshold.
    let threshold = Rule::Fixed { min_spend: 6_000, off: 1_000 };
    assert_eq!(threshold.off(&order, &[true, true]), 0);
}

#[test]
fn a_named_coupon_that_gives_nothing_is_no_combination() {
    let layers = two_layers(
        whole_order(Rule::Tiers(vec![(10_000, 1_000)]), true, 1),
        whole_order(Rule::Fixed { min_spend: 50_000, off: 500 }, true, 1),
        true,
    );
    assert!(best(&layers, &lines(&[20_000]), 19_999).is_none());
}

/// For random orders and promotions: the discounts never exceed the cap or a line, the shares add
/// up, and the choice is at least as good for the buyer as any single discount alone (so never
/// worse than no promotion at all).
#[test]
fn the_best_combination_is_never_worse_than_any_single_discount() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    for _ in 0..5_000 {
        let count = rng.random_range(1..5);
        let order: Vec<Line> = (0..count)
            .map(|_| Line {
                amount: rng.random_range(1..40_000),
                quantity: rng.random_range(1..4),
                discountable: rng.random_bool(0.8),
            })
            .collect();
        let goods: i64 = order.iter().map(|line| line.amount).sum();
        let cap = goods - 1;
        let random_rule = |rng: &mut rand::rngs::StdRng| match rng.random_range(0..4) {
            0 => {
                let min = rng.random_range(1_000..30_000);
                Rule::Tiers(vec![(min, rng.random_range(1..min)), (min * 2, min)])
            }
            1 => Rule::ItemsPercent { min_items: rng.random_range(2..5), percent: rng.random_range(1..60) },
            2 => {
                let min = rng.random_range(0..30_000);
                Rule::Fixed { min_spend: min, off: rng.random_range(1..=min.max(1)) }
            }
            _ => Rule::Percent {
                min_spend: rng.random_range(0..20_000),
                percent: rng.random_range(1..99),
                cap: rng.random_bool(0.5).then(|| rng.random_range(1..5_000)),
            },
        };
        let mut layers = Vec::new();
        for spends in [false, true] {
            let candidates = (0..rng.random_range(0..3))
                .map(|_| Candidate {
                    rule: random_rule(&mut rng),
                    covers: (0..count).map(|_| rng.random_bool(0.7)).collect(),
                    combinable: rng.random_bool(0.5),
                })
                .collect();
            layers.push(Layer { candidates, required: false, spends });
        }
        let taken = best(&layers, &order, cap).expect("without a named coupon something is always allowed");
        let total: i64 = taken.iter().map(|t| t.off).sum();
        assert!((0..=cap).contains(&total), "{total} over the cap {cap}");
        let mut left: Vec<i64> = order.iter().map(|line| line.amount).collect();
        for t in &taken {
            assert_eq!(t.shares.iter().sum::<i64>(), t.off);
            for ((left, share), line) in left.iter_mut().zip(&t.shares).zip(&order) {
                assert!(*share >= 0 && (line.discountable || *share == 0));
                *left -= share;
                assert!(*left >= 0, "a line went below zero");
            }
        }
        for (layer_index, layer) in layers.iter().enumerate() {
            for (index, candidate) in layer.candidates.iter().enumerate() {
                let alone = candidate.rule.off(&order, &candidate.covers).min(cap);
                assert!(total >= alone, "layer {layer_index} candidate {index} alone gives {alone} > {total}");
            }
        }
    }
}
