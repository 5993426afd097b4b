//! Promotions' tables (coupons, points, check-ins) and the adjustments they leave on orders.

use super::orders;

diesel::table! {
    coupon_templates (id) {
        id -> BigInt,
        shop_id -> Nullable<BigInt>,
        name -> Text,
        kind -> Text,
        amount_off -> BigInt,
        percent_off -> Integer,
        max_discount -> Nullable<BigInt>,
        min_spend -> BigInt,
        scope -> Text,
        scope_ids -> Text,
        claim_starts_at -> Timestamp,
        claim_ends_at -> Timestamp,
        use_starts_at -> Nullable<Timestamp>,
        use_ends_at -> Nullable<Timestamp>,
        valid_days -> Nullable<Integer>,
        total_quantity -> BigInt,
        issued_count -> BigInt,
        used_count -> BigInt,
        discount_given -> BigInt,
        per_user_limit -> BigInt,
        per_user_per_day -> Nullable<BigInt>,
        new_customers_only -> Bool,
        visibility -> Text,
        redeem_code -> Nullable<Text>,
        combinable -> Bool,
        returned_on_refund -> Bool,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    coupon_claim_counts (template_id, user_id, day) {
        template_id -> BigInt,
        user_id -> BigInt,
        day -> Text,
        claimed -> BigInt,
    }
}

diesel::table! {
    coupons (id) {
        id -> BigInt,
        template_id -> BigInt,
        user_id -> BigInt,
        status -> Text,
        valid_from -> Timestamp,
        valid_until -> Timestamp,
        order_id -> Nullable<BigInt>,
        claimed_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    order_adjustments (id) {
        id -> BigInt,
        order_id -> BigInt,
        kind -> Text,
        label -> Text,
        amount -> BigInt,
        funder -> Text,
        coupon_id -> Nullable<BigInt>,
        template_id -> Nullable<BigInt>,
        allocations -> Text,
        promotion_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    shop_promotions (id) {
        id -> BigInt,
        shop_id -> BigInt,
        name -> Text,
        kind -> Text,
        tiers -> Text,
        min_items -> Integer,
        percent_off -> Integer,
        sku_id -> Nullable<BigInt>,
        price -> Nullable<BigInt>,
        list_price -> Nullable<BigInt>,
        combinable -> Bool,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(coupons -> coupon_templates (template_id));
diesel::joinable!(coupon_claim_counts -> coupon_templates (template_id));
diesel::joinable!(order_adjustments -> orders (order_id));

diesel::table! {
    point_balances (user_id) {
        user_id -> BigInt,
        balance -> BigInt,
    }
}

diesel::table! {
    point_entries (id) {
        id -> BigInt,
        user_id -> BigInt,
        delta -> BigInt,
        balance_after -> BigInt,
        reason -> Text,
        reference -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Who has paid for an order of which shop: what "new customers only" asks.
    shop_customers (user_id, shop_id) {
        user_id -> BigInt,
        shop_id -> BigInt,
        first_paid_at -> Timestamp,
    }
}

diesel::table! {
    check_ins (user_id, day) {
        user_id -> BigInt,
        day -> Text,
        streak -> Integer,
        points -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    flash_sales (id) {
        id -> BigInt,
        shop_id -> BigInt,
        organizer -> Text,
        product_id -> BigInt,
        title -> Text,
        list_price -> BigInt,
        sku_id -> BigInt,
        flash_price -> BigInt,
        quantity -> BigInt,
        sold -> BigInt,
        per_user_limit -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    flash_buyers (flash_sale_id, user_id) {
        flash_sale_id -> BigInt,
        user_id -> BigInt,
        bought -> BigInt,
    }
}

diesel::table! {
    flash_reservations (order_id) {
        order_id -> BigInt,
        flash_sale_id -> BigInt,
        user_id -> BigInt,
        quantity -> BigInt,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(flash_buyers -> flash_sales (flash_sale_id));
diesel::joinable!(flash_reservations -> flash_sales (flash_sale_id));
