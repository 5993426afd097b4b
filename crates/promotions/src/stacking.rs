//! Which discounts one shop order takes, and how each spreads over its lines. The order is fixed:
//! a limited-time price per SKU (already in the line's price), then at most one automatic order
//! promotion, then at most one shop coupon; points come after, in checkout. Each layer is worked
//! out on what the lines cost after the layers before it, so a coupon's threshold is met by what
//! the buyer still pays. Two discounts stack only when both say `combinable`; a line at a
//! limited-time price that does not combine takes no further discount. Every combination is
//! tried and the one taking the most off wins; on a tie, the one spending fewer coupons (the
//! buyer keeps them), then the earlier candidate (coupons come soonest-to-expire first).

use crate::allocate;

/// A line as the layers see it: what it costs now, its units, and whether discounts may apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// In fen, after the layers applied so far.
    pub amount: i64,
    pub quantity: i64,
    pub discountable: bool,
}

/// How a discount is worked out from the lines it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The highest (min_spend, amount_off) step reached.
    Tiers(Vec<(i64, i64)>),
    /// `percent` off (rounded down to the fen) from `min_items` units.
    ItemsPercent { min_items: i64, percent: i64 },
    /// `off` from `min_spend`.
    Fixed { min_spend: i64, off: i64 },
    /// `percent` off (rounded down, at most `cap`) from `min_spend`.
    Percent { min_spend: i64, percent: i64, cap: Option<i64> },
}

impl Rule {
    /// What the rule takes off the covered lines, before any cap of the order.
    pub(crate) fn off(&self, lines: &[Line], covered: &[bool]) -> i64 {
        let (base, units) = lines
            .iter()
            .zip(covered)
            .filter(|(line, covered)| **covered && line.discountable)
            .fold((0i64, 0i64), |(base, units), (line, _)| (base + line.amount, units + line.quantity));
        if base <= 0 {
            return 0;
        }
        // Thresholds are met exactly or not at all: 4.99 does not reach 满 5.
        let off = match self {
            Rule::Tiers(tiers) => tiers.iter().rev().find(|(min, _)| base >= *min).map_or(0, |(_, off)| *off),
            Rule::ItemsPercent { min_items, percent } if units >= *min_items => percent_of(base, *percent),
            Rule::ItemsPercent { .. } => 0,
            Rule::Fixed { min_spend, off } if base >= *min_spend => *off,
            Rule::Fixed { .. } => 0,
            Rule::Percent { min_spend, percent, cap } if base >= *min_spend => {
                let raw = percent_of(base, *percent);
                cap.map_or(raw, |cap| raw.min(cap))
            }
            Rule::Percent { .. } => 0,
        };
        off.clamp(0, base)
    }
}

/// Rounded down to the fen: a percentage never takes off more than it says.
fn percent_of(base: i64, percent: i64) -> i64 {
    i64::try_from(i128::from(base) * i128::from(percent) / 100).unwrap_or(0)
}

/// One discount a layer could take.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub rule: Rule,
    /// Per line: whether the discount's scope covers it.
    pub covers: Vec<bool>,
    pub combinable: bool,
}

/// What a layer took: the candidate's index in its layer, the amount and its split over the lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Taken {
    pub layer: usize,
    pub candidate: usize,
    pub off: i64,
    pub shares: Vec<i64>,
}

/// A layer's candidates. `required`: the buyer named this layer's candidate, so every
/// combination must take it (there is then exactly one).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layer {
    pub candidates: Vec<Candidate>,
    pub required: bool,
    /// Whether choosing here spends something the buyer holds (a coupon), for the tie-break.
    pub spends: bool,
}

/// Applies `picks` (one optional candidate per layer) in layer order, each on what the lines cost
/// after the previous ones, with everything together at most `cap`. `None` when the picks do not
/// stack or a required layer gives nothing.
fn apply(layers: &[Layer], picks: &[Option<usize>], lines: &[Line], cap: i64) -> Option<Vec<Taken>> {
    let chosen: Vec<&Candidate> =
        picks.iter().zip(layers).filter_map(|(pick, layer)| pick.map(|i| &layer.candidates[i])).collect();
    if chosen.len() > 1 && chosen.iter().any(|candidate| !candidate.combinable) {
        return None;
    }
    let mut now: Vec<Line> = lines.to_vec();
    let mut room = cap.max(0);
    let mut taken = Vec::new();
    for (layer_index, (pick, layer)) in picks.iter().zip(layers).enumerate() {
        let Some(index) = *pick else { continue };
        let candidate = &layer.candidates[index];
        let off = candidate.rule.off(&now, &candidate.covers).min(room);
        if off <= 0 {
            // A discount that gives nothing is not taken; the buyer's own pick must give something.
            if layer.required {
                return None;
            }
            continue;
        }
        let weights: Vec<i64> = now
            .iter()
            .zip(&candidate.covers)
            .map(|(line, covered)| if *covered && line.discountable { line.amount } else { 0 })
            .collect();
        let shares = allocate(off, &weights);
        for (line, share) in now.iter_mut().zip(&shares) {
            line.amount -= share;
        }
        room -= off;
        taken.push(Taken { layer: layer_index, candidate: index, off, shares });
    }
    Some(taken)
}

/// The best combination for the buyer (see the module's rules). `cap` is the most the order may
/// take off. Empty when nothing applies.
pub(crate) fn best(layers: &[Layer], lines: &[Line], cap: i64) -> Option<Vec<Taken>> {
    let mut picks: Vec<Option<usize>> = vec![None; layers.len()];
    let mut best: Option<(i64, usize, Vec<Taken>)> = None;
    let mut found_any = false;
    loop {
        let valid = picks.iter().zip(layers).all(|(pick, layer)| !layer.required || pick.is_some());
        if valid && let Some(taken) = apply(layers, &picks, lines, cap) {
            found_any = true;
            let total: i64 = taken.iter().map(|t| t.off).sum();
            let spent = taken.iter().filter(|t| layers[t.layer].spends).count();
            let better = match &best {
                None => true,
                Some((best_total, best_spent, _)) => total > *best_total || total == *best_total && spent < *best_spent,
            };
            if better {
                best = Some((total, spent, taken));
            }
        }
        if !next(&mut picks, layers) {
            break;
        }
    }
    if found_any { best.map(|(_, _, taken)| taken) } else { None }
}

/// The next combination of picks, the first layer counting fastest; false after the last.
fn next(picks: &mut [Option<usize>], layers: &[Layer]) -> bool {
    for (pick, layer) in picks.iter_mut().zip(layers) {
        let count = layer.candidates.len();
        match pick {
            None if count > 0 => {
                *pick = Some(0);
                return true;
            }
            Some(i) if *i + 1 < count => {
                *i += 1;
                return true;
            }
            _ => *pick = None,
        }
    }
    false
}

#[cfg(test)]
mod tests;
