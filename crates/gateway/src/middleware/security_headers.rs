//! Headers that keep browsers from misreading or framing what we serve. Every response says
//! `nosniff`; every HTML page (the API docs, the sandbox cashier) also gets a content security
//! policy that allows no inline or foreign script and no framing by other sites.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Scripts only from our own origin (no inline script); styles may be inline (the cashier's
/// page and Swagger UI carry them); nothing may frame a page.
pub const HTML_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the headers to a finished response (called by the outermost middleware, request ids).
pub fn apply(headers: &mut HeaderMap) {
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let is_html = headers.get(header::CONTENT_TYPE).is_some_and(|value| value.as_bytes().starts_with(b"text/html"));
    if is_html {
        // A page that set its own, stricter policy (the H5 storefront: no inline style either)
        // keeps it.
        if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(HTML_POLICY));
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(HeaderName::from_static("referrer-policy"), HeaderValue::from_static("same-origin"));
    }
}
