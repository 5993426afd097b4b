//! [`Identity`]: the operations the gateway calls. Each runs its database work on the blocking
//! pool in one short transaction, and its kv work (codes, limits, the revocation list) alongside.

use crate::otp::{OtpCodes, login_message};
use crate::password::{self, HashCost, PasswordHasher};
use crate::sessions::{self, DeviceInfo, Rotation};
use crate::tokens::{TokenError, TokenKeys};
use crate::{IdentityError, OtpPurpose, OtpSent, OtpSettings, Phone, Role, UserView, users};
use bazaar_core::ids::{SessionId, ShopId, UserId};
use bazaar_db::{Database, DbConn, write_transaction};
use bazaar_kv::{Kv, Limit};
use bazaar_sms::SmsProvider;
use chrono::Utc;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

pub type Device = DeviceInfo;

#[derive(Clone)]
pub struct IdentitySettings {
    pub jwt_secret: String,
    pub jwt_previous_secrets: Vec<String>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub hash_cost: HashCost,
    pub hash_concurrency: usize,
    pub otp: OtpSettings,
    /// Password attempts per phone number (logins and password changes; a success starts the
    /// count again) before they are refused for the rest of the window.
    pub login_failures_per_phone: Limit,
    /// Password logins and registrations per client IP, whichever phones they name.
    pub password_attempts_per_ip: Limit,
}

