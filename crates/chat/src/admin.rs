//! The shop's chat settings and the admins' moderation tools, on [`Chat`].

use crate::ChatError;
use crate::conversations;
use crate::messages::{self, HistoryQuery, MessagePage};
use crate::moderation::{self, ChatSettings, ReportView};
use crate::service::Chat;
use bazaar_core::ids::{ConversationId, ReportId, ShopId};
use bazaar_db::write_transaction;
use bazaar_identity::Principal;
use chrono::Utc;

impl Chat {
    pub async fn settings(&self, principal: &Principal, shop_id: ShopId) -> Result<ChatSettings, ChatError> {
        let member = principal.clone();
        self.db
            .run(move |conn| {
                moderation::require_member(conn, shop_id, &member, false)?;
                moderation::load_settings(conn, shop_id)
            })
            .await
    }

    pub async fn update_settings(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        wanted: ChatSettings,
    ) -> Result<ChatSettings, ChatError> {
        let owner = principal.clone();
        self.db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    moderation::require_member(conn, shop_id, &owner, true)?;
                    moderation::save_settings(conn, shop_id, wanted, Utc::now().naive_utc())
                })
            })
            .await
    }

    /// A participant reports the conversation; from then on admins can read it.
    pub async fn report(
        &self,
        principal: &Principal,
        conversation_id: ConversationId,
        reason: String,
    ) -> Result<ReportView, ChatError> {
        let user = principal.user_id;
        let caller = principal.clone();
        self.db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    conversations::access(conn, conversation_id, &caller)?;
                    moderation::report(conn, conversation_id, user, &reason, Utc::now().naive_utc())
                })
            })
            .await
    }

    pub async fn reports(&self, principal: &Principal, status: String) -> Result<Vec<ReportView>, ChatError> {
        principal.require_admin()?;
        if status != "open" && status != "closed" {
            return Err(ChatError::invalid("status", "must be open or closed"));
        }
        self.db.run(move |conn| moderation::reports_with_status(conn, &status)).await
    }

    /// An admin reads a reported conversation; without a report admins cannot.
    pub async fn reported_messages(
        &self,
        principal: &Principal,
        report_id: ReportId,
        query: HistoryQuery,
    ) -> Result<MessagePage, ChatError> {
        principal.require_admin()?;
        self.db
            .run(move |conn| {
                let report = moderation::find_report(conn, report_id)?;
                messages::history(conn, report.conversation_id, query)
            })
            .await
    }

    pub async fn close_report(&self, principal: &Principal, report_id: ReportId) -> Result<ReportView, ChatError> {
        principal.require_admin()?;
        let admin = principal.user_id;
        self.db.run(move |conn| moderation::close_report(conn, report_id, admin, Utc::now().naive_utc())).await
    }

    pub async fn sensitive_word_list(&self, principal: &Principal) -> Result<Vec<String>, ChatError> {
        principal.require_admin()?;
        Ok(self.sensitive_words().await?.as_ref().clone())
    }

    /// Replaces the masked words; every gateway uses the new list for the next message.
    pub async fn replace_sensitive_words(
        &self,
        principal: &Principal,
        words: Vec<String>,
    ) -> Result<Vec<String>, ChatError> {
        principal.require_admin()?;
        let saved = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| moderation::replace_words(conn, words, Utc::now().naive_utc()))
            })
            .await?;
        self.announce_words_changed().await;
        Ok(saved)
    }
}
