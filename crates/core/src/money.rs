//! Money: `Decimal` in code, a string such as `"12.50"` in JSON, and BIGINT minor units (fen) in
//! the database. Rounding happens here and nowhere else.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Minor units per major unit (fen per yuan). CNY is the only currency for now.
const MINOR_PER_MAJOR: i64 = 100;
const SCALE: u32 = 2;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("amount has more than two decimal places")]
    TooPrecise,
    #[error("amount is out of range")]
    OutOfRange,
    #[error("amount must be written like 12.50")]
    NotDecimal,
}

/// An amount of CNY, always held at two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(into = "Decimal")]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Accepts an amount a client typed; more than two decimal places is an error, not a silent round.
    pub fn parse_exact(amount: Decimal) -> Result<Money, MoneyError> {
        if amount.normalize().scale() > SCALE {
            return Err(MoneyError::TooPrecise);
        }
        Money::from_minor_checked(amount)
    }

    /// Parses the one documented form, `12.50`: digits, an optional point and at most two more
    /// digits, an optional leading minus. Exponents (`1e2`), `+`, spaces and thousands separators
    /// are refused rather than guessed at. The one yuan-string parser: everything else calls it.
    pub fn parse_str(raw: &str) -> Result<Money, MoneyError> {
        let unsigned = raw.strip_prefix('-').unwrap_or(raw);
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || (unsigned.contains('.') && fraction.is_empty()) {
            return Err(MoneyError::NotDecimal);
        }
        // Beyond 28 digits `Decimal` cannot hold it; no BIGINT of fen can either.
        let amount = Decimal::from_str_exact(raw).map_err(|_| MoneyError::OutOfRange)?;
        Money::parse_exact(amount)
    }

    /// Rounds a computed amount (a discount, a share) half-to-even, the one rounding rule we use.
    pub fn round(amount: Decimal) -> Result<Money, MoneyError> {
        let rounded = amount.round_dp_with_strategy(SCALE, RoundingStrategy::MidpointNearestEven);
        Money::from_minor_checked(rounded)
    }

    fn from_minor_checked(amount: Decimal) -> Result<Money, MoneyError> {
        let mut value = amount;
        value.rescale(SCALE);
        // Must fit the BIGINT column in fen.
        let minor = value.checked_mul(Decimal::from(MINOR_PER_MAJOR)).ok_or(MoneyError::OutOfRange)?;
        i64::try_from(minor).map_err(|_| MoneyError::OutOfRange)?;
        Ok(Money(value))
    }

    /// From the database's minor units (fen).
    pub fn from_minor(minor: i64) -> Money {
        Money(Decimal::new(minor, SCALE))
    }

    /// To the database's minor units (fen). Exact: a `Money` never holds fractions of a fen.
    pub fn to_minor(self) -> i64 {
        let mut value = self.0;
        value.rescale(SCALE);
        value.mantissa() as i64
    }

    pub fn amount(self) -> Decimal {
        self.0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.to_minor().checked_add(other.to_minor()).map(Money::from_minor)
    }

    pub fn checked_sub(self, other: Money) -> Option<Money> {
        self.to_minor().checked_sub(other.to_minor()).map(Money::from_minor)
    }

    pub fn checked_mul(self, quantity: i64) -> Option<Money> {
        self.to_minor().checked_mul(quantity).map(Money::from_minor)
    }

    /// The exact sum, or `None` when it would not fit: money never wraps.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Money>) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, Money::checked_add)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Only the documented string form (`"12.50"`); a JSON number is refused, because its text
    /// (`1e2`, `0.1` as a float) is not what the client meant to send.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Money::parse_str(&raw).map_err(serde::de::Error::custom)
    }
}

/// Serialises an amount stored in minor units (fen) the way `Money` is shown: `"10.00"`.
pub fn serialize_minor<S: serde::Serializer>(minor: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    Money::from_minor(*minor).serialize(serializer)
}

impl TryFrom<Decimal> for Money {
    type Error = MoneyError;
    fn try_from(amount: Decimal) -> Result<Self, Self::Error> {
        Money::parse_exact(amount)
    }
}

impl From<Money> for Decimal {
    fn from(money: Money) -> Decimal {
        money.0
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn json_is_a_two_place_string() {
        let money = Money::parse_exact(dec("12.5")).unwrap();
        assert_eq!(serde_json::to_string(&money).unwrap(), "\"12.50\"");
        let back: Money = serde_json::from_str("\"12.50\"").unwrap();
        assert_eq!(back, money);
    }

    #[test]
    fn rejects_fractions_of_a_fen() {
        assert_eq!(Money::parse_exact(dec("0.001")), Err(MoneyError::TooPrecise));
        assert!(serde_json::from_str::<Money>("\"1.999\"").is_err());
        // Trailing zeros are not extra precision.
        assert!(Money::parse_exact(dec("1.5000")).is_ok());
    }

    #[test]
    fn minor_units_round_trip() {
        let money = Money::parse_exact(dec("1234.56")).unwrap();
        assert_eq!(money.to_minor(), 123_456);
        assert_eq!(Money::from_minor(123_456), money);
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
    }

    #[test]
    fn rounds_half_to_even_once() {
        assert_eq!(Money::round(dec("0.125")).unwrap().to_minor(), 12);
        assert_eq!(Money::round(dec("0.135")).unwrap().to_minor(), 14);
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(Money::parse_exact(dec("100000000000000000")), Err(MoneyError::OutOfRange));
    }

    #[test]
    fn only_the_documented_decimal_form_parses() {
        assert_eq!(Money::parse_str("12.50").unwrap().to_minor(), 1250);
        assert_eq!(Money::parse_str("7").unwrap().to_minor(), 700);
        assert_eq!(Money::parse_str("-0.05").unwrap().to_minor(), -5);
        for bad in ["1e2", "1E2", "+1", " 1", "1,000", "1.", ".5", "", "-", "0x10", "1.2.3", "NaN"] {
            assert_eq!(Money::parse_str(bad), Err(MoneyError::NotDecimal), "{bad:?}");
        }
        assert_eq!(Money::parse_str("1.234"), Err(MoneyError::TooPrecise));
        assert!(serde_json::from_str::<Money>("\"1e2\"").is_err());
        assert!(serde_json::from_str::<Money>("100").is_err());
    }

    #[test]
    fn arithmetic_is_checked() {
        let a = Money::from_minor(150);
        assert_eq!(a.checked_add(Money::from_minor(50)), Some(Money::from_minor(200)));
        assert_eq!(a.checked_mul(3), Some(Money::from_minor(450)));
        assert_eq!(Money::from_minor(i64::MAX).checked_add(a), None);
        assert_eq!(Money::from_minor(i64::MIN).checked_sub(a), None);
        assert_eq!(Money::from_minor(i64::MAX / 2).checked_mul(3), None);
        assert_eq!(Money::checked_sum([Money::from_minor(i64::MAX), a]), None);
    }
}
