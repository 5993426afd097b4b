//! The configuration keys promotions reads: what points are worth and how they are earned.

use crate::PointsRules;
use bazaar_core::settings::SettingsError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PromotionsConfig {
    /// Points that make one yuan off at checkout.
    pub points_per_yuan: i64,
    /// The most of an order's goods points may pay, in percent.
    pub points_max_order_share_percent: i64,
    /// Points a buyer earns per whole yuan of a completed order.
    pub points_earned_per_yuan: i64,
    /// Points the daily check-in gives, and the extra on every seventh day in a row.
    pub check_in_points: i64,
    pub check_in_weekly_bonus: i64,
}

impl Default for PromotionsConfig {
    fn default() -> Self {
        let rules = PointsRules::default();
        PromotionsConfig {
            points_per_yuan: rules.points_per_yuan,
            points_max_order_share_percent: rules.max_order_share_percent,
            points_earned_per_yuan: rules.earned_per_yuan,
            check_in_points: rules.check_in,
            check_in_weekly_bonus: rules.weekly_streak_bonus,
        }
    }
}

impl PromotionsConfig {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(1..=10_000).contains(&self.points_per_yuan)
            || 100 % self.points_per_yuan != 0 && self.points_per_yuan % 100 != 0
        {
            return Err(SettingsError::new("points_per_yuan", "must be 1 to 10000, dividing or a multiple of 100"));
        }
        if !(0..=100).contains(&self.points_max_order_share_percent) {
            return Err(SettingsError::new("points_max_order_share_percent", "must be 0 to 100"));
        }
        for (key, value) in [
            ("points_earned_per_yuan", self.points_earned_per_yuan),
            ("check_in_points", self.check_in_points),
            ("check_in_weekly_bonus", self.check_in_weekly_bonus),
        ] {
            if !(0..=100_000).contains(&value) {
                return Err(SettingsError::new(key, "must be 0 to 100000"));
            }
        }
        Ok(())
    }

    pub fn points_rules(&self) -> PointsRules {
        PointsRules {
            points_per_yuan: self.points_per_yuan,
            max_order_share_percent: self.points_max_order_share_percent,
            earned_per_yuan: self.points_earned_per_yuan,
            check_in: self.check_in_points,
            weekly_streak_bonus: self.check_in_weekly_bonus,
        }
    }
}
