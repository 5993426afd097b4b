//! Addresses and seller onboarding on [`Identity`]: thin async wrappers that run the queries in
//! `addresses` and `shops` on the blocking pool, each in one transaction.

use crate::addresses;
use crate::shops::{self, ApplicationStatus};
use crate::{
    AddressInput, AddressPatch, AddressView, ApplicationInput, ApplicationView, Identity, IdentityError, Principal,
    StaffView,
};
use bazaar_core::ids::{AddressId, ShopId, UserId};
use bazaar_db::write_transaction;

impl Identity {
    async fn in_transaction<T, F>(&self, work: F) -> Result<T, IdentityError>
    where
        T: Send + 'static,
        F: FnOnce(&mut bazaar_db::DbConn) -> Result<T, IdentityError> + Send + 'static,
    {
        self.db().run(move |conn| write_transaction(conn, work)).await
    }

    pub async fn addresses(&self, principal: &Principal) -> Result<Vec<AddressView>, IdentityError> {
        let user_id = principal.user_id;
        self.db().run(move |conn| addresses::list(conn, user_id)).await
    }

    pub async fn add_address(&self, principal: &Principal, input: AddressInput) -> Result<AddressView, IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| addresses::create(conn, user_id, input)).await
    }

    pub async fn update_address(
        &self,
        principal: &Principal,
        address_id: AddressId,
        patch: AddressPatch,
    ) -> Result<AddressView, IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| addresses::update(conn, user_id, address_id, patch)).await
    }

    pub async fn delete_address(&self, principal: &Principal, address_id: AddressId) -> Result<(), IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| addresses::delete(conn, user_id, address_id)).await
    }

    pub async fn apply_for_shop(
        &self,
        principal: &Principal,
        input: ApplicationInput,
    ) -> Result<ApplicationView, IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| shops::apply(conn, user_id, input)).await
    }

    /// The shop `shop_id` as the caller works for it, with their role; "not found" for a shop they
    /// do not work for (whether it exists is not theirs to learn).
    pub async fn member_shop(
        &self,
        principal: &Principal,
        shop_id: ShopId,
    ) -> Result<crate::MemberShop, IdentityError> {
        let shops = self.my_shops(principal).await?;
        shops.into_iter().find(|member| member.shop.id == shop_id).ok_or_else(|| IdentityError::not_found("shop"))
    }

    /// The shops the caller owns or staffs, with their role in each.
    pub async fn my_shops(&self, principal: &Principal) -> Result<Vec<crate::MemberShop>, IdentityError> {
        let user_id = principal.user_id;
        self.db().run(move |conn| shops::shops_of(conn, user_id)).await
    }

    pub async fn my_applications(&self, principal: &Principal) -> Result<Vec<ApplicationView>, IdentityError> {
        let user_id = principal.user_id;
        self.db().run(move |conn| shops::applications_of(conn, user_id)).await
    }

    pub async fn review_queue(
        &self,
        principal: &Principal,
        status: ApplicationStatus,
        after: i64,
        limit: i64,
    ) -> Result<Vec<ApplicationView>, IdentityError> {
        principal.require_admin()?;
        self.db().run(move |conn| shops::review_queue(conn, status, after, limit)).await
    }

    pub async fn approve_application(
        &self,
        principal: &Principal,
        id: i64,
        reason: Option<String>,
    ) -> Result<ApplicationView, IdentityError> {
        principal.require_admin()?;
        let reviewer = principal.user_id;
        self.in_transaction(move |conn| shops::approve(conn, id, reviewer, reason)).await
    }

    pub async fn reject_application(
        &self,
        principal: &Principal,
        id: i64,
        reason: String,
    ) -> Result<ApplicationView, IdentityError> {
        principal.require_admin()?;
        let reviewer = principal.user_id;
        self.in_transaction(move |conn| shops::reject(conn, id, reviewer, &reason)).await
    }

    pub async fn shop_staff(&self, principal: &Principal, shop_id: ShopId) -> Result<Vec<StaffView>, IdentityError> {
        let user_id = principal.user_id;
        self.db().run(move |conn| shops::staff(conn, shop_id, user_id)).await
    }

    pub async fn add_shop_staff(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        phone: String,
    ) -> Result<Vec<StaffView>, IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| shops::add_staff(conn, shop_id, user_id, &phone)).await
    }

    pub async fn remove_shop_staff(
        &self,
        principal: &Principal,
        shop_id: ShopId,
        staff_id: UserId,
    ) -> Result<(), IdentityError> {
        let user_id = principal.user_id;
        self.in_transaction(move |conn| shops::remove_staff(conn, shop_id, user_id, staff_id)).await
    }

    /// The caller's role in a shop (for guards in other crates' endpoints).
    pub async fn shop_role(
        &self,
        principal: &Principal,
        shop_id: ShopId,
    ) -> Result<Option<crate::ShopRole>, IdentityError> {
        let user_id = principal.user_id;
        self.db().run(move |conn| shops::shop_role(conn, shop_id, user_id)).await
    }
}
