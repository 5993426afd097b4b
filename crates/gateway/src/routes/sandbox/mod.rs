//! Stand-ins for outside services, served only with `sandbox` on.

pub mod payments;
pub mod sms;