impl IdentitySettings {
    pub fn new(jwt_secret: String) -> IdentitySettings {
        IdentitySettings {
            jwt_secret,
            jwt_previous_secrets: Vec::new(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * 24 * 3600),
            hash_cost: HashCost::default(),
            hash_concurrency: std::thread::available_parallelism().map_or(1, usize::from),
            otp: OtpSettings::default(),
            login_failures_per_phone: Limit::new(10, Duration::from_secs(15 * 60)),
            password_attempts_per_ip: Limit::new(60, Duration::from_secs(3_600)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthOutcome {
    pub user: UserView,
    #[serde(flatten)]
    pub tokens: TokenPair,
    /// True when this call created the account (OTP login of a new number, or registration).
    pub created: bool,
}

/// Who is calling: established from a verified access token whose session is not revoked.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// The one admin check every crate uses: `Forbidden` unless the caller is an administrator.
    pub fn require_admin(&self) -> Result<(), IdentityError> {
        if self.is_admin() { Ok(()) } else { Err(IdentityError::forbidden("administrators only")) }
    }

    /// The one shop-membership check: the caller's role in `shop_id`, or `Forbidden` when they
    /// neither own nor staff it. Runs inside the caller's transaction.
    pub fn shop_role(&self, conn: &mut DbConn, shop_id: ShopId) -> Result<crate::ShopRole, IdentityError> {
        self.role_in(conn, shop_id)?
            .ok_or_else(|| IdentityError::forbidden("only the shop's owner and staff may do that"))
    }

    /// The caller's role in `shop_id`, if any: for callers that answer outsiders differently
    /// (a private order is "not found" to them, not "forbidden").
    pub fn role_in(&self, conn: &mut DbConn, shop_id: ShopId) -> Result<Option<crate::ShopRole>, IdentityError> {
        crate::shops::shop_role(conn, shop_id, self.user_id)
    }

    /// Like [`Principal::shop_role`], for what only the owner may do.
    pub fn require_shop_owner(&self, conn: &mut DbConn, shop_id: ShopId) -> Result<(), IdentityError> {
        match self.shop_role(conn, shop_id)? {
            crate::ShopRole::Owner => Ok(()),
            crate::ShopRole::Staff => Err(IdentityError::forbidden("only the shop's owner may do that")),
        }
    }
}

#[derive(Clone)]
pub struct Identity {
    db: Database,
    kv: Kv,
    keys: Arc<TokenKeys>,
    hasher: PasswordHasher,
    sms: Arc<dyn SmsProvider>,
    settings: Arc<IdentitySettings>,
}

/// kv key counting password checks for a phone number.
fn failures_key(phone: &str) -> String {
    format!("rl:login_failures:{phone}")
}

fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

impl Identity {
    pub fn new(
        db: Database,
        kv: Kv,
        sms: Arc<dyn SmsProvider>,
        settings: IdentitySettings,
    ) -> Result<Identity, IdentityError> {
        let keys = TokenKeys::new(&settings.jwt_secret, &settings.jwt_previous_secrets, settings.access_ttl);
        let hasher = PasswordHasher::new(settings.hash_cost, settings.hash_concurrency)?;
        Ok(Identity { db, kv, keys: Arc::new(keys), hasher, sms, settings: Arc::new(settings) })
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    fn otp_codes(&self) -> OtpCodes<'_> {
        OtpCodes { kv: &self.kv, settings: &self.settings.otp, pepper: self.settings.jwt_secret.as_bytes() }
    }

    /// A right password clears the phone's failure count. With kv unreachable the count simply
    /// runs out with its window: that must not turn a right password into a failed login.
    async fn forget_failures(&self, phone: &str) {
        if let Err(err) = self.kv.delete(&failures_key(phone)).await {
            tracing::warn!(error = %err, "kv unreachable; the login failure count expires by itself");
        }
    }

    fn parse_phone(field: &'static str, raw: &str) -> Result<Phone, IdentityError> {
        Phone::parse(raw).map_err(|err| IdentityError::invalid(field, err.to_string()))
    }

    fn tokens_for(&self, user_id: UserId, session_id: SessionId, roles: Vec<Role>, refresh_token: String) -> TokenPair {
        let (access_token, expires_in) = self.keys.issue_access(user_id, session_id, roles, Utc::now().timestamp());
        TokenPair { access_token, token_type: "Bearer", expires_in, refresh_token }
    }

    /// Opens a session for an existing user and returns everything a login answers with.
    async fn open_session(&self, user_id: UserId, device: Device, created: bool) -> Result<AuthOutcome, IdentityError> {
        let lifetime = chrono_duration(self.settings.refresh_ttl);
        let (user, session_id, refresh) = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let user = users::get(conn, user_id)?;
                    let (session_id, refresh) =
                        sessions::start(conn, user_id, &device, Utc::now().naive_utc(), lifetime)?;
                    Ok::<_, IdentityError>((users::view(conn, &user)?, session_id, refresh))
                })
            })
            .await?;
        let tokens = self.tokens_for(user.id, session_id, user.roles.clone(), refresh);
        Ok(AuthOutcome { user, tokens, created })
    }

    /// Counts a password attempt (login or registration) against the caller's IP.
    async fn count_ip_attempt(&self, device: &Device) -> Result<(), IdentityError> {
        let Some(ip) = &device.ip else { return Ok(()) };
        match self.kv.hit(&format!("rl:password:ip:{ip}"), self.settings.password_attempts_per_ip).await? {
            Some(retry_after) => Err(IdentityError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a password check for `phone` *before* it is made, so that however many guesses
    /// arrive at once, at most the limit are ever evaluated in a window.
    async fn count_password_check(&self, phone: &str) -> Result<(), IdentityError> {
        match self.kv.hit(&failures_key(phone), self.settings.login_failures_per_phone).await? {
            Some(retry_after) => Err(IdentityError::RateLimited { retry_after }),
            None => Ok(()),
        }
    }

    /// Registers a phone with a password. The phone is proved first by an SMS code (purpose
    /// `register`), so nobody can pre-claim a number someone else will later sign in with.
    pub async fn register(
        &self,
        phone: &str,
        password: String,
        code: &str,
        nickname: Option<String>,
        device: Device,
    ) -> Result<AuthOutcome, IdentityError> {
        let phone = Self::parse_phone("phone", phone)?;
        self.count_ip_attempt(&device).await?;
        let nickname = match nickname {
            Some(nickname) => users::validate_nickname(&nickname)?,
            None => users::default_nickname(&phone),
        };
        if let Some(problem) = password::strength_problem(&password, phone.as_str()) {
            return Err(IdentityError::WeakPassword(problem));
        }
        if code.trim().is_empty() {
            return Err(IdentityError::invalid("code", "is required: request one with purpose `register`"));
        }
        self.otp_codes().verify(OtpPurpose::Register, &phone, code.trim()).await?;
        let hash = self.hasher.hash(password).await?;
        let user_id = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    Ok::<_, IdentityError>(
                        users::insert(conn, &phone, &nickname, Some(&hash), Utc::now().naive_utc())?.id,
                    )
                })
            })
            .await?;
        self.open_session(user_id, device, true).await
    }

    pub async fn login_with_password(
        &self,
        phone: &str,
        password: String,
        device: Device,
    ) -> Result<AuthOutcome, IdentityError> {
        let phone = Self::parse_phone("phone", phone)?;
        self.count_ip_attempt(&device).await?;
        self.count_password_check(phone.as_str()).await?;
        let lookup = phone.clone();
        let user = self.db.run(move |conn| users::find_by_phone(conn, &lookup)).await?;
        let stored = user.as_ref().and_then(|user| user.password_hash.clone());
        if !self.hasher.verify(password, stored).await? {
            return Err(IdentityError::InvalidCredentials);
        }
        self.forget_failures(phone.as_str()).await;
        let user = user.ok_or(IdentityError::InvalidCredentials)?;
        self.open_session(user.id, device, false).await
    }

    pub async fn send_otp(&self, phone: &str, purpose: OtpPurpose, ip: Option<&str>) -> Result<OtpSent, IdentityError> {
        let phone = Self::parse_phone("phone", phone)?;
        let codes = self.otp_codes();
        codes.check_send_limits(&phone, ip).await?;
        let code = codes.issue(purpose, &phone).await?;
        let text = login_message(&code, self.settings.otp.code_ttl);
        if let Err(err) = self.sms.send(phone.as_str(), &text).await {
            codes.discard(purpose, &phone).await?;
            return Err(IdentityError::SmsFailed(err.to_string()));
        }
        Ok(OtpSent {
            expires_in: self.settings.otp.code_ttl.as_secs(),
            resend_after: self.settings.otp.per_phone_minute.window.as_secs(),
        })
    }

    /// Logs in with an SMS code, registering the number if it is new.
    pub async fn login_with_otp(&self, phone: &str, code: &str, device: Device) -> Result<AuthOutcome, IdentityError> {
        let phone = Self::parse_phone("phone", phone)?;
        self.otp_codes().verify(OtpPurpose::Login, &phone, code.trim()).await?;
        let (user_id, created) = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| match users::find_by_phone(conn, &phone)? {
                    Some(user) => Ok::<_, IdentityError>((user.id, false)),
                    None => {
                        let nickname = users::default_nickname(&phone);
                        Ok((users::insert(conn, &phone, &nickname, None, Utc::now().naive_utc())?.id, true))
                    }
                })
            })
            .await?;
        self.open_session(user_id, device, created).await
    }

    /// Rotates a refresh token. Presenting a spent one revokes its whole session.
    pub async fn refresh(&self, refresh_token: String, device: Device) -> Result<TokenPair, IdentityError> {
        let lifetime = chrono_duration(self.settings.refresh_ttl);
        let key = self.settings.jwt_secret.clone();
        let rotation = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let rotation = sessions::rotate(
                        conn,
                        &refresh_token,
                        key.as_bytes(),
                        &device,
                        Utc::now().naive_utc(),
                        lifetime,
                    )?;
                    let roles = match &rotation {
                        Rotation::Rotated { user_id, .. } => {
                            let user = users::get(conn, *user_id)?;
                            users::roles(conn, &user)?
                        }
                        Rotation::Reused { .. } => Vec::new(),
                    };
                    Ok::<_, IdentityError>((rotation, roles))
                })
            })
            .await?;
        match rotation {
            (Rotation::Rotated { user_id, session_id, refresh_token }, roles) => {
                Ok(self.tokens_for(user_id, session_id, roles, refresh_token))
            }
            (Rotation::Reused { session_id }, _) => {
                tracing::warn!(%session_id, "refresh token reused; session revoked");
                self.deny_session(session_id).await?;
                Err(IdentityError::RefreshTokenReused)
            }
        }
    }

    /// How long a revocation is worth remembering in kv: as long as its access tokens can live.
    fn revoked_ttl(&self) -> Duration {
        self.keys.access_ttl() + Duration::from_secs(10)
    }

    async fn deny_session(&self, session_id: SessionId) -> Result<(), IdentityError> {
        crate::revocation::announce(&self.kv, session_id, self.revoked_ttl()).await;
        Ok(())
    }

    /// Revokes one of the user's sessions (logout when it is the current one).
    pub async fn revoke_session(&self, principal: &Principal, session_id: SessionId) -> Result<(), IdentityError> {
        let user_id = principal.user_id;
        self.db
            .run(move |conn| {
                if sessions::owner(conn, session_id)? != Some(user_id) {
                    return Err(IdentityError::not_found("session"));
                }
                sessions::revoke(conn, session_id, "signed_out", Utc::now().naive_utc())
            })
            .await?;
        self.deny_session(session_id).await
    }

    pub async fn sessions(&self, principal: &Principal) -> Result<Vec<crate::SessionView>, IdentityError> {
        let (user_id, current) = (principal.user_id, principal.session_id);
        self.db.run(move |conn| sessions::list(conn, user_id, current, Utc::now().naive_utc())).await
    }

    /// Establishes the caller from a bearer access token whose session is still signed in (the
    /// database is the truth, kv a short-lived copy of it; see `revocation`).
    pub async fn authenticate(&self, access_token: &str) -> Result<Principal, IdentityError> {
        let claims = self.keys.verify_access(access_token).map_err(|err| match err {
            TokenError::Expired => IdentityError::TokenExpired,
            TokenError::Invalid(reason) => {
                IdentityError::InvalidToken(format!("the access token is not valid: {reason}"))
            }
        })?;
        let user_id =
            claims.sub.parse().map_err(|_| IdentityError::InvalidToken("the access token names no user".into()))?;
        crate::revocation::check(&self.db, &self.kv, claims.sid, self.revoked_ttl()).await?;
        Ok(Principal { user_id, session_id: claims.sid, roles: claims.roles })
    }

    pub async fn me(&self, principal: &Principal) -> Result<UserView, IdentityError> {
        let user_id = principal.user_id;
        self.db
            .run(move |conn| {
                let user = users::get(conn, user_id)?;
                users::view(conn, &user)
            })
            .await
    }

    pub async fn update_me(
        &self,
        principal: &Principal,
        patch: crate::ProfilePatch,
    ) -> Result<UserView, IdentityError> {
        let user_id = principal.user_id;
        self.db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let user = users::update_profile(conn, user_id, patch, Utc::now().naive_utc())?;
                    users::view(conn, &user)
                })
            })
            .await
    }

    /// Sets or changes the password; a user who has one must prove they know it.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: Option<String>,
        new_password: String,
    ) -> Result<(), IdentityError> {
        let user_id = principal.user_id;
        let user = self.db.run(move |conn| users::get(conn, user_id)).await?;
        if let Some(problem) = password::strength_problem(&new_password, &user.phone) {
            return Err(IdentityError::WeakPassword(problem));
        }
        if let Some(stored) = user.password_hash.clone() {
            let current = current
                .ok_or_else(|| IdentityError::invalid("current_password", "is required to change a password"))?;
            // The same count as password logins: otherwise a stolen access token is an
            // unthrottled oracle for the password.
            self.count_password_check(&user.phone).await?;
            if !self.hasher.verify(current, Some(stored)).await? {
                return Err(IdentityError::invalid("current_password", "is wrong"));
            }
            self.forget_failures(&user.phone).await;
        }
        let hash = self.hasher.hash(new_password).await?;
        let keep = principal.session_id;
        let revoked = self
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let now = Utc::now().naive_utc();
                    users::set_password_hash(conn, user_id, &hash, now)?;
                    // Whoever knew the old password is signed out everywhere but here.
                    sessions::revoke_others(conn, user_id, keep, "password_changed", now)
                })
            })
            .await?;
        for session_id in revoked {
            self.deny_session(session_id).await?;
        }
        Ok(())
    }

    /// Creates or promotes an admin (CLI). Returns the user and whether it was created.
    pub async fn make_admin(
        &self,
        phone: &str,
        nickname: Option<String>,
        password: Option<String>,
    ) -> Result<(UserView, bool), IdentityError> {
        let phone = Self::parse_phone("phone", phone)?;
        let hash = match password {
            Some(password) => {
                if let Some(problem) = password::strength_problem(&password, phone.as_str()) {
                    return Err(IdentityError::WeakPassword(problem));
                }
                Some(self.hasher.hash(password).await?)
            }
            None => None,
        };
        self.db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let (user, created) =
                        users::make_admin(conn, &phone, nickname.as_deref(), hash.as_deref(), Utc::now().naive_utc())?;
                    Ok((users::view(conn, &user)?, created))
                })
            })
            .await
    }
}
