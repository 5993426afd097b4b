//! The configuration keys checkout reads: order timing, money ceilings, hoarding limits.

use crate::CheckoutSettings;
use bazaar_core::settings::{SettingsError, at_least_one};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckoutConfig {
    /// Unpaid orders are cancelled (and their stock released) after this long.
    pub order_payment_timeout_secs: u64,
    /// Shipped orders the buyer has not confirmed are confirmed after this long.
    pub order_auto_receive_secs: u64,
    /// Received orders are completed (no more refund requests) after this long.
    pub order_complete_after_secs: u64,
    /// How often the sweeper looks for unpaid orders past their time.
    pub order_sweep_interval_secs: u64,
    /// Ceilings in whole yuan: a SKU price, a shop's shipping fee, one order line, one order.
    pub max_price_yuan: u64,
    pub max_shipping_fee_yuan: u64,
    pub max_line_total_yuan: u64,
    pub max_order_total_yuan: u64,
    /// What one buyer may hold unpaid at once: orders, and units reserved by them.
    pub max_unpaid_orders_per_buyer: i64,
    pub max_reserved_units_per_buyer: i64,
}

impl Default for CheckoutConfig {
    fn default() -> Self {
        CheckoutConfig {
            order_payment_timeout_secs: 15 * 60,
            order_auto_receive_secs: 10 * 24 * 3600,
            order_complete_after_secs: 7 * 24 * 3600,
            order_sweep_interval_secs: 30,
            max_price_yuan: 1_000_000,
            max_shipping_fee_yuan: 10_000,
            max_line_total_yuan: 1_000_000,
            max_order_total_yuan: 10_000_000,
            max_unpaid_orders_per_buyer: 10,
            max_reserved_units_per_buyer: 200,
        }
    }
}

impl CheckoutConfig {
    /// The money ceilings; `None` when one is out of range (refused by `validate`).
    pub fn money_limits(&self) -> Option<bazaar_core::MoneyLimits> {
        const MAX_YUAN: u64 = 1_000_000_000_000_000;
        let yuan =
            [self.max_price_yuan, self.max_shipping_fee_yuan, self.max_line_total_yuan, self.max_order_total_yuan];
        if yuan.iter().any(|value| *value > MAX_YUAN) {
            return None;
        }
        bazaar_core::MoneyLimits::from_yuan(yuan[0], yuan[1], yuan[2], yuan[3])
    }

    pub fn settings(&self) -> CheckoutSettings {
        CheckoutSettings {
            money: self.money_limits().unwrap_or_default(),
            max_unpaid_orders_per_buyer: self.max_unpaid_orders_per_buyer,
            max_reserved_units_per_buyer: self.max_reserved_units_per_buyer,
            points: bazaar_promotions::PointsRules::default(),
        }
    }
}

impl bazaar_core::settings::Settings for CheckoutConfig {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.order_payment_timeout_secs < 1 || self.order_sweep_interval_secs < 1 {
            return Err(SettingsError::new(
                "order_payment_timeout_secs",
                "and order_sweep_interval_secs must be at least 1",
            ));
        }
        if self.money_limits().is_none() {
            return Err(SettingsError::new(
                "max_price_yuan",
                "and the other max_*_yuan ceilings must be between 1 and 10^15",
            ));
        }
        at_least_one("max_unpaid_orders_per_buyer", self.max_unpaid_orders_per_buyer)?;
        at_least_one("max_reserved_units_per_buyer", self.max_reserved_units_per_buyer)
    }
}
