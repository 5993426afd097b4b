//! Sign-in by SMS code (a new number is registered) or by password. A refused field is shown
//! next to it, with what was typed kept.

use super::Chrome;
use askama::Template;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub phone: String,
    pub next: String,
    pub code_sent: bool,
    /// The field at fault (`phone`, `code`, `password`) and what is wrong with it.
    pub error: Option<(String, String)>,
}

impl LoginPage {
    pub fn new(chrome: Chrome, next: &str) -> LoginPage {
        LoginPage { chrome, phone: String::new(), next: safe_next(next), code_sent: false, error: None }
    }

    pub fn error_for(&self, field: &str) -> Option<&str> {
        super::message_at(&self.error, field)
    }
}

/// The signed-in shopper's page: who they are, and signing out.
#[derive(Template)]
#[template(path = "me.html")]
pub struct MePage {
    pub chrome: Chrome,
    pub phone: String,
    pub nickname: String,
    /// Works for a shop: the console is a tap away.
    pub seller: bool,
    pub admin: bool,
    /// A refused nickname and why.
    pub error: Option<String>,
}

/// Where to go after signing in: only a path of this storefront, never another site (an open
/// redirect would let a phishing link borrow our sign-in page).
pub fn safe_next(next: &str) -> String {
    let ours = ["/m/", "/seller/", "/admin/"].iter().any(|prefix| next.starts_with(prefix));
    if ours && !next.starts_with("//") && !next.contains('\\') && !next.contains("://") {
        next.to_string()
    } else {
        "/m/".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_only_returns_to_our_own_pages() {
        assert_eq!(safe_next("/m/cart"), "/m/cart");
        assert_eq!(safe_next("/seller/"), "/seller/", "the console signs in through the same page");
        assert_eq!(safe_next("/m/products/3?颜色=红"), "/m/products/3?颜色=红");
        for hostile in ["https://evil.example/", "//evil.example/m/", "/m/\\evil", "/api/v1/me", "", "/m/x?u=http://a"]
        {
            assert_eq!(safe_next(hostile), "/m/", "{hostile}");
        }
    }
}
