//! The shared vocabulary every Bazaar crate speaks: typed ids, money, pagination cursors and the
//! clock. It knows nothing of storage or HTTP, so any crate may depend on it.

pub mod clock;
pub mod cursor;
pub mod ids;
pub mod limits;
pub mod money;
pub mod refusal;
pub mod settings;
pub mod test_env;
pub mod text;

pub use clock::{Clock, SystemClock};
pub use cursor::{Cursor, CursorError, PageLimit};
pub use limits::MoneyLimits;
pub use money::{Money, MoneyError};
pub use refusal::{Classify, Failure, FieldChecks, Refusal};
pub use settings::SettingsError;
pub use text::{TextError, user_text};
