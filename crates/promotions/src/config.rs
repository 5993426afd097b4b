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
    /// The hours (China time) platform flash-sale sessions start at, comma-separated.
    #[serde(deserialize_with = "bazaar_core::settings::text")]
    pub flash_session_hours: String,
    /// Whether buy-now orders pass the kv front gate first (shared by every gateway with Redis).
    pub flash_gate: bool,
}

/// What flash sales read of the configuration.
#[derive(Debug, Clone)]
pub struct FlashSettings {
    pub session_hours: Vec<u32>,
    pub gate: bool,
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
            flash_session_hours: "10,14,20".into(),
            flash_gate: true,
        }
    }
}

impl PromotionsConfig {
    fn session_hours(&self) -> Option<Vec<u32>> {
        let hours: Option<Vec<u32>> =
            self.flash_session_hours.split(',').map(|hour| hour.trim().parse().ok().filter(|h| *h < 24)).collect();
        hours.filter(|hours| !hours.is_empty())
    }

    pub fn flash_settings(&self) -> FlashSettings {
        FlashSettings { session_hours: self.session_hours().unwrap_or_default(), gate: self.flash_gate }
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

impl bazaar_core::settings::Settings for PromotionsConfig {
    fn validate(&self) -> Result<(), SettingsError> {
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
        if self.session_hours().is_none() {
            return Err(SettingsError::new("flash_session_hours", "must list hours 0 to 23, e.g. 10,14,20"));
        }
        Ok(())
    }
}
