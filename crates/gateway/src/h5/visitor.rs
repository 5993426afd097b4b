//! Who is looking at a page: language, sign-in state and the CSRF token, all from cookies.
//!
//! The session is the API's own token pair, kept in HttpOnly, SameSite=Lax cookies (Secure over
//! HTTPS) so page scripts never see it. An expired access token is renewed with the refresh
//! token on the next page. Every form that changes something carries the `csrf` cookie's value as
//! a field; a POST whose field does not match is refused (SameSite=Lax already keeps other sites'
//! forms from sending our cookies; the token also covers same-site attackers and old browsers).

use crate::auth::device;
use crate::state::AppState;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_identity::{IdentityError, Principal, TokenPair};
use bazaar_storefront::{Chrome, Lang};

pub const SESSION: &str = "bz_session";
pub const REFRESH: &str = "bz_refresh";
pub const CSRF: &str = "bz_csrf";
pub const LANG: &str = "bz_lang";

pub struct Visitor {
    pub lang: Lang,
    pub csrf: String,
    pub principal: Option<Principal>,
    /// The request's path and query, for coming back to it.
    pub here: String,
    secure: bool,
    /// Cookies this answer must set (a new CSRF token, renewed or cleared session cookies).
    cookies: Vec<Cookie<'static>>,
}

impl Visitor {
    pub async fn of(req: &HttpRequest, state: &AppState) -> Visitor {
        let secure = req.connection_info().scheme() == "https";
        let lang = req
            .cookie(LANG)
            .and_then(|cookie| Lang::from_code(cookie.value()))
            .or_else(|| {
                req.headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|value| value.to_str().ok())
                    .map(Lang::from_accept_language)
            })
            .unwrap_or(Lang::Zh);
        let here = req.uri().path_and_query().map_or_else(|| "/m/".to_string(), |pq| pq.as_str().to_string());
        let mut visitor = Visitor { lang, csrf: String::new(), principal: None, here, secure, cookies: Vec::new() };
        match req.cookie(CSRF).map(|cookie| cookie.value().to_string()).filter(|token| token.len() == 32) {
            Some(token) => visitor.csrf = token,
            None => {
                visitor.csrf = random_token();
                let cookie = visitor.cookie(CSRF, visitor.csrf.clone());
                visitor.cookies.push(cookie);
            }
        }
        if let Some(access) = req.cookie(SESSION) {
            match state.identity.authenticate(access.value()).await {
                Ok(principal) => visitor.principal = Some(principal),
                Err(IdentityError::TokenExpired) => visitor.renew(req, state).await,
                Err(_) => visitor.sign_out_cookies(),
            }
        }
        visitor
    }

    /// The access token expired: one new pair from the refresh token, or signed out.
    async fn renew(&mut self, req: &HttpRequest, state: &AppState) {
        let Some(refresh) = req.cookie(REFRESH).map(|cookie| cookie.value().to_string()) else {
            return self.sign_out_cookies();
        };
        let renewed = match state.identity.refresh(refresh, device(req, &state.config)).await {
            Ok(pair) => state.identity.authenticate(&pair.access_token).await.ok().map(|principal| (pair, principal)),
            Err(_) => None,
        };
        match renewed {
            Some((pair, principal)) => {
                self.sign_in(&pair);
                self.principal = Some(principal);
            }
            None => self.sign_out_cookies(),
        }
    }

    fn cookie(&self, name: &'static str, value: String) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(CookieDuration::days(30))
            .finish()
    }

    /// Keeps `pair` as this browser's session.
    pub fn sign_in(&mut self, pair: &TokenPair) {
        let (access, refresh) =
            (self.cookie(SESSION, pair.access_token.clone()), self.cookie(REFRESH, pair.refresh_token.clone()));
        self.cookies.extend([access, refresh]);
    }

    pub fn sign_out_cookies(&mut self) {
        for name in [SESSION, REFRESH] {
            let mut gone = self.cookie(name, String::new());
            gone.make_removal();
            self.cookies.push(gone);
        }
    }

    pub fn remember_lang(&mut self, lang: Lang) {
        let cookie = self.cookie(LANG, if lang == Lang::En { "en" } else { "zh" }.to_string());
        self.cookies.push(cookie);
    }

    /// Whether a form's `csrf` field is this browser's token.
    pub fn csrf_ok(&self, sent: &str) -> bool {
        !self.csrf.is_empty() && constant_time_eq(sent.as_bytes(), self.csrf.as_bytes())
    }

    /// Who this is for counting a shop's visitors: the user when signed in, else this browser
    /// (a digest of its CSRF cookie, which lives 30 days; the token itself is never stored).
    pub fn counting_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        match &self.principal {
            Some(principal) => format!("u{}", principal.user_id),
            None => {
                let mut hasher = std::hash::DefaultHasher::new();
                self.csrf.hash(&mut hasher);
                format!("b{:016x}", hasher.finish())
            }
        }
    }

    /// The frame of a page for this visitor (the cart badge is filled in by the caller).
    pub fn chrome(&self) -> Chrome {
        let mut chrome = Chrome::new(self.lang, self.csrf.clone(), self.here.clone());
        chrome.signed_in = self.principal.is_some();
        chrome
    }

    /// Adds the cookies this visit decided on to `response`.
    pub fn finish(self, mut response: HttpResponse) -> HttpResponse {
        for cookie in self.cookies {
            let _ = response.add_cookie(&cookie);
        }
        response
    }
}

pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The form fields every state-changing form sends.
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub type State = web::Data<AppState>;
