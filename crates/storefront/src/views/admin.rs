//! The platform's console (`/admin/`): shop applications to review, by state, and the open chat
//! reports to look into and close.

use super::Chrome;
use askama::Template;
use bazaar_chat::ReportView;
use bazaar_identity::{ApplicationStatus, ApplicationView};

pub struct ApplicationRow {
    pub id: i64,
    pub shop_name: String,
    pub main_category: String,
    pub licence_number: String,
    pub contact_phone: String,
    pub description: String,
    pub pending: bool,
    pub review_reason: Option<String>,
}

pub struct ReportRow {
    pub id: i64,
    pub conversation_id: i64,
    pub reason: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
pub struct AdminPage {
    pub chrome: Chrome,
    /// (href, label, chosen)
    pub tabs: Vec<(String, &'static str, bool)>,
    pub applications: Vec<ApplicationRow>,
    pub reports: Vec<ReportRow>,
    /// The application a refused decision was for, and why.
    pub error: Option<(i64, String)>,
}

impl AdminPage {
    pub fn new(
        chrome: Chrome,
        status: ApplicationStatus,
        applications: &[ApplicationView],
        reports: &[ReportView],
    ) -> AdminPage {
        let t = chrome.t;
        let tabs = [
            (ApplicationStatus::Pending, t.refund_requested),
            (ApplicationStatus::Approved, t.refund_approved),
            (ApplicationStatus::Rejected, t.refund_rejected),
        ]
        .into_iter()
        .map(|(tab, label)| (format!("/admin/?status={}", tab.as_str()), label, tab == status))
        .collect();
        let applications = applications
            .iter()
            .map(|application| ApplicationRow {
                id: application.id.0,
                shop_name: application.shop_name.clone(),
                main_category: application.main_category.clone(),
                licence_number: application.licence_number.clone(),
                contact_phone: application.contact_phone.clone(),
                description: application.description.clone(),
                pending: status == ApplicationStatus::Pending,
                review_reason: application.review_reason.clone(),
            })
            .collect();
        let reports = reports
            .iter()
            .map(|report| ReportRow {
                id: report.id.0,
                conversation_id: report.conversation_id.0,
                reason: report.reason.clone(),
                at: super::china_time(report.created_at.and_utc()),
            })
            .collect();
        AdminPage { chrome, tabs, applications, reports, error: None }
    }

    pub fn error_for(&self, application: &i64) -> Option<&str> {
        super::message_at(&self.error, application)
    }
}
