//! Every domain crate's settings, composed. Each part is named once, in the list below; loading,
//! the known keys, validation and the printed configuration all come from that list through
//! `bazaar_core::settings::Settings`.

use super::{ConfigError, describe};
use bazaar_core::settings::{Settings, SettingsError, keys_of};
use figment::Figment;

macro_rules! crate_settings {
    ($($part:ident: $settings:ty),* $(,)?) => {
        /// The settings each domain crate owns, read from the same sources as the gateway's own.
        #[derive(Debug, Clone, Default)]
        pub struct CrateSettings {
            $(pub $part: $settings,)*
        }

        impl CrateSettings {
            pub(super) fn extract(figment: &Figment) -> Result<CrateSettings, ConfigError> {
                Ok(CrateSettings {
                    $($part: figment.extract().map_err(|err| ConfigError::Parse(describe(err)))?,)*
                })
            }

            /// Every key some crate reads.
            pub(super) fn keys() -> Vec<&'static str> {
                [$(keys_of::<$settings>(),)*].concat()
            }

            pub(super) fn validate(&self) -> Result<(), SettingsError> {
                $(self.$part.validate()?;)*
                Ok(())
            }

            /// Every part with its secrets hidden.
            pub(super) fn redacted(&self) -> CrateSettings {
                CrateSettings { $($part: self.$part.redacted(),)* }
            }

            /// Each part as flat TOML.
            pub(super) fn tables(&self) -> Result<Vec<toml::Table>, toml::ser::Error> {
                Ok(vec![$(toml::Table::try_from(&self.$part)?,)*])
            }
        }
    };
}

crate_settings! {
    identity: bazaar_identity::IdentityConfig,
    sms: bazaar_sms::SmsConfig,
    catalog: bazaar_catalog::CatalogConfig,
    search: bazaar_search::SearchConfig,
    checkout: bazaar_checkout::CheckoutConfig,
    chat: bazaar_chat::ChatConfig,
    payments: bazaar_payments::PaymentsConfig,
    sandbox_payments: bazaar_pay_sandbox::SandboxConfig,
    promotions: bazaar_promotions::PromotionsConfig,
    campaigns: bazaar_campaigns::CampaignsConfig,
}
